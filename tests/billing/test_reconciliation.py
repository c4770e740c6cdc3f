"""Reconciliation (billing.reconciliation, `manage.py reconcile`): a clean database passes; each kind of
mismatch, made by going around the triggers and constraints that normally refuse it, is found, printed,
and makes the command exit non-zero; each run is recorded and a failed one shows in the admin."""

import datetime
from contextlib import contextmanager
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from billing.debits import run_debits
from billing.models import (
    AttendanceMark,
    AttendanceStatus,
    Charge,
    ChargeReversal,
    JobRun,
    Lesson,
    Statement,
    StatementLine,
)
from billing.reconciliation import CHECKS, reconcile
from billing.statements import statement_issue, statements_build_due
from billing.tasks import reconcile_task
from catalog.models import ScheduleSlot
from certificates.models import BillingPolicy, LedgerEntry
from enrollments.models import Enrollment, ReserveEntry
from tests.accounts.factories import ProviderStaffFactory, UserFactory
from tests.billing.debit_helpers import cancel, contract, correct, lesson, lesson_days, mark
from tests.billing.factories import ChargeFactory, ChargeReversalFactory
from tests.certificates.factories import LedgerEntryFactory
from tests.enrollments.factories import ReserveEntryFactory

pytestmark = pytest.mark.django_db

ZERO = Decimal("0.00")
MONDAY, WEDNESDAY = ScheduleSlot.Weekday.MONDAY, ScheduleSlot.Weekday.WEDNESDAY


@contextmanager
def around_the_triggers():
    """Inside: no trigger fires (and no foreign key is checked) in this transaction, as if someone wrote
    the tables with raw SQL and a superuser's session."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL session_replication_role = origin")


def sql(statement: str, params=None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def failed_checks() -> set[str]:
    return {result.name for result in reconcile().results if not result.ok}


@pytest.fixture
def money():
    """A little of everything the checks look at, all of it right: a contract with its reserve, a
    lesson charged from it, a lesson charged and reversed, a co-payment-only charge, a month charged."""
    reserve = ReserveEntryFactory()
    charge = ChargeFactory()
    reversed_charge = ChargeFactory()
    ChargeReversalFactory(charge=reversed_charge)
    copayment_only = ChargeFactory(certificate_amount=ZERO)
    month = ChargeFactory(monthly=True)
    return {
        "reserve": reserve,
        "charge": charge,
        "reversed": reversed_charge,
        "copayment_only": copayment_only,
        "month": month,
    }


def test_a_clean_database_passes(money):
    out = StringIO()

    call_command("reconcile", stdout=out)

    assert failed_checks() == set()
    assert "reconciled: no mismatches" in out.getvalue()
    run = JobRun.objects.get(kind=JobRun.Kind.RECONCILE)
    assert run.status == JobRun.Status.OK and run.finished_at is not None
    assert run.details["ok"] is True and set(run.details["checks"]) == {check.name for check in CHECKS}
    assert "debit job has not run" in out.getvalue()  # a note, not a mismatch


def test_an_empty_database_passes():
    assert failed_checks() == set()


# --- Each kind of mismatch -----------------------------------------------------------------------------


def break_account_totals(money):
    account = money["charge"].account
    with around_the_triggers():
        sql("UPDATE certificates_certificateaccount SET spent = spent + 1 WHERE id = %s", [account.pk])


def break_account_balance(money):
    account = money["charge"].account
    sql("SET CONSTRAINTS ALL IMMEDIATE")  # no deferred foreign-key check may be pending for ALTER TABLE
    sql("ALTER TABLE certificates_certificateaccount DROP CONSTRAINT account_available_not_negative")
    with around_the_triggers():
        sql(
            "INSERT INTO certificates_ledgerentry (account_id, kind, nominal_delta, reserved_delta, spent_delta, "
            "idempotency_key, description, created_at) VALUES (%s, 'DEBIT', 0, 0, %s, 'test:overdraft', '', now())",
            [account.pk, account.nominal],
        )
        sql("UPDATE certificates_certificateaccount SET spent = spent + nominal WHERE id = %s", [account.pk])


def break_contract_reserve(money):
    with around_the_triggers():
        sql(
            "UPDATE enrollments_enrollment SET reserve_remaining = reserve_remaining + 5 WHERE id = %s",
            [money["reserve"].enrollment_id],
        )


def break_reserve_row(money):
    with around_the_triggers():
        sql("UPDATE enrollments_reserveentry SET amount = amount - 5 WHERE id = %s", [money["reserve"].pk])


def break_reserve_move(money):
    """A RESERVE on the account, with the account's totals moved by the trigger, but no contract's row."""
    account = money["reserve"].ledger_entry.account
    LedgerEntryFactory(account=account, kind=LedgerEntry.Kind.RESERVE, nominal_delta=ZERO, reserved_delta=5)


def break_charge_ledger(money):
    with around_the_triggers():
        sql(
            "UPDATE billing_charge SET certificate_amount = certificate_amount - 1, copayment = copayment + 1 "
            "WHERE id = %s",
            [money["charge"].pk],
        )


def break_charge_reserve_row(money):
    """A DEBIT paid partly from a reserve whose row is another contract's."""
    charge = money["charge"]
    other = money["reserve"]
    with around_the_triggers():
        sql("UPDATE certificates_ledgerentry SET reserved_delta = -1 WHERE id = %s", [charge.ledger_entry_id])
        sql(
            "UPDATE enrollments_reserveentry SET ledger_entry_id = %s WHERE id = %s", [charge.ledger_entry_id, other.pk]
        )


