"""The database refuses impossible charges, reversals, marks and statements, whatever path the
write takes: every refused row here is written around the ORM (raw SQL or QuerySet.update()).

The unique keys here are what make the debit job safe to repeat: at most one live charge per mark
(and per contract month) whatever happens, one reversal per charge, one mark per pupil per lesson.
"""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone
from psycopg2 import errorcodes

from billing.models import AttendanceCorrection, AttendanceMark, Charge, Dispute, Lesson, MonthRecheck, Statement
from certificates.models import LedgerEntry
from enrollments.models import Enrollment, ReserveEntry
from tests.billing.factories import (
    AttendanceCorrectionFactory,
    AttendanceMarkFactory,
    ChargeFactory,
    ChargeReversalFactory,
    DisputeFactory,
    LessonFactory,
    StatementFactory,
)
from tests.catalog.factories import GroupFactory, MunicipalityFactory, ProviderFactory
from tests.certificates.factories import FundingPeriodFactory, LedgerEntryFactory, account_for, funded_account
from tests.db import refused
from tests.enrollments.factories import EnrollmentFactory

pytestmark = pytest.mark.django_db

D = Decimal
ZERO = D("0.00")


def copayment_charge(**kwargs) -> Charge:
    """A charge paid by the parents alone (no ledger entry needed)."""
    return ChargeFactory(certificate_amount=ZERO, **kwargs)


def insert(table: str, row: dict) -> int:
    """INSERT one row with raw SQL (around the ORM and its defaults), returning its id."""
    columns = ", ".join(row)
    placeholders = ", ".join(["%s"] * len(row))
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {table} ({columns}) VALUES ({placeholders}) RETURNING id", list(row.values()))
        return cursor.fetchone()[0]


def execute(sql: str, params=()) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def debit(account, amount: Decimal, reserved: Decimal = ZERO) -> LedgerEntry:
    return LedgerEntryFactory(
        account=account, kind=LedgerEntry.Kind.DEBIT, nominal_delta=ZERO, reserved_delta=-reserved, spent_delta=amount
    )


def refund(account, amount: Decimal) -> LedgerEntry:
    return LedgerEntryFactory(account=account, kind=LedgerEntry.Kind.REFUND, nominal_delta=ZERO, spent_delta=-amount)


def lesson_row(mark: AttendanceMark, **overrides) -> dict:
    """The columns of a valid LESSON charge of `mark` paid by the parents alone (generation 0)."""
    enrollment = mark.enrollment
    row = {
        "kind": "LESSON",
        "enrollment_id": enrollment.pk,
        "mark_id": mark.pk,
        "mark_version": mark.version,
        "month": None,
        "generation": 0,
        "service_date": mark.lesson.date,
        "lessons": 1,
        "price": enrollment.lesson_price,
        "certificate_amount": ZERO,
        "copayment": enrollment.lesson_price,
        "provider_id": enrollment.group.program.provider_id,
        "municipality_id": enrollment.certificate.municipality_id,
        "account_id": None,
        "ledger_entry_id": None,
        "created_at": timezone.now(),
    }
    row.update(overrides)
    return row


def paid_row(mark: AttendanceMark, **overrides) -> dict:
    """A valid LESSON charge of `mark` paid by the certificate in full, with its DEBIT."""
    account = account_for(mark.enrollment.certificate, mark.lesson.date)
    price = mark.enrollment.lesson_price
    row = lesson_row(
        mark,
        certificate_amount=price,
        copayment=ZERO,
        account_id=account.pk,
        municipality_id=account.period.municipality_id,
    )
    row.setdefault("ledger_entry_id", None)
    row.update(overrides)
    if row["ledger_entry_id"] is None:
        row["ledger_entry_id"] = debit(account, row["certificate_amount"]).pk
    return row


def month_row(enrollment, month: datetime.date, **overrides) -> dict:
    lessons = 4
    price = enrollment.lesson_price * lessons
    row = {
        "kind": "MONTH",
        "enrollment_id": enrollment.pk,
        "mark_id": None,
        "mark_version": None,
        "month": month,
        "generation": 0,
        "service_date": month,
        "lessons": lessons,
        "price": price,
        "certificate_amount": ZERO,
        "copayment": price,
        "provider_id": enrollment.group.program.provider_id,
        "municipality_id": enrollment.certificate.municipality_id,
        "account_id": None,
        "ledger_entry_id": None,
        "created_at": timezone.now(),
    }
    row.update(overrides)
    return row


