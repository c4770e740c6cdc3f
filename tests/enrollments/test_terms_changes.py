"""New terms of a running contract (enrollments.contracts): a change that does not raise the parents'
co-payment applies at once; one that raises it waits for a parent, who accepts it (the reserve follows)
or declines it and so ends the contract at once, freeing the seat for the waiting list. Lesson counts are
made here with catalog.calendar.lesson_dates from the weekday the test chose."""

import datetime
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone
from psycopg2 import errorcodes

from catalog.calendar import lesson_dates
from catalog.models import Program, ScheduleSlot
from certificates.models import BillingPolicy, CertificateAccount, FundingPeriod, LedgerEntry
from core.errors import NotFound
from enrollments.contracts import (
    NoTermsProposed,
    contract_terms_accept,
    contract_terms_change,
    contract_terms_decline,
    enrollment_accept,
    enrollment_terminate,
)
from enrollments.models import (
    Enrollment,
    EnrollmentEvent,
    EnrollmentStatus,
    ReserveEntry,
    TermsChange,
    TermsChangeStatus,
)
from enrollments.services import EnrollmentNotFound, enrollment_subject
from notices.models import Notification
from notices.services import notice_emails_send
from tests.accounts.factories import ParentFactory
from tests.catalog.factories import ProgramFactory
from tests.certificates.factories import claim_on
from tests.db import refused
from tests.enrollments.factories import (
    TermsChangeFactory,
    applied,
    child_in,
    group_with_lessons,
    offered,
    parent_of,
)

pytestmark = pytest.mark.django_db

MONDAY = ScheduleSlot.Weekday.MONDAY
HIGHER = Decimal("400.00")  # above the normative 300: the certificate pays 300, the parents 100 a lesson
AWAITING = "Новые условия договора ждут вашего решения"


def contract(period: FundingPeriod, group=None) -> Enrollment:
    """An accepted contract at 250 ₽ a lesson (normative 300): the certificate pays it all."""
    offer = offered(child_in(period), group or group_with_lessons())
    return enrollment_accept(parent=parent_of(offer.child), enrollment_id=offer.pk).enrollment


def lessons_left(enrollment: Enrollment) -> int:
    group = enrollment.group
    return len(lesson_dates(weekdays=[MONDAY], start=timezone.localdate(), end=group.end_date))


def reserve_rows(enrollment: Enrollment) -> list[Decimal]:
    return list(ReserveEntry.objects.filter(enrollment=enrollment).order_by("pk").values_list("amount", flat=True))


def account_of(enrollment: Enrollment) -> CertificateAccount:
    return CertificateAccount.objects.get(certificate=enrollment.certificate, period=enrollment.period)


def fresh(enrollment: Enrollment) -> Enrollment:
    return Enrollment.objects.get(pk=enrollment.pk)


def proposed(enrollment: Enrollment, price: Decimal = HIGHER) -> TermsChange:
    result = contract_terms_change(enrollment_id=enrollment.pk, lesson_price=price)
    assert result.proposed is not None
    return result.proposed


# --- Applied at once or proposed ----------------------------------------------------------------------------


def test_a_lower_price_applies_at_once_and_gives_the_reserve_back(period):
    running = contract(period)
    lessons = lessons_left(running)
    before = running.reserve_remaining

    result = contract_terms_change(enrollment_id=running.pk, lesson_price=Decimal("200.00"))

    assert result.proposed is None
    changed = fresh(running)
    assert (changed.lesson_price, changed.certificate_per_lesson) == (Decimal("200.00"), Decimal("200.00"))
    assert changed.reserve_remaining == Decimal("200.00") * lessons
    assert reserve_rows(running) == [before, Decimal("200.00") * lessons - before]
    assert LedgerEntry.objects.filter(reserve_entry__enrollment=running).latest("pk").kind == LedgerEntry.Kind.RELEASE
    assert not TermsChange.objects.exists()
    assert Notification.objects.filter(subject=enrollment_subject(running.pk), title="Условия договора изменились")
    # The change is in the audit trail, the contract still in force.
    event = EnrollmentEvent.objects.filter(enrollment=running).latest("pk")
    assert (event.from_status, event.to_status, event.note) == ("ACTIVE", "ACTIVE", "Условия договора изменены")


