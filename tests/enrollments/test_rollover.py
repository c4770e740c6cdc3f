"""Period rollover (enrollments.rollover): a contract running into its municipality's next funding period
continues there with an account opened under that period's funded limit and its reserve made there; where
the certificate cannot cover its share, the parents are asked to accept the higher co-payment (declining
ends the contract); nothing carries over. Two school years: A (2030/31) and B (2031/32); the group meets
on Mondays from 2 September 2030 to 26 December 2031, and the rollover runs on B's first day."""

from __future__ import annotations

import datetime
from decimal import Decimal
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from catalog.calendar import lesson_dates
from catalog.models import ScheduleSlot
from certificates.models import (
    BillingPolicy,
    Certificate,
    CertificateAccount,
    DirectionChild,
    FundedCertificateRequest,
    FundingPeriod,
    LedgerEntry,
)
from enrollments.contracts import (
    contract_terms_accept,
    contract_terms_decline,
    funding_queue_serve,
    reserves_release_after_period_end,
)
from enrollments.models import (
    ContractFunding,
    Enrollment,
    EnrollmentEvent,
    EnrollmentStatus,
    ReserveEntry,
    TermsChange,
    TermsChangeStatus,
)
from enrollments.rollover import Outcome, contract_roll_over, contracts_roll_over, contracts_roll_over_due
from enrollments.services import enrollment_subject
from enrollments.tasks import contracts_roll_over_task
from notices.models import Notification
from notices.services import notice_emails_send
from tests.billing.debit_helpers import contract
from tests.catalog.factories import MunicipalityFactory
from tests.certificates.factories import FundingPeriodFactory
from tests.enrollments.factories import group_with_lessons, parent_of

pytestmark = pytest.mark.django_db

D = Decimal
ZERO = D("0.00")
MONDAY = ScheduleSlot.Weekday.MONDAY
A_START, A_END = datetime.date(2030, 9, 1), datetime.date(2031, 8, 31)
B_START, B_END = datetime.date(2031, 9, 1), datetime.date(2032, 8, 31)
GROUP_START, GROUP_END = datetime.date(2030, 9, 2), datetime.date(2031, 12, 26)
# The group's Mondays in B: from B's first day (a Monday) to the group's end.
B_LESSONS = len(lesson_dates(weekdays=[MONDAY], start=B_START, end=GROUP_END))
ROLLED = "Договор продолжен в новом периоде финансирования"
AWAITING = "Новые условия договора ждут вашего решения"


@pytest.fixture
def town():
    return MunicipalityFactory()


@pytest.fixture
def period_a(town) -> FundingPeriod:
    return FundingPeriodFactory(municipality=town, year=2030)


@pytest.fixture
def period_b(town, period_a) -> FundingPeriod:
    return FundingPeriodFactory(municipality=town, year=2031, nominal=D("20000.00"))


def running(town, *, reserve: str | None = "2000.00", group=None, **kwargs) -> Enrollment:
    """An active contract (250 ₽ a lesson, normative 300: the certificate pays it all) on period A's
    account, `reserve` of it still set aside there."""
    group = group or group_with_lessons(start_date=GROUP_START, end_date=GROUP_END)
    return contract(group=group, child__municipality=town, reserve=reserve, **kwargs)


def fresh(enrollment: Enrollment) -> Enrollment:
    return Enrollment.objects.select_related("period").get(pk=enrollment.pk)


def account(enrollment: Enrollment, period: FundingPeriod) -> CertificateAccount:
    return CertificateAccount.objects.get(certificate=enrollment.certificate_id, period=period)


def reserve_rows(enrollment: Enrollment) -> list[tuple[int, Decimal]]:
    """(period id, amount) of each reserve row, in order."""
    rows = ReserveEntry.objects.filter(enrollment=enrollment).order_by("pk")
    return list(rows.values_list("ledger_entry__account__period", "amount"))


def roll(period: FundingPeriod, day: datetime.date = B_START):
    return contracts_roll_over(period_id=period.pk, today=day)


# --- Continuing into the next period ----------------------------------------------------------------------