def reversal_row(charge: Charge, **overrides) -> dict:
    row = {
        "charge_id": charge.pk,
        "reason": "CORRECTION",
        "certificate_amount": charge.certificate_amount,
        "copayment": charge.copayment,
        "provider_id": charge.provider_id,
        "municipality_id": charge.municipality_id,
        "ledger_entry_id": None,
        "created_at": timezone.now(),
    }
    row.update(overrides)
    if row["certificate_amount"] > 0 and row["ledger_entry_id"] is None:
        row["ledger_entry_id"] = refund(charge.account, row["certificate_amount"]).pk
    return row


def next_month(day: datetime.date) -> datetime.date:
    return (day.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)


# Charge amounts (each refused row is inserted with raw SQL)


@pytest.mark.parametrize(
    ("price", "certificate_amount", "copayment"),
    [("-10", "0", "-10"), ("250", "300", "-50")],
    ids=["price", "copayment"],
)
def test_charge_amounts_never_negative(price, certificate_amount, copayment):
    mark = AttendanceMarkFactory()
    with refused("charge_amounts_not_negative"):
        insert(
            "billing_charge",
            lesson_row(mark, price=D(price), certificate_amount=D(certificate_amount), copayment=D(copayment)),
        )


@pytest.mark.parametrize(
    ("price", "certificate_amount", "copayment"),
    [("250", "0", "260"), ("250", "0", "200"), ("250", "250", "10"), ("250", "200", "0")],
    ids=["more", "less", "paid-more", "paid-less"],
)
def test_charge_parts_must_add_up(price, certificate_amount, copayment):
    mark = AttendanceMarkFactory()
    paid = D(certificate_amount) > 0
    with refused("charge_parts_add_up"):
        insert(
            "billing_charge",
            paid_row(mark, price=D(price), certificate_amount=D(certificate_amount), copayment=D(copayment))
            if paid
            else lesson_row(mark, price=D(price), certificate_amount=ZERO, copayment=D(copayment)),
        )
    # Parts that add up are fine.
    insert("billing_charge", lesson_row(mark, price=D("250"), certificate_amount=ZERO, copayment=D("250")))


def test_certificate_part_needs_a_ledger_entry_and_an_account():
    mark = AttendanceMarkFactory()
    account = account_for(mark.enrollment.certificate, mark.lesson.date)
    price = mark.enrollment.lesson_price
    paid = {"certificate_amount": price, "copayment": ZERO}
    with refused("charge_certificate_part_in_ledger"):
        insert("billing_charge", lesson_row(mark, **paid))
    with refused("charge_certificate_part_in_ledger"):
        insert("billing_charge", lesson_row(mark, **paid, account_id=account.pk))
    with refused("charge_certificate_part_in_ledger"):  # nothing paid by the certificate: no account either
        insert("billing_charge", lesson_row(mark, account_id=account.pk))


def test_charge_kind_fields():
    mark = AttendanceMarkFactory()
    with refused("charge_kind_fields"):
        insert("billing_charge", lesson_row(mark, mark_id=None))
    with refused("charge_kind_fields"):
        insert("billing_charge", lesson_row(mark, month=mark.lesson.date.replace(day=1)))
    with refused("charge_kind_fields"):
        insert("billing_charge", lesson_row(mark, lessons=2))
    with refused("charge_kind_fields"):
        insert("billing_charge", lesson_row(mark, kind="MONTH"))
    month = next_month(mark.enrollment.starts_on)
    with refused("charge_kind_fields"):  # a month's service date is its first day
        insert("billing_charge", month_row(mark.enrollment, month, service_date=month + datetime.timedelta(days=3)))


def test_month_is_the_first_day_of_a_month():
    enrollment = EnrollmentFactory(active=True)
    month = next_month(enrollment.starts_on)
    with refused("charge_month_first_day"):
        insert("billing_charge", month_row(enrollment, month.replace(day=15), service_date=month.replace(day=15)))
    insert("billing_charge", month_row(enrollment, month))
    statement = StatementFactory()
    with refused("statement_month_first_day"):
        Statement.objects.filter(pk=statement.pk).update(month=datetime.date(2025, 9, 15))
    with refused("month_recheck_first_day"):
        execute(
            "INSERT INTO billing_monthrecheck (group_id, month) VALUES (%s, %s)",
            [enrollment.group_id, datetime.date(2025, 9, 15)],
        )


# Charges: at most one live charge per mark, whatever its version


