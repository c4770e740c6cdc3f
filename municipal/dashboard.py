"""The figures of the admin's dashboard: one municipality (or the whole region) in its current funding
period. Each figure is one aggregate query (seven in all), so the page costs the same few queries however large the
region (tests/municipal/test_dashboard.py pins the count; bench/admin_dashboard.py times it on the
full demo region).

"Current period" is each municipality's funding period containing today; the region's figures add up
the current periods of all its municipalities.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Count, F, Q, Sum, Value
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone

from accounts.models import Role
from billing.models import Charge, Dispute
from catalog.models import Municipality
from certificates.models import CertificateAccount, Child, FundingPeriod
from core.money import ZERO
from enrollments.models import ACCEPTED_STATUSES, Enrollment, EnrollmentStatus

TOP = 10


@dataclass(frozen=True)
class Row:
    label: str
    value: Decimal | int
    extra: str = ""


@dataclass
class Dashboard:
    municipality: Municipality | None
    periods: list[FundingPeriod]
    funded_accounts: int = 0
    funded_limit: int = 0
    budget: Decimal = ZERO
    reserved: Decimal = ZERO
    spent: Decimal = ZERO
    children: int = 0
    children_with_contract: int = 0
    spending_by_month: list[Row] = field(default_factory=list)
    spending_by_direction: list[Row] = field(default_factory=list)
    top_programs: list[Row] = field(default_factory=list)
    dispute_providers: list[Row] = field(default_factory=list)


def operator_scope(user) -> tuple[bool, int | None]:
    """(whether the user runs municipalities, the one municipality they are bound to or None for all)."""
    if user.is_superuser or user.role == Role.REGIONAL:
        return True, None
    if user.role == Role.MUNICIPAL and user.municipality_id:
        return True, user.municipality_id
    return False, None


def municipalities() -> list[Municipality]:
    """The regional operator's chooser."""
    return list(Municipality.objects.order_by("name").only("id", "name"))


def dashboard(*, municipality_id: int | None, today: date | None = None) -> Dashboard:
    """The dashboard of one municipality (None: the whole region) for the funding periods running today."""
    today = today or timezone.localdate()
    periods_query = FundingPeriod.objects.filter(start_date__lte=today, end_date__gte=today).select_related(
        "municipality"
    )
    if municipality_id is not None:
        periods_query = periods_query.filter(municipality_id=municipality_id)
    periods = list(periods_query.order_by("municipality__name"))
    municipality = None
    if municipality_id is not None:
        municipality = periods[0].municipality if periods else Municipality.objects.filter(pk=municipality_id).first()
    board = Dashboard(municipality=municipality, periods=periods)
    _children(board, municipality_id)
    if not periods:
        return board
    period_ids = [p.pk for p in periods]
    board.funded_accounts = sum(p.funded_accounts for p in periods)
    board.funded_limit = sum(p.max_funded_certificates for p in periods)
    board.budget = sum((p.total_budget for p in periods), ZERO)
    money = CertificateAccount.objects.filter(period_id__in=period_ids).aggregate(
        reserved=Coalesce(Sum("reserved"), Value(ZERO)), spent=Coalesce(Sum("spent"), Value(ZERO))
    )
    board.reserved, board.spent = money["reserved"], money["spent"]
    _spending(board, period_ids)
    _top_programs(board, period_ids)
    _dispute_providers(board, periods)
    return board


def _children(board: Dashboard, municipality_id: int | None) -> None:
    # Two counts rather than one with EXISTS per child: the region's 300,000 children each probing the
    # contracts took 0.6 s; the contracts' own index gives the second count directly.
    children = Child.objects.all()
    contracts = Enrollment.objects.filter(status=EnrollmentStatus.ACTIVE)
    if municipality_id is not None:
        children = children.filter(municipality_id=municipality_id)
        contracts = contracts.filter(child__municipality_id=municipality_id)
    board.children = children.count()
    board.children_with_contract = contracts.values("child_id").distinct().count()


def _spending(board: Dashboard, period_ids: list[int]) -> None:
    """What the certificates paid in the periods (charges less their reversals), by month of service and
    by direction: one grouped query, folded both ways here."""
    rows = (
        Charge.objects.filter(account__period_id__in=period_ids)
        .annotate(month_of=TruncMonth("service_date"), direction_name=F("enrollment__group__program__direction__name"))
        .values("month_of", "direction_name")
        .annotate(
            total=Sum(F("certificate_amount") - Coalesce(F("reversal__certificate_amount"), Value(ZERO))),
        )
        .order_by()
    )
    by_month: dict[date, Decimal] = {}
    by_direction: dict[str, Decimal] = {}
    for row in rows:
        by_month[row["month_of"]] = by_month.get(row["month_of"], ZERO) + row["total"]
        by_direction[row["direction_name"]] = by_direction.get(row["direction_name"], ZERO) + row["total"]
    board.spending_by_month = [Row(month.strftime("%m.%Y"), total) for month, total in sorted(by_month.items())]
    board.spending_by_direction = [
        Row(name, total) for name, total in sorted(by_direction.items(), key=lambda item: (-item[1], item[0]))
    ]


def _top_programs(board: Dashboard, period_ids: list[int]) -> None:
    """The programs with the most contracts in the periods."""
    rows = (
        Enrollment.objects.filter(period_id__in=period_ids, status__in=ACCEPTED_STATUSES)
        .values("group__program_id", "group__program__title", "group__program__provider__short_name")
        .annotate(contracts=Count("pk"))
        .order_by("-contracts", "group__program__title")[:TOP]
    )
    board.top_programs = [
        Row(r["group__program__title"], r["contracts"], r["group__program__provider__short_name"]) for r in rows
    ]


def _dispute_providers(board: Dashboard, periods: list[FundingPeriod]) -> None:
    """The providers with the most parents' disputes raised in the periods (of the municipalities paying)."""
    during = Q()
    for period in periods:
        during |= Q(
            charge__municipality_id=period.municipality_id,
            created_at__date__gte=period.start_date,
            created_at__date__lte=period.end_date,
        )
    rows = (
        Dispute.objects.filter(during)
        .values("charge__provider_id", "charge__provider__short_name")
        .annotate(disputes=Count("pk"), open=Count("pk", filter=Q(status=Dispute.Status.OPEN)))
        .order_by("-disputes", "charge__provider__short_name")[:TOP]
    )
    board.dispute_providers = [Row(r["charge__provider__short_name"], r["disputes"], str(r["open"])) for r in rows]


def percent(part, whole) -> Decimal:
    """part of whole in percent, one decimal (0 when whole is 0)."""
    if not whole:
        return Decimal("0.0")
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"))