def test_a_contract_continues_into_the_next_period_with_an_account_and_a_reserve_there(town, period_a, period_b):
    enrollment = running(town)
    parent = parent_of(enrollment.child)
    parent.email = "mother@example.ru"
    parent.save(update_fields=["email"])

    totals = roll(period_b)

    assert (totals.rolled, totals.short, totals.queued, totals.unchanged) == (1, 0, 0, 0)
    rolled = fresh(enrollment)
    assert rolled.period == period_b
    assert (rolled.status, rolled.funding, rolled.billing_policy) == ("ACTIVE", "FUNDED", "PER_LESSON")
    assert rolled.certificate_per_lesson == D("250.00")
    assert rolled.planned_lessons == B_LESSONS
    assert rolled.reserve_remaining == D("250.00") * B_LESSONS
    assert rolled.copayment_shown == ZERO
    # The new account: B's nominal, counted against B's limit, holding the contract's reserve.
    new = account(enrollment, period_b)
    assert (new.nominal, new.reserved, new.spent) == (D("20000.00"), D("250.00") * B_LESSONS, ZERO)
    assert LedgerEntry.objects.filter(account=new, kind=LedgerEntry.Kind.OPEN).count() == 1
    period_b.refresh_from_db()
    assert period_b.funded_accounts == 1
    # Nothing carries over: A's leftover reserve went back to A's account, the new one was made on B's.
    old = account(enrollment, period_a)
    assert (old.reserved, old.available) == (ZERO, D("10000.00"))
    assert reserve_rows(enrollment) == [
        (period_a.pk, D("2000.00")),
        (period_a.pk, D("-2000.00")),
        (period_b.pk, D("250.00") * B_LESSONS),
    ]
    # The parents are told, in the portal and by e-mail; the audit trail says so.
    notice = Notification.objects.get(subject=enrollment_subject(enrollment.pk), title=ROLLED)
    assert notice.user == parent
    assert f"«{period_b.name}»" in notice.body
    assert f"зарезервировано {D('250.00') * B_LESSONS} ₽" in notice.body
    assert notice_emails_send(notification_ids=[notice.pk]) == 1
    [message] = mail.outbox
    assert (message.subject, message.to) == (ROLLED, ["mother@example.ru"])
    event = EnrollmentEvent.objects.filter(enrollment=enrollment).latest("pk")
    assert (event.from_status, event.to_status) == ("ACTIVE", "ACTIVE")
    assert period_b.name in event.note
    assert not TermsChange.objects.exists()


def test_run_twice_changes_nothing_more(town, period_a, period_b):
    enrollment = running(town)
    roll(period_b)
    counts = (LedgerEntry.objects.count(), ReserveEntry.objects.count(), Notification.objects.count())

    again = roll(period_b)
    later = contracts_roll_over_due(today=B_START + datetime.timedelta(days=7))

    assert (again.rolled, again.unchanged) == (0, 0)  # no longer a candidate at all
    assert later.as_dict() == {"rolled": 0, "short": 0, "queued": 0, "uncovered": 0, "unchanged": 0, "busy": 0}
    assert (LedgerEntry.objects.count(), ReserveEntry.objects.count(), Notification.objects.count()) == counts
    assert contract_roll_over(enrollment_id=enrollment.pk, period_id=period_b.pk, today=B_START) == Outcome.UNCHANGED
    period_b.refresh_from_db()
    assert period_b.funded_accounts == 1


def test_the_old_reserve_is_given_back_once_whether_the_nightly_release_ran_before_the_rollover_or_not(
    town, period_a, period_b
):
    released_first = running(town)
    # The nightly order: ended periods' reserves first (00:20), then the rollover (00:40).
    assert reserves_release_after_period_end(today=B_START) == 1
    not_released = running(town)  # its old reserve still held when the rollover comes

    assert roll(period_b).rolled == 2
    assert reserves_release_after_period_end(today=B_START) == 0

    for enrollment in (released_first, not_released):
        assert [amount for period_id, amount in reserve_rows(enrollment) if period_id == period_a.pk] == [
            D("2000.00"),
            D("-2000.00"),
        ]
        assert fresh(enrollment).reserve_remaining == D("250.00") * B_LESSONS
    assert account(released_first, period_a).reserved == ZERO
    assert account(not_released, period_a).reserved == ZERO


