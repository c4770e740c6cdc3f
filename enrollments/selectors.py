"""Reads of enrollments (selectors: reads; see services for writes).

The one place that counts seats held: the catalog search, the program page, the application and the
waiting list all read `seats_held_subquery` / `groups_with_seats` / `group_seats_held`. Seats are
computed from enrollment rows, never stored as a counter.

A parent's enrollments are scoped to them: another family's rows are simply not found (the doors
answer 404, never 403).
"""

from __future__ import annotations

from datetime import date

from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    FilteredRelation,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from catalog.models import Group
from certificates.models import CertificateAccount, DirectionChild, DirectionCount, FundedCertificateRequest
from certificates.selectors import accounts_newest_first
from enrollments.models import (
    LIVE_STATUSES,
    SEAT_HOLDING_STATUSES,
    Enrollment,
    EnrollmentEvent,
    EnrollmentStatus,
    TermsChange,
    TermsChangeStatus,
)
from enrollments.terms import ContractQuote

# --- Seats ------------------------------------------------------------------------------------------


def holds_a_seat(today: date | None = None) -> Q:
    """Enrollments holding a seat: applications under review, offers, contracts in force, and
    terminated contracts until the day their termination takes effect."""
    today = today or timezone.localdate()
    return Q(status__in=SEAT_HOLDING_STATUSES) | Q(status=EnrollmentStatus.TERMINATED, ends_on__gte=today)


def group_seats_held(*, group_id: int, today: date | None = None) -> int:
    """Applications and contracts holding a seat in the group today."""
    return Enrollment.objects.filter(holds_a_seat(today), group_id=group_id).count()


def _enrollments_per_group(condition: Q, group_ref: str) -> Coalesce:
    """An expression counting the enrollments of the group `group_ref` names that meet `condition`."""
    return Coalesce(
        Subquery(
            Enrollment.objects.filter(condition, group=OuterRef(group_ref))
            .order_by()
            .values("group")
            .annotate(n=Count("pk"))
            .values("n"),
            output_field=IntegerField(),
        ),
        Value(0),
    )


def seats_held_subquery(group_ref: str = "pk") -> Coalesce:
    """An expression for the seats held in the group `group_ref` names (for annotations and filters over
    groups, such as the catalog's «only groups with free seats»)."""
    return _enrollments_per_group(holds_a_seat(), group_ref)


def groups_with_seats(queryset: QuerySet[Group] | None = None) -> QuerySet[Group]:
    """Annotate `seats_left` = capacity − seats held, never below zero (an operator may lower the
    capacity under the seats already held)."""
    queryset = Group.objects.all() if queryset is None else queryset
    return queryset.annotate(seats_left=Greatest(F("capacity") - seats_held_subquery(), Value(0)))


def waiting_list(*, group_id: int) -> QuerySet[Enrollment]:
    """The group's waiting applications in the order they are served: first come, first served."""
    return Enrollment.objects.filter(group_id=group_id, status=EnrollmentStatus.WAITING).order_by("created_at", "pk")


def waiting_place(*, enrollment: Enrollment) -> int | None:
    """The waiting application's place in line (1 = next to get a seat); None when it is not waiting."""
    if enrollment.status != EnrollmentStatus.WAITING:
        return None
    ahead = waiting_list(group_id=enrollment.group_id).filter(
        Q(created_at__lt=enrollment.created_at) | Q(created_at=enrollment.created_at, pk__lt=enrollment.pk)
    )
    return ahead.count() + 1


