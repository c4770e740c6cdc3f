"""Two rollover runs at once, each thread with its own connection: every contract continues once, every
certificate gets one account in the new period, counted once against its funded limit, and the limit holds."""

from __future__ import annotations

import datetime
import threading
import time
from decimal import Decimal

import pytest
from django.db import connection, transaction

from catalog.calendar import lesson_dates
from catalog.models import ScheduleSlot
from certificates.models import CertificateAccount, FundedCertificateRequest, FundingPeriod, LedgerEntry
from enrollments.models import Enrollment, ReserveEntry, TermsChange
from enrollments.rollover import Outcome, RolloverTotals, contract_roll_over, contracts_roll_over
from notices.models import Notification
from tests.billing.debit_helpers import contract
from tests.catalog.factories import MunicipalityFactory
from tests.certificates.factories import FundingPeriodFactory
from tests.enrollments.factories import group_with_lessons
from tests.enrollments.test_concurrency import at_once

pytestmark = pytest.mark.django_db(transaction=True)

D = Decimal
B_START, GROUP_END = datetime.date(2031, 9, 1), datetime.date(2031, 12, 26)
B_LESSONS = len(lesson_dates(weekdays=[ScheduleSlot.Weekday.MONDAY], start=B_START, end=GROUP_END))


@pytest.fixture(autouse=True)
def _patient_locks(settings):
    settings.LOCK_TIMEOUT_MS = 10_000


@pytest.fixture
def town():
    return MunicipalityFactory()


@pytest.fixture
def period_b(town) -> FundingPeriod:
    FundingPeriodFactory(municipality=town, year=2030)
    return FundingPeriodFactory(municipality=town, year=2031, nominal=D("20000.00"))


def contracts(town, children: int, second_contracts: int, reserve: str | None = "1000.00") -> list[Enrollment]:
    """`children` contracts of different children; the first `second_contracts` of them have a second.
    Each holds `reserve` on its old period's account (None: the nightly release gave it back already)."""
    group = group_with_lessons(start_date=datetime.date(2030, 9, 2), end_date=GROUP_END, capacity=30)
    firsts = [contract(group=group, child__municipality=town, reserve=reserve) for _ in range(children)]
    other = group_with_lessons(start_date=datetime.date(2030, 9, 2), end_date=GROUP_END, capacity=30)
    seconds = [contract(group=other, certificate=e.certificate, reserve=reserve) for e in firsts[:second_contracts]]
    return firsts + seconds


def two_runs_at_once(period: FundingPeriod) -> list[RolloverTotals]:
    results = at_once([lambda: contracts_roll_over(period_id=period.pk, today=B_START) for _ in range(2)])
    assert all(isinstance(r, RolloverTotals) for r in results), results
    return results


def test_two_runs_at_once_roll_each_contract_once_and_open_one_account_per_certificate(town, period_b):
    enrollments = contracts(town, children=6, second_contracts=3)

    results = two_runs_at_once(period_b)

    assert sum(r.rolled for r in results) == 9
    certificates = {e.certificate_id for e in enrollments}
    accounts = CertificateAccount.objects.filter(period=period_b)
    assert sorted(accounts.values_list("certificate", flat=True)) == sorted(certificates)
    assert LedgerEntry.objects.filter(account__period=period_b, kind=LedgerEntry.Kind.OPEN).count() == 6
    period_b.refresh_from_db()
    assert period_b.funded_accounts == 6
    for enrollment in enrollments:
        rolled = Enrollment.objects.get(pk=enrollment.pk)
        assert rolled.period_id == period_b.pk
        reserves = ReserveEntry.objects.filter(enrollment=enrollment, ledger_entry__account__period=period_b)
        assert reserves.count() == 1
        assert rolled.reserve_remaining == reserves.get().amount
        assert Notification.objects.filter(subject=f"enrollment:{enrollment.pk}").count() == 1
    # Each account holds the reserves of its certificate's contracts: 250 ₽ a lesson each.
    for account in accounts:
        held = Enrollment.objects.filter(certificate=account.certificate_id).count()
        assert account.reserved == D("250.00") * B_LESSONS * held


def test_two_runs_at_once_keep_the_funded_limit_and_queue_the_rest(town, period_b):
    FundingPeriod.objects.filter(pk=period_b.pk).update(max_funded_certificates=4)
    enrollments = contracts(town, children=7, second_contracts=0)

    results = two_runs_at_once(period_b)

    assert (sum(r.rolled for r in results), sum(r.queued for r in results)) == (4, 3)
    period_b.refresh_from_db()
    assert period_b.funded_accounts == 4
    assert CertificateAccount.objects.filter(period=period_b).count() == 4
    queued = FundedCertificateRequest.objects.filter(period=period_b)
    assert queued.count() == 3
    waiting = Enrollment.objects.filter(pk__in=[e.pk for e in enrollments]).exclude(period=period_b)
    assert sorted(waiting.values_list("certificate", flat=True)) == sorted(queued.values_list("certificate", flat=True))
    assert TermsChange.objects.filter(period=period_b).count() == 3


def test_two_contracts_of_one_child_rolled_at_once_share_one_account_counted_once(town, period_b):
    enrollments = contracts(town, children=8, second_contracts=8, reserve=None)

    results = at_once(
        [lambda e=e: contract_roll_over(enrollment_id=e.pk, period_id=period_b.pk, today=B_START) for e in enrollments]
    )

    assert results == [Outcome.ROLLED] * 16
    period_b.refresh_from_db()
    assert period_b.funded_accounts == 8
    assert CertificateAccount.objects.filter(period=period_b).count() == 8
    assert LedgerEntry.objects.filter(account__period=period_b, kind=LedgerEntry.Kind.OPEN).count() == 8
    for account in CertificateAccount.objects.filter(period=period_b):
        assert account.reserved == D("250.00") * B_LESSONS * 2


def _wait_until_waiting(count: int) -> None:
    """Until `count` other sessions wait for a lock (read from the statistics, fresh each time)."""
    for _ in range(200):
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
            )
            if cursor.fetchone()[0] >= count:
                return
        time.sleep(0.05)
    raise AssertionError(f"fewer than {count} sessions came to wait")


def test_a_contract_waiting_on_another_contracts_new_account_does_not_count_it_again(town, period_b):
    """Made to happen every time: the first contract's run is held at its last statement (the period's
    counter, locked here) with the new account written but not committed; the second contract of the same
    child then finds no account, waits on the account's unique key, and must find the first one's account
    and not count it a second time."""
    first, second = contracts(town, children=1, second_contracts=1, reserve=None)
    outcomes: dict[int, str] = {}

    def roll(enrollment: Enrollment) -> None:
        try:
            outcomes[enrollment.pk] = contract_roll_over(
                enrollment_id=enrollment.pk, period_id=period_b.pk, today=B_START
            )
        finally:
            connection.close()

    threads = [threading.Thread(target=roll, args=(e,)) for e in (first, second)]
    with transaction.atomic():
        FundingPeriod.objects.select_for_update().get(pk=period_b.pk)
        threads[0].start()
        _wait_until_waiting(1)  # the first run, at the funded-accounts counter
        threads[1].start()
        _wait_until_waiting(2)  # the second, at the first one's uncommitted account
    for thread in threads:
        thread.join(timeout=30)

    assert outcomes == {first.pk: Outcome.ROLLED, second.pk: Outcome.ROLLED}
    period_b.refresh_from_db()
    assert period_b.funded_accounts == 1
    assert CertificateAccount.objects.get(period=period_b).reserved == D("250.00") * B_LESSONS * 2