def test_a_period_not_started_yet_rolls_nothing(town, period_a, period_b):
    enrollment = running(town)

    totals = roll(period_b, B_START - datetime.timedelta(days=1))

    assert totals.as_dict()["rolled"] == 0
    assert fresh(enrollment).period == period_a
    assert not CertificateAccount.objects.filter(period=period_b).exists()


def test_a_monthly_period_counts_its_months_whole_and_the_contract_takes_its_policy(town, period_a, period_b):
    FundingPeriod.objects.filter(pk=period_b.pk).update(billing_policy=BillingPolicy.MONTHLY)
    enrollment = running(town)

    # A week late: September is charged whole, so its lessons from the 1st are reserved too.
    roll(period_b, B_START + datetime.timedelta(days=7))

    rolled = fresh(enrollment)
    assert rolled.billing_policy == BillingPolicy.MONTHLY
    assert rolled.reserve_remaining == D("250.00") * B_LESSONS


def test_two_contracts_of_one_child_share_one_new_account(town, period_a, period_b):
    first = running(town)
    second = running(town, certificate=first.certificate, reserve="500.00")

    totals = roll(period_b)

    assert totals.rolled == 2
    new = account(first, period_b)
    assert CertificateAccount.objects.filter(certificate=first.certificate, period=period_b).count() == 1
    assert new.reserved == D("500.00") * B_LESSONS
    period_b.refresh_from_db()
    assert period_b.funded_accounts == 1
    assert fresh(second).period == period_b


def test_contracts_that_do_not_run_into_the_period_stay(town, period_a, period_b):
    ended_group = running(town, group=group_with_lessons(start_date=GROUP_START, end_date=datetime.date(2031, 5, 26)))
    terminated = running(town, status=EnrollmentStatus.TERMINATED)
    elsewhere = running(MunicipalityFactory())

    totals = roll(period_b)

    assert totals.rolled == 0
    for enrollment in (ended_group, terminated, elsewhere):
        assert fresh(enrollment).period != period_b
    assert not CertificateAccount.objects.filter(period=period_b).exists()


@pytest.mark.parametrize("funding", [ContractFunding.PAID, ContractFunding.FREE])
def test_a_paid_or_free_contract_needs_no_account(town, period_a, period_b, funding):
    enrollment = running(town, reserve=None, funding=funding, account=False)

    totals = roll(period_b)

    assert totals.as_dict() == {"rolled": 0, "short": 0, "queued": 0, "uncovered": 0, "unchanged": 0, "busy": 0}
    after = fresh(enrollment)
    assert (after.funding, after.period) == (funding, None)
    assert not CertificateAccount.objects.filter(certificate=enrollment.certificate).exists()
    period_b.refresh_from_db()
    assert period_b.funded_accounts == 0


# --- Where the certificate cannot cover its share ------------------------------------------------------------


def test_no_room_in_the_limit_queues_the_certificate_and_proposes_the_full_copayment(town, period_a, period_b):
    FundingPeriod.objects.filter(pk=period_b.pk).update(max_funded_certificates=0)
    enrollment = running(town)

    totals = roll(period_b)

    assert totals.queued == 1
    assert FundedCertificateRequest.objects.filter(
        period=period_b, certificate=enrollment.certificate, granted_at__isnull=True
    ).exists()
    assert not CertificateAccount.objects.filter(period=period_b).exists()
    change = TermsChange.objects.get(enrollment=enrollment)
    assert (change.status, change.period) == (TermsChangeStatus.PROPOSED, period_b)
    assert (change.lesson_price_before, change.lesson_price_after) == (D("250.00"), D("250.00"))
    assert (change.certificate_per_lesson_before, change.certificate_per_lesson_after) == (D("250.00"), ZERO)
    assert change.lessons == B_LESSONS
    assert (change.copayment_before, change.copayment_after) == (ZERO, D("250.00") * B_LESSONS)
    # The contract waits on its old period (the certificate pays nothing in B); the old reserve is back.
    waiting = fresh(enrollment)
    assert (waiting.period, waiting.reserve_remaining, waiting.status) == (period_a, ZERO, "ACTIVE")
    assert account(enrollment, period_a).reserved == ZERO
    notice = Notification.objects.get(subject=enrollment_subject(enrollment.pk), title=AWAITING)
    assert "поставлен в очередь" in notice.body
    assert f"Доплата до конца периода: 0.00 ₽ → {D('250.00') * B_LESSONS} ₽." in notice.body

    # Every later night: nothing new, however often.
    again = roll(period_b, B_START + datetime.timedelta(days=1))
    assert again.unchanged == 1
    assert TermsChange.objects.filter(enrollment=enrollment).count() == 1
    assert Notification.objects.filter(subject=enrollment_subject(enrollment.pk), title=AWAITING).count() == 1
    assert FundedCertificateRequest.objects.filter(period=period_b).count() == 1


