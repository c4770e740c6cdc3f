"""The demo provider's billing, made through the portal's own services as its staff, the nightly job
and the demo parent would make it, so that after `./run` the demo parent's certificate statement shows
real debits paid from the contract's reserve, a refund and an open dispute, and the demo provider's
workplace shows filled registers, an issued statement, a draft one and the disputes:

- the register of every lesson of the provider's groups with contracts (demo/contracts.py: accepted on
  the first day of the previous month), up to yesterday: mostly PRESENT, some ABSENT and EXCUSED, one
  lesson cancelled with its reason, and one mark corrected (kept in the lesson's history);
- the debit job (billing.debits.run_debits), as the nightly task runs it: outside any transaction;
- the previous month's statement (акт) issued by the provider's staff member;
- the demo parent disputes two of her son's charged lessons: the provider upholds the one of the
  previous month (its refund lands in the next open statement, the month's being issued), the other
  stays open;
- the current month's statement as a draft, with what has been charged so far.

Random choices come from the phase's seeded Random and every date from today, since the demo may be
loaded on any day: the same seed on the same day gives the same data. What the calendar does not allow
yet (no lesson before yesterday, no ended month with charges) is left out.
"""

from __future__ import annotations

import logging
import random
from contextlib import contextmanager
from datetime import date, timedelta

from django.utils import timezone

from accounts.models import User
from billing.attendance import lesson_dates_for, register_save
from billing.debits import run_debits
from billing.disputes import dispute_raise, dispute_resolve
from billing.models import AttendanceStatus, Charge, ChargeReversal, Statement
from billing.statements import month_end, month_start, statement_build, statement_issue
from catalog.models import Group
from enrollments.models import Enrollment, EnrollmentStatus

PRESENT_SHARE = 0.84  # of the classmates' marks; the rest ABSENT or EXCUSED, half and half
# The demo parent's son misses two lessons of his contract (by position): one without a reason, one
# with one; every other lesson he attends.
SON_ABSENT_AT, SON_EXCUSED_AT = 1, 4
CANCEL_REASON = "Педагог на курсах повышения квалификации"
UPHELD_REASON = "Артём в этот день болел, на занятии его не было."
UPHELD_RESOLUTION = "Проверили: отметка ошибочная, деньги за занятие возвращены на сертификат."
OPEN_REASON = "Занятие закончилось на час раньше расписания."


def _previous_month(today: date) -> date:
    return month_start(month_start(today) - timedelta(days=1))


def make_demo_billing(*, rng: random.Random, provider_id: int, today: date | None = None) -> int:
    """The demo provider's registers, debits, statements and disputes (see the module docstring); every
    step a service in its own transaction. Returns how many rows the phase made (marks, charges,
    disputes, statements)."""
    today = today or timezone.localdate()
    staff = User.objects.get(username="provider")
    parent = User.objects.get(username="parent")
    son = parent.children.order_by("birth_date").first()
    made = 0

    groups = (
        Group.objects.filter(
            program__provider_id=provider_id,
            enrollments__status=EnrollmentStatus.ACTIVE,
            enrollments__starts_on__lt=today,
        )
        .distinct()
        .prefetch_related("schedule")
        .order_by("pk")
    )
    for group in groups:
        made += _registers(rng=rng, group=group, staff=staff, son_id=son.pk, today=today)

    # As the nightly task would (billing.tasks): the whole job, each batch committing on its own. Its
    # log line is left out: a first demo load by ./run says one line.
    with _quiet("billing.debits"):
        made += run_debits(day=today).charged

    previous = _previous_month(today)
    made += _issue_month(provider_id=provider_id, month=previous, staff=staff, today=today)
    made += _disputes(parent=parent, staff=staff, son_id=son.pk, previous=previous)
    made += _current_drafts(provider_id=provider_id, today=today)
    return made


@contextmanager
def _quiet(logger_name: str):
    logger = logging.getLogger(logger_name)
    level = logger.level
    logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        logger.setLevel(level)


