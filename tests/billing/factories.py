"""Factories for the attendance register, charges, reversals, disputes, statements and job runs.

A charge's certificate part must be a DEBIT ledger entry: `ChargeFactory` debits the account of the
enrollment's certificate for the period of the service date (created and credited if missing).
"""

import datetime
from decimal import Decimal

import factory
from factory.django import DjangoModelFactory

from billing.models import (
    AttendanceCorrection,
    AttendanceMark,
    AttendanceStatus,
    Charge,
    ChargeReversal,
    Dispute,
    JobRun,
    Lesson,
    Statement,
)
from certificates.models import LedgerEntry
from tests.accounts.factories import ProviderStaffFactory
from tests.catalog.factories import ProviderFactory
from tests.certificates.factories import LedgerEntryFactory, account_for
from tests.enrollments.factories import EnrollmentFactory

ZERO = Decimal("0.00")


def _lesson_date(o, n: int) -> datetime.date:
    """Successive days inside the group's dates, so (group, date) stays unique."""
    days = (o.group.end_date - o.group.start_date).days + 1
    return o.group.start_date + datetime.timedelta(days=n % days)


class LessonFactory(DjangoModelFactory):
    class Meta:
        model = Lesson

    group = factory.SubFactory("tests.catalog.factories.GroupFactory")
    date = factory.LazyAttributeSequence(_lesson_date)
    cancelled = False
    cancel_reason = ""


class AttendanceMarkFactory(DjangoModelFactory):
    """A PRESENT mark of an active pupil for a lesson of the pupil's group."""

    class Meta:
        model = AttendanceMark

    enrollment = factory.SubFactory(EnrollmentFactory, active=True)
    lesson = factory.SubFactory(LessonFactory, group=factory.SelfAttribute("..enrollment.group"))
    status = AttendanceStatus.PRESENT
    version = 1
    marked_by = factory.SubFactory(
        ProviderStaffFactory, provider=factory.SelfAttribute("..enrollment.group.program.provider")
    )


class AttendanceCorrectionFactory(DjangoModelFactory):
    class Meta:
        model = AttendanceCorrection

    mark = factory.SubFactory(AttendanceMarkFactory)
    old_status = AttendanceStatus.PRESENT
    new_status = AttendanceStatus.ABSENT
    new_version = factory.LazyAttribute(lambda o: o.mark.version + 1)
    changed_by = factory.SelfAttribute("mark.marked_by")


class StatementFactory(DjangoModelFactory):
    class Meta:
        model = Statement

    provider = factory.SubFactory(ProviderFactory)
    municipality = factory.SelfAttribute("provider.municipality")
    month = datetime.date(2025, 9, 1)
    status = Statement.Status.DRAFT
    lessons_count = 0
    certificate_total = ZERO
    copayment_total = ZERO
    corrections_total = ZERO


class DebitEntryFactory(LedgerEntryFactory):
    """The DEBIT behind a charge: spends `spent_delta` from the enrollment certificate's account."""

    kind = LedgerEntry.Kind.DEBIT
    nominal_delta = ZERO
    reserved_delta = ZERO


def _normative_price(o) -> Decimal:
    program = o.enrollment.group.program
    units = 1 if o.kind == Charge.Kind.LESSON else program.lessons_per_month
    return program.normative_lesson_price * units


def _charge_account(o):
    charge = o.factory_parent
    return account_for(charge.enrollment.certificate, charge.service_date)


class ChargeFactory(DjangoModelFactory):
    """A LESSON charge for a PRESENT mark, paid by the certificate up to the normative price; the
    rest is the co-payment. Pass `certificate_amount=Decimal(0)` for a charge without a DEBIT.

    Trait `monthly`: a MONTH charge of an active contract for October 2025.
    """

    class Meta:
        model = Charge

    class Params:
        monthly = factory.Trait(
            kind=Charge.Kind.MONTH,
            mark=None,
            mark_version=None,
            enrollment=factory.SubFactory(EnrollmentFactory, active=True),
            month=datetime.date(2025, 10, 1),
            service_date=factory.SelfAttribute("month"),
            price=factory.LazyAttribute(
                lambda o: o.enrollment.lesson_price * o.enrollment.group.program.lessons_per_month
            ),
        )

    kind = Charge.Kind.LESSON
    mark = factory.SubFactory(AttendanceMarkFactory)
    enrollment = factory.SelfAttribute("mark.enrollment")
    mark_version = factory.SelfAttribute("mark.version")
    month = None
    service_date = factory.SelfAttribute("mark.lesson.date")
    price = factory.SelfAttribute("enrollment.lesson_price")
    certificate_amount = factory.LazyAttribute(lambda o: min(o.price, _normative_price(o)))
    copayment = factory.LazyAttribute(lambda o: o.price - o.certificate_amount)
    ledger_entry = factory.Maybe(
        factory.LazyAttribute(lambda o: o.certificate_amount > 0),
        yes_declaration=factory.SubFactory(
            DebitEntryFactory,
            account=factory.LazyAttribute(_charge_account),
            spent_delta=factory.SelfAttribute("..certificate_amount"),
        ),
        no_declaration=None,
    )
    statement = None


class ChargeReversalFactory(DjangoModelFactory):
    """Сторно of a charge: a REFUND entry gives the certificate part back."""

    class Meta:
        model = ChargeReversal

    charge = factory.SubFactory(ChargeFactory)
    reason = ChargeReversal.Reason.CORRECTION
    ledger_entry = factory.Maybe(
        factory.LazyAttribute(lambda o: o.charge.certificate_amount > 0),
        yes_declaration=factory.SubFactory(
            LedgerEntryFactory,
            account=factory.SelfAttribute("..charge.ledger_entry.account"),
            kind=LedgerEntry.Kind.REFUND,
            nominal_delta=ZERO,
            spent_delta=factory.LazyAttribute(lambda o: -o.factory_parent.charge.certificate_amount),
        ),
        no_declaration=None,
    )
    statement = None


class DisputeFactory(DjangoModelFactory):
    class Meta:
        model = Dispute

    mark = factory.SubFactory(AttendanceMarkFactory)
    raised_by = factory.SelfAttribute("mark.enrollment.applicant")
    reason = "Ребёнок был на занятии, а отмечен отсутствующим."
    status = Dispute.Status.OPEN


class JobRunFactory(DjangoModelFactory):
    class Meta:
        model = JobRun

    key = factory.Sequence(lambda n: f"test:debit_run:{n}")
    processed = 0
