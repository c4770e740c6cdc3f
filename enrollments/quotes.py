"""What a parent is shown before anything is sent (selectors: reads, no writes): for the application, each
child with the price split of a contract in the group or the reason the child cannot apply; for an offer,
the terms its acceptance would freeze.

These reads price through enrollments.contracts, which enrollments.selectors cannot import (contracts →
services → selectors), hence a module of their own above contracts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import QuerySet
from django.utils import timezone

from catalog.groups import GroupState, group_month_lessons, group_state
from catalog.models import Group
from catalog.pricing import LessonPrice, MonthCost, month_cost, program_lesson_price
from certificates.models import BillingPolicy, Child, FundingPeriod
from certificates.selectors import child_certificate, parent_children
from core.errors import DomainError
from enrollments.contracts import acceptance_plan, quote_for
from enrollments.eligibility import check_can_apply, contract_period, require_confirmed_link
from enrollments.models import Enrollment
from enrollments.selectors import direction_cap_reached, funding_queue_place, groups_with_seats
from enrollments.terms import ContractQuote


@dataclass(frozen=True)
class ApplyChoice:
    """One of the parent's children on the application page."""

    child: Child
    quote: ContractQuote | None  # None when the child cannot apply
    refusal: DomainError | None  # why the child cannot apply (its code and translated message)
    # The period's cap of children in the program's direction is already reached: the application may
    # go in, but its acceptance would be refused (the page warns).
    direction_cap_reached: bool = False

    @property
    def can_apply(self) -> bool:
        return self.refusal is None


def link_problem(*, parent, child: Child) -> DomainError | None:
    """LinkNotConfirmed (with how to confirm the link) when the parent may not apply for, accept or
    terminate a contract of the child; None when they may."""
    try:
        require_confirmed_link(parent=parent, child=child)
    except DomainError as problem:
        return problem
    return None


def apply_refusal(*, parent, child: Child, group: Group, today: date | None = None) -> DomainError | None:
    """Why the child cannot apply to the group now, as enrollment_apply would refuse it (the parent's
    link first, then the rest); None when it can. The seat is not a reason: a full group has a waiting
    list. Expects `child.certificate` and `group.program.provider` loaded."""
    problem = link_problem(parent=parent, child=child)
    if problem is not None:
        return problem
    try:
        check_can_apply(child=child, group=group, certificate=child_certificate(child), today=today)
    except DomainError as refusal:
        return refusal
    return None


def apply_choices(*, parent, group: Group, today: date | None = None) -> list[ApplyChoice]:
    """Each of the parent's children, alphabetically, with the quote of a contract in the group from
    today, or the reason the child cannot apply, and whether the direction's cap is reached. About seven
    queries per child (a family has few)."""
    choices = []
    for child in parent_children(parent=parent):
        refusal = apply_refusal(parent=parent, child=child, group=group, today=today)
        quote = None if refusal else quote_for(child=child, group=group, today=today)
        cap_reached = refusal is None and direction_cap_reached(
            period=contract_period(child=child, group=group, today=today),
            direction_id=group.program.direction_id,
            child_id=child.pk,
        )
        choices.append(ApplyChoice(child=child, quote=quote, refusal=refusal, direction_cap_reached=cap_reached))
    return choices


@dataclass(frozen=True)
class OfferTerms:
    """The terms the parent accepts with an offer, priced as enrollment_accept() will price them today."""

    quote: ContractQuote
    starts_on: date
    ends_on: date
    period: FundingPeriod | None
    billing_policy: str  # BillingPolicy
    # The program is paid by certificate, but the period's funded certificates are all taken: the parent
    # may accept paying themselves, or wait in the queue (`queue_place`, once the certificate is in it).
    no_funded_room: bool
    queue_place: int | None

    @property
    def billing_policy_label(self) -> str:
        return BillingPolicy(self.billing_policy).label


def offer_terms(*, enrollment: Enrollment, today: date | None = None) -> OfferTerms:
    """The offer's terms: the prices of the application (a snapshot of the program's when it was made),
    the lessons the group's calendar plans from the contract's start to the end of the period, and what
    the certificate's account there can pay (enrollment_accept() recomputes them under its locks).
    Expects the enrollment's child (with municipality), group (with program and schedule) and
    certificate loaded."""
    plan = acceptance_plan(enrollment=enrollment, today=today)
    period, no_funded_room = plan.period, plan.no_funded_room
    return OfferTerms(
        quote=plan.expected_quote,
        starts_on=plan.start,
        ends_on=enrollment.group.end_date,
        period=period,
        billing_policy=period.billing_policy if period else BillingPolicy.PER_LESSON,
        no_funded_room=no_funded_room,
        queue_place=funding_queue_place(certificate_id=enrollment.certificate_id, period_id=period and period.pk)
        if no_funded_room
        else None,
    )


@dataclass(frozen=True)
class GroupMonthCost:
    """A month in the group for the program page: the general split, or one child's."""

    cost: MonthCost
    quote: ContractQuote | None = None  # the child's contract quote the split comes from; None: general


def group_month_cost(*, group: Group, child: Child | None = None, today: date | None = None) -> GroupMonthCost | None:
    """The first whole month of a contract in the group made today (catalog.groups.group_month_lessons)
    priced per lesson: without a child, the general split (the certificate pays up to the normative price,
    catalog.pricing); for a child, the split of the quote the application page shows (quote_for: what the
    child's certificate pays per lesson, within its balance or the nominal of the account acceptance would
    open). None once the group has ended. Expects `group.program` and `group.schedule` loaded; a child
    costs the queries of quote_for (its period, certificate and account)."""
    today = today or timezone.localdate()
    month = group_month_lessons(group, today=today)
    if month is None:
        return None
    if child is None:
        per_lesson = program_lesson_price(group.program)
        return GroupMonthCost(month_cost(per_lesson, month=month.month, lessons=month.lessons, whole=month.whole))
    quote = quote_for(child=child, group=group, today=today)
    per_lesson = LessonPrice(quote.lesson_price, quote.certificate_per_lesson, quote.copayment_per_lesson)
    # The reserve pays the contract's lessons in order: those before the month first.
    left = quote.reserve - quote.certificate_per_lesson * month.before
    cost = month_cost(per_lesson, month=month.month, lessons=month.lessons, whole=month.whole, certificate_limit=left)
    return GroupMonthCost(cost, quote)


def program_page_groups_queryset(*, today: date | None = None) -> QuerySet[Group]:
    """A program's groups for its page: every group not ended yet, open or closed, with `seats_left` and
    schedules, nearest start first (to prefetch under the program)."""
    current = Group.objects.filter(end_date__gte=today or timezone.localdate())
    return groups_with_seats(current).prefetch_related("schedule").order_by("start_date", "name", "pk")


@dataclass(frozen=True)
class PageGroup:
    group: Group
    state: GroupState
    month: GroupMonthCost | None  # None: the group takes no applications (or has ended)


def program_page_groups(
    *, groups: list[Group], child: Child | None = None, today: date | None = None
) -> list[PageGroup]:
    """Each group (from program_page_groups_queryset, with `program` set) with its state and, when it
    takes applications, the cost of a month in it (group_month_cost, for `child` when given)."""
    today = today or timezone.localdate()
    page = []
    for group in groups:
        state = group_state(group, seats_left=group.seats_left, today=today)
        month = group_month_cost(group=group, child=child, today=today) if state.accepts_applications else None
        page.append(PageGroup(group, state, month))
    return page
