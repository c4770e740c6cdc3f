"""Parents' disputes of charged lessons (services: writes).

A confirmed parent of the child disputes a charge from the certificate statement within the period's
`dispute_days` of the debit, whether or not the provider's statement is issued yet:
- PER_LESSON: the lesson of a PRESENT mark ("the child was not there");
- MONTHLY: one lesson of a charged month that did not take place (the dispute names its date).
One dispute per charge and lesson (the database's unique key): a repeated tap gets the same dispute.

Provider staff (their own provider's charges) or municipal staff (the paying municipality's) uphold or
reject it with a reason. Upheld: the charge is reversed (ChargeReversal DISPUTE: the certificate part
back through a REFUND ledger entry, the co-payment part recorded as owed back to the parent), for
MONTHLY the month, then charged again by the debit job for its lessons less the disputed one. Either way the parent who raised it is told (a notice and its
e-mail through the outbox, in the parent's language).

Lock order: the dispute row, then what the reversal locks (the enrollment, then the certificate
account, as core/locking.py orders money changes).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.access import is_provider_staff
from billing.models import AttendanceStatus, Charge, ChargeReversal, Dispute, Lesson, MonthRecheck
from billing.reversals import charge_reverse, one_lesson_share
from billing.statements import operator_scope
from catalog.calendar import group_lesson_dates, month_last_day
from certificates.models import FundingPeriod, ParentLink
from core.errors import Conflict, NotFound
from core.locking import lock_one
from notices.services import Notice, notices_send

DEFAULT_DISPUTE_DAYS = 10
REASON_MAX_LENGTH = 1000


def dispute_subject(dispute_id: int) -> str:
    """The notice subject of a dispute (notices.models.Notification.subject)."""
    return f"dispute:{dispute_id}"


def _period_of(charge: Charge) -> FundingPeriod | None:
    if charge.account_id:
        return charge.account.period
    return FundingPeriod.objects.filter(
        municipality_id=charge.municipality_id, start_date__lte=charge.service_date, end_date__gte=charge.service_date
    ).first()


def charge_dispute_window(charge: Charge) -> datetime | None:
    """Until when the charge may be disputed: the period's `dispute_days` after the debit was made. No
    query when the charge comes with `account__period` (or has no account: then the period is looked up)."""
    period = _period_of(charge)
    days = period.dispute_days if period is not None else DEFAULT_DISPUTE_DAYS
    return charge.created_at + timedelta(days=days)


def _parent_charge(parent, charge_id: int) -> Charge:
    """The charge, when the parent is a confirmed parent of its child; NotFound otherwise (another
    family's charge is not found, exactly like a missing one)."""
    charge = (
        Charge.objects.select_related("account__period", "mark__lesson", "enrollment__group__program")
        .filter(pk=charge_id)
        .first()
    )
    if charge is None or not (
        ParentLink.objects.filter(user=parent, child_id=charge.enrollment.child_id).exclude(confirmation="").exists()
    ):
        raise NotFound(_("Списание не найдено."))
    return charge


def month_lessons_disputable(*, charge: Charge, today: date | None = None) -> list[date]:
    """The lesson dates a MONTH charge counted, that a parent may name: the group's calendar in that
    month within the contract (as the debit job counts it), less the lessons the provider cancelled,
    those not past yet, and those already upheld in an earlier dispute of the month."""
    today = today or timezone.localdate()
    enrollment = charge.enrollment
    group = enrollment.group
    start = max(charge.month, enrollment.starts_on or charge.month)
    end = min(month_last_day(charge.month), enrollment.ends_on or today, today)
    cancelled = set(
        Lesson.objects.filter(group=group, date__range=(start, end), cancelled=True).values_list("date", flat=True)
    )
    upheld = set(
        Dispute.objects.filter(
            charge__enrollment=enrollment, charge__month=charge.month, status=Dispute.Status.UPHELD
        ).values_list("lesson__date", flat=True)
    )
    dates = sorted(set(group_lesson_dates(group, start=start, end=end)))
    return [day for day in dates if day not in cancelled and day not in upheld]


def dispute_check(*, parent, charge_id: int, now: datetime | None = None) -> Charge:
    """The charge if the parent may dispute it now; raises the reason otherwise (NotFound for another
    family's, Conflict when reversed already or too late)."""
    now = now or timezone.now()
    charge = _parent_charge(parent, charge_id)
    if hasattr(charge, "reversal"):
        raise Conflict(_("Это списание уже возвращено."), code="charge_reversed")
    until = charge_dispute_window(charge)
    if until is None or now > until:
        raise Conflict(_("Срок, в который можно оспорить это списание, прошёл."), code="dispute_too_late")
    if charge.kind == Charge.Kind.LESSON and charge.mark.status != AttendanceStatus.PRESENT:
        raise Conflict(_("Отметка уже исправлена: занятие не оплачивается."), code="mark_not_present")
    return charge


@dataclass(frozen=True)
class DisputeResult:
    dispute: Dispute
    created: bool


def dispute_raise(
    *, parent, charge_id: int, lesson_date: date | None = None, reason: str = "", now: datetime | None = None
) -> DisputeResult:
    """A parent disputes a charged lesson. PER_LESSON: the charge's own lesson; MONTHLY: `lesson_date`,
    one of month_lessons_disputable() (its Lesson row is made if the register has none). Idempotent: the
    same charge and lesson give back the dispute already raised."""
    charge = dispute_check(parent=parent, charge_id=charge_id, now=now)
    if charge.kind == Charge.Kind.LESSON:
        lesson_id, mark_id = charge.mark.lesson_id, charge.mark_id
    else:
        if lesson_date not in month_lessons_disputable(charge=charge, today=timezone.localdate(now)):
            raise Conflict(_("Выберите дату занятия из оплаченного месяца."), code="lesson_not_in_month")
        lesson, _created = Lesson.objects.get_or_create(group_id=charge.enrollment.group_id, date=lesson_date)
        lesson_id, mark_id = lesson.pk, None
    existing = Dispute.objects.filter(charge_id=charge.pk, lesson_id=lesson_id).first()
    if existing is not None:
        return DisputeResult(existing, False)
    try:
        with transaction.atomic():
            dispute = Dispute.objects.create(
                charge=charge,
                lesson_id=lesson_id,
                mark_id=mark_id,
                raised_by=parent,
                reason=reason.strip()[:REASON_MAX_LENGTH],
            )
            notices_send(_staff_notices(dispute))
    except IntegrityError:
        # A concurrent tap of the same parent (or the other parent) raised it first.
        existing = Dispute.objects.filter(charge_id=charge.pk, lesson_id=lesson_id).first()
        if existing is None:
            raise
        return DisputeResult(existing, False)
    return DisputeResult(dispute, True)


def _staff_notices(dispute: Dispute) -> list[Notice]:
    """The provider's staff learn of a new dispute (in the portal's language: the staff's UI)."""
    charge = dispute.charge
    staff = get_user_model().objects.filter(provider_id=charge.provider_id, is_active=True).values_list("pk", flat=True)
    with translation.override(settings.LANGUAGE_CODE):
        title = _("Жалоба родителя на списание за занятие %(date)s") % {
            "date": dispute.lesson.date.strftime("%d.%m.%Y")
        }
        body = _("%(child)s, «%(program)s». Рассмотрите её в разделе «Жалобы».") % {
            "child": charge.enrollment.child.full_name,
            "program": charge.enrollment.group.program.title,
        }
    return [Notice(user_id=pk, title=title, body=body, subject=dispute_subject(dispute.pk)) for pk in staff]


# --- Resolution -----------------------------------------------------------------------------------------


def _may_resolve(actor, charge: Charge) -> bool:
    if is_provider_staff(actor):
        return actor.provider_id == charge.provider_id
    operator, municipality_id = operator_scope(actor)
    return operator and municipality_id in (None, charge.municipality_id)


@dataclass(frozen=True)
class ResolveResult:
    dispute: Dispute
    changed: bool


def dispute_resolve(*, actor, dispute_id: int, uphold: bool, resolution: str) -> ResolveResult:
    """Uphold or reject an open dispute with a reason. Upheld: the charge is reversed (a refund to the
    certificate, the co-payment owed back). Idempotent: the same decision again changes nothing; the
    other decision on a closed dispute is refused."""
    resolution = resolution.strip()
    if not resolution:
        raise Conflict(
            _("Укажите причину решения: её увидят родители."),
            code="resolution_required",
            fields={"resolution": [_("Укажите причину решения.")]},
        )
    dispute = Dispute.objects.select_related("charge").filter(pk=dispute_id).first()
    if dispute is None or not _may_resolve(actor, dispute.charge):
        raise NotFound(_("Жалоба не найдена."))
    target = Dispute.Status.UPHELD if uphold else Dispute.Status.REJECTED
    with transaction.atomic():
        dispute = lock_one(
            Dispute.objects.select_related(
                "charge__enrollment__child",
                "charge__enrollment__certificate",
                "charge__enrollment__group__program",
                "lesson",
                "raised_by",
            ).filter(pk=dispute_id),
            no_key=True,
            of=("self",),
        )
        if dispute.status != Dispute.Status.OPEN:
            if dispute.status == target:
                return ResolveResult(dispute, False)
            raise Conflict(_("По жалобе уже принято другое решение."), code="dispute_closed")
        if uphold:
            dispute.reversal = dispute_refund(dispute=dispute)
        dispute.status = target
        dispute.resolution = resolution
        dispute.resolved_by = actor
        dispute.resolved_at = timezone.now()
        dispute.save(update_fields=["status", "resolution", "resolved_by", "resolved_at", "reversal"])
        notices_send([_parent_notice(dispute)])
    return ResolveResult(dispute, True)


def dispute_refund(*, dispute: Dispute) -> ChargeReversal:
    """The reversal an upheld dispute writes, in the caller's transaction. A lesson's charge is reversed
    whole. A month's charge is reversed whole too, and the month is put up for the debit job's re-check
    (billing/debits.py), which charges it again (the next generation) for its lessons less one per
    upheld dispute: so the month is paid for the lessons that took place, each at its own price."""
    charge = dispute.charge
    reversal = charge_reverse(charge_id=charge.pk, reason=ChargeReversal.Reason.DISPUTE)
    if charge.kind == Charge.Kind.MONTH:
        MonthRecheck.objects.get_or_create(group_id=charge.enrollment.group_id, month=charge.month)
    return reversal


def dispute_refund_shown(dispute: Dispute) -> tuple[Decimal, Decimal]:
    """What the parent gets back for an upheld dispute: the lesson's parts, or one lesson's share of the
    month (the rest of the month is charged again by the re-check)."""
    charge = dispute.charge
    if charge.kind == Charge.Kind.MONTH:
        return one_lesson_share(charge)
    return charge.certificate_amount, charge.copayment


def _parent_notice(dispute: Dispute) -> Notice:
    """The parent who raised the dispute is told the decision, in their own language (the notice and
    its e-mail alike)."""
    parent = dispute.raised_by
    charge = dispute.charge
    with translation.override(parent.language or settings.LANGUAGE_CODE):
        context = {
            "date": dispute.lesson.date.strftime("%d.%m.%Y"),
            "program": charge.enrollment.group.program.title,
            "child": charge.enrollment.child.full_name,
        }
        if dispute.status == Dispute.Status.UPHELD:
            title = _("Жалоба удовлетворена: занятие %(date)s") % context
            certificate_amount, copayment = dispute_refund_shown(dispute)
            body = _("%(child)s, «%(program)s». На сертификат возвращено %(amount)s ₽.") % {
                **context,
                "amount": certificate_amount,
            }
            if copayment:
                body += "\n" + _("Организация должна вернуть вам доплату: %(amount)s ₽.") % {"amount": copayment}
        else:
            title = _("Жалоба отклонена: занятие %(date)s") % context
            body = _("%(child)s, «%(program)s».") % context
        body += "\n" + _("Решение: %(resolution)s") % {"resolution": dispute.resolution}
    certificate = charge.enrollment.certificate
    subject = f"statement:{certificate.number}" if certificate is not None else dispute_subject(dispute.pk)
    return Notice(user_id=parent.pk, title=title, body=body, subject=subject)