def test_two_live_charges_for_one_mark_are_refused():
    mark = AttendanceMarkFactory()
    first = Charge.objects.get(pk=insert("billing_charge", lesson_row(mark)))
    # The same generation again: the unique key.
    with refused("charge_once_per_mark_generation", errorcodes.UNIQUE_VIOLATION):
        insert("billing_charge", lesson_row(mark))
    # The next generation while the first is live (even for a new version of the mark).
    AttendanceMark.objects.filter(pk=mark.pk).update(version=2)
    mark.refresh_from_db()
    with refused("charge_one_live"):
        insert("billing_charge", lesson_row(mark, generation=1))
    # Once the first is reversed, the next generation is the mark's one live charge; a skipped one is refused.
    insert("billing_chargereversal", reversal_row(first))
    with refused("charge_one_live"):
        insert("billing_charge", lesson_row(mark, generation=2))
    insert("billing_charge", lesson_row(mark, generation=1))
    with refused("charge_one_live"):
        insert("billing_charge", lesson_row(mark, generation=2))
    assert Charge.objects.filter(mark=mark, reversal__isnull=True).count() == 1


def test_one_live_charge_per_contract_month():
    enrollment = EnrollmentFactory(active=True)
    month = next_month(enrollment.starts_on)
    first = Charge.objects.get(pk=insert("billing_charge", month_row(enrollment, month)))
    with refused("charge_once_per_month_generation", errorcodes.UNIQUE_VIOLATION):
        insert("billing_charge", month_row(enrollment, month))
    with refused("charge_one_live"):
        insert("billing_charge", month_row(enrollment, month, generation=1))
    # An adjustment: the reversal, then the next generation with the new count.
    insert("billing_chargereversal", reversal_row(first))
    insert(
        "billing_charge",
        month_row(
            enrollment,
            month,
            generation=1,
            lessons=3,
            price=enrollment.lesson_price * 3,
            copayment=enrollment.lesson_price * 3,
        ),
    )
    # The next month is a charge of its own.
    insert("billing_charge", month_row(enrollment, next_month(month)))
    assert Charge.objects.filter(enrollment=enrollment, reversal__isnull=True).count() == 2


def test_one_reversal_per_charge():
    reversal = ChargeReversalFactory()
    with refused("charge_id", errorcodes.UNIQUE_VIOLATION):
        insert("billing_chargereversal", reversal_row(reversal.charge, certificate_amount=ZERO, copayment=ZERO))


def test_one_ledger_entry_per_charge():
    charge = ChargeFactory()
    mark = AttendanceMarkFactory(enrollment=charge.enrollment, lesson=LessonFactory(group=charge.enrollment.group))
    with refused("ledger_entry_id", errorcodes.UNIQUE_VIOLATION):
        insert("billing_charge", paid_row(mark, ledger_entry_id=charge.ledger_entry_id))


# Charges: what they point to


def test_charge_enrollment_is_its_marks():
    mark = AttendanceMarkFactory()
    other = EnrollmentFactory(active=True, group=mark.enrollment.group)
    with refused("charge_enrollment_is_marks"):
        insert(
            "billing_charge",
            lesson_row(mark, enrollment_id=other.pk, municipality_id=other.certificate.municipality_id),
        )


def test_charge_is_for_the_current_version_of_a_present_mark_of_a_held_lesson():
    mark = AttendanceMarkFactory()
    with refused("charge_mark_version"):
        insert("billing_charge", lesson_row(mark, mark_version=mark.version + 1))
    absent = AttendanceMarkFactory(status="ABSENT")
    with refused("charge_mark_present"):
        insert("billing_charge", lesson_row(absent))
    cancelled = AttendanceMarkFactory(lesson__cancelled=True)
    with refused("charge_mark_present"):
        insert("billing_charge", lesson_row(cancelled))
    with refused("charge_service_date"):
        insert("billing_charge", lesson_row(mark, service_date=mark.lesson.date + datetime.timedelta(days=1)))


def test_charge_lies_within_the_contract():
    mark = AttendanceMarkFactory()
    Enrollment.objects.filter(pk=mark.enrollment_id).update(ends_on=mark.lesson.date - datetime.timedelta(days=1))
    with refused("charge_within_contract"):
        insert("billing_charge", lesson_row(mark))
    enrollment = EnrollmentFactory(active=True)
    with refused("charge_within_contract"):
        insert("billing_charge", month_row(enrollment, next_month(enrollment.ends_on)))
    applied = AttendanceMarkFactory(enrollment=EnrollmentFactory(status="SUBMITTED"))
    with refused("charge_contract"):
        insert("billing_charge", lesson_row(applied))


