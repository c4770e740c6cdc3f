"""The debit job against the real database: what it charges, who pays what, the reserve first, a
short account, cancelled lessons, corrections, MONTHLY months, repeats and two runs at once."""

from __future__ import annotations

import datetime
import threading
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection, connections

from billing.debits import run_debits
from billing.models import AttendanceMark, AttendanceStatus, Charge, ChargeReversal, JobRun, MonthRecheck
from catalog.calendar import lesson_dates
from catalog.models import ScheduleSlot
from certificates.ledger_keys import (
    CHARGE_REFUND_KEY_SQL,
    LESSON_DEBIT_KEY_SQL,
    MONTH_DEBIT_KEY_SQL,
    charge_refund_key,
    lesson_debit_key,
    month_debit_key,
)
from certificates.models import BillingPolicy, LedgerEntry
from enrollments.models import ContractFunding, ReserveEntry
from tests.billing.debit_helpers import (
    account_of,
    cancel,
    contract,
    correct,
    lesson,
    lesson_days,
    mark,
)
from tests.billing.factories import ChargeReversalFactory

pytestmark = pytest.mark.django_db

D = Decimal
ZERO = D("0.00")
PRESENT, ABSENT, EXCUSED = AttendanceStatus.PRESENT, AttendanceStatus.ABSENT, AttendanceStatus.EXCUSED


def live_charges(**filters):
    return Charge.objects.filter(reversal__isnull=True, **filters)


# --- PER_LESSON ---------------------------------------------------------------------------------------


def test_each_present_mark_up_to_the_run_date_is_charged_once():
    enrollment = contract()
    days = lesson_days(enrollment, 6)
    present = [mark(enrollment, day) for day in days[:3]]
    mark(enrollment, days[3], ABSENT)
    mark(enrollment, days[4], EXCUSED)
    later = mark(enrollment, days[5])

    run = run_debits(day=days[4])

    assert sorted(live_charges().values_list("mark_id", flat=True)) == [m.pk for m in present]
    charge = Charge.objects.get(mark=present[0])
    assert (charge.kind, charge.service_date, charge.mark_version, charge.generation) == ("LESSON", days[0], 1, 0)
    assert (charge.price, charge.certificate_amount, charge.copayment) == (D("250.00"), D("250.00"), ZERO)
    assert charge.provider == enrollment.group.program.provider
    assert charge.municipality == enrollment.certificate.municipality
    assert charge.account == account_of(enrollment)
    assert charge.ledger_entry.kind == LedgerEntry.Kind.DEBIT
    assert charge.ledger_entry.idempotency_key == lesson_debit_key(present[0].pk, 0)
    assert account_of(enrollment).spent == D("750.00")
    run.refresh_from_db()
    assert (run.kind, run.status, run.for_date, run.charged, run.reversed) == ("DEBIT", "OK", days[4], 3, 0)
    assert (run.certificate_total, run.copayment_total, run.processed) == (D("750.00"), ZERO, 5)
    assert run.finished_at is not None
    # The future mark waits for its day; run again on the same day: nothing new.
    assert AttendanceMark.objects.get(pk=later.pk).billed_version == 0
    again = run_debits(day=days[4])
    assert (again.charged, again.processed) == (0, 0)
    assert Charge.objects.count() == 3
    # On its day it is charged, and only it.
    run_debits(day=days[5])
    assert Charge.objects.count() == 4
    assert account_of(enrollment).spent == D("1000.00")


def test_certificate_pays_up_to_the_normative_price_and_the_parent_the_rest():
    enrollment = contract(price="400.00", normative="300.00")
    day = lesson_days(enrollment, 1)[0]
    mark(enrollment, day)

    run = run_debits(day=day)

    charge = Charge.objects.get()
    assert (charge.price, charge.certificate_amount, charge.copayment) == (D("400.00"), D("300.00"), D("100.00"))
    assert charge.ledger_entry.spent_delta == D("300.00")
    assert (run.certificate_total, run.copayment_total) == (D("300.00"), D("100.00"))


