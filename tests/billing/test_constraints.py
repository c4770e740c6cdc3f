"""The database refuses impossible charges, marks and statements, whatever path the write takes.

The unique keys here are what make the debit job safe to repeat: one charge per mark version and
one per enrollment month, one mark per pupil per lesson.
"""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone
from psycopg2 import errorcodes

from billing.models import AttendanceCorrection, AttendanceMark, Charge, ChargeReversal, Dispute, Lesson, Statement
from tests.billing.factories import (
    AttendanceCorrectionFactory,
    AttendanceMarkFactory,
    ChargeFactory,
    ChargeReversalFactory,
    DisputeFactory,
    LessonFactory,
    StatementFactory,
)
from tests.db import refused
from tests.enrollments.factories import EnrollmentFactory

pytestmark = pytest.mark.django_db

D = Decimal
ZERO = D("0.00")


def copayment_charge(**kwargs) -> Charge:
    """A charge paid by the parents alone (no ledger entry needed)."""
    return ChargeFactory(certificate_amount=ZERO, **kwargs)


# Charge amounts


@pytest.mark.parametrize(
    ("price", "certificate_amount", "copayment"),
    [("-10", "0", "-10"), ("250", "300", "-50"), ("250", "-50", "300")],
    ids=["price", "copayment", "certificate-amount"],
)
def test_charge_amounts_never_negative(price, certificate_amount, copayment):
    charge = ChargeFactory()  # 250 ₽, all of it from the certificate, with its DEBIT
    with refused("charge_amounts_not_negative"):
        Charge.objects.filter(pk=charge.pk).update(
            price=D(price), certificate_amount=D(certificate_amount), copayment=D(copayment)
        )


@pytest.mark.parametrize(
    ("price", "certificate_amount", "copayment"),
    [("250", "250", "10"), ("250", "200", "0"), ("250", "0", "0")],
    ids=["more", "less", "nothing"],
)
def test_charge_parts_must_add_up(price, certificate_amount, copayment):
    charge = ChargeFactory()
    with refused("charge_parts_add_up"):
        Charge.objects.filter(pk=charge.pk).update(
            price=D(price), certificate_amount=D(certificate_amount), copayment=D(copayment)
        )
    # Parts that add up are fine.
    Charge.objects.filter(pk=charge.pk).update(price=D("300"), certificate_amount=D("250"), copayment=D("50"))


def test_certificate_part_needs_a_ledger_entry():
    charge = copayment_charge()
    assert charge.ledger_entry is None
    with refused("charge_certificate_part_in_ledger"):
        Charge.objects.filter(pk=charge.pk).update(certificate_amount=charge.price, copayment=ZERO)


def test_charge_kind_fields():
    lesson_charge = copayment_charge()
    with refused("charge_kind_fields"):
        Charge.objects.filter(pk=lesson_charge.pk).update(mark=None)
    with refused("charge_kind_fields"):
        Charge.objects.filter(pk=lesson_charge.pk).update(month=datetime.date(2025, 9, 1))
    with refused("charge_kind_fields"):
        Charge.objects.filter(pk=lesson_charge.pk).update(kind=Charge.Kind.MONTH)


# Charges: exactly once


def test_one_charge_per_mark_version():
    first = copayment_charge()
    with refused("charge_once_per_mark_version", errorcodes.UNIQUE_VIOLATION):
        Charge.objects.bulk_create([ChargeFactory.build(mark=first.mark, certificate_amount=ZERO)])
    assert Charge.objects.filter(mark=first.mark).count() == 1

    # A corrected mark (a new version) may be charged again.
    AttendanceMark.objects.filter(pk=first.mark.pk).update(version=2)
    first.mark.refresh_from_db()
    copayment_charge(mark=first.mark)
    assert Charge.objects.filter(mark=first.mark).count() == 2


def test_one_charge_per_enrollment_month():
    first = ChargeFactory(monthly=True, certificate_amount=ZERO)
    with refused("charge_once_per_month", errorcodes.UNIQUE_VIOLATION):
        Charge.objects.bulk_create(
            [ChargeFactory.build(monthly=True, enrollment=first.enrollment, month=first.month, certificate_amount=ZERO)]
        )
    # The next month is a new charge.
    ChargeFactory(monthly=True, enrollment=first.enrollment, month=datetime.date(2025, 11, 1), certificate_amount=ZERO)
    assert Charge.objects.filter(enrollment=first.enrollment).count() == 2


def test_one_reversal_per_charge():
    reversal = ChargeReversalFactory()
    with refused("charge_id", errorcodes.UNIQUE_VIOLATION):
        ChargeReversal.objects.bulk_create(
            [ChargeReversal(charge=reversal.charge, reason=ChargeReversal.Reason.DISPUTE)]
        )


def test_one_ledger_entry_per_charge():
    charge = ChargeFactory()
    other = copayment_charge()
    with refused("ledger_entry_id", errorcodes.UNIQUE_VIOLATION):
        Charge.objects.filter(pk=other.pk).update(ledger_entry=charge.ledger_entry)


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


def test_one_open_dispute_per_mark():
    dispute = DisputeFactory()
    with refused("dispute_one_open_per_mark", errorcodes.UNIQUE_VIOLATION):
        Dispute.objects.bulk_create([DisputeFactory.build(mark=dispute.mark)])
    Dispute.objects.filter(pk=dispute.pk).update(status=Dispute.Status.REJECTED, resolved_at=timezone.now())
    DisputeFactory(mark=dispute.mark)


def test_resolved_dispute_has_a_date():
    dispute = DisputeFactory()
    with refused("dispute_resolved_has_date"):
        Dispute.objects.filter(pk=dispute.pk).update(status=Dispute.Status.UPHELD)


# Statements


@pytest.mark.parametrize("field", ["certificate_total", "copayment_total", "corrections_total"])
def test_statement_totals_never_negative(field):
    statement = StatementFactory()
    with refused("statement_totals_not_negative"):
        Statement.objects.filter(pk=statement.pk).update(**{field: D("-0.01")})


def test_paid_statement_has_a_date():
    statement = StatementFactory()
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