def test_charge_carries_its_contracts_provider_and_the_paying_municipality():
    mark = AttendanceMarkFactory()
    with refused("charge_provider"):
        insert("billing_charge", lesson_row(mark, provider_id=ProviderFactory().pk))
    with refused("charge_municipality"):
        insert("billing_charge", lesson_row(mark, municipality_id=MunicipalityFactory().pk))


def test_charge_ledger_entry_is_a_debit_of_the_contracts_account_for_the_period_and_amount():
    mark = AttendanceMarkFactory()
    account = account_for(mark.enrollment.certificate, mark.lesson.date)
    price = mark.enrollment.lesson_price
    # Another child's account.
    stranger = funded_account(period=account.period)
    with refused("charge_account_certificate"):
        insert("billing_charge", paid_row(mark, account_id=stranger.pk, ledger_entry_id=debit(stranger, price).pk))
    # The certificate's account of another period (the next school year).
    later = funded_account(
        certificate=mark.enrollment.certificate,
        period=FundingPeriodFactory(municipality=account.period.municipality, year=account.period.start_date.year + 1),
    )
    with refused("charge_account_period"):
        insert("billing_charge", paid_row(mark, account_id=later.pk, ledger_entry_id=debit(later, price).pk))
    # The right account, but the entry is on another one, of another kind, or for another amount.
    with refused("charge_ledger_entry"):
        insert("billing_charge", paid_row(mark, ledger_entry_id=debit(later, price).pk))
    with refused("charge_ledger_entry"):
        insert("billing_charge", paid_row(mark, ledger_entry_id=LedgerEntryFactory(account=account).pk))  # an OPEN
    with refused("charge_ledger_amount"):
        insert("billing_charge", paid_row(mark, ledger_entry_id=debit(account, price - D("0.01")).pk))
    # A part taken from the contract's reserve needs the contract's reserve row on the same entry (here
    # the account has money reserved, but not through this contract's row).
    LedgerEntryFactory(account=account, kind="RESERVE", nominal_delta=ZERO, reserved_delta=D("100.00"))
    with refused("charge_reserve_row"):
        insert("billing_charge", paid_row(mark, ledger_entry_id=debit(account, price, reserved=D("0.01")).pk))
    charge = Charge.objects.get(pk=insert("billing_charge", paid_row(mark)))
    assert charge.ledger_entry.spent_delta == charge.certificate_amount == price


def test_charge_taking_the_reserve_has_the_contracts_reserve_row():
    mark = AttendanceMarkFactory()
    enrollment = mark.enrollment
    account = account_for(enrollment.certificate, mark.lesson.date)
    Enrollment.objects.filter(pk=enrollment.pk).update(period=account.period)
    reserve = LedgerEntryFactory(account=account, kind="RESERVE", nominal_delta=ZERO, reserved_delta=D("1000.00"))
    ReserveEntry.objects.create(enrollment=enrollment, ledger_entry=reserve, amount=D("1000.00"))
    price = enrollment.lesson_price
    entry = debit(account, price, reserved=price)
    ReserveEntry.objects.create(enrollment=enrollment, ledger_entry=entry, amount=-price)
    insert("billing_charge", paid_row(mark, ledger_entry_id=entry.pk))
    enrollment.refresh_from_db()
    account.refresh_from_db()
    assert enrollment.reserve_remaining == D("1000.00") - price
    assert (account.reserved, account.spent) == (D("1000.00") - price, price)


def test_reserve_row_of_a_debit_is_on_the_contracts_period_and_within_its_reserve():
    mark = AttendanceMarkFactory()
    enrollment = mark.enrollment
    account = account_for(enrollment.certificate, mark.lesson.date)
    # The account has 1 000 ₽ reserved, 100 ₽ of it for this contract.
    LedgerEntryFactory(account=account, kind="RESERVE", nominal_delta=ZERO, reserved_delta=D("900.00"))
    reserve = LedgerEntryFactory(account=account, kind="RESERVE", nominal_delta=ZERO, reserved_delta=D("100.00"))
    Enrollment.objects.filter(pk=enrollment.pk).update(period=account.period)
    ReserveEntry.objects.create(enrollment=enrollment, ledger_entry=reserve, amount=D("100.00"))
    with refused("enrollment_money_not_negative"):  # more than the contract has set aside
        entry = debit(account, D("100.01"), reserved=D("100.01"))
        ReserveEntry.objects.create(enrollment=enrollment, ledger_entry=entry, amount=D("-100.01"))
    Enrollment.objects.filter(pk=enrollment.pk).update(period=FundingPeriodFactory())
    with refused("spends from another period"):
        entry = debit(account, D("50.00"), reserved=D("50.00"))
        ReserveEntry.objects.create(enrollment=enrollment, ledger_entry=entry, amount=D("-50.00"))


