"""The dashboard's charts as inline SVG drawn on the server by pygal: nothing to load in the browser,
no script, no CDN (pygal's optional tooltip script, which it would fetch from the internet, is off).
Each chart's numbers are also in a table beside it (templates/admin/dashboard.html)."""

from __future__ import annotations

import re
from decimal import Decimal

import pygal
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from pygal.style import Style

from municipal.dashboard import Dashboard, Row, percent

SCRIPT = re.compile(r"<script\b.*?</script>", re.S)
STYLE = Style(
    background="transparent",
    plot_background="transparent",
    foreground="#333",
    foreground_strong="#333",
    foreground_subtle="#666",
    font_family="DejaVu Sans, Arial, sans-serif",
    title_font_size=15,
    label_font_size=12,
    major_label_font_size=12,
    value_font_size=11,
    legend_font_size=12,
    colors=("#417690", "#79aec8", "#e7a33e", "#5b8c5a", "#b85c5c", "#8a6fb0", "#4fa3a5", "#c58ab5"),
)


def _config(**kwargs) -> dict:
    return {
        "style": STYLE,
        "js": [],  # no tooltip script: it would be fetched from the internet
        "disable_xml_declaration": True,
        "explicit_size": False,
        "width": 640,
        "height": 300,
        "no_data_text": _("Нет данных"),
        "print_values": True,
        "show_legend": False,
        "margin": 8,
        "truncate_label": -1,
        **kwargs,
    }


def rub(value) -> str:
    return f"{Decimal(value):,.0f} ₽".replace(",", "\u00a0")


def _svg(chart) -> SafeString:
    # pygal builds the SVG with an XML library, so labels from the database are escaped. Its inline
    # script only configures the tooltips of the script left out above: dropped, the SVG is static.
    return mark_safe(SCRIPT.sub("", chart.render(is_unicode=True)))


def limits_chart(board: Dashboard) -> SafeString:
    rows = list(reversed(limit_rows(board)))  # a horizontal bar chart draws its first label at the bottom
    chart = pygal.HorizontalBar(
        **_config(range=(0, 100), y_labels=list(range(0, 101, 20)), value_formatter=lambda v: f"{v:.1f} %")
    )
    chart.x_labels = [label for label, *_rest in rows]
    chart.add(_("доля"), [float(share) for _label, _part, _whole, share in rows])
    return _svg(chart)


def limit_rows(board: Dashboard) -> list[tuple[str, str, str, Decimal]]:
    """(what, how much, of what, percent) for the limits chart and its table."""
    return [
        (
            _("Счета сертификатов финансирования"),
            str(board.funded_accounts),
            str(board.funded_limit),
            percent(board.funded_accounts, board.funded_limit),
        ),
        (_("Зарезервировано"), rub(board.reserved), rub(board.budget), percent(board.reserved, board.budget)),
        (_("Списано"), rub(board.spent), rub(board.budget), percent(board.spent, board.budget)),
        (
            _("Дети с договором"),
            str(board.children_with_contract),
            str(board.children),
            percent(board.children_with_contract, board.children),
        ),
    ]


def money_by_month_chart(rows: list[Row]) -> SafeString:
    chart = pygal.Bar(**_config(value_formatter=rub, print_values=False))
    chart.x_labels = [r.label for r in rows]
    chart.add(_("списано"), [float(r.value) for r in rows])
    return _svg(chart)


def money_by_direction_chart(rows: list[Row]) -> SafeString:
    chart = pygal.Pie(
        **_config(
            inner_radius=0.45,
            show_legend=True,
            legend_at_bottom=True,
            print_values=False,
            value_formatter=rub,
        )
    )
    for r in rows:
        chart.add(r.label, float(r.value))
    return _svg(chart)


def count_chart(series: str, rows: list[Row]) -> SafeString:
    top = max((int(r.value) for r in rows), default=1)
    step = max(1, -(-top // 5))  # whole numbers on the axis, about five of them
    chart = pygal.HorizontalBar(
        **_config(height=max(200, 34 * len(rows) + 80), y_labels=list(range(0, top + step, step)), range=(0, top))
    )
    # Highest first from the top: a horizontal bar chart draws its first label at the bottom.
    chart.x_labels = [_short(r.label) for r in reversed(rows)]
    chart.add(series, [int(r.value) for r in reversed(rows)])
    return _svg(chart)


def _short(label: str, length: int = 40) -> str:
    return label if len(label) <= length else label[: length - 1] + "…"
