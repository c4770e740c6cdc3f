"""Admission of providers to the certificate system, decided by the municipality: approve, reject with a
reason, suspend with a reason.

The provider's staff are told of every decision. Notices are a higher layer than the catalog, so the
decision is announced by `provider_decided` (sent inside the decision's transaction) and the notices
app writes the notices in that same transaction (notices/receivers.py): a decision and its notice exist
together or not at all.
"""

from __future__ import annotations

from django.db import transaction
from django.dispatch import Signal
from django.utils.translation import gettext as _

from accounts.models import Role
from catalog.models import Provider
from core.errors import Conflict, Forbidden, NotFound, reason_required
from core.locking import lock_one

# Sent with provider, actor, old_status, reason once the status has changed.
provider_decided = Signal()


class ProviderNotFound(NotFound):
    pass


def _operator_locked(actor, provider_id: int) -> Provider:
    if not (
        actor.is_authenticated
        and actor.is_staff
        and (actor.is_superuser or actor.role in (Role.MUNICIPAL, Role.REGIONAL))
    ):
        raise Forbidden(_("Допускает организации муниципальный или региональный оператор."))
    queryset = Provider.objects.filter(pk=provider_id)
    if not actor.is_superuser and actor.role == Role.MUNICIPAL:
        queryset = queryset.filter(municipality_id=actor.municipality_id)
    try:
        return lock_one(queryset)
    except Provider.DoesNotExist:
        raise ProviderNotFound(_("Организация не найдена.")) from None


def _decide(actor, provider_id: int, *, to: str, allowed_from: tuple[str, ...], reason: str) -> Provider:
    provider = _operator_locked(actor, provider_id)
    if provider.status not in allowed_from:
        raise Conflict(
            _("Организация в статусе «%(status)s»: так изменить его нельзя.")
            % {"status": provider.get_status_display()},
            code="wrong_status",
        )
    old_status = provider.status
    provider.status = to
    provider.save(update_fields=["status"])
    provider_decided.send(sender=Provider, provider=provider, actor=actor, old_status=old_status, reason=reason)
    return provider


@transaction.atomic
def provider_approve(*, actor, provider_id: int, reason: str = "") -> Provider:
    """Admit a new provider, one under review, or a suspended one back; its certified programs take
    applications again."""
    return _decide(
        actor,
        provider_id,
        to=Provider.Status.APPROVED,
        allowed_from=(Provider.Status.NEW, Provider.Status.ON_REVIEW, Provider.Status.SUSPENDED),
        reason=(reason or "").strip(),
    )


@transaction.atomic
def provider_reject(*, actor, provider_id: int, reason: str) -> Provider:
    """Refuse a provider's admission; the reason is required and told to its staff."""
    reason = reason_required(reason)
    return _decide(
        actor,
        provider_id,
        to=Provider.Status.REJECTED,
        allowed_from=(Provider.Status.NEW, Provider.Status.ON_REVIEW),
        reason=reason,
    )


@transaction.atomic
def provider_suspend(*, actor, provider_id: int, reason: str) -> Provider:
    """Suspend an admitted provider: its programs stop taking applications (enrollments.eligibility
    asks for an approved provider); running contracts go on. The reason is required."""
    reason = reason_required(reason)
    return _decide(
        actor, provider_id, to=Provider.Status.SUSPENDED, allowed_from=(Provider.Status.APPROVED,), reason=reason
    )