def test_a_higher_copayment_is_only_proposed_and_the_old_terms_and_reserve_stay(period):
    running = contract(period)
    lessons = lessons_left(running)
    staff = ParentFactory()  # who proposed it (any user; null for jobs)

    result = contract_terms_change(enrollment_id=running.pk, lesson_price=HIGHER, actor=staff)

    change = result.proposed
    assert change.status == TermsChangeStatus.PROPOSED
    assert (change.lesson_price_before, change.lesson_price_after) == (Decimal("250.00"), HIGHER)
    assert (change.certificate_per_lesson_before, change.certificate_per_lesson_after) == (
        Decimal("250.00"),
        Decimal("300.00"),
    )
    assert (change.copayment_before, change.copayment_after) == (0, Decimal("100.00") * lessons)
    assert (change.lessons, change.proposed_by, change.decided_at) == (lessons, staff, None)
    unchanged = fresh(running)
    assert (unchanged.lesson_price, unchanged.certificate_per_lesson) == (Decimal("250.00"), Decimal("250.00"))
    assert (unchanged.reserve_remaining, unchanged.copayment_shown) == (running.reserve_remaining, 0)
    assert reserve_rows(running) == [running.reserve_remaining]
    assert account_of(running).reserved == running.reserve_remaining
    assert not EnrollmentEvent.objects.filter(enrollment=running, from_status="ACTIVE").exists()


def test_the_parents_are_told_the_old_and_new_terms_in_the_portal_and_by_email(period):
    running = contract(period)
    parent = parent_of(running.child)
    parent.email = "mother@example.ru"
    parent.save(update_fields=["email"])
    lessons = lessons_left(running)

    proposed(running)

    notice = Notification.objects.get(subject=enrollment_subject(running.pk), title=AWAITING)
    assert notice.user == parent
    assert "Стоимость занятия: 250.00 ₽ → 400.00 ₽." in notice.body
    assert "Доплата за занятие: 0.00 ₽ → 100.00 ₽." in notice.body
    assert f"Доплата до конца периода: 0.00 ₽ → {Decimal('100.00') * lessons} ₽." in notice.body
    assert notice_emails_send(notification_ids=[notice.pk]) == 1
    [message] = mail.outbox
    assert (message.subject, message.to) == (AWAITING, ["mother@example.ru"])
    assert "250.00 ₽ → 400.00 ₽" in message.body


def test_a_paid_contract_proposes_any_higher_price(period):
    running = contract(period, group_with_lessons(program=ProgramFactory(funding=Program.Funding.PAID)))
    lessons = lessons_left(running)

    change = proposed(running, Decimal("260.00"))

    assert (change.certificate_per_lesson_before, change.certificate_per_lesson_after) == (0, 0)
    assert (change.copayment_before, change.copayment_after) == (
        Decimal("250.00") * lessons,
        Decimal("260.00") * lessons,
    )


def test_a_short_account_makes_a_price_under_the_normative_a_higher_copayment(period):
    """The certificate would pay more per lesson, but its account has nothing left to reserve: the parents
    would pay the difference, so they are asked."""
    running = contract(period)
    # A second contract of the same child takes what the account has left.
    drain = offered(running.child, group_with_lessons(weekdays=(MONDAY, ScheduleSlot.Weekday.WEDNESDAY)))
    enrollment_accept(parent=parent_of(running.child), enrollment_id=drain.pk)
    assert account_of(running).available == 0

    change = proposed(running, Decimal("280.00"))

    assert change.copayment_after > change.copayment_before


# --- Accepting --------------------------------------------------------------------------------------------------


def test_accepting_applies_the_new_terms_and_tops_the_reserve_up(period):
    running = contract(period)
    lessons = lessons_left(running)
    before = running.reserve_remaining
    change = proposed(running)
    parent = parent_of(running.child)

    decision = contract_terms_accept(parent=parent, enrollment_id=running.pk)

    assert decision.changed
    accepted = fresh(running)
    assert (accepted.status, accepted.lesson_price, accepted.certificate_per_lesson) == (
        EnrollmentStatus.ACTIVE,
        HIGHER,
        Decimal("300.00"),
    )
    assert accepted.reserve_remaining == Decimal("300.00") * lessons
    assert accepted.copayment_shown == Decimal("100.00") * lessons
    assert reserve_rows(running) == [before, Decimal("300.00") * lessons - before]
    assert LedgerEntry.objects.filter(reserve_entry__enrollment=running).latest("pk").kind == LedgerEntry.Kind.RESERVE
    assert account_of(running).reserved == accepted.reserve_remaining
    change.refresh_from_db()
    assert (change.status, change.decided_by) == (TermsChangeStatus.ACCEPTED, parent)
    assert change.decided_at is not None
    event = EnrollmentEvent.objects.filter(enrollment=running).latest("pk")
    assert (event.from_status, event.to_status, event.actor) == ("ACTIVE", "ACTIVE", parent)
    assert Notification.objects.filter(subject=enrollment_subject(running.pk), title="Новые условия договора приняты")