def test_the_contracts_reserve_is_spent_first():
    enrollment = contract(reserve="500.00")
    days = lesson_days(enrollment, 3)
    for day in days:
        mark(enrollment, day)

    run_debits(day=days[-1])

    charges = list(Charge.objects.order_by("service_date"))
    assert [c.ledger_entry.reserved_delta for c in charges] == [D("-250.00"), D("-250.00"), ZERO]
    assert [c.certificate_amount for c in charges] == [D("250.00")] * 3
    # The contract's reserve rows point to the first two DEBITs.
    rows = ReserveEntry.objects.filter(ledger_entry__kind=LedgerEntry.Kind.DEBIT).order_by("pk")
    assert [(r.ledger_entry_id, r.amount) for r in rows] == [
        (charges[0].ledger_entry_id, D("-250.00")),
        (charges[1].ledger_entry_id, D("-250.00")),
    ]
    enrollment.refresh_from_db()
    assert enrollment.reserve_remaining == ZERO
    account = account_of(enrollment)
    assert (account.nominal, account.reserved, account.spent) == (D("10000.00"), ZERO, D("750.00"))


def test_a_short_account_turns_its_shortfall_into_co_payment_without_stopping_the_batch():
    # Two contracts of one child on a 600 ₽ account, 100 ₽ of it reserved for the first; another child
    # in the same batch is paid in full.
    first = contract(nominal="600.00", reserve="100.00")
    second = contract(certificate=first.certificate)  # another group of the same weekday
    other = contract(group=first.group)
    days = lesson_days(first, 2)
    for day in days:
        for enrollment in (first, second, other):
            mark(enrollment, day)

    run = run_debits(day=days[-1])

    assert run.status == "OK" and run.charged == 6
    # In date order: the first contract's day-1 lesson takes its 100 ₽ reserve and 150 ₽ of the 500 ₽
    # available, the second's 250 ₽; on day 2 100 ₽ are left for the first, nothing for the second.
    paid = {
        (c.enrollment_id, c.service_date): (c.certificate_amount, c.copayment)
        for c in Charge.objects.filter(enrollment__in=[first, second])
    }
    assert paid == {
        (first.pk, days[0]): (D("250.00"), ZERO),
        (second.pk, days[0]): (D("250.00"), ZERO),
        (first.pk, days[1]): (D("100.00"), D("150.00")),
        (second.pk, days[1]): (ZERO, D("250.00")),
    }
    unpaid = Charge.objects.get(enrollment=second, service_date=days[1])
    assert unpaid.account is None and unpaid.ledger_entry is None
    account = account_of(first)
    assert (account.reserved, account.spent, account.available) == (ZERO, D("600.00"), ZERO)
    assert sum(c.certificate_amount for c in Charge.objects.filter(enrollment=other)) == D("500.00")


def test_a_contract_paid_by_the_parents_or_without_an_account_is_all_co_payment():
    paid = contract(funding=ContractFunding.PAID)
    no_account = contract(account=False)
    day = lesson_days(paid, 1)[0]
    mark(paid, day)
    mark(no_account, day)

    run_debits(day=day)

    for charge in Charge.objects.all():
        assert (charge.certificate_amount, charge.copayment) == (ZERO, D("250.00"))
        assert charge.account is None and charge.ledger_entry is None
    assert account_of(paid).spent == ZERO


def test_a_mark_after_the_contracts_end_is_not_charged():
    enrollment = contract()
    days = lesson_days(enrollment, 2)
    type(enrollment).objects.filter(pk=enrollment.pk).update(ends_on=days[0], status="TERMINATED")
    mark(enrollment, days[0])
    after = mark(enrollment, days[1])

    run_debits(day=days[1])

    assert list(Charge.objects.values_list("service_date", flat=True)) == [days[0]]
    assert AttendanceMark.objects.get(pk=after.pk).billed_version == 1  # settled: owes nothing