def test_room_appearing_later_rolls_the_waiting_contract_and_its_proposal_lapses(town, period_a, period_b):
    FundingPeriod.objects.filter(pk=period_b.pk).update(max_funded_certificates=0)
    enrollment = running(town)
    roll(period_b)
    FundingPeriod.objects.filter(pk=period_b.pk).update(max_funded_certificates=5)
    day = B_START + datetime.timedelta(days=14)  # two Mondays later

    totals = roll(period_b, day)

    assert totals.rolled == 1
    rolled = fresh(enrollment)
    assert rolled.period == period_b
    lessons_from_day = len(lesson_dates(weekdays=[MONDAY], start=day, end=GROUP_END))
    assert rolled.reserve_remaining == D("250.00") * lessons_from_day
    assert TermsChange.objects.get(enrollment=enrollment).status == TermsChangeStatus.SUPERSEDED
    period_b.refresh_from_db()
    assert period_b.funded_accounts == 1


def test_a_certificate_served_from_the_queue_is_rolled_without_counting_it_twice(town, period_a, period_b):
    FundingPeriod.objects.filter(pk=period_b.pk).update(max_funded_certificates=0)
    enrollment = running(town)
    roll(period_b)
    FundingPeriod.objects.filter(pk=period_b.pk).update(max_funded_certificates=1)
    assert funding_queue_serve(period_id=period_b.pk) == 1

    assert roll(period_b).rolled == 1

    period_b.refresh_from_db()
    assert period_b.funded_accounts == 1
    assert fresh(enrollment).reserve_remaining == D("250.00") * B_LESSONS


def test_accepting_the_full_copayment_keeps_the_contract_and_the_certificate_pays_nothing(town, period_a, period_b):
    FundingPeriod.objects.filter(pk=period_b.pk).update(max_funded_certificates=0)
    enrollment = running(town)
    roll(period_b)

    decision = contract_terms_accept(parent=parent_of(enrollment.child), enrollment_id=enrollment.pk, today=B_START)

    assert decision.changed
    accepted = fresh(enrollment)
    assert (accepted.status, accepted.certificate_per_lesson, accepted.reserve_remaining) == ("ACTIVE", ZERO, ZERO)
    # Accepted once: later nights propose nothing again.
    assert roll(period_b, B_START + datetime.timedelta(days=1)).unchanged == 1
    assert TermsChange.objects.filter(enrollment=enrollment).count() == 1


def test_declining_the_full_copayment_ends_the_contract_at_once(town, period_a, period_b):
    FundingPeriod.objects.filter(pk=period_b.pk).update(max_funded_certificates=0)
    enrollment = running(town)
    roll(period_b)

    contract_terms_decline(parent=parent_of(enrollment.child), enrollment_id=enrollment.pk, today=B_START)

    ended = fresh(enrollment)
    assert (ended.status, ended.ends_on) == (EnrollmentStatus.TERMINATED, A_END)
    assert TermsChange.objects.get(enrollment=enrollment).status == TermsChangeStatus.DECLINED
    assert roll(period_b, B_START + datetime.timedelta(days=1)).as_dict()["unchanged"] == 0  # not a candidate