def test_accepting_twice_changes_it_once(period):
    running = contract(period)
    proposed(running)
    parent = parent_of(running.child)
    contract_terms_accept(parent=parent, enrollment_id=running.pk)
    rows, events = reserve_rows(running), EnrollmentEvent.objects.count()

    again = contract_terms_accept(parent=parent, enrollment_id=running.pk)

    assert not again.changed
    assert again.change.status == TermsChangeStatus.ACCEPTED
    assert (reserve_rows(running), EnrollmentEvent.objects.count()) == (rows, events)


# --- Declining ------------------------------------------------------------------------------------------------


def test_declining_ends_the_contract_at_once_and_promotes_the_waiting_list(period):
    group = group_with_lessons(capacity=1)
    running = contract(period, group)
    waiting = applied(child_in(period), group)
    assert waiting.status == EnrollmentStatus.WAITING
    change = proposed(running)
    parent = parent_of(running.child)

    decision = contract_terms_decline(parent=parent, enrollment_id=running.pk)

    assert decision.changed
    ended = fresh(running)
    assert ended.status == EnrollmentStatus.TERMINATED
    assert ended.ends_on == timezone.localdate() - datetime.timedelta(days=1)
    assert ended.lesson_price == Decimal("250.00")  # the new terms never applied
    assert ended.reserve_remaining == 0
    assert reserve_rows(running) == [running.reserve_remaining, -running.reserve_remaining]
    assert account_of(running).reserved == 0
    change.refresh_from_db()
    assert (change.status, change.decided_by) == (TermsChangeStatus.DECLINED, parent)
    assert fresh(waiting).status == EnrollmentStatus.SUBMITTED
    notice = Notification.objects.get(subject=enrollment_subject(running.pk), title="Договор расторгнут")
    assert "Новые условия отклонены" in notice.body


def test_declining_ends_a_monthly_contract_at_once_too(period):
    FundingPeriod.objects.filter(pk=period.pk).update(billing_policy=BillingPolicy.MONTHLY)
    group = group_with_lessons(capacity=1)
    running = contract(period, group)
    assert running.billing_policy == BillingPolicy.MONTHLY
    waiting = applied(child_in(period), group)
    today = timezone.localdate()
    # The contract has run since the month began (when the group did).
    Enrollment.objects.filter(pk=running.pk).update(starts_on=max(today.replace(day=1), group.start_date))
    proposed(running)

    contract_terms_decline(parent=parent_of(running.child), enrollment_id=running.pk)

    ended = fresh(running)
    assert ended.ends_on == today - datetime.timedelta(days=1)
    # The month is charged whole after it ends: only its lessons up to yesterday stay reserved.
    owed = lesson_dates(weekdays=[MONDAY], start=fresh(running).starts_on, end=today - datetime.timedelta(days=1))
    assert ended.reserve_remaining == Decimal("250.00") * len(owed)
    assert fresh(waiting).status == EnrollmentStatus.SUBMITTED


def test_declining_twice_ends_the_contract_once(period):
    running = contract(period)
    proposed(running)
    parent = parent_of(running.child)
    contract_terms_decline(parent=parent, enrollment_id=running.pk)

    again = contract_terms_decline(parent=parent, enrollment_id=running.pk)

    assert not again.changed
    assert len(reserve_rows(running)) == 2
    assert EnrollmentEvent.objects.filter(enrollment=running, to_status="TERMINATED").count() == 1
    # Accepting after declining: nothing awaits.
    with pytest.raises(NoTermsProposed):
        contract_terms_accept(parent=parent, enrollment_id=running.pk)


# --- Who may decide, and when --------------------------------------------------------------------------------