# Reversals


def test_reversal_gives_back_at_most_the_charge_through_a_refund_of_its_account():
    charge = ChargeFactory()
    debit(charge.account, D("500.00"))  # the account has spent more than this charge
    with refused("reversal_exceeds_charge"):
        insert("billing_chargereversal", reversal_row(charge, copayment=charge.copayment + D("0.01")))
    with refused("reversal_exceeds_charge"):
        insert("billing_chargereversal", reversal_row(charge, certificate_amount=charge.certificate_amount + D("0.01")))
    with refused("reversal_ledger_amount"):
        entry = refund(charge.account, charge.certificate_amount - D("0.01"))
        insert("billing_chargereversal", reversal_row(charge, ledger_entry_id=entry.pk))
    other = funded_account()
    with refused("reversal_ledger_entry"):
        insert("billing_chargereversal", reversal_row(charge, ledger_entry_id=LedgerEntryFactory(account=other).pk))
    with refused("reversal_provider"):
        insert("billing_chargereversal", reversal_row(charge, provider_id=ProviderFactory().pk))
    with refused("reversal_certificate_part_in_ledger"):
        insert(
            "billing_chargereversal",
            reversal_row(
                charge, certificate_amount=ZERO, ledger_entry_id=refund(charge.account, charge.certificate_amount).pk
            ),
        )
    insert("billing_chargereversal", reversal_row(charge))
    charge.account.refresh_from_db()
    assert charge.account.spent == D("500.00")


# Append-only


@pytest.mark.parametrize("table", ["billing_charge", "billing_chargereversal"])
@pytest.mark.parametrize(
    "statement", ["UPDATE {table} SET created_at = now() WHERE id = %s", "DELETE FROM {table} WHERE id = %s"]
)
def test_charges_and_reversals_are_append_only(table, statement):
    reversal = ChargeReversalFactory()
    row = reversal.charge_id if table == "billing_charge" else reversal.pk
    with refused("is append-only", errorcodes.RESTRICT_VIOLATION):
        execute(statement.format(table=table), [row])


# Attendance register


def test_one_mark_per_pupil_per_lesson():
    mark = AttendanceMarkFactory()
    with refused("mark_once_per_pupil_lesson", errorcodes.UNIQUE_VIOLATION):
        AttendanceMark.objects.bulk_create(
            [AttendanceMark(lesson=mark.lesson, enrollment=mark.enrollment, status="ABSENT")]
        )
    # Another pupil of the same lesson is fine.
    other = EnrollmentFactory(active=True, group=mark.enrollment.group)
    AttendanceMarkFactory(lesson=mark.lesson, enrollment=other)


def test_mark_lesson_belongs_to_its_enrollments_group():
    mark = AttendanceMarkFactory()
    elsewhere = LessonFactory(group=GroupFactory())
    with refused("mark_lesson_of_group"):
        insert(
            "billing_attendancemark",
            {
                "lesson_id": elsewhere.pk,
                "enrollment_id": mark.enrollment_id,
                "status": "PRESENT",
                "version": 1,
                "billed_version": 0,
                "updated_at": timezone.now(),
            },
        )
    # Nor can a mark move to another lesson or pupil afterwards.
    same_group = LessonFactory(group=mark.lesson.group)
    with refused("mark_moved"):
        AttendanceMark.objects.filter(pk=mark.pk).update(lesson=same_group)
    # A lesson with marks stays in its group and on its date.
    with refused("lesson_moved"):
        Lesson.objects.filter(pk=mark.lesson_id).update(date=mark.lesson.date + datetime.timedelta(days=1))
    with refused("lesson_moved"):
        Lesson.objects.filter(pk=mark.lesson_id).update(group=elsewhere.group)


def test_cancelling_a_lesson_sends_its_marks_back_to_billing():
    mark = AttendanceMarkFactory()
    AttendanceMark.objects.filter(pk=mark.pk).update(billed_version=mark.version)
    Lesson.objects.filter(pk=mark.lesson_id).update(cancelled=True)
    mark.refresh_from_db()
    assert mark.billed_version == 0
    assert MonthRecheck.objects.filter(group=mark.lesson.group, month=mark.lesson.date.replace(day=1)).exists()


