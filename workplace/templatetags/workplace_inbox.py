"""Presentation helpers for the provider's inbox."""

from __future__ import annotations

from datetime import date

from django import template

from core.dates import age_on

register = template.Library()


@register.filter
def age_at(birth_date: date, day: date) -> int:
    """Full years of age on `day`: {{ child.birth_date|age_at:group.start_date }}."""
    return age_on(birth_date, day)


_TONES = {"SUBMITTED": "pending", "WAITING": "waiting", "OFFERED": "attention"}


@register.filter
def inbox_tone(status: str) -> str:
    """The colour of a status badge (the portal's cabinet-status classes)."""
    return _TONES.get(status, "ended")
