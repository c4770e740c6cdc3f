"""Deadlines (enrollments.services): expires_at is set on every entry into SUBMITTED or OFFERED (a
promotion included) as the end of the day so many working days ahead, and cleared otherwise; the expiry
job ends applications and offers past it and gives their seats to the waiting list."""

import datetime

import pytest
from django.utils import timezone

from certificates.models import FundingPeriod
from enrollments.contracts import enrollment_accept
from enrollments.models import Enrollment, EnrollmentEvent, EnrollmentStatus
from enrollments.selectors import group_seats_held
from enrollments.services import enrollment_cancel, enrollment_offer, enrollment_subject, enrollments_expire_due
from notices.models import Notification
from tests.certificates.factories import ChildFactory
from tests.enrollments.factories import applied, child_in, group_with_lessons, offered, parent_of, staff_of

pytestmark = pytest.mark.django_db

SECOND = datetime.timedelta(seconds=1)


def working_days_ahead(days: int) -> datetime.datetime:
    """The end of the day `days` working days (Monday to Friday) after today, counted here by hand."""
    day, left = timezone.localdate(), days
    while left:
        day += datetime.timedelta(days=1)
        if day.isoweekday() <= 5:
            left -= 1
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(23, 59, 59)))


@pytest.fixture
def period(period):
    """Three working days to review an application, five to accept an offer."""
    FundingPeriod.objects.filter(pk=period.pk).update(review_days=3, offer_days=5)
    period.refresh_from_db()
    return period


def refreshed(enrollment: Enrollment) -> Enrollment:
    enrollment.refresh_from_db()
    return enrollment


# --- expires_at on every entry into SUBMITTED and OFFERED -------------------------------------------


def test_an_application_gets_the_periods_review_days_in_working_days(period):
    enrollment = applied(child_in(period), group_with_lessons())

    assert enrollment.expires_at == working_days_ahead(3)


def test_without_a_period_the_default_review_days_apply():
    enrollment = applied(ChildFactory(), group_with_lessons())

    assert enrollment.expires_at == working_days_ahead(7)


def test_an_offer_gets_the_periods_offer_days(period):
    enrollment = offered(child_in(period), group_with_lessons())

    assert enrollment.expires_at == working_days_ahead(5)
    assert refreshed(enrollment).expires_at == working_days_ahead(5)


def test_a_waiting_application_has_no_deadline_until_promoted(period):
    group = group_with_lessons(capacity=1)
    holder = applied(child_in(period), group)
    waiting = applied(child_in(period), group)
    assert waiting.expires_at is None

    enrollment_cancel(parent=parent_of(holder.child), enrollment_id=holder.pk)

    promoted = refreshed(waiting)
    assert promoted.status == EnrollmentStatus.SUBMITTED
    assert promoted.expires_at == working_days_ahead(3)


def test_an_accepted_contract_has_no_deadline(period):
    enrollment = offered(child_in(period), group_with_lessons())

    contract = enrollment_accept(parent=parent_of(enrollment.child), enrollment_id=enrollment.pk).enrollment

    assert refreshed(contract).expires_at is None


# --- The expiry job -------------------------------------------------------------------------------------


def test_an_unreviewed_application_expires_and_its_seat_goes_to_the_waiting_list(period):
    group = group_with_lessons(capacity=1)
    holder = applied(child_in(period), group)
    first, second = applied(child_in(period), group), applied(child_in(period), group)

    assert enrollments_expire_due(now=holder.expires_at - SECOND) == 0
    assert enrollments_expire_due(now=holder.expires_at + SECOND) == 1

    assert refreshed(holder).status == EnrollmentStatus.EXPIRED
    assert Notification.objects.filter(subject=enrollment_subject(holder.pk), title="Срок заявки истёк").exists()
    assert (refreshed(first).status, refreshed(second).status) == ("SUBMITTED", "WAITING")
    assert first.expires_at == working_days_ahead(3)
    assert group_seats_held(group_id=group.pk) == 1


def test_an_unaccepted_offer_expires_and_its_seat_goes_to_the_waiting_list(period):
    group = group_with_lessons(capacity=1)
    offer = offered(child_in(period), group)
    waiting = applied(child_in(period), group)

    assert enrollments_expire_due(now=offer.expires_at + SECOND) == 1

    assert refreshed(offer).status == EnrollmentStatus.EXPIRED
    assert refreshed(waiting).status == EnrollmentStatus.SUBMITTED
    event = EnrollmentEvent.objects.get(enrollment=offer, to_status="EXPIRED")
    assert (event.from_status, event.actor) == ("OFFERED", None)


def test_contracts_and_waiting_applications_never_expire(period):
    group = group_with_lessons(capacity=1)
    contract = offered(child_in(period), group)
    enrollment_accept(parent=parent_of(contract.child), enrollment_id=contract.pk)
    waiting = applied(child_in(period), group)

    assert enrollments_expire_due(now=timezone.now() + datetime.timedelta(days=365)) == 0

    assert (refreshed(contract).status, refreshed(waiting).status) == ("ACTIVE", "WAITING")


def test_running_the_expiry_job_twice_expires_once(period):
    holder = applied(child_in(period), group_with_lessons(capacity=1))
    later = holder.expires_at + SECOND

    assert enrollments_expire_due(now=later) == 1
    assert enrollments_expire_due(now=later) == 0

    assert EnrollmentEvent.objects.filter(enrollment=holder, to_status="EXPIRED").count() == 1
    assert Notification.objects.filter(subject=enrollment_subject(holder.pk), title="Срок заявки истёк").count() == 1


def test_an_offer_made_later_gets_a_fresh_deadline(period):
    """The review deadline does not carry over: the offer has its own."""
    application = applied(child_in(period), group_with_lessons())
    Enrollment.objects.filter(pk=application.pk).update(expires_at=timezone.now() + datetime.timedelta(hours=1))

    offer = enrollment_offer(staff=staff_of(application.group), enrollment_id=application.pk)

    assert offer.expires_at == working_days_ahead(5)
    assert enrollments_expire_due(now=timezone.now() + datetime.timedelta(hours=2)) == 0
