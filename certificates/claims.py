"""Children added by hand: claims waiting for municipal review (services: writes).

Who may see a child. A parent's confirmed ParentLink (Gosuslugi, or municipal staff with documents
checked) is the only way to a registry child: its names, certificate, statement and enrollments. A
child typed in by hand is a ChildClaim and shows its claimant only what they typed, until municipal
staff confirm it (a MUNICIPAL link) or the claimant's own Gosuslugi profile does (an ESIA link).

- The hand-add form answers the same whether or not the СНИЛС is registered (no enumeration): every
  claim waits for review. Only the claimant's own facts get their own words (their own СНИЛС, a child
  already theirs or already claimed by them).
- When Gosuslugi confirms a child to a parent, other accounts' open claims on it are SUSPENDED (queued
  for review, first in the officers' list); the claimant sees no difference.
- Municipal staff of the reviewing municipality (the registry child's when known, else the typed one;
  regional operators: all) confirm a claim with the documents checked, or reject it with a reason; the
  claimant gets a notice either way, and a rejected claim leaves the claimant's pages.

Lock order: a claim's row, then (when confirming) the registry child's row.
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.access import is_municipal_staff
from accounts.models import Role
from catalog.models import Municipality
from certificates.models import CHILD_MAX_AGE, Child, ChildClaim, ParentLink
from certificates.services import parent_link_confirm
from core.dates import age_on
from core.errors import Conflict, NotFound
from core.validators import normalize_snils, validate_snils
from notices.services import Notice, notices_send


class ClaimNotFound(NotFound):
    code = "claim_not_found"


class ClaimDecided(Conflict):
    code = "claim_decided"


def _claim_errors(
    *, parent, last_name: str, first_name: str, birth_date: date, snils: str, today: date
) -> dict[str, ValidationError]:
    errors: dict[str, ValidationError] = {}
    try:
        validate_snils(snils)
    except ValidationError as error:
        errors["snils"] = error
    if birth_date > today:
        errors["birth_date"] = ValidationError(_("Дата рождения не может быть в будущем."), code="future")
    elif age_on(birth_date, today) >= CHILD_MAX_AGE:
        errors["birth_date"] = ValidationError(
            _("Ребёнку уже исполнилось 18 лет: сертификат выдаётся только до 18 лет."), code="too_old"
        )
    if not last_name.strip():
        errors["last_name"] = ValidationError(_("Укажите фамилию."), code="required")
    if not first_name.strip():
        errors["first_name"] = ValidationError(_("Укажите имя."), code="required")
    if errors:
        return errors
    # The claimant's own facts only: nothing here depends on whether someone else holds the number.
    if parent.snils == snils:
        errors["snils"] = ValidationError(_("Это ваш СНИЛС. Укажите СНИЛС ребёнка."), code="snils_is_parent")
    elif ParentLink.objects.filter(user=parent, child__snils=snils).exists():
        errors["snils"] = ValidationError(_("Этот ребёнок уже есть в вашем личном кабинете."), code="already_yours")
    elif ChildClaim.objects.filter(user=parent, snils=snils, status__in=ChildClaim.OPEN_STATUSES).exists():
        errors["snils"] = ValidationError(
            _("Вы уже добавили ребёнка с этим СНИЛС: заявка ждёт проверки."), code="already_claimed"
        )
    return errors


@transaction.atomic
def child_claim_add(
    *,
    parent,
    last_name: str,
    first_name: str,
    middle_name: str = "",
    birth_date: date,
    sex: str,
    snils: str,
    municipality: Municipality,
    today: date | None = None,
) -> ChildClaim:
    """A parent adds a child by hand: a claim waiting for review, whoever holds the number. Raises
    ValidationError (by field) for input that is wrong whatever the registry holds."""
    today = today or timezone.localdate()
    snils = normalize_snils(snils)
    errors = _claim_errors(
        parent=parent, last_name=last_name, first_name=first_name, birth_date=birth_date, snils=snils, today=today
    )
    if errors:
        raise ValidationError(errors)
    child = Child.objects.filter(snils=snils).first()
    confirmed_elsewhere = child is not None and ParentLink.objects.filter(child=child).exists()
    now = timezone.now()
    claim = ChildClaim(
        user=parent,
        last_name=last_name.strip(),
        first_name=first_name.strip(),
        middle_name=middle_name.strip(),
        birth_date=birth_date,
        sex=sex,
        snils=snils,
        municipality=municipality,
        child=child,
        review_municipality_id=child.municipality_id if child is not None else municipality.pk,
        status=ChildClaim.Status.SUSPENDED if confirmed_elsewhere else ChildClaim.Status.PENDING,
        suspended_at=now if confirmed_elsewhere else None,
    )
    try:
        with transaction.atomic():
            claim.save()
    except IntegrityError:
        # The same parent's double submit: the partial unique index keeps one open claim.
        raise ValidationError(
            {
                "snils": ValidationError(
                    _("Вы уже добавили ребёнка с этим СНИЛС: заявка ждёт проверки."), code="already_claimed"
                )
            }
        ) from None
    return claim


def child_claims_settle(*, child: Child, parent) -> int:
    """Gosuslugi has just confirmed `child` to `parent` (esia import, inside its transaction): the
    parent's own open claim on the child is confirmed by it, and every other account's PENDING claim
    on it is SUSPENDED and queued for municipal review. Returns how many were suspended."""
    now = timezone.now()
    open_claims = ChildClaim.objects.filter(snils=child.snils, status__in=ChildClaim.OPEN_STATUSES)
    open_claims.filter(user=parent).update(
        status=ChildClaim.Status.CONFIRMED,
        child=child,
        decided_at=now,
        reason=_("Подтверждена профилем на Госуслугах."),
    )
    return (
        open_claims.exclude(user=parent)
        .filter(status=ChildClaim.Status.PENDING)
        .update(
            status=ChildClaim.Status.SUSPENDED,
            child=child,
            review_municipality_id=child.municipality_id,
            suspended_at=now,
        )
    )


# --- Municipal review ------------------------------------------------------------------------------


def claims_in_scope(officer):
    """The claims this officer reviews: their municipality's (regional operators and superusers: all;
    anyone else, including a municipal operator without a municipality: none)."""
    claims = ChildClaim.objects.all()
    if officer.is_superuser or (is_municipal_staff(officer) and officer.role == Role.REGIONAL):
        return claims
    if is_municipal_staff(officer) and officer.municipality_id:
        return claims.filter(review_municipality_id=officer.municipality_id)
    return claims.none()


def _open_claim_locked(*, officer, claim_id: int) -> ChildClaim:
    claim = claims_in_scope(officer).select_for_update(of=("self",)).filter(pk=claim_id).first()
    if claim is None:
        raise ClaimNotFound(_("Заявка не найдена."))
    if not claim.is_open:
        raise ClaimDecided(_("По заявке уже принято решение: %(status)s.") % {"status": claim.get_status_display()})
    return claim


@transaction.atomic
def child_claim_confirm(*, officer, claim_id: int, reason: str) -> ParentLink:
    """The officer has checked the claimant's documents: the claim becomes a confirmed MUNICIPAL link.
    A number the registry does not hold yet becomes a registry child from the claim's data. `reason`
    names the documents checked (required: the audit of who was let see a child)."""
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": ValidationError(_("Укажите проверенные документы."), code="required")})
    claim = _open_claim_locked(officer=officer, claim_id=claim_id)
    child = Child.objects.select_for_update().filter(snils=claim.snils).first()
    if child is None:
        child, _created = Child.objects.get_or_create(
            snils=claim.snils,
            defaults={
                "last_name": claim.last_name,
                "first_name": claim.first_name,
                "middle_name": claim.middle_name,
                "birth_date": claim.birth_date,
                "sex": claim.sex,
                "municipality_id": claim.municipality_id,
            },
        )
    link = parent_link_confirm(parent=claim.user, child=child, confirmation=ParentLink.Confirmation.MUNICIPAL)
    claim.status, claim.child, claim.decided_at, claim.decided_by, claim.reason = (
        ChildClaim.Status.CONFIRMED,
        child,
        timezone.now(),
        officer,
        reason,
    )
    claim.save(update_fields=["status", "child", "decided_at", "decided_by", "reason"])
    notices_send(
        [
            Notice(
                user_id=claim.user_id,
                title=_("Ребёнок добавлен в личный кабинет"),
                body=_("Муниципальный оператор проверил документы: %(name)s теперь в вашем личном кабинете.")
                % {"name": child.full_name},
                subject=f"child:{child.pk}",
            )
        ]
    )
    return link


@transaction.atomic
def child_claim_reject(*, officer, claim_id: int, reason: str) -> ChildClaim:
    """The officer rejects the claim with a reason the claimant is told; it leaves their pages."""
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": ValidationError(_("Укажите причину отказа."), code="required")})
    claim = _open_claim_locked(officer=officer, claim_id=claim_id)
    claim.status, claim.decided_at, claim.decided_by, claim.reason = (
        ChildClaim.Status.REJECTED,
        timezone.now(),
        officer,
        reason,
    )
    claim.save(update_fields=["status", "decided_at", "decided_by", "reason"])
    notices_send(
        [
            Notice(
                user_id=claim.user_id,
                title=_("Заявка на добавление ребёнка отклонена"),
                # Only what the claimant typed, and the officer's reason.
                body=_("%(name)s: %(reason)s") % {"name": claim.full_name, "reason": reason},
            )
        ]
    )
    return claim
