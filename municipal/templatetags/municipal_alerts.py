"""Alerts at the top of admin pages ({% load municipal_alerts %}): what an operator must not miss."""

from __future__ import annotations

from django import template
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _

from billing.models import JobRun
from billing.reconciliation import last_reconciliation

register = template.Library()


@register.simple_tag(takes_context=True)
def reconciliation_alert(context) -> str:
    """An error line while the latest reconciliation found mismatches (or broke), linking to its run; nothing
    once a later run passes. Shown to staff who may see the job runs."""
    request = context.get("request")
    if request is None or not request.user.has_perm("billing.view_jobrun"):
        return ""
    run = last_reconciliation()
    if run is None or run.status != JobRun.Status.FAILED:
        return ""
    mismatches = (run.details or {}).get("mismatches")
    text = (
        _(
            "Сверка %(when)s нашла расхождения: %(count)s. Деньги на сертификатах, резервы, списания или акты не сходятся."
        )
        % {"when": timezone.localtime(run.finished_at).strftime("%d.%m.%Y %H:%M"), "count": mismatches}
        if mismatches
        else _("Сверка %(when)s не завершилась: %(error)s")
        % {"when": timezone.localtime(run.finished_at).strftime("%d.%m.%Y %H:%M"), "error": run.error}
    )
    return format_html(
        '<ul class="messagelist"><li class="error" id="reconciliation-alert">{} <a href="{}">{}</a></li></ul>',
        text,
        reverse("admin:billing_jobrun_change", args=[run.pk]),
        _("Подробности"),
    )
