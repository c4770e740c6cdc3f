"""Every way a seat frees or appears promotes the waiting list at once, oldest first, one application per
seat: cancel, reject, decline, expiry, termination (at once under PER_LESSON, on the day after the month's
end under MONTHLY), a capacity raise, enrollment reopened."""

import datetime

import pytest
from django.utils import timezone

from catalog.calendar import month_last_day
from catalog.models import Group
from certificates.models import BillingPolicy, FundingPeriod
from enrollments.contracts import enrollment_accept, enrollment_terminate
from enrollments.models import Enrollment, EnrollmentEvent
from enrollments.selectors import group_seats_held, waiting_place
from enrollments.services import (
    CapacityBelowHeld,
    enrollment_cancel,
    enrollment_reject,
    enrollment_subject,
    enrollments_expire_due,
    group_capacity_change,
    group_enrollment_reopen,
    terminations_take_effect,
)
from notices.models import Notification
from tests.enrollments.factories import applied, child_in, group_with_lessons, offered, parent_of, staff_of

pytestmark = pytest.mark.django_db


def statuses(*enrollments: Enrollment) -> list[str]:
    return [Enrollment.objects.get(pk=e.pk).status for e in enrollments]


def contract(child, group) -> Enrollment:
    offer = offered(child, group)
    return enrollment_accept(parent=parent_of(child), enrollment_id=offer.pk).enrollment


def cancel(holder):
    enrollment_cancel(parent=parent_of(holder.child), enrollment_id=holder.pk)


def reject(holder):
    enrollment_reject(staff=staff_of(holder.group), enrollment_id=holder.pk, reason="Группа укомплектована")


def decline(holder):
    enrollment_cancel(parent=parent_of(holder.child), enrollment_id=holder.pk, only_offers=True)


def expire(holder):
    holder.refresh_from_db()
    assert enrollments_expire_due(now=holder.expires_at + datetime.timedelta(seconds=1)) == 1


def terminate(holder):
    enrollment_terminate(parent=parent_of(holder.child), enrollment_id=holder.pk)


def raise_capacity(holder):
    group_capacity_change(group_id=holder.group_id, capacity=2)


def reopen(holder):
    """The group was closed while the seat freed (no promotion then); reopening promotes."""
    Group.objects.filter(pk=holder.group_id).update(enrollment_open=False)
    cancel(holder)
    assert Enrollment.objects.filter(group=holder.group_id, status="SUBMITTED").count() == 0
    group_enrollment_reopen(group_id=holder.group_id)


TRIGGERS = [
    ("SUBMITTED", cancel),
    ("SUBMITTED", reject),
    ("OFFERED", decline),
    ("SUBMITTED", expire),
    ("OFFERED", expire),
    ("ACTIVE", terminate),
    ("SUBMITTED", raise_capacity),
    ("SUBMITTED", reopen),
]


@pytest.mark.parametrize(
    ("holding", "trigger"), TRIGGERS, ids=[f"{trigger.__name__} {status}" for status, trigger in TRIGGERS]
)
def test_a_freed_seat_goes_to_the_first_in_line(period, holding, trigger):
    group = group_with_lessons(capacity=1)
    child = child_in(period)
    holder = {"SUBMITTED": applied, "OFFERED": offered, "ACTIVE": contract}[holding](child, group)
    first, second = applied(child_in(period), group), applied(child_in(period), group)

    trigger(holder)

    assert statuses(first, second) == ["SUBMITTED", "WAITING"]
    first.refresh_from_db()
    assert first.expires_at is not None
    event = EnrollmentEvent.objects.get(enrollment=first, to_status="SUBMITTED")
    assert (event.from_status, event.actor) == ("WAITING", None)
    assert Notification.objects.filter(subject=enrollment_subject(first.pk), user=parent_of(first.child)).count() == 2
    second.refresh_from_db()
    assert waiting_place(enrollment=second) == 1
    group.refresh_from_db()
    assert group_seats_held(group_id=group.pk) == group.capacity


def test_a_capacity_raise_promotes_as_many_as_new_seats_in_order(period):
    group = group_with_lessons(capacity=1)
    applied(child_in(period), group)
    waiting = [applied(child_in(period), group) for _ in range(4)]

    group_capacity_change(group_id=group.pk, capacity=3)

    assert statuses(*waiting) == ["SUBMITTED", "SUBMITTED", "WAITING", "WAITING"]
    assert group_seats_held(group_id=group.pk) == 3


def test_capacity_cannot_go_below_the_seats_held(period):
    group = group_with_lessons(capacity=3)
    applied(child_in(period), group)
    applied(child_in(period), group)

    with pytest.raises(CapacityBelowHeld):
        group_capacity_change(group_id=group.pk, capacity=1)

    group.refresh_from_db()
    assert group.capacity == 3


def test_a_monthly_termination_holds_the_seat_until_the_months_end(period):
    FundingPeriod.objects.filter(pk=period.pk).update(billing_policy=BillingPolicy.MONTHLY)
    group = group_with_lessons(capacity=1)
    holder = contract(child_in(period), group)
    waiting = applied(child_in(period), group)
    today = timezone.localdate()
    month_end = month_last_day(today)

    enrollment_terminate(parent=parent_of(holder.child), enrollment_id=holder.pk, today=today)

    # The month is paid whole: the seat stays taken until its last day, whatever the job does before.
    assert terminations_take_effect(today=today) == 0
    assert terminations_take_effect(today=month_end) == 0
    assert statuses(waiting) == ["WAITING"]
    assert group_seats_held(group_id=group.pk) == 1

    # The day after, the daily job hands the seat on, once however often it runs.
    next_day = month_end + datetime.timedelta(days=1)
    assert terminations_take_effect(today=next_day) == 1
    assert statuses(waiting) == ["SUBMITTED"]
    assert terminations_take_effect(today=next_day) == 1
    assert EnrollmentEvent.objects.filter(enrollment=waiting, to_status="SUBMITTED").count() == 1


def test_a_per_lesson_termination_frees_the_seat_at_once(period):
    group = group_with_lessons(capacity=1)
    holder = contract(child_in(period), group)
    waiting = applied(child_in(period), group)

    enrollment_terminate(parent=parent_of(holder.child), enrollment_id=holder.pk)

    assert statuses(waiting) == ["SUBMITTED"]
    # The daily job finds nothing more to hand out.
    terminations_take_effect()
    assert EnrollmentEvent.objects.filter(enrollment=waiting, to_status="SUBMITTED").count() == 1


def test_a_rejected_waiting_application_frees_no_seat(period):
    group = group_with_lessons(capacity=1)
    applied(child_in(period), group)
    leaving, behind = applied(child_in(period), group), applied(child_in(period), group)

    enrollment_reject(staff=staff_of(group), enrollment_id=leaving.pk, reason="Не подходит по расписанию")

    assert statuses(leaving, behind) == ["CANCELLED", "WAITING"]
    leaving.refresh_from_db()
    assert leaving.reject_reason == "Не подходит по расписанию"


def test_an_ended_group_does_not_promote(period):
    group = group_with_lessons(capacity=1)
    holder = applied(child_in(period), group)
    waiting = applied(child_in(period), group)
    Group.objects.filter(pk=group.pk).update(end_date=timezone.localdate() - datetime.timedelta(days=1))

    cancel(holder)

    assert statuses(waiting) == ["WAITING"]
