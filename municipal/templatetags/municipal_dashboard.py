"""The dashboard on the admin index ({% load municipal_dashboard %}{% admin_dashboard %}): figures from
municipal/dashboard.py, charts from municipal/charts.py, for the operator's municipality (a regional
operator chooses one, or sees the whole region)."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext as _

from municipal import charts
from municipal.dashboard import dashboard, municipalities, operator_scope

register = template.Library()


@register.inclusion_tag("admin/dashboard.html", takes_context=True)
def admin_dashboard(context) -> dict:
    request = context.get("request")
    if request is None or not request.user.is_authenticated:
        return {"board": None}
    operator, own = operator_scope(request.user)
    if not operator:
        return {"board": None}
    choices, selected = None, own
    if own is None:
        choices = municipalities()
        raw = request.GET.get("municipality", "")
        selected = int(raw) if raw.isdigit() and any(m.pk == int(raw) for m in choices) else None
    board = dashboard(municipality_id=selected)
    return {
        "board": board,
        "choices": choices,
        "selected": selected,
        "limit_rows": charts.limit_rows(board),
        "limits_chart": charts.limits_chart(board),
        "month_chart": charts.money_by_month_chart(board.spending_by_month),
        "direction_chart": charts.money_by_direction_chart(board.spending_by_direction),
        "programs_chart": charts.count_chart(_("договоров"), board.top_programs),
        "disputes_chart": charts.count_chart(_("жалоб"), board.dispute_providers),
    }


@register.filter
def rub(value) -> str:
    return charts.rub(value)
