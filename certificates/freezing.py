"""The municipal certificate registry's changes: freezing a certificate (it cannot be used to apply
or to accept a contract until unfrozen) and unfreezing it, each with a reason told to the child's
confirmed parents."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from certificates.models import Certificate, ParentLink
from certificates.operators import operator_municipality
from core.errors import Conflict, NotFound, reason_required
from core.locking import lock_one
from notices.services import Notice, notices_send


class CertificateNotFound(NotFound):
    pass


def _locked(actor, certificate_id: int) -> Certificate:
    municipality_id = operator_municipality(actor)
    queryset = Certificate.objects.filter(pk=certificate_id)
    if municipality_id is not None:
        queryset = queryset.filter(municipality_id=municipality_id)
    try:
        return lock_one(queryset)
    except Certificate.DoesNotExist:
        raise CertificateNotFound(_("Сертификат не найден.")) from None


def _tell_parents(certificate: Certificate, title: str, reason: str) -> None:
    parents = ParentLink.objects.filter(child_id=certificate.child_id).exclude(confirmation="")
    notices_send(
        Notice(user_id=user_id, title=title, body=_("Причина: %(reason)s") % {"reason": reason})
        for user_id in parents.values_list("user_id", flat=True)
    )


@transaction.atomic
def certificate_freeze(*, actor, certificate_id: int, reason: str) -> Certificate:
    """Freeze an active certificate: no new applications or contracts on it; running contracts go on."""
    reason = reason_required(reason)
    certificate = _locked(actor, certificate_id)
    if certificate.status != Certificate.Status.ACTIVE:
        raise Conflict(
            _("Сертификат № %(number)s не действует: приостановить его нельзя.") % {"number": certificate.number},
            code="not_active",
        )
    certificate.status = Certificate.Status.FROZEN
    certificate.save(update_fields=["status"])
    _tell_parents(certificate, _("Сертификат № %(number)s приостановлен") % {"number": certificate.number}, reason)
    return certificate


@transaction.atomic
def certificate_unfreeze(*, actor, certificate_id: int, reason: str) -> Certificate:
    """Make a frozen certificate active again."""
    reason = reason_required(reason)
    certificate = _locked(actor, certificate_id)
    if certificate.status != Certificate.Status.FROZEN:
        raise Conflict(
            _("Сертификат № %(number)s не приостановлен.") % {"number": certificate.number}, code="not_frozen"
        )
    certificate.status = Certificate.Status.ACTIVE
    certificate.save(update_fields=["status"])
    _tell_parents(certificate, _("Сертификат № %(number)s снова действует") % {"number": certificate.number}, reason)
    return certificate
