"""Funding periods set up and changed by a municipal operator, with the checks that keep the money
consistent: no overlap with another period of the municipality, and the nominal, the funded limit, the
budget and the direction cap never below what is already issued, reserved, spent or counted. The
billing policy is fixed once the period has accounts (the debit job charges by it)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db import transaction
from django.db.models import F, Max, Sum
from django.utils.translation import gettext as _

from certificates.models import CertificateAccount, DirectionCount, FundingPeriod
from certificates.operators import operator_municipality
from core.errors import DomainError, NotFound
from core.locking import lock_one
from core.money import ZERO

PERIOD_FIELDS = (
    "municipality_id",
    "name",
    "start_date",
    "end_date",
    "nominal",
    "max_funded_certificates",
    "total_budget",
    "billing_policy",
    "direction_cap",
    "accepting_contracts",
    "review_days",
    "offer_days",
    "dispute_days",
)


class PeriodNotFound(NotFound):
    pass


def _money(value: Decimal) -> str:
    return f"{value:,.2f}".replace(",", " ")


def funding_period_problems(*, actor, period: FundingPeriod | None, fields: dict) -> dict[str, list[str]]:
    """What is wrong with the period's new figures, by field (empty when nothing is). `period`: the saved
    period being changed, None for a new one."""
    problems: dict[str, list[str]] = {}

    def refuse(field: str, message: str) -> None:
        problems.setdefault(field, []).append(message)

    municipality_id = operator_municipality(actor)
    target_municipality = fields.get("municipality_id") or (period.municipality_id if period else None)
    if municipality_id is not None and target_municipality != municipality_id:
        refuse("municipality", _("Можно вести периоды только своего муниципалитета."))
    if period is not None and target_municipality != period.municipality_id:
        refuse("municipality", _("Муниципалитет периода не меняется."))
    start: date | None = fields.get("start_date")
    end: date | None = fields.get("end_date")
    if start and end and end <= start:
        refuse("end_date", _("Окончание должно быть позже начала."))
    elif start and end and target_municipality:
        overlapping = FundingPeriod.objects.filter(
            municipality_id=target_municipality, start_date__lte=end, end_date__gte=start
        )
        if period is not None:
            overlapping = overlapping.exclude(pk=period.pk)
        other = overlapping.order_by("start_date").first()
        if other is not None:
            refuse(
                "start_date",
                _("Период пересекается с периодом «%(name)s» (%(start)s — %(end)s).")
                % {
                    "name": other.name,
                    "start": other.start_date.strftime("%d.%m.%Y"),
                    "end": other.end_date.strftime("%d.%m.%Y"),
                },
            )
    if period is None:
        return problems
    figures = CertificateAccount.objects.filter(period=period).aggregate(
        issued=Sum("nominal"), used_max=Max(F("reserved") + F("spent")), accounts=Max("pk")
    )
    issued, used_max = figures["issued"] or ZERO, figures["used_max"] or ZERO
    has_accounts = figures["accounts"] is not None
    nominal = fields.get("nominal")
    if nominal is not None and nominal < used_max:
        refuse(
            "nominal",
            _("Номинал не может быть меньше уже зарезервированного и списанного по одному счёту: %(sum)s ₽.")
            % {"sum": _money(used_max)},
        )
    limit = fields.get("max_funded_certificates")
    if limit is not None and limit < period.funded_accounts:
        refuse(
            "max_funded_certificates",
            _("Уже открыто счетов финансирования: %(n)s; число не может быть меньше.") % {"n": period.funded_accounts},
        )
    budget = fields.get("total_budget")
    if budget is not None and budget < issued:
        refuse(
            "total_budget",
            _("Объём финансирования не может быть меньше уже выданных номиналов: %(sum)s ₽.") % {"sum": _money(issued)},
        )
    policy = fields.get("billing_policy")
    if policy is not None and has_accounts and policy != period.billing_policy:
        refuse("billing_policy", _("Порядок оплаты не меняется, когда по периоду уже открыты счета."))
    cap = fields.get("direction_cap")
    if cap is not None:
        counted = DirectionCount.objects.filter(period=period).aggregate(most=Max("children"))["most"] or 0
        if cap < counted:
            refuse(
                "direction_cap",
                _("По одной направленности уже есть детей с договорами: %(n)s; предел не может быть меньше.")
                % {"n": counted},
            )
    return problems


@transaction.atomic
def funding_period_save(*, actor, period_id: int | None = None, fields: dict) -> FundingPeriod:
    """Create a period (period_id None) or change one. Raises DomainError with the problems by field."""
    fields = {name: value for name, value in fields.items() if name in PERIOD_FIELDS}
    period = None
    if period_id is not None:
        municipality_id = operator_municipality(actor)
        queryset = FundingPeriod.objects.filter(pk=period_id)
        if municipality_id is not None:
            queryset = queryset.filter(municipality_id=municipality_id)
        try:
            period = lock_one(queryset)  # the acceptance service takes the same row before counting
        except FundingPeriod.DoesNotExist:
            raise PeriodNotFound(_("Период не найден.")) from None
    problems = funding_period_problems(actor=actor, period=period, fields=fields)
    if problems:
        raise DomainError(" ".join(m for ms in problems.values() for m in ms), fields=problems)
    period = period or FundingPeriod()
    for name, value in fields.items():
        setattr(period, name, value)
    period.save()
    return period
