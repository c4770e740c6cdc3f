"""Presentation helpers for the catalog pages: roubles, and who pays for one lesson."""

from __future__ import annotations

from decimal import Decimal

from django import template
from django.template.defaultfilters import floatformat

from catalog.models import Program
from catalog.pricing import LessonPrice, program_lesson_price

register = template.Library()


@register.filter
def rub(value: Decimal | None) -> str:
    """250.00 → «250 ₽», 1250.50 → «1 250,50 ₽» (in the active language's number format)."""
    if value is None:
        return ""
    return f"{floatformat(value, '-2g')}\u00a0₽"


@register.simple_tag
def lesson_price(program: Program) -> LessonPrice:
    """Usage: {% lesson_price program as price %} — pure Python, no query."""
    return program_lesson_price(program)
