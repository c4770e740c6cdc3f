"""Factories for the attendance register, charges, reversals, disputes, statements and job runs.

A charge's certificate part must be a DEBIT ledger entry: `ChargeFactory` debits the account of the
enrollment's certificate for the period of the service date (created and credited if missing).
"""

import datetime
from decimal import Decimal

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from billing.models import (
    AttendanceCorrection,
    AttendanceMark,
    AttendanceStatus,
    BillingNoticeSent,
    Charge,
    ChargeReversal,
    Dispute,
    JobRun,
    Lesson,
    Statement,
    StatementLine,
)
from certificates.models import LedgerEntry
from tests.accounts.factories import ParentFactory, ProviderStaffFactory
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
    issued_at = factory.LazyAttribute(lambda o: None if o.status == Statement.Status.DRAFT else timezone.now())


class DebitEntryFactory(LedgerEntryFactory):
    """The DEBIT behind a charge: spends `spent_delta` from the enrollment certificate's account."""

    kind = LedgerEntry.Kind.DEBIT
    nominal_delta = ZERO
    reserved_delta = ZERO


def _normative_price(o) -> Decimal:
    return o.enrollment.normative_lesson_price * o.lessons


def _charge_account(o):
    charge = o.factory_parent
    return account_for(charge.enrollment.certificate, charge.service_date)


def _paying_municipality(o):
    """The account's period's municipality, else the certificate's, else the provider's."""
    if o.account is not None:
        return o.account.period.municipality
    if o.enrollment.certificate is not None:
        return o.enrollment.certificate.municipality
    return o.provider.municipality


def _month_after_start(o) -> datetime.date:
    """The first full month of the contract (the month after the one it starts in)."""
    start = o.enrollment.starts_on
    return (start.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)


class ChargeFactory(DjangoModelFactory):
    """A LESSON charge for a PRESENT mark, paid by the certificate up to the normative price; the
    rest is the co-payment. Pass `certificate_amount=Decimal(0)` for a charge without a DEBIT (and
    without an account).

    Trait `monthly`: a MONTH charge of an active contract for its first full month.
    """

    class Meta:
        model = Charge

    class Params:
        monthly = factory.Trait(
            kind=Charge.Kind.MONTH,
            mark=None,
            mark_version=None,
            enrollment=factory.SubFactory(EnrollmentFactory, active=True),
            month=factory.LazyAttribute(_month_after_start),
            service_date=factory.SelfAttribute("month"),
            lessons=factory.SelfAttribute("enrollment.group.program.lessons_per_month"),
        )

    kind = Charge.Kind.LESSON
    mark = factory.SubFactory(AttendanceMarkFactory)
    enrollment = factory.SelfAttribute("mark.enrollment")
    mark_version = factory.SelfAttribute("mark.version")
    month = None
    generation = 0
    service_date = factory.SelfAttribute("mark.lesson.date")
    lessons = 1
    price = factory.LazyAttribute(lambda o: o.enrollment.lesson_price * o.lessons)
    certificate_amount = factory.LazyAttribute(lambda o: min(o.price, _normative_price(o)))
    copayment = factory.LazyAttribute(lambda o: o.price - o.certificate_amount)
    provider = factory.SelfAttribute("enrollment.group.program.provider")
    ledger_entry = factory.Maybe(
        factory.LazyAttribute(lambda o: o.certificate_amount > 0),
        yes_declaration=factory.SubFactory(
            DebitEntryFactory,
            account=factory.LazyAttribute(_charge_account),
            spent_delta=factory.SelfAttribute("..certificate_amount"),
        ),
        no_declaration=None,
    )
    account = factory.LazyAttribute(lambda o: o.ledger_entry.account if o.ledger_entry is not None else None)
    municipality = factory.LazyAttribute(_paying_municipality)


class ChargeReversalFactory(DjangoModelFactory):
    """Сторно of a charge, whole: a REFUND entry gives the certificate part back."""

    class Meta:
        model = ChargeReversal

    charge = factory.SubFactory(ChargeFactory)
    reason = ChargeReversal.Reason.CORRECTION
    certificate_amount = factory.SelfAttribute("charge.certificate_amount")
    copayment = factory.SelfAttribute("charge.copayment")
    provider = factory.SelfAttribute("charge.provider")
    municipality = factory.SelfAttribute("charge.municipality")
    ledger_entry = factory.Maybe(
        factory.LazyAttribute(lambda o: o.certificate_amount > 0),
        yes_declaration=factory.SubFactory(
            LedgerEntryFactory,
            account=factory.SelfAttribute("..charge.account"),
            kind=LedgerEntry.Kind.REFUND,
            nominal_delta=ZERO,
            spent_delta=factory.LazyAttribute(lambda o: -o.factory_parent.certificate_amount),
        ),
        no_declaration=None,
    )


class DisputeFactory(DjangoModelFactory):
    """An open dispute of a PER_LESSON charge's lesson, raised by the contract's parent."""

    class Meta:
        model = Dispute

    charge = factory.SubFactory(ChargeFactory)
    mark = factory.SelfAttribute("charge.mark")
    lesson = factory.SelfAttribute("charge.mark.lesson")
    raised_by = factory.SelfAttribute("charge.enrollment.applicant")
    reason = "Ребёнка не было на занятии, а списание есть."
    status = Dispute.Status.OPEN


class StatementLineFactory(DjangoModelFactory):
    """A charge's line in the draft statement of its provider, paying municipality and month."""

    class Meta:
        model = StatementLine

    charge = factory.SubFactory(ChargeFactory)
    statement = factory.LazyAttribute(
        lambda o: Statement.objects.get_or_create(
            provider=o.charge.provider, municipality=o.charge.municipality, month=o.charge.service_date.replace(day=1)
        )[0]
    )
    kind = StatementLine.Kind.CHARGE
    lessons = factory.SelfAttribute("charge.lessons")
    certificate_amount = factory.SelfAttribute("charge.certificate_amount")
    copayment = factory.SelfAttribute("charge.copayment")


class BillingNoticeSentFactory(DjangoModelFactory):
    class Meta:
        model = BillingNoticeSent

    user = factory.SubFactory(ParentFactory)
    kind = BillingNoticeSent.Kind.DEBITS
    key = factory.Sequence(lambda n: (datetime.date(2025, 9, 1) + datetime.timedelta(days=n)).isoformat())


class JobRunFactory(DjangoModelFactory):
    class Meta:
        model = JobRun

    key = factory.Sequence(lambda n: f"test:debit_run:{n}")
    kind = JobRun.Kind.DEBIT
    processed = 0