def test_an_account_short_of_the_share_reserves_what_there_is_and_proposes_the_higher_copayment(
    town, period_a, period_b
):
    FundingPeriod.objects.filter(pk=period_b.pk).update(nominal=D("1000.00"))
    enrollment = running(town)

    totals = roll(period_b)

    assert totals.short == 1
    rolled = fresh(enrollment)
    assert rolled.period == period_b
    assert rolled.reserve_remaining == D("1000.00")
    assert account(enrollment, period_b).available == ZERO
    change = TermsChange.objects.get(enrollment=enrollment)
    assert (change.status, change.period, change.lessons) == (TermsChangeStatus.PROPOSED, period_b, B_LESSONS)
    assert (change.certificate_per_lesson_before, change.certificate_per_lesson_after) == (D("250.00"), D("250.00"))
    assert (change.copayment_before, change.copayment_after) == (ZERO, D("250.00") * B_LESSONS - D("1000.00"))
    # Until the parents accept, the contract shows the co-payment of its terms.
    assert rolled.copayment_shown == ZERO
    notice = Notification.objects.get(subject=enrollment_subject(enrollment.pk), title=AWAITING)
    assert "не хватает средств" in notice.body
    assert roll(period_b).as_dict()["short"] == 0
    assert TermsChange.objects.filter(enrollment=enrollment).count() == 1


def test_the_directions_cap_reached_in_the_new_period_keeps_the_contract_waiting(town, period_a, period_b):
    FundingPeriod.objects.filter(pk=period_b.pk).update(direction_cap=1)
    group = group_with_lessons(start_date=GROUP_START, end_date=GROUP_END)
    first, second = running(town, group=group), running(town, group=group)

    totals = roll(period_b)

    assert (totals.rolled, totals.uncovered) == (1, 1)
    assert fresh(first).period == period_b
    waiting = fresh(second)
    assert waiting.period == period_a
    assert not CertificateAccount.objects.filter(certificate=second.certificate, period=period_b).exists()
    assert DirectionChild.objects.filter(period=period_b).count() == 1
    period_b.refresh_from_db()
    assert period_b.funded_accounts == 1  # the rolled-back account was never counted
    assert TermsChange.objects.get(enrollment=second).certificate_per_lesson_after == ZERO


# --- The doors: the nightly task and the command --------------------------------------------------------------


def test_the_nightly_task_rolls_into_the_periods_that_have_started(town):
    today = timezone.localdate()
    FundingPeriodFactory(
        municipality=town, start_date=today - datetime.timedelta(days=300), end_date=today - datetime.timedelta(days=1)
    )
    current = FundingPeriodFactory(municipality=town, start_date=today, end_date=today + datetime.timedelta(days=300))
    group = group_with_lessons(
        start_date=today - datetime.timedelta(days=100), end_date=today + datetime.timedelta(days=100)
    )
    enrollment = contract(group=group, child__municipality=town, reserve="100.00")

    result = contracts_roll_over_task.apply().get()

    assert result["rolled"] == 1
    assert fresh(enrollment).period == current


def test_the_command_rolls_one_period_on_a_date_and_prints_what_it_did(town, period_a, period_b):
    enrollment = running(town)
    out = StringIO()

    call_command("roll_over_contracts", "--period", str(period_b.pk), "--date", B_START.isoformat(), stdout=out)

    assert "продолжено договоров: 1" in out.getvalue()
    assert fresh(enrollment).period == period_b


def test_a_certificate_not_active_pays_nothing_in_the_new_period_and_the_parents_are_asked(town, period_a, period_b):
    enrollment = running(town)
    Certificate.objects.filter(pk=enrollment.certificate_id).update(status=Certificate.Status.FROZEN)

    totals = roll(period_b)

    assert totals.uncovered == 1
    assert fresh(enrollment).period == period_a
    assert not CertificateAccount.objects.filter(period=period_b).exists()
    assert not FundedCertificateRequest.objects.exists()
    assert TermsChange.objects.get(enrollment=enrollment).certificate_per_lesson_after == ZERO
    assert "Сертификат не действует" in Notification.objects.get(title=AWAITING).body
