"""Notices for decisions taken in lower layers, which announce them by signals (they may not import
the notices app): written in the decision's own transaction."""

from __future__ import annotations

from django.dispatch import receiver
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from catalog.models import Provider
from catalog.providers import provider_decided
from notices.services import Notice, notices_send

PROVIDER_TITLES = {
    Provider.Status.APPROVED: gettext_noop("Организация допущена к системе сертификатов"),
    Provider.Status.REJECTED: gettext_noop("Организации отказано в допуске к системе сертификатов"),
    Provider.Status.SUSPENDED: gettext_noop("Участие организации в системе сертификатов приостановлено"),
}


@receiver(provider_decided)
def provider_decision_notices(sender, provider, actor, old_status, reason, **kwargs):
    title = _(PROVIDER_TITLES[provider.status])
    body = _("Причина: %(reason)s") % {"reason": reason} if reason else ""
    staff = provider.staff.filter(is_active=True).values_list("pk", flat=True)
    notices_send(Notice(user_id=pk, title=title, body=body, subject=f"provider:{provider.pk}") for pk in staff)