def test_mark_version_positive():
    mark = AttendanceMarkFactory()
    with refused("mark_version_positive"):
        AttendanceMark.objects.filter(pk=mark.pk).update(version=0)


def test_one_lesson_per_group_date():
    lesson = LessonFactory()
    with refused("lesson_once_per_group_date", errorcodes.UNIQUE_VIOLATION):
        Lesson.objects.bulk_create([Lesson(group=lesson.group, date=lesson.date)])


def test_one_correction_per_mark_version():
    correction = AttendanceCorrectionFactory()
    with refused("correction_once_per_version", errorcodes.UNIQUE_VIOLATION):
        AttendanceCorrection.objects.bulk_create(
            [
                AttendanceCorrection(
                    mark=correction.mark, old_status="ABSENT", new_status="PRESENT", new_version=correction.new_version
                )
            ]
        )


def test_one_open_dispute_per_mark_and_one_dispute_per_charged_lesson():
    dispute = DisputeFactory()
    with refused("dispute_one_open_per_mark", errorcodes.UNIQUE_VIOLATION):
        # Another dispute of the same mark (another lesson named) while the first is open.
        Dispute.objects.bulk_create([DisputeFactory.build(charge=dispute.charge, lesson=LessonFactory())])
    Dispute.objects.filter(pk=dispute.pk).update(status=Dispute.Status.REJECTED, resolved_at=timezone.now())
    with refused("dispute_once_per_charge_lesson", errorcodes.UNIQUE_VIOLATION):
        Dispute.objects.bulk_create([DisputeFactory.build(charge=dispute.charge)])


def test_an_upheld_dispute_points_to_its_reversal():
    dispute = DisputeFactory()
    with refused("dispute_upheld_has_reversal"):
        Dispute.objects.filter(pk=dispute.pk).update(status=Dispute.Status.UPHELD, resolved_at=timezone.now())


def test_resolved_dispute_has_a_date():
    dispute = DisputeFactory()
    with refused("dispute_resolved_has_date"):
        Dispute.objects.filter(pk=dispute.pk).update(status=Dispute.Status.UPHELD)


# Statements


def test_a_statement_stores_no_totals_to_type_in():
    """Its totals are the sums of its lines (tests/billing/test_statements.py), never columns."""
    assert {"lessons_count", "certificate_total", "copayment_total", "corrections_total"}.isdisjoint(
        f.name for f in Statement._meta.get_fields()
    )


@pytest.mark.parametrize(
    ("before", "after"),
    [("PAID", "DRAFT"), ("PAID", "ISSUED"), ("ISSUED", "DRAFT"), ("DRAFT", "PAID")],
)
def test_statement_status_only_moves_forward(before, after):
    statement = StatementFactory(status=before, paid_at=timezone.now() if before == "PAID" else None)
    with refused("statement_status_order"):
        # Only the status (and a payment date where it becomes PAID): a paid statement's date is written
        # once (billing_statement_frozen), which is not what this test is about.
        Statement.objects.filter(pk=statement.pk).update(
            status=after, **({"paid_at": timezone.now()} if after == "PAID" else {})
        )


def test_statement_goes_draft_issued_paid():
    statement = StatementFactory()
    with refused("statement_issued_has_date"):
        Statement.objects.filter(pk=statement.pk).update(status="ISSUED")
    Statement.objects.filter(pk=statement.pk).update(status="ISSUED", issued_at=timezone.now())
    Statement.objects.filter(pk=statement.pk).update(status="PAID", paid_at=timezone.now())
    assert Statement.objects.get(pk=statement.pk).status == "PAID"


def test_paid_statement_has_a_date():
    statement = StatementFactory(status="ISSUED", issued_at=timezone.now())
    with refused("statement_paid_has_date"):
        with connection.cursor() as cursor:
            cursor.execute("UPDATE billing_statement SET status = 'PAID' WHERE id = %s", [statement.pk])


def test_one_statement_per_provider_municipality_month():
    statement = StatementFactory()
    with refused("statement_once_per_month", errorcodes.UNIQUE_VIOLATION):
        Statement.objects.bulk_create(
            [Statement(provider=statement.provider, municipality=statement.municipality, month=statement.month)]
        )
    StatementFactory(provider=statement.provider, month=datetime.date(2025, 10, 1))
