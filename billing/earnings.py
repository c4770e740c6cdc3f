"""A provider's earnings per month (reads): the lessons delivered, what the certificates paid and the
parents' co-payments due (charges net of their reversals), the open disputes, and the month's
statements (акты) with their totals. A month is the lesson's (a MONTHLY charge's month); four queries
whatever the number of months or charges."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Q, Sum, Value
from django.db.models.functions import Coalesce, TruncMonth

from billing.models import AttendanceMark, AttendanceStatus, Charge, Dispute, Lesson, Statement
from billing.selectors import provider_statements

ZERO = Decimal("0.00")
MONTHS = 24  # the months shown, newest first


@dataclass
class EarningsMonth:
    month: date
    lessons_held: int = 0  # lessons not cancelled with at least one pupil present
    lessons_paid: int = 0  # pupil-lessons charged and not reversed
    certificate: Decimal = ZERO  # what the certificates paid, net of refunds
    copayment: Decimal = ZERO  # co-payments due from the parents, net of those owed back
    open_disputes: int = 0
    statements: list[Statement] = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        return self.certificate + self.copayment


def provider_earnings(*, provider_id: int, months: int = MONTHS) -> list[EarningsMonth]:
    """The provider's months with anything to show, newest first (at most `months`)."""
    rows: dict[date, EarningsMonth] = defaultdict(lambda: EarningsMonth(month=date.min))

    def month(day: date) -> EarningsMonth:
        entry = rows[day]
        entry.month = day
        return entry

    charges = (
        Charge.objects.filter(provider_id=provider_id)
        .annotate(earned_in=TruncMonth("service_date"))
        .values("earned_in")
        .annotate(
            lessons=Coalesce(Sum("lessons", filter=Q(reversal__isnull=True)), Value(0)),
            certificate=Coalesce(Sum("certificate_amount"), Value(ZERO))
            - Coalesce(Sum("reversal__certificate_amount"), Value(ZERO)),
            copayment=Coalesce(Sum("copayment"), Value(ZERO)) - Coalesce(Sum("reversal__copayment"), Value(ZERO)),
        )
        .order_by()
    )
    for row in charges:
        entry = month(row["earned_in"])
        entry.lessons_paid, entry.certificate, entry.copayment = row["lessons"], row["certificate"], row["copayment"]

    present = AttendanceMark.objects.filter(lesson=OuterRef("pk"), status=AttendanceStatus.PRESENT)
    held = (
        Lesson.objects.filter(group__program__provider_id=provider_id, cancelled=False)
        .filter(Exists(present))
        .annotate(earned_in=TruncMonth("date"))
        .values("earned_in")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in held:
        month(row["earned_in"]).lessons_held = row["n"]

    disputes = (
        Dispute.objects.filter(charge__provider_id=provider_id, status=Dispute.Status.OPEN)
        .annotate(earned_in=TruncMonth("lesson__date"))
        .values("earned_in")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in disputes:
        month(row["earned_in"]).open_disputes = row["n"]

    for statement in provider_statements(provider_id=provider_id):
        month(statement.month).statements.append(statement)

    return sorted(rows.values(), key=lambda entry: entry.month, reverse=True)[:months]