def with_waiting_place(queryset: QuerySet[Enrollment]) -> QuerySet[Enrollment]:
    """Annotate `waiting_place` as waiting_place() computes it, inside the list's one query (a page of
    waiting applications would otherwise cost a COUNT each)."""
    ahead = (
        Enrollment.objects.filter(group=OuterRef("group"), status=EnrollmentStatus.WAITING)
        .filter(Q(created_at__lt=OuterRef("created_at")) | Q(created_at=OuterRef("created_at"), pk__lt=OuterRef("pk")))
        .order_by()
        .values("group")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return queryset.annotate(
        waiting_place=Case(
            When(
                status=EnrollmentStatus.WAITING,
                then=Coalesce(Subquery(ahead, output_field=IntegerField()), Value(0)) + Value(1),
            ),
            default=Value(None),
            output_field=IntegerField(),
        )
    )


def waiting_count_subquery(group_ref: str = "pk") -> Coalesce:
    """An expression for the number of waiting applications of the group `group_ref` names."""
    return _enrollments_per_group(Q(status=EnrollmentStatus.WAITING), group_ref)


def application_group(*, group_id: int) -> Group | None:
    """A group of a program the catalog shows, as the application page presents it: the program, its
    provider and direction, the weekly schedule, `seats_left` and `waiting` (applications on its
    waiting list). Two queries; None when there is no such group."""
    return (
        groups_with_seats(Group.objects.filter(pk=group_id, program__listed=True))
        .annotate(waiting=waiting_count_subquery())
        .select_related("program__provider__municipality", "program__direction")
        .prefetch_related("schedule")
        .first()
    )


def waiting_place_if_applied(group: Group) -> int | None:
    """The place in line an application made now would take (None: a seat is free, it goes to the
    provider). Reads `seats_left` and `waiting` from application_group(); the application itself
    decides again under the group's lock."""
    return None if group.seats_left > 0 else group.waiting + 1


# --- The parent's enrollments -----------------------------------------------------------------------


def with_pending_terms(queryset: QuerySet[Enrollment]) -> QuerySet[Enrollment]:
    """Each enrollment with `pending_terms`: the change of its contract's terms awaiting the parents'
    decision (enrollments.models.TermsChange), or none: read it with pending_terms_of(). A LEFT JOIN in the
    list's own query: there is at most one such change per enrollment (the constraint
    terms_change_one_proposed), so no row doubles."""
    return queryset.annotate(
        pending_terms=FilteredRelation("terms_changes", condition=Q(terms_changes__status=TermsChangeStatus.PROPOSED))
    ).select_related("pending_terms")


def pending_terms_of(enrollment: Enrollment) -> TermsChange | None:
    """The change read by with_pending_terms(): Django sets the attribute only when the join found a row."""
    return getattr(enrollment, "pending_terms", None)


def parent_enrollments(*, parent, child_id: int | None = None) -> QuerySet[Enrollment]:
    """Applications and contracts of the parent's children, newest first, with the child, the group,
    its program and provider, and the new terms awaiting the parents (`pending_terms`; one query; a list
    page adds its COUNT)."""
    enrollments = Enrollment.objects.filter(child__parents=parent)
    if child_id is not None:
        enrollments = enrollments.filter(child_id=child_id)
    return with_pending_terms(
        enrollments.select_related("child", "group__program__provider", "certificate").order_by("-created_at", "-pk")
    )


def parent_enrollment(*, parent, enrollment_id: int) -> Enrollment | None:
    """One enrollment of the parent's children; None when it is not theirs, whether or not it exists."""
    return parent_enrollments(parent=parent).filter(pk=enrollment_id).first()


def provider_enrollments(*, provider_id: int) -> QuerySet[Enrollment]:
    """Applications and contracts in the provider's groups, newest first, with the child, the group, its
    program and provider, the new terms awaiting the parents (`pending_terms`), and the certificate with
    its accounts (`period_accounts`, for its kind in the current period:
    certificates.selectors.with_current_account). One query and one for the accounts."""
    return with_pending_terms(
        Enrollment.objects.filter(group__program__provider_id=provider_id)
        .select_related("child", "group__program__provider", "certificate")
        .prefetch_related(accounts_newest_first("certificate__accounts"))
        .order_by("-created_at", "-pk")
    )


def provider_enrollment(*, provider_id: int, enrollment_id: int) -> Enrollment | None:
    """One enrollment in the provider's groups; None when it is another provider's, or missing."""
    return provider_enrollments(provider_id=provider_id).filter(pk=enrollment_id).first()


def parent_live_enrollment_count(*, parent) -> int:
    """Applications on the waiting list, under review, offered, and contracts in force."""
    return Enrollment.objects.filter(child__parents=parent, status__in=LIVE_STATUSES).count()


def contract_terms(enrollment: Enrollment) -> ContractQuote:
    """A contract's terms as agreed at acceptance (frozen on the enrollment), in the shape of the quote
    the parent was shown; `reserve` is what is still set aside on the certificate."""
    copayment_per_lesson = enrollment.lesson_price - enrollment.certificate_per_lesson
    return ContractQuote(
        funding=enrollment.funding,
        lesson_price=enrollment.lesson_price,
        certificate_per_lesson=enrollment.certificate_per_lesson,
        copayment_per_lesson=copayment_per_lesson,
        lessons_per_month=enrollment.lessons_per_month,
        planned_lessons=enrollment.planned_lessons,
        reserve=enrollment.reserve_remaining,
        copayment_total=enrollment.copayment_shown,
    )


def funding_queue_place(*, certificate_id: int | None, period_id: int | None) -> int | None:
    """The certificate's place in the period's first-come queue for a funded certificate (1 = next);
    None when it is not waiting there."""
    if certificate_id is None or period_id is None:
        return None
    waiting = FundedCertificateRequest.objects.filter(period_id=period_id, granted_at__isnull=True)
    own = waiting.filter(certificate_id=certificate_id).values_list("created_at", "pk").first()
    if own is None:
        return None
    created_at, pk = own
    return waiting.filter(Q(created_at__lt=created_at) | Q(created_at=created_at, pk__lt=pk)).count() + 1


def enrollment_history(*, enrollment: Enrollment) -> QuerySet[EnrollmentEvent]:
    """The enrollment's status changes, oldest first."""
    return EnrollmentEvent.objects.filter(enrollment=enrollment).order_by("created_at", "pk")


def direction_cap_reached(*, period, direction_id: int, child_id: int) -> bool:
    """Whether the period's cap of children per direction is reached for this child: the cap is set,
    the child is not counted in the direction yet, and the count is at the cap (the application page
    warns; acceptance refuses)."""
    if period is None or period.direction_cap is None:
        return False
    if DirectionChild.objects.filter(period=period, direction_id=direction_id, child_id=child_id).exists():
        return False
    count = DirectionCount.objects.filter(period=period, direction_id=direction_id).values_list("children", flat=True)
    return (count.first() or 0) >= period.direction_cap


# --- The provider's inbox --------------------------------------------------------------------------

# The inbox's statuses in the order it lists them: new applications first.
INBOX_STATUSES = (EnrollmentStatus.SUBMITTED, EnrollmentStatus.WAITING, EnrollmentStatus.OFFERED)


def _provider_enrollments(*, provider_id: int, today: date | None) -> QuerySet[Enrollment]:
    today = today or timezone.localdate()
    funded = CertificateAccount.objects.filter(
        certificate=OuterRef("certificate"), period__start_date__lte=today, period__end_date__gte=today
    )
    return (
        Enrollment.objects.filter(group__program__provider_id=provider_id)
        .select_related("child", "certificate", "group__program")
        .annotate(certificate_funded=Exists(funded))
    )


def provider_applications(*, provider_id: int, today: date | None = None) -> QuerySet[Enrollment]:
    """Applications to the provider's groups that await someone: under review first, then the waiting
    lists, then offers awaiting the parents; oldest first within each. With the child, the certificate,
    the group and its program, and `certificate_funded`: whether the certificate has an account in a
    period running today (a funded certificate; else an accounting one). One query."""
    rank = Case(*(When(status=status, then=Value(i)) for i, status in enumerate(INBOX_STATUSES)))
    return (
        _provider_enrollments(provider_id=provider_id, today=today)
        .filter(status__in=INBOX_STATUSES)
        .annotate(inbox_rank=rank)
        .order_by("inbox_rank", "created_at", "pk")
    )


def provider_application(*, provider_id: int, enrollment_id: int, today: date | None = None) -> Enrollment | None:
    """One enrollment of the provider's groups, as the inbox shows it; None when it is another
    provider's, whether or not it exists."""
    return _provider_enrollments(provider_id=provider_id, today=today).filter(pk=enrollment_id).first()


def provider_new_application_count(*, provider_id: int) -> int:
    """Applications waiting for the provider's review."""
    return Enrollment.objects.filter(group__program__provider_id=provider_id, status=EnrollmentStatus.SUBMITTED).count()


def provider_inbox_counts(*, provider_id: int) -> dict[str, int]:
    """What awaits someone in the provider's inbox, in one query: `new` applications under its review
    and `offered`: offers awaiting the parents' acceptance."""
    return Enrollment.objects.filter(
        group__program__provider_id=provider_id,
        status__in=(EnrollmentStatus.SUBMITTED, EnrollmentStatus.OFFERED),
    ).aggregate(
        new=Count("pk", filter=Q(status=EnrollmentStatus.SUBMITTED)),
        offered=Count("pk", filter=Q(status=EnrollmentStatus.OFFERED)),
    )


# --- A group's pupils (the roster) -----------------------------------------------------------------

# The roster's statuses: contracts in force, ended ones, and offers awaiting the parents' acceptance.
ROSTER_STATUSES = (EnrollmentStatus.ACTIVE, EnrollmentStatus.OFFERED, EnrollmentStatus.TERMINATED)


def provider_group(*, provider_id: int, group_id: int) -> Group | None:
    """One of the provider's groups with its program; None when it is another provider's, or missing."""
    return Group.objects.select_related("program").filter(pk=group_id, program__provider_id=provider_id).first()


def group_roster(*, group_id: int) -> QuerySet[Enrollment]:
    """The group's pupils: contracts in force first, then offers, then ended contracts; by the child's
    name within each; with the child, the certificate and the terms awaiting the parents. One query."""
    rank = Case(*(When(status=status, then=Value(i)) for i, status in enumerate(ROSTER_STATUSES)))
    return with_pending_terms(
        Enrollment.objects.filter(group_id=group_id, status__in=ROSTER_STATUSES)
        .select_related("child", "certificate")
        .annotate(roster_rank=rank)
        .order_by("roster_rank", "child__last_name", "child__first_name", "child__middle_name", "pk")
    )
