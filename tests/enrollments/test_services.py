"""Enrollment changes a parent makes (enrollments.services): cancel with its audit row and notices,
idempotent on repeat, refused for statuses that cannot be cancelled, the freed seat going to the
waiting list; and a real concurrent double cancel that the row locks turn into one change; likewise two
concurrent requests for a child's certificate, which issue one."""

import datetime
import threading
import time
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from accounts.services import contacts_update
from api.errors import domain_error_status
from certificates.models import Certificate, LedgerEntry
from certificates.services import certificate_issue
from enrollments import services
from enrollments.contracts import reserves_release_after_period_end
from enrollments.models import ALLOWED_TRANSITIONS, Enrollment, EnrollmentEvent, EnrollmentStatus
from enrollments.services import (
    EnrollmentNotFound,
    TransitionNotAllowed,
    enrollment_cancel,
    enrollment_parent_actions,
    enrollment_subject,
)
from notices.models import Notification
from notices.services import notification_mark_read, notifications_mark_all_read
from tests.accounts.factories import ParentFactory
from tests.catalog.factories import GroupFactory
from tests.certificates.factories import ChildFactory, FundingPeriodFactory, ParentLinkFactory
from tests.enrollments.factories import EnrollmentFactory, ReserveEntryFactory
from tests.notices.factories import NotificationFactory


@pytest.mark.parametrize("status", EnrollmentStatus.values)
def test_the_parent_may_cancel_exactly_where_the_transition_table_allows(status):
    enrollment = Enrollment(status=status)

    actions = enrollment_parent_actions(enrollment)

    assert ("cancel" in actions) == (EnrollmentStatus.CANCELLED in ALLOWED_TRANSITIONS.get(status, set()))


@pytest.mark.django_db
@pytest.mark.parametrize("status", ["WAITING", "SUBMITTED", "OFFERED"])
def test_cancel_writes_the_event_and_notifies_every_parent(status):
    enrollment = EnrollmentFactory(status=status)
    mother = enrollment.applicant
    father = ParentFactory()
    ParentLinkFactory(child=enrollment.child, user=father)

    result = enrollment_cancel(parent=mother, enrollment_id=enrollment.pk)

    assert result.changed
    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.CANCELLED
    event = EnrollmentEvent.objects.get(enrollment=enrollment)
    assert (event.from_status, event.to_status, event.actor) == (status, "CANCELLED", mother)
    assert set(
        Notification.objects.filter(subject=enrollment_subject(enrollment.pk)).values_list("user", flat=True)
    ) == {
        mother.pk,
        father.pk,
    }


@pytest.mark.django_db
def test_cancel_is_idempotent():
    enrollment = EnrollmentFactory()
    enrollment_cancel(parent=enrollment.applicant, enrollment_id=enrollment.pk)

    again = enrollment_cancel(parent=enrollment.applicant, enrollment_id=enrollment.pk)

    assert not again.changed
    assert EnrollmentEvent.objects.filter(enrollment=enrollment).count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("status", ["ACTIVE", "TERMINATED", "REJECTED", "EXPIRED"])
def test_cancel_is_refused_where_it_is_not_allowed(status):
    enrollment = EnrollmentFactory(status=status, accepted_at=timezone.now())  # accepted_by: the applicant

    with pytest.raises(TransitionNotAllowed) as refused:
        enrollment_cancel(parent=enrollment.applicant, enrollment_id=enrollment.pk)

    assert domain_error_status(refused.value) == 409  # the API door answers a conflict
    enrollment.refresh_from_db()
    assert enrollment.status == status
    assert not EnrollmentEvent.objects.exists()


@pytest.mark.django_db
def test_another_parent_cannot_cancel():
    enrollment = EnrollmentFactory()

    with pytest.raises(EnrollmentNotFound):
        enrollment_cancel(parent=ParentFactory(), enrollment_id=enrollment.pk)

    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.SUBMITTED


@pytest.mark.django_db
def test_the_waiting_list_moves_up_in_order_into_every_freed_seat():
    group = GroupFactory(capacity=2)
    leaving = EnrollmentFactory(group=group)
    EnrollmentFactory(group=group, active=True)
    waiting = [EnrollmentFactory(group=group, status=EnrollmentStatus.WAITING) for _ in range(3)]

    result = enrollment_cancel(parent=leaving.applicant, enrollment_id=leaving.pk)

    assert result.promoted == (waiting[0].pk,)
    statuses = [w.status for w in Enrollment.objects.filter(pk__in=[w.pk for w in waiting]).order_by("pk")]
    assert statuses == ["SUBMITTED", "WAITING", "WAITING"]
    event = EnrollmentEvent.objects.get(enrollment=waiting[0])
    assert (event.from_status, event.to_status, event.actor) == ("WAITING", "SUBMITTED", None)
    assert Notification.objects.get(subject=enrollment_subject(waiting[0].pk)).user == waiting[0].applicant


@pytest.mark.django_db
def test_leaving_the_waiting_list_frees_no_seat():
    group = GroupFactory(capacity=1)
    EnrollmentFactory(group=group)
    leaving, behind = (EnrollmentFactory(group=group, status=EnrollmentStatus.WAITING) for _ in range(2))

    result = enrollment_cancel(parent=leaving.applicant, enrollment_id=leaving.pk)

    assert result.promoted == ()
    behind.refresh_from_db()
    assert behind.status == EnrollmentStatus.WAITING