def break_reversal_ledger(money):
    reversal = ChargeReversal.objects.get(charge=money["reversed"])
    with around_the_triggers():
        sql("UPDATE billing_chargereversal SET copayment = copayment + 1 WHERE id = %s", [reversal.pk])


def break_ledger_traced(money):
    """Money spent from a certificate (the account's totals moved by the trigger) with no charge behind it."""
    LedgerEntryFactory(
        account=money["charge"].account, kind=LedgerEntry.Kind.DEBIT, nominal_delta=ZERO, spent_delta=Decimal("10")
    )


def break_mark_one_live_charge(money):
    first = money["copayment_only"]
    with around_the_triggers():
        ChargeFactory(mark=first.mark, generation=1, certificate_amount=ZERO)


def break_month_one_live_charge(money):
    month = money["month"]
    with around_the_triggers():
        Charge.objects.create(
            **{
                f.attname: getattr(month, f.attname)
                for f in Charge._meta.concrete_fields
                if f.attname not in ("id", "ledger_entry_id", "account_id", "created_at")
            }
            | {"generation": 1, "certificate_amount": ZERO, "copayment": month.price}
        )


def break_live_charge_matches_mark(money):
    """The register says the pupil was absent and the job settled the mark, yet the charge stands."""
    mark = money["charge"].mark
    AttendanceMark.objects.filter(pk=mark.pk).update(status=AttendanceStatus.ABSENT, billed_version=mark.version)


MISMATCHES = {
    break_account_totals: {"account_totals"},
    break_account_balance: {"account_balance", "ledger_traced"},
    break_contract_reserve: {"contract_reserve"},
    break_reserve_row: {"reserve_rows_ledger", "contract_reserve"},
    break_reserve_move: {"reserve_moves_have_contract"},
    break_charge_ledger: {"charge_ledger"},
    # The reserve row moved off its RESERVE (now without a row) onto a DEBIT of another amount.
    break_charge_reserve_row: {
        "charge_reserve_row",
        "account_totals",
        "reserve_moves_have_contract",
        "reserve_rows_ledger",
    },
    break_reversal_ledger: {"reversal_ledger"},
    break_ledger_traced: {"ledger_traced"},
    break_mark_one_live_charge: {"mark_one_live_charge"},
    break_month_one_live_charge: {"month_one_live_charge"},
    break_live_charge_matches_mark: {"live_charge_matches_mark"},
}


@pytest.mark.parametrize("make_mismatch", MISMATCHES, ids=lambda f: f.__name__.removeprefix("break_"))
def test_each_mismatch_is_found_and_fails_the_command(money, make_mismatch):
    assert failed_checks() == set()

    make_mismatch(money)

    assert failed_checks() == MISMATCHES[make_mismatch]
    out = StringIO()
    with pytest.raises(CommandError, match="reconciliation failed") as failure:
        call_command("reconcile", stdout=out)
    assert failure.value.returncode == 1
    for name in MISMATCHES[make_mismatch]:
        assert f"MISMATCH  {name}:" in out.getvalue()
    run = JobRun.objects.get(kind=JobRun.Kind.RECONCILE)
    assert run.status == JobRun.Status.FAILED
    assert {name for name, check in run.details["checks"].items() if check["count"]} == MISMATCHES[make_mismatch]


# --- After debit runs: marks and months charged as owed ----------------------------------------------------