def test_a_cancelled_lesson_is_not_charged_and_cancelling_after_billing_reverses_it():
    enrollment = contract()
    days = lesson_days(enrollment, 2)
    first = mark(enrollment, days[0])
    lesson(enrollment, days[1], cancelled=True)
    mark(enrollment, days[1])

    run_debits(day=days[1])
    assert list(Charge.objects.values_list("mark_id", flat=True)) == [first.pk]

    # The provider cancels the first lesson after it was charged: сторно, the money back.
    cancel(first.lesson)
    run = run_debits(day=days[1])
    reversal = ChargeReversal.objects.get()
    assert (reversal.reason, reversal.certificate_amount, reversal.copayment) == ("CORRECTION", D("250.00"), ZERO)
    assert reversal.ledger_entry.kind == LedgerEntry.Kind.REFUND
    assert reversal.ledger_entry.idempotency_key == charge_refund_key(reversal.charge_id)
    assert (run.charged, run.reversed) == (0, 1)
    assert account_of(enrollment).spent == ZERO
    # Restored: charged again, as the next generation.
    cancel(first.lesson, cancelled=False)
    run_debits(day=days[1])
    assert live_charges(mark=first).get().generation == 1
    assert account_of(enrollment).spent == D("250.00")


def test_a_correction_after_billing_reverses_the_charge_and_charges_again_where_due():
    enrollment = contract(price="400.00")
    day = lesson_days(enrollment, 1)[0]
    row = mark(enrollment, day)
    run_debits(day=day)
    charge = Charge.objects.get()

    correct(row, ABSENT)
    run = run_debits(day=day)
    assert (run.charged, run.reversed) == (0, 1)
    assert ChargeReversal.objects.get().charge == charge
    assert not live_charges().exists()
    assert account_of(enrollment).spent == ZERO

    correct(row, PRESENT)
    run = run_debits(day=day)
    assert (run.charged, run.reversed) == (1, 0)
    again = live_charges().get()
    assert (again.generation, again.mark_version, again.certificate_amount, again.copayment) == (
        1,
        3,
        D("300.00"),
        D("100.00"),
    )
    # A new version of a mark that still is PRESENT: сторно and a new charge, nothing edited.
    correct(row, PRESENT)
    run = run_debits(day=day)
    assert (run.charged, run.reversed) == (1, 1)
    assert live_charges().get().generation == 2
    assert Charge.objects.count() == 3 and ChargeReversal.objects.count() == 2
    assert account_of(enrollment).spent == D("300.00")


def test_a_mark_refunded_after_an_upheld_dispute_is_never_charged_again():
    enrollment = contract()
    day = lesson_days(enrollment, 1)[0]
    row = mark(enrollment, day)
    run_debits(day=day)
    ChargeReversalFactory(charge=Charge.objects.get(), reason=ChargeReversal.Reason.DISPUTE)

    correct(row, PRESENT)
    run_debits(day=day)

    assert not live_charges().exists()


# --- MONTHLY ---------------------------------------------------------------------------------------------


def _month_after(day: datetime.date, months: int = 1) -> datetime.date:
    first = day.replace(day=1)
    for _ in range(months):
        first = (first + datetime.timedelta(days=32)).replace(day=1)
    return first


def _planned(enrollment, month: datetime.date) -> list[datetime.date]:
    """The calendar's lessons of the month from the contract's start (the reference: catalog.calendar)."""
    weekdays = [slot.weekday for slot in enrollment.group.schedule.all()]
    end = _month_after(month) - datetime.timedelta(days=1)
    return lesson_dates(weekdays=weekdays, start=max(month, enrollment.starts_on), end=end)