def _registers(*, rng: random.Random, group: Group, staff: User, son_id: int, today: date) -> int:
    """Every lesson of the group from its first contract's start to yesterday, saved as a teacher
    would: the pupils in force that day marked in one save; one lesson cancelled; on the last lesson
    a pupil marked absent at first and corrected to present by a second save."""
    contracts = list(
        Enrollment.objects.filter(group=group, status=EnrollmentStatus.ACTIVE).order_by("child__last_name", "pk")
    )
    first = min(contract.starts_on for contract in contracts)
    dates = [day for day in lesson_dates_for(group, today - timedelta(days=1), today=today) if day >= first]
    cancelled = dates[len(dates) // 2] if len(dates) >= 3 else None
    marked = 0
    for position, day in enumerate(dates):
        if day == cancelled:
            register_save(staff=staff, group_id=group.pk, date=day, cancelled=True, reason=CANCEL_REASON, today=today)
            continue
        in_force = [c for c in contracts if c.starts_on <= day <= c.ends_on]
        marks = {c.pk: _status(rng, c, son_id=son_id, position=position) for c in in_force}
        corrected = None
        if day == dates[-1] and in_force:
            # A latecomer first marked absent, then, once they came, present: the correction is kept.
            corrected = next((c for c in in_force if c.child_id != son_id), in_force[0]).pk
            marks[corrected] = AttendanceStatus.ABSENT
        register_save(staff=staff, group_id=group.pk, date=day, marks=marks.items(), today=today)
        if corrected is not None:
            register_save(
                staff=staff, group_id=group.pk, date=day, marks=[(corrected, AttendanceStatus.PRESENT)], today=today
            )
        marked += len(marks)
    return marked


def _status(rng: random.Random, contract: Enrollment, *, son_id: int, position: int) -> str:
    if contract.child_id == son_id:
        if position == SON_ABSENT_AT:
            return AttendanceStatus.ABSENT
        if position == SON_EXCUSED_AT:
            return AttendanceStatus.EXCUSED
        return AttendanceStatus.PRESENT
    draw = rng.random()
    if draw < PRESENT_SHARE:
        return AttendanceStatus.PRESENT
    return AttendanceStatus.ABSENT if draw < (1 + PRESENT_SHARE) / 2 else AttendanceStatus.EXCUSED


def _issue_month(*, provider_id: int, month: date, staff: User, today: date) -> int:
    """The provider's statement of the (ended) month to each paying municipality, built and issued by
    its staff member, as «Выставить» in the workplace does."""
    municipalities = sorted(
        set(
            Charge.objects.filter(provider_id=provider_id, service_date__range=(month, month_end(month))).values_list(
                "municipality_id", flat=True
            )
        )
    )
    for municipality_id in municipalities:
        built = statement_build(provider_id=provider_id, municipality_id=municipality_id, month=month)
        statement_issue(actor=staff, statement_id=built.statement.pk, today=today)
    return len(municipalities)


def _disputes(*, parent: User, staff: User, son_id: int, previous: date) -> int:
    """The demo parent disputes two of her son's charged lessons: the provider upholds the first one of
    the previous month (else his first), and the latest stays open."""
    charges = list(
        Charge.objects.filter(
            enrollment__child_id=son_id, kind=Charge.Kind.LESSON, reversal__isnull=True, certificate_amount__gt=0
        ).order_by("service_date", "pk")
    )
    if not charges:
        return 0
    upheld = next((c for c in charges if month_start(c.service_date) == previous), charges[0])
    dispute = dispute_raise(parent=parent, charge_id=upheld.pk, reason=UPHELD_REASON).dispute
    dispute_resolve(actor=staff, dispute_id=dispute.pk, uphold=True, resolution=UPHELD_RESOLUTION)
    if charges[-1] is upheld:
        return 1
    dispute_raise(parent=parent, charge_id=charges[-1].pk, reason=OPEN_REASON)
    return 2


def _current_drafts(*, provider_id: int, today: date) -> int:
    """The current month's draft statement to each municipality with charges or refunds not yet in a
    statement (the nightly build makes it only once the month is over)."""
    municipalities = set(
        Charge.objects.filter(provider_id=provider_id, statement_line__isnull=True).values_list(
            "municipality_id", flat=True
        )
    ) | set(
        ChargeReversal.objects.filter(provider_id=provider_id, statement_line__isnull=True).values_list(
            "municipality_id", flat=True
        )
    )
    for municipality_id in sorted(municipalities):
        statement_build(provider_id=provider_id, municipality_id=municipality_id, month=today)
    return Statement.objects.filter(provider_id=provider_id, month=month_start(today)).count()