@pytest.fixture
def billed():
    """A PER_LESSON contract with marks, a correction and a cancelled lesson, a MONTHLY contract with a
    cancelled lesson, and a debit run after both contracts' first month ended: all of it right."""
    per_lesson = contract(weekdays=(MONDAY, WEDNESDAY))
    days = lesson_days(per_lesson)
    first_month = [day for day in days if day.month == days[0].month]
    marks = [mark(per_lesson, day) for day in first_month[:4]]
    mark(per_lesson, first_month[4], AttendanceStatus.ABSENT)
    correct(marks[1], AttendanceStatus.EXCUSED)
    cancel(lesson(per_lesson, first_month[2]))
    monthly = contract(policy=BillingPolicy.MONTHLY, weekdays=(MONDAY, WEDNESDAY))
    lesson(monthly, lesson_days(monthly)[1], cancelled=True)
    run_day = (days[0].replace(day=28) + datetime.timedelta(days=10)).replace(day=3)
    assert run_day <= timezone.localdate()
    run = run_debits(day=run_day)
    assert run.charged == 3  # marks 0 and 3, and the MONTHLY month
    return {"per_lesson": per_lesson, "monthly": monthly, "marks": marks, "run": run, "days": first_month}


def test_a_billed_database_passes(billed):
    assert reconcile().notes == []
    assert failed_checks() == set()


def break_mark_settled_uncharged(billed):
    """A PRESENT mark the job is told it settled, never charged."""
    new = mark(billed["per_lesson"], billed["days"][5])
    AttendanceMark.objects.filter(pk=new.pk).update(billed_version=F("version"))


def break_mark_left_unbilled(billed):
    """A PRESENT mark made before the run, dated before its day, that the run left awaiting billing."""
    new = mark(billed["per_lesson"], billed["days"][5])
    AttendanceMark.objects.filter(pk=new.pk).update(updated_at=billed["run"].started_at - datetime.timedelta(hours=1))


def break_month_charged_as_owed(billed):
    """Lessons of the charged month cancelled without their trigger (no re-check queued): the month owes
    fewer lessons than its charge says."""
    monthly = billed["monthly"]
    days = lesson_days(monthly)
    with around_the_triggers():
        sql("UPDATE billing_lesson SET cancelled = true WHERE group_id = %s AND date = %s", [monthly.group_id, days[0]])
        Lesson.objects.create(group_id=monthly.group_id, date=days[2], cancelled=True, cancel_reason="")


def break_live_charge_after_the_contract(billed):
    """The contract's end moved before a charged lesson (as a termination would) without its reversal."""
    charged = Charge.objects.filter(enrollment=billed["per_lesson"]).order_by("service_date").first()
    with around_the_triggers():
        sql(
            "UPDATE enrollments_enrollment SET ends_on = %s WHERE id = %s",
            [charged.service_date - datetime.timedelta(days=1), billed["per_lesson"].pk],
        )


@pytest.fixture
def stated(billed):
    """The billed month's statements built by the nightly build, the PER_LESSON contract's issued."""
    run_day = billed["run"].for_date
    assert statements_build_due(today=run_day) > 0
    contract = billed["per_lesson"]
    statement = Statement.objects.get(
        provider=contract.group.program.provider, municipality=contract.certificate.municipality
    )
    staff = ProviderStaffFactory(provider=contract.group.program.provider)
    assert statement_issue(actor=staff, statement_id=statement.pk, today=run_day).issued
    return billed | {"statement": statement}


def test_statements_built_and_issued_pass(stated):
    assert StatementLine.objects.filter(statement=stated["statement"]).count() == 2  # the two lessons charged
    assert failed_checks() == set()


def break_statement_line(stated):
    line = StatementLine.objects.filter(statement=stated["statement"], kind="CHARGE").first()
    with around_the_triggers():
        sql("UPDATE billing_statementline SET copayment = copayment + 10 WHERE id = %s", [line.pk])


def break_statement_left_out(stated):
    """A line taken out of the issued statement (the older of its two charges'): that charge is in no
    statement."""
    line = StatementLine.objects.filter(statement=stated["statement"], kind="CHARGE").order_by("charge_id").first()
    with around_the_triggers():
        sql("DELETE FROM billing_statementline WHERE id = %s", [line.pk])


@pytest.mark.parametrize(
    ("make_mismatch", "expected"),
    [(break_statement_line, {"statement_lines_match"}), (break_statement_left_out, {"statement_issued_complete"})],
    ids=["line", "left_out"],
)
def test_each_statement_mismatch_is_found(stated, make_mismatch, expected):
    make_mismatch(stated)

    assert failed_checks() == expected


