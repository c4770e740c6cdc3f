"""Presentation helpers for the personal account: status colours, action wording, ages (roubles: core's `money`)."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from django import template
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from certificates.models import BillingPolicy
from core.dates import age_on
from enrollments.models import EnrollmentStatus

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


# The parent's page for each kind of notice subject (notices.models.Notification.subject): an
# enrollment or a child by its id; a certificate's page or statement by the certificate's number; the day's debits
# (they may be of several certificates) the list of certificates.
_SUBJECT_PAGES = {"enrollment": "cabinet-enrollment", "child": "cabinet-child"}
_NUMBER_PAGES = {"certificate": "cabinet-certificate", "statement": "cabinet-statement"}
_PLAIN_PAGES = {"debits": "cabinet-certificates"}


@register.simple_tag
def notice_url(subject: str) -> str:
    """The personal-account page a notice is about, or "" when it is about nothing shown here."""
    kind, _sep, key = (subject or "").partition(":")
    if kind in _SUBJECT_PAGES and key.isdigit():
        return reverse(_SUBJECT_PAGES[kind], args=[int(key)])
    if kind in _NUMBER_PAGES and re.fullmatch(r"[0-9]{10}", key):
        return reverse(_NUMBER_PAGES[kind], args=[key])
    if kind in _PLAIN_PAGES:
        return reverse(_PLAIN_PAGES[kind])
    return ""


@register.filter
def billing_policy_label(policy: str) -> str:
    """The name of a billing policy (certificates.models.BillingPolicy)."""
    return BillingPolicy(policy).label if policy in BillingPolicy.values else ""


@register.simple_tag
def billing_policy_note(policy: str) -> str:
    """What a billing policy means to the family, and when a termination takes effect under it."""
    if policy == BillingPolicy.MONTHLY:
        return _(
            "Месяц оплачивается по расписанию группы, кроме занятий, отменённых организацией, независимо от "
            "посещения. Расторгнутый договор действует до конца месяца."
        )
    return _("Оплачиваются только посещённые занятия. Расторжение действует сразу.")


@register.simple_tag
def certificate_shortfall(quote) -> Decimal:
    """What the certificate's balance cannot cover of its share of a quote's lessons (the parents pay it
    on top of the per-lesson co-payment); zero when the balance is enough."""
    return max(Decimal("0.00"), quote.certificate_per_lesson * quote.planned_lessons - quote.reserve)


@register.filter
def line_dispute(disputes: dict | None, entry_id: int):
    """The dispute information of a statement line (billing.selectors.statement_line_disputes), or None."""
    return (disputes or {}).get(entry_id)
