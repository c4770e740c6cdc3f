"""Contracts, lessons and marks for the debit job's tests, built as the services and the register
would leave them (a funded account of the school year, the contract's reserve, the lessons of the
group's calendar)."""

from __future__ import annotations

import datetime
from decimal import Decimal

from billing.models import AttendanceMark, AttendanceStatus, Lesson
from catalog.calendar import group_lesson_dates
from catalog.models import ScheduleSlot
from certificates.models import BillingPolicy, CertificateAccount, LedgerEntry
from enrollments.models import ContractFunding, Enrollment, ReserveEntry
from tests.certificates.factories import LedgerEntryFactory, account_for, period_for
from tests.enrollments.factories import EnrollmentFactory, group_with_lessons

D = Decimal
ZERO = D("0.00")


def contract(
    *,
    price: str = "250.00",
    normative: str = "300.00",
    nominal: str | None = None,
    reserve: str | None = None,
    policy: str = BillingPolicy.PER_LESSON,
    funding: str = ContractFunding.FUNDED,
    weekdays=(ScheduleSlot.Weekday.MONDAY,),
    group=None,
    certificate=None,
    account: bool = True,
    **enrollment_fields,
) -> Enrollment:
    """An active contract from the group's start, its certificate's account for the school year
    (credited with `nominal`, the period's 10 000 ₽ by default) and, with `reserve`, the money set
    aside for it. A second contract of the same child passes `certificate=`; other keywords go to
    EnrollmentFactory (`child__municipality=...` puts many children in one municipality)."""
    group = group or group_with_lessons(weekdays=weekdays)
    kwargs = {"certificate": certificate, "child": certificate.child} if certificate is not None else {}
    enrollment = EnrollmentFactory(
        active=True,
        group=group,
        lesson_price=D(price),
        normative_lesson_price=D(normative),
        funding=funding,
        billing_policy=policy,
        **kwargs,
        **enrollment_fields,
    )
    certificate = enrollment.certificate
    period_kwargs = {"billing_policy": policy}
    if nominal is not None:
        period_kwargs["nominal"] = D(nominal)
    period = period_for(certificate.municipality, group.start_date, **period_kwargs)
    if account:
        account_row = account_for(certificate, group.start_date)
        if funding == ContractFunding.FUNDED:
            Enrollment.objects.filter(pk=enrollment.pk).update(period=period)
        if reserve is not None:
            entry = LedgerEntryFactory(
                account=account_row, kind=LedgerEntry.Kind.RESERVE, nominal_delta=ZERO, reserved_delta=D(reserve)
            )
            ReserveEntry.objects.create(enrollment=enrollment, ledger_entry=entry, amount=D(reserve))
    enrollment.refresh_from_db()
    return enrollment


def account_of(enrollment: Enrollment) -> CertificateAccount:
    return CertificateAccount.objects.get(
        certificate=enrollment.certificate_id,
        period__start_date__lte=enrollment.starts_on,
        period__end_date__gte=enrollment.starts_on,
    )


def lesson_days(enrollment: Enrollment, count: int | None = None) -> list[datetime.date]:
    """The first `count` lesson dates of the contract's group (its calendar), from the contract's start."""
    days = group_lesson_dates(enrollment.group, start=enrollment.starts_on, end=enrollment.ends_on)
    return days if count is None else days[:count]


def lesson(enrollment: Enrollment, day: datetime.date, *, cancelled: bool | None = None) -> Lesson:
    """The group's lesson of that day (made if missing); `cancelled` True/False cancels or restores it."""
    found, _created = Lesson.objects.get_or_create(group=enrollment.group, date=day)
    if cancelled is not None and found.cancelled != cancelled:
        found.cancelled = cancelled
        found.save(update_fields=["cancelled"])
    return found


def mark(enrollment: Enrollment, day: datetime.date, status: str = AttendanceStatus.PRESENT) -> AttendanceMark:
    return AttendanceMark.objects.create(lesson=lesson(enrollment, day), enrollment=enrollment, status=status)


def correct(mark_row: AttendanceMark, status: str) -> AttendanceMark:
    """The register's correction: a new status is a new version."""
    mark_row.refresh_from_db()
    mark_row.status = status
    mark_row.version += 1
    mark_row.save(update_fields=["status", "version"])
    return mark_row


def cancel(lesson_row: Lesson, cancelled: bool = True) -> None:
    lesson_row.cancelled = cancelled
    lesson_row.save(update_fields=["cancelled"])
