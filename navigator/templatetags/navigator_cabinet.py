"""Presentation helpers for the personal account: status colours, action wording, ages (roubles: core's `money`)."""

from __future__ import annotations

from datetime import date

from django import template
from django.utils import timezone
from django.utils.translation import gettext as _

from core.dates import age_on
from navigator.models import EnrollmentStatus

register = template.Library()

_TONES = {
    EnrollmentStatus.WAITING: "waiting",
    EnrollmentStatus.SUBMITTED: "pending",
    EnrollmentStatus.OFFERED: "attention",
    EnrollmentStatus.ACTIVE: "active",
}


@register.filter
def status_tone(status: str) -> str:
    """A CSS modifier for an enrollment status badge: live statuses get a colour, ended ones are grey."""
    return _TONES.get(status, "ended")


@register.simple_tag
def cancel_label(status: str) -> str:
    """What cancelling means to the parent in each status."""
    if status == EnrollmentStatus.WAITING:
        return _("Выйти из листа ожидания")
    if status == EnrollmentStatus.OFFERED:
        return _("Отказаться от оферты")
    return _("Отозвать заявку")


@register.filter
def full_years(birth_date: date) -> int:
    """Full years of age today."""
    return age_on(birth_date, timezone.localdate())