def test_monthly_months_are_charged_after_they_end_whatever_the_attendance():
    enrollment = contract(
        policy=BillingPolicy.MONTHLY, weekdays=(ScheduleSlot.Weekday.MONDAY, ScheduleSlot.Weekday.WEDNESDAY)
    )
    first_month = enrollment.starts_on.replace(day=1)
    second_month = _month_after(first_month)
    planned = _planned(enrollment, second_month)
    # Attendance does not matter; a lesson the provider cancelled does.
    mark(enrollment, planned[0], ABSENT)
    lesson(enrollment, planned[1], cancelled=True)

    # During the second month only the first, ended month is due.
    run_debits(day=second_month + datetime.timedelta(days=10))
    assert list(Charge.objects.values_list("month", flat=True)) == [first_month]
    # After it ends, the second.
    run = run_debits(day=_month_after(second_month))
    charge = Charge.objects.get(month=second_month)
    lessons = len(planned) - 1
    assert (charge.kind, charge.service_date, charge.lessons, charge.generation) == (
        "MONTH",
        second_month,
        lessons,
        0,
    )
    assert (charge.price, charge.certificate_amount) == (D("250.00") * lessons, D("250.00") * lessons)
    assert charge.mark is None
    assert charge.ledger_entry.idempotency_key == month_debit_key(enrollment.pk, second_month, 0)
    assert run.charged == 1
    # The PER_LESSON pass charged no mark of a MONTHLY period, and settled it.
    assert not Charge.objects.filter(kind="LESSON").exists()
    assert AttendanceMark.objects.get().billed_version == 1
    # Again: nothing.
    assert run_debits(day=_month_after(second_month)).charged == 0


def test_a_lesson_cancelled_after_its_month_was_charged_adjusts_the_month():
    enrollment = contract(policy=BillingPolicy.MONTHLY)
    month = _month_after(enrollment.starts_on.replace(day=1))
    planned = _planned(enrollment, month)
    day = _month_after(month)
    run_debits(day=day)
    first = Charge.objects.get(month=month)
    assert first.lessons == len(planned)

    lesson(enrollment, planned[0], cancelled=True)
    assert MonthRecheck.objects.filter(group=enrollment.group, month=month).exists()
    run = run_debits(day=day)

    assert (run.charged, run.reversed) == (1, 1)
    assert first.__class__.objects.get(pk=first.pk).reversal.reason == "CORRECTION"
    adjusted = live_charges(month=month).get()
    assert (adjusted.generation, adjusted.lessons) == (1, len(planned) - 1)
    assert not MonthRecheck.objects.exists()
    assert account_of(enrollment).spent == D("250.00") * (len(planned) - 1) + sum(
        c.certificate_amount for c in live_charges().exclude(month=month)
    )


# --- Keys, repeats, two at once, the command -------------------------------------------------------------


def test_sql_spellings_of_the_ledger_keys_build_the_same_strings():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT "
            + ", ".join(
                [
                    LESSON_DEBIT_KEY_SQL.format(mark_id="%(mark)s::bigint", generation="%(generation)s::int"),
                    MONTH_DEBIT_KEY_SQL.format(
                        enrollment_id="%(enrollment)s::bigint",
                        month="%(month)s::date",
                        generation="%(generation)s::int",
                    ),
                    CHARGE_REFUND_KEY_SQL.format(charge_id="%(charge)s::bigint"),
                ]
            ),
            {"mark": 12, "generation": 3, "enrollment": 7, "month": datetime.date(2026, 2, 1), "charge": 99},
        )
        assert cursor.fetchone() == (
            lesson_debit_key(12, 3),
            month_debit_key(7, datetime.date(2026, 2, 1), 3),
            charge_refund_key(99),
        )


def test_batches_stream_and_every_mark_is_charged_once():
    enrollments = [contract() for _ in range(3)]
    days = lesson_days(enrollments[0], 5)
    for enrollment in enrollments:
        for day in days:
            mark(enrollment, day)

    run = run_debits(day=days[-1], batch_size=4)

    assert run.details["batches"] == 4  # 15 marks, 4 a batch
    assert Charge.objects.count() == 15
    assert set(Charge.objects.values_list("mark_id", flat=True)) == set(
        AttendanceMark.objects.values_list("pk", flat=True)
    )