@pytest.mark.django_db
def test_a_closed_group_does_not_promote():
    group = GroupFactory(capacity=1, enrollment_open=False)
    leaving = EnrollmentFactory(group=group)
    behind = EnrollmentFactory(group=group, status=EnrollmentStatus.WAITING)

    enrollment_cancel(parent=leaving.applicant, enrollment_id=leaving.pk)

    behind.refresh_from_db()
    assert behind.status == EnrollmentStatus.WAITING


@pytest.mark.django_db
def test_notices_are_marked_read_once():
    notice = NotificationFactory()
    other = NotificationFactory(user=notice.user)
    NotificationFactory()  # someone else's stays unread

    assert notification_mark_read(notification=notice) is True
    assert notification_mark_read(notification=notice) is False
    assert notifications_mark_all_read(user=notice.user) == 1
    other.refresh_from_db()
    assert other.read_at is not None
    assert Notification.objects.filter(read_at__isnull=True).count() == 1


@pytest.mark.django_db
def test_contacts_update_saves_only_what_changed():
    parent = ParentFactory(email="a@example.ru", phone="")

    assert contacts_update(user=parent, email="a@example.ru", phone="+7 900 000-00-00", language="ru") == ["phone"]
    assert contacts_update(user=parent, email="a@example.ru", phone="+7 900 000-00-00", language="ru") == []
    assert contacts_update(user=parent, email="a@example.ru", phone="+7 900 000-00-00", language="en") == ["language"]
    parent.refresh_from_db()
    assert (parent.phone, parent.language) == ("+7 900 000-00-00", "en")


# --- A real race: two cancellations of one application at the same moment ------------------------------


def _cancel_in_thread(parent, enrollment_id, results):
    try:
        results.append(enrollment_cancel(parent=parent, enrollment_id=enrollment_id))
    except Exception as error:  # reported by the test
        results.append(error)
    finally:
        connection.close()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("locks", [True, False], ids=["with row locks", "without row locks"])
def test_two_concurrent_cancellations_change_it_once(locks, monkeypatch):
    """The first cancellation holds its transaction open (its notices are slow to write) while a second
    one starts. With the row locks the second waits, then finds it cancelled and changes nothing;
    switched off, both write an event, which shows the race is real and the locks are what prevent it."""
    if not locks:
        monkeypatch.setattr(QuerySet, "select_for_update", lambda self, *args, **kwargs: self)
    enrollment = EnrollmentFactory()
    parent = enrollment.applicant
    first_inside = threading.Event()
    notify = services.notify_parents

    def slow_notify(*args, **kwargs):
        notify(*args, **kwargs)
        first_inside.set()
        time.sleep(1.0)  # the transaction stays open while the second request starts

    monkeypatch.setattr(services, "notify_parents", slow_notify)
    results = []
    first = threading.Thread(target=_cancel_in_thread, args=(parent, enrollment.pk, results))
    first.start()
    assert first_inside.wait(timeout=30)
    second = threading.Thread(target=_cancel_in_thread, args=(parent, enrollment.pk, results))
    second.start()
    first.join(timeout=30)
    second.join(timeout=30)

    events = EnrollmentEvent.objects.filter(enrollment=enrollment).count()
    if locks:
        assert sorted(r.changed for r in results) == [False, True]
        assert events == 1
    else:
        assert events == 2


# --- Two requests for a child's certificate at the same moment (a double click) -----------------------


def _issue_in_thread(child, results):
    try:
        results.append(certificate_issue(child=child))
    except Exception as error:  # reported by the test
        results.append(error)
    finally:
        connection.close()


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_certificate_requests_issue_one_certificate():
    """«Получить сертификат» pressed twice: the second request waits for the first, then gets the same
    certificate back (the cabinet promises idempotence) instead of failing on the one-to-one."""
    child = ChildFactory()
    FundingPeriodFactory(
        municipality=child.municipality,
        start_date=timezone.localdate() - datetime.timedelta(days=30),
        end_date=timezone.localdate() + datetime.timedelta(days=300),
    )
    results = []

    with transaction.atomic():
        first = certificate_issue(child=child)
        second = threading.Thread(target=_issue_in_thread, args=(child, results))
        second.start()
        time.sleep(1.0)  # the second request is now under way while the first is not yet committed
    second.join(timeout=30)

    assert results == [first]
    assert Certificate.objects.filter(child=child).count() == 1
    # Funding is decided per period when a contract is accepted: issuing opens no account.
    assert LedgerEntry.objects.filter(account__certificate=first).count() == 0


@pytest.mark.django_db
def test_reserves_left_after_the_period_end_go_back_to_its_account():
    """Money does not carry over: the nightly job releases what a contract still holds of an ended period."""
    reserve = ReserveEntryFactory()
    contract = reserve.enrollment
    period = reserve.ledger_entry.account.period
    Enrollment.objects.filter(pk=contract.pk).update(period=period)

    assert reserves_release_after_period_end(today=period.end_date) == 0  # the period has not ended yet
    assert reserves_release_after_period_end(today=period.end_date + datetime.timedelta(days=1)) == 1

    contract.refresh_from_db()
    account = reserve.ledger_entry.account
    account.refresh_from_db()
    assert contract.reserve_remaining == Decimal("0.00")
    assert account.reserved == Decimal("0.00")
    assert reserves_release_after_period_end(today=period.end_date + datetime.timedelta(days=2)) == 0