BILLED_MISMATCHES = {
    break_mark_settled_uncharged: {"mark_settled_uncharged"},
    break_mark_left_unbilled: {"mark_left_unbilled"},
    break_month_charged_as_owed: {"month_charged_as_owed"},
    break_live_charge_after_the_contract: {"live_charge_matches_mark"},
}


@pytest.mark.parametrize("make_mismatch", BILLED_MISMATCHES, ids=lambda f: f.__name__.removeprefix("break_"))
def test_each_billing_mismatch_is_found(billed, make_mismatch):
    make_mismatch(billed)

    assert failed_checks() == BILLED_MISMATCHES[make_mismatch]
    with pytest.raises(CommandError):
        call_command("reconcile", stdout=StringIO())


def test_marks_awaiting_the_next_run_are_no_mismatch(billed):
    """Marked or corrected after the run, or of a lesson cancelled after it: the next run's work."""
    mark(billed["per_lesson"], billed["days"][5])
    correct(billed["marks"][0], AttendanceStatus.ABSENT)
    cancel(lesson(billed["per_lesson"], billed["days"][3]))
    lesson(billed["monthly"], lesson_days(billed["monthly"])[0], cancelled=True)

    assert failed_checks() == set()


def test_every_check_is_proved_able_to_fail():
    proved = set().union(
        *MISMATCHES.values(), *BILLED_MISMATCHES.values(), {"statement_lines_match", "statement_issued_complete"}
    )
    assert {check.name for check in CHECKS} <= proved


def test_each_mismatch_row_is_printed_with_its_columns(money):
    enrollment = money["reserve"].enrollment
    break_contract_reserve(money)
    out = StringIO()

    with pytest.raises(CommandError):
        call_command("reconcile", stdout=out)

    assert f"enrollment={enrollment.pk}, reserve_remaining=1005.00, reserve_rows=1000.00" in out.getvalue()


def test_the_limit_keeps_the_count_exact(money):
    for _ in range(3):
        ReserveEntryFactory()
    with around_the_triggers():
        sql("UPDATE enrollments_enrollment SET reserve_remaining = reserve_remaining + 1 WHERE reserve_remaining > 0")

    result = next(r for r in reconcile(limit=2).results if r.name == "contract_reserve")

    assert (result.count, len(result.rows)) == (Enrollment.objects.filter(reserve_remaining__gt=0).count(), 2)


# --- The run record, the task and the admin ------------------------------------------------------------------


def test_the_nightly_task_records_its_run(money):
    assert reconcile_task.apply().get() is True
    break_contract_reserve(money)
    assert reconcile_task.apply().get() is False

    runs = list(JobRun.objects.filter(kind=JobRun.Kind.RECONCILE).order_by("pk").values_list("status", flat=True))
    assert runs == [JobRun.Status.OK, JobRun.Status.FAILED]


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def test_the_admin_alerts_while_the_last_reconciliation_failed(admin_client, money):
    pages = [reverse("admin:index"), reverse("admin:billing_jobrun_changelist")]
    call_command("reconcile", stdout=StringIO())
    for page in pages:
        assert 'id="reconciliation-alert"' not in admin_client.get(page).content.decode()

    break_contract_reserve(money)
    with pytest.raises(CommandError):
        call_command("reconcile", stdout=StringIO())
    failed = JobRun.objects.filter(kind=JobRun.Kind.RECONCILE).latest("pk")
    for page in pages:
        html = admin_client.get(page).content.decode()
        assert 'id="reconciliation-alert"' in html
        assert "нашла расхождения: 1" in html
        assert reverse("admin:billing_jobrun_change", args=[failed.pk]) in html

    with around_the_triggers():
        sql(
            "UPDATE enrollments_enrollment SET reserve_remaining = reserve_remaining - 5 WHERE id = %s",
            [money["reserve"].enrollment_id],
        )
    call_command("reconcile", stdout=StringIO())
    assert 'id="reconciliation-alert"' not in admin_client.get(pages[0]).content.decode()


def test_staff_without_the_job_runs_see_no_alert(client, money):
    break_contract_reserve(money)
    with pytest.raises(CommandError):
        call_command("reconcile", stdout=StringIO())
    client.force_login(UserFactory(is_staff=True))

    assert 'id="reconciliation-alert"' not in client.get(reverse("admin:index")).content.decode()


def test_reserve_rows_are_append_only_outside_the_test(money):
    """The mismatches above need the triggers off: with them on, the same writes are refused."""
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        ReserveEntry.objects.filter(pk=money["reserve"].pk).update(amount=Decimal("1"))