def test_run_debits_command_prints_what_it_charged():
    enrollment = contract(price="400.00")
    days = lesson_days(enrollment, 2)
    for day in days:
        mark(enrollment, day)
    out = StringIO()

    call_command("run_debits", "--date", days[-1].isoformat(), stdout=out)

    text = out.getvalue()
    assert days[-1].strftime("%d.%m.%Y") in text
    assert "2" in text and "600.00" in text and "200.00" in text  # charges, certificate part, co-payment
    assert JobRun.objects.get().charged == 2


def test_run_debits_command_refuses_a_bad_date():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("run_debits", "--date", "2026-13-01", stdout=StringIO())


@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_both_finish_and_each_mark_is_charged_once():
    enrollments = [contract(nominal="2000.00") for _ in range(6)]
    # Two contracts share a certificate (and so an account) with others, so the runs meet on accounts.
    enrollments.append(contract(certificate=enrollments[1].certificate))
    days = lesson_days(enrollments[0], 10)
    for enrollment in enrollments:
        for day in days:
            mark(enrollment, day)
    results, errors = [], []
    barrier = threading.Barrier(2)

    def run():
        try:
            barrier.wait()
            results.append(run_debits(day=days[-1], batch_size=7))
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    assert [r.status for r in results] == ["OK", "OK"]
    marks = AttendanceMark.objects.count()
    assert Charge.objects.count() == marks == 70
    assert sum(r.charged for r in results) == marks
    assert Charge.objects.values("mark").distinct().count() == marks
    for enrollment in enrollments:
        account = account_of(enrollment)
        paid = sum(c.certificate_amount for c in Charge.objects.filter(account=account))
        assert account.spent == paid <= account.nominal


@pytest.mark.django_db(transaction=True)
def test_parallel_streams_charge_what_one_stream_charges():
    """The same contracts charged by three streams at once (committed data, so each stream's own
    connection sees it) and, as a twin, by one: the same charges, co-payments and reserve use, each mark
    once, and the reconciliation finds nothing."""
    from billing.reconciliation import reconcile

    def build() -> list:
        made = [contract(nominal="1500.00", reserve="750.00") for _ in range(5)]
        # A second contract on a short account: the streams meet on that account.
        made.append(contract(certificate=made[1].certificate))
        for enrollment in made:
            for day in lesson_days(enrollment, 9):
                mark(enrollment, day)
        return made

    def outcome(made) -> list[tuple]:
        return [
            (
                sorted(c.service_date for c in Charge.objects.filter(enrollment=e)),
                sum(c.certificate_amount for c in Charge.objects.filter(enrollment=e)),
                sum(c.copayment for c in Charge.objects.filter(enrollment=e)),
                Decimal(e.__class__.objects.get(pk=e.pk).reserve_remaining),
            )
            for e in made
        ]

    parallel = build()
    last_day = max(lesson_days(e, 9)[-1] for e in parallel)
    run = run_debits(day=last_day, batch_size=4, streams=3)
    serial = build()
    run_debits(day=last_day, batch_size=1000, streams=1)

    assert run.status == "OK" and run.charged == 6 * 9 == Charge.objects.filter(enrollment__in=parallel).count()
    assert Charge.objects.values("mark").distinct().count() == AttendanceMark.objects.count() == 2 * 6 * 9
    # A contract's own money does not depend on the streams; of the shared account's two contracts,
    # which one a short account leaves to co-payment may (the streams charge them at the same time).
    own = [0, 2, 3, 4]
    assert [outcome(parallel)[i] for i in own] == [outcome(serial)[i] for i in own]
    shared = [1, 5]
    for made in (parallel, serial):
        assert Charge.objects.filter(enrollment__in=[made[i] for i in shared]).count() == 2 * 9
    assert account_of(parallel[1]).spent == account_of(serial[1]).spent
    assert sum(outcome(parallel)[i][2] for i in shared) == sum(outcome(serial)[i][2] for i in shared)
    assert reconcile().ok