@pytest.mark.parametrize("decide", [contract_terms_accept, contract_terms_decline], ids=["accept", "decline"])
def test_another_familys_parent_finds_nothing(period, decide):
    running = contract(period)
    change = proposed(running)

    with pytest.raises(EnrollmentNotFound):
        decide(parent=parent_of(child_in(period)), enrollment_id=running.pk)

    change.refresh_from_db()
    assert change.status == TermsChangeStatus.PROPOSED
    assert fresh(running).status == EnrollmentStatus.ACTIVE


@pytest.mark.parametrize("decide", [contract_terms_accept, contract_terms_decline], ids=["accept", "decline"])
def test_a_pending_claimant_of_the_child_is_refused(period, decide):
    running = contract(period)
    change = proposed(running)
    typed_in = ParentFactory()
    claim_on(running.child, user=typed_in)

    with pytest.raises(NotFound):
        decide(parent=typed_in, enrollment_id=running.pk)

    change.refresh_from_db()
    assert change.status == TermsChangeStatus.PROPOSED
    assert (fresh(running).status, fresh(running).lesson_price) == (EnrollmentStatus.ACTIVE, Decimal("250.00"))


@pytest.mark.parametrize("decide", [contract_terms_accept, contract_terms_decline], ids=["accept", "decline"])
def test_nothing_to_decide_is_refused(period, decide):
    running = contract(period)
    contract_terms_change(enrollment_id=running.pk, lesson_price=Decimal("200.00"))  # applied at once

    with pytest.raises(NoTermsProposed) as refused_:
        decide(parent=parent_of(running.child), enrollment_id=running.pk)

    assert refused_.value.code == "no_terms_proposed"
    assert fresh(running).status == EnrollmentStatus.ACTIVE


def test_a_new_proposal_supersedes_the_pending_one_and_is_the_one_accepted(period):
    running = contract(period)
    first = proposed(running, Decimal("350.00"))

    second = proposed(running, HIGHER)

    first.refresh_from_db()
    assert first.status == TermsChangeStatus.SUPERSEDED
    assert (first.decided_at is not None, first.decided_by) == (True, None)
    assert list(TermsChange.objects.filter(status=TermsChangeStatus.PROPOSED)) == [second]
    contract_terms_accept(parent=parent_of(running.child), enrollment_id=running.pk)
    assert fresh(running).lesson_price == HIGHER


def test_a_change_applied_at_once_lets_a_pending_proposal_lapse(period):
    running = contract(period)
    pending = proposed(running)

    contract_terms_change(enrollment_id=running.pk, lesson_price=Decimal("200.00"))

    pending.refresh_from_db()
    assert pending.status == TermsChangeStatus.SUPERSEDED
    assert fresh(running).lesson_price == Decimal("200.00")


def test_terminating_the_contract_lets_a_pending_proposal_lapse(period):
    running = contract(period)
    pending = proposed(running)

    enrollment_terminate(parent=parent_of(running.child), enrollment_id=running.pk)

    pending.refresh_from_db()
    assert pending.status == TermsChangeStatus.SUPERSEDED
    with pytest.raises(NoTermsProposed):
        contract_terms_decline(parent=parent_of(running.child), enrollment_id=running.pk)


# --- The database's own rules ------------------------------------------------------------------------------------


def test_the_database_refuses_a_second_pending_change():
    first = TermsChangeFactory()
    with refused("terms_change_one_proposed", errorcodes.UNIQUE_VIOLATION):
        TermsChange.objects.bulk_create([TermsChangeFactory.build(enrollment=first.enrollment)])


def test_the_database_refuses_a_decision_without_who_and_when():
    change = TermsChangeFactory()
    with refused("terms_change_decided_has_who_and_when"):
        TermsChange.objects.filter(pk=change.pk).update(status=TermsChangeStatus.ACCEPTED, decided_at=timezone.now())
    with refused("terms_change_decided_has_who_and_when"):
        TermsChange.objects.filter(pk=change.pk).update(status=TermsChangeStatus.SUPERSEDED)
    with refused("terms_change_decided_has_who_and_when"):
        TermsChange.objects.filter(pk=change.pk).update(decided_at=timezone.now())


def test_the_database_refuses_negative_amounts():
    change = TermsChangeFactory()
    with refused("terms_change_money_not_negative"):
        TermsChange.objects.filter(pk=change.pk).update(copayment_after=Decimal("-0.01"))
