"""Roubles in templates: {% load money %}, then {{ amount|rub }} or {{ change|signed_rub }}."""

from __future__ import annotations

from decimal import Decimal

from django import template
from django.template.defaultfilters import floatformat

register = template.Library()


@register.filter
def rub(value: Decimal | None) -> str:
    """250.00 → «250 ₽», 1250.50 → «1 250,50 ₽» (in the active language's number format)."""
    if value is None:
        return ""
    return f"{floatformat(value, '-2g')}\u00a0₽"


@register.filter
def signed_rub(value: Decimal | None) -> str:
    """+10 000 ₽ / −250 ₽ (a true minus sign); zero has no sign."""
    if value is None:
        return ""
    if value > 0:
        return f"+{rub(value)}"
    if value < 0:
        return f"\u2212{rub(-value)}"
    return rub(value)
