"""Enrollment status changes that move seats (services: writes; money changes are in contracts).

Every status change goes through `transition()` on a locked row, and writes its EnrollmentEvent and the
notices in the same transaction. Lock order (core.locking): a seat change locks the group row first
(FOR NO KEY UPDATE), then its enrollment rows; a seat freed under that one group lock promotes the
waiting list at once, so no seat is ever handed out twice and none stays free while someone waits.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from catalog.calendar import working_days_after
from catalog.models import Group
from certificates.models import FundingPeriod
from certificates.services import certificate_issue
from core.errors import Conflict, DomainError, NotFound
from core.locking import lock_all, lock_one
from enrollments.eligibility import check_can_apply, contract_period, parent_confirmed_child
from enrollments.models import ALLOWED_TRANSITIONS, SEAT_HOLDING_STATUSES, Enrollment, EnrollmentEvent, EnrollmentStatus
from enrollments.selectors import group_seats_held, waiting_list, waiting_place
from notices.services import Notice, notices_send

# Days to review an application and to accept an offer, where no funding period says otherwise.
DEFAULT_REVIEW_DAYS = 7
DEFAULT_OFFER_DAYS = 7


class EnrollmentNotFound(NotFound):
    pass


class TransitionNotAllowed(Conflict):
    code = "transition_not_allowed"


class CapacityBelowHeld(DomainError):
    code = "capacity_below_held"


# What a parent may do by hand to an enrollment in each status (accept and terminate are contracts').
PARENT_ACTIONS = {EnrollmentStatus.CANCELLED: "cancel"}


def enrollment_subject(enrollment_id: int) -> str:
    """What a notice about this enrollment is about (see notices.models.Notification.subject)."""
    return f"enrollment:{enrollment_id}"


def enrollment_parent_actions(enrollment: Enrollment) -> list[str]:
    """The actions the parent can take now, in the order the pages offer them."""
    allowed = ALLOWED_TRANSITIONS.get(enrollment.status, set())
    actions = []
    if enrollment.status == EnrollmentStatus.OFFERED:
        actions.append("accept")
    actions.extend(action for target, action in PARENT_ACTIONS.items() if target in allowed)
    if enrollment.status == EnrollmentStatus.ACTIVE:
        actions.append("terminate")
    return actions


def transition(enrollment: Enrollment, to_status: str, *, actor, note: str, fields: Iterable[str] = ()) -> None:
    """Move a locked enrollment to `to_status` (saving `fields` too), with its audit row, in the caller's
    transaction. The table of allowed transitions is the only way through."""
    from_status = enrollment.status
    if to_status not in ALLOWED_TRANSITIONS.get(from_status, set()):
        raise ValueError(f"{from_status} → {to_status} is not an allowed transition")
    enrollment.status = to_status
    enrollment.status_changed_at = timezone.now()
    enrollment.save(update_fields=["status", "status_changed_at", *fields])
    EnrollmentEvent.objects.create(
        enrollment=enrollment, from_status=from_status, to_status=to_status, actor=actor, note=note
    )


def notify_parents(enrollments: Iterable[Enrollment], title_for: Callable[[Enrollment], str], extra: str = "") -> None:
    """A notice to every parent of each enrollment's child, in the caller's transaction."""
    notices_send(_parent_notices(enrollments, title_for, extra))


def _parent_notices(
    enrollments: Iterable[Enrollment], title_for: Callable[[Enrollment], str], extra: str = ""
) -> list[Notice]:
    notices = []
    # Stored in the portal's source language; the e-mail frame is rendered in the recipient's.
    with translation.override(settings.LANGUAGE_CODE):
        for enrollment in enrollments:
            group = enrollment.group
            body = _("%(child)s: «%(program)s», группа «%(group)s».") % {
                "child": enrollment.child.full_name,
                "program": group.program.title,
                "group": group.name,
            }
            if extra:
                body = f"{body}\n{extra}"
            title = title_for(enrollment)
            notices.extend(
                Notice(user_id=parent.pk, title=title, body=body, subject=enrollment_subject(enrollment.pk))
                for parent in enrollment.child.parents.all()
            )
    return notices


def _deadline(days: int, today: date | None = None) -> datetime:
    """The end of the day `days` working days from today."""
    last = working_days_after(today or timezone.localdate(), days)
    return timezone.make_aware(datetime.combine(last, time(23, 59, 59)))


def _review_deadline(period: FundingPeriod | None) -> datetime:
    return _deadline(period.review_days if period else DEFAULT_REVIEW_DAYS)


def _offer_deadline(period: FundingPeriod | None) -> datetime:
    return _deadline(period.offer_days if period else DEFAULT_OFFER_DAYS)


def _lock_group(group_id: int) -> Group:
    """The group row, locked for a seat change; a test-only setting switches the lock off to show the
    race it prevents (tests/enrollments/test_concurrency.py)."""
    queryset = Group.objects.select_related("program__provider").filter(pk=group_id)
    if not settings.ENROLLMENT_GROUP_LOCK:
        return queryset.get()
    return lock_one(queryset, of=("self",))


# --- Applying ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ApplyResult:
    enrollment: Enrollment
    waiting_place: int | None  # the place in line when the group was full, else None


@transaction.atomic(durable=True)
def enrollment_apply(*, parent, child_id: int, group_id: int) -> ApplyResult:
    """A confirmed parent applies for one child to one group. The child's certificate is issued on the
    first application (a number at once, from the municipality's sequence). A free seat makes the
    application SUBMITTED for the provider to review; a full group puts it on the waiting list, in order.

    Raises the eligibility errors (enrollments.eligibility), and Busy when the group stays locked."""
    child = parent_confirmed_child(parent=parent, child_id=child_id)
    certificate = certificate_issue(child=child)
    try:
        group = _lock_group(group_id)
    except Group.DoesNotExist:
        raise NotFound(_("Группа не найдена."), code="group_not_found") from None
    period = check_can_apply(child=child, group=group, certificate=certificate)
    free = group.capacity - group_seats_held(group_id=group.pk)
    if free > 0:
        status, expires_at = EnrollmentStatus.SUBMITTED, _review_deadline(period)
    else:
        status, expires_at = EnrollmentStatus.WAITING, None
    program = group.program
    enrollment = Enrollment.objects.create(
        child=child,
        group=group,
        applicant=parent,
        certificate=certificate,
        status=status,
        expires_at=expires_at,
        lesson_price=program.lesson_price,
        normative_lesson_price=program.normative_lesson_price,
        lessons_per_month=program.lessons_per_month,
    )
    EnrollmentEvent.objects.create(enrollment=enrollment, from_status="", to_status=status, actor=parent, note="")
    if status == EnrollmentStatus.SUBMITTED:
        # The family is told; the provider finds the application in its inbox (a notice per application
        # to every staff member would flood them on opening day, when the group lock is the bottleneck).
        notify_parents([enrollment], lambda e: _("Заявка подана"))
        return ApplyResult(enrollment, None)
    place = waiting_place(enrollment=enrollment)
    notify_parents(
        [enrollment],
        lambda e: _("Заявка в листе ожидания"),
        _("Мест нет; ваше место в очереди: %(place)s.") % {"place": place},
    )
    return ApplyResult(enrollment, place)


# --- The provider's decisions ------------------------------------------------------------------------


def _provider_enrollment(*, staff, enrollment_id: int) -> Enrollment:
    """An enrollment of the staff member's provider's groups; another provider's answers as missing."""
    found = Enrollment.objects.filter(pk=enrollment_id, group__program__provider_id=staff.provider_id).values_list(
        "group_id", flat=True
    )
    group_id = found.first()
    if group_id is None:
        raise EnrollmentNotFound(_("Заявка не найдена."))
    return Enrollment(pk=enrollment_id, group_id=group_id)


def _locked(enrollment_id: int) -> Enrollment:
    return lock_one(
        Enrollment.objects.select_related("child", "group__program__provider", "certificate").filter(pk=enrollment_id)
    )


def _refuse(enrollment: Enrollment, action: str) -> TransitionNotAllowed:
    return TransitionNotAllowed(
        _("Заявку в статусе «%(status)s» нельзя %(action)s.")
        % {"status": enrollment.get_status_display(), "action": action}
    )


@transaction.atomic(durable=True)
def enrollment_offer(*, staff, enrollment_id: int) -> Enrollment:
    """The provider accepts an application: an offer (оферта) the parent has `offer_days` to accept.
    The seat stays held; idempotent. A provider never makes a contract: only the parent's acceptance does."""
    found = _provider_enrollment(staff=staff, enrollment_id=enrollment_id)
    enrollment = _locked(found.pk)
    if enrollment.status == EnrollmentStatus.OFFERED:
        return enrollment
    if enrollment.status != EnrollmentStatus.SUBMITTED:
        raise _refuse(enrollment, _("принять"))
    enrollment.expires_at = _offer_deadline(contract_period(child=enrollment.child, group=enrollment.group))
    transition(enrollment, EnrollmentStatus.OFFERED, actor=staff, note="Оферта направлена", fields=["expires_at"])
    notify_parents([enrollment], lambda e: _("Организация приглашает заключить договор"))
    return enrollment


@transaction.atomic(durable=True)
def enrollment_reject(*, staff, enrollment_id: int, reason: str) -> Enrollment:
    """The provider turns an application down, saying why; the seat goes to the waiting list at once."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(
            _("Укажите причину отказа."), code="reason_required", fields={"reason": [_("Обязательное поле.")]}
        )
    found = _provider_enrollment(staff=staff, enrollment_id=enrollment_id)
    group = _lock_group(found.group_id)
    enrollment = _locked(found.pk)
    if enrollment.status == EnrollmentStatus.REJECTED:
        return enrollment
    if enrollment.status not in (EnrollmentStatus.SUBMITTED, EnrollmentStatus.WAITING):
        raise _refuse(enrollment, _("отклонить"))
    held = enrollment.status in SEAT_HOLDING_STATUSES
    enrollment.reject_reason = reason[:500]
    if enrollment.status == EnrollmentStatus.WAITING:
        # Off the waiting list without ever holding a seat: WAITING has no REJECTED in the table, so it
        # is cancelled on the provider's behalf with the reason.
        transition(
            enrollment, EnrollmentStatus.CANCELLED, actor=staff, note=f"Отказ: {reason}"[:500], fields=["reject_reason"]
        )
    else:
        transition(enrollment, EnrollmentStatus.REJECTED, actor=staff, note=reason[:500], fields=["reject_reason"])
    notify_parents([enrollment], lambda e: _("Заявка отклонена"), _("Причина: %(reason)s") % {"reason": reason})
    if held:
        waiting_list_promote(group=group)
    return enrollment


# --- The parent's withdrawals -----------------------------------------------------------------------


@dataclass(frozen=True)
class CancelResult:
    enrollment: Enrollment
    changed: bool  # False: it was already cancelled (a repeated request changes nothing)
    promoted: tuple[int, ...] = ()  # waiting applications moved up into the freed seat


def _parent_enrollment_group(*, parent, enrollment_id: int) -> int:
    group_id = (
        Enrollment.objects.filter(pk=enrollment_id, child__parents=parent).values_list("group_id", flat=True).first()
    )
    if group_id is None:
        raise EnrollmentNotFound(_("Заявка не найдена."))
    return group_id


@transaction.atomic(durable=True)
def enrollment_cancel(*, parent, enrollment_id: int, only_offers: bool = False) -> CancelResult:
    """The parent withdraws an application (off the waiting list, under review) or declines an offer
    (`only_offers`: /decline/). Idempotent: cancelling a cancelled one changes nothing. A seat it held
    goes to the waiting list at once.

    Raises EnrollmentNotFound when the enrollment is not of the parent's children (whether or not it
    exists), TransitionNotAllowed when its status cannot be cancelled (a contract in force, or an
    application already rejected or expired), and Busy when the group stays locked by someone else."""
    group_id = _parent_enrollment_group(parent=parent, enrollment_id=enrollment_id)
    group = _lock_group(group_id)
    enrollment = _locked(enrollment_id)
    if enrollment.status == EnrollmentStatus.CANCELLED:
        return CancelResult(enrollment=enrollment, changed=False)
    if "cancel" not in enrollment_parent_actions(enrollment) or (
        only_offers and enrollment.status != EnrollmentStatus.OFFERED
    ):
        raise TransitionNotAllowed(
            _("Заявку в статусе «%(status)s» отменить нельзя.") % {"status": enrollment.get_status_display()}
        )
    held_a_seat = enrollment.status in SEAT_HOLDING_STATUSES
    declined = enrollment.status == EnrollmentStatus.OFFERED
    transition(
        enrollment,
        EnrollmentStatus.CANCELLED,
        actor=parent,
        note="Отказ от оферты" if declined else "Отменена родителем",
    )
    notify_parents([enrollment], lambda e: _("Вы отказались от оферты") if declined else _("Заявка отменена"))
    promoted = waiting_list_promote(group=group) if held_a_seat else []
    return CancelResult(enrollment=enrollment, changed=True, promoted=tuple(promoted))


# --- The waiting list, expiry, capacity -----------------------------------------------------------------


def waiting_list_promote(*, group: Group, today: date | None = None) -> list[int]:
    """Move waiting applications, oldest first, into the group's free seats (counted on `today`); the
    caller holds the group's row lock. Only while the group takes pupils: open for enrollment and not yet
    over. Each promoted application gets a fresh review deadline and a notice."""
    today = today or timezone.localdate()
    if not group.enrollment_open or group.end_date < today:
        return []
    free = group.capacity - group_seats_held(group_id=group.pk, today=today)
    if free <= 0:
        return []
    waiting = lock_all(
        waiting_list(group_id=group.pk)
        .select_related("child__municipality", "group__program")
        .prefetch_related("child__parents")[:free]
    )
    for enrollment in waiting:
        enrollment.expires_at = _review_deadline(contract_period(child=enrollment.child, group=group))
        transition(
            enrollment,
            EnrollmentStatus.SUBMITTED,
            actor=None,
            note="Освободилось место: заявка из листа ожидания передана организации",
            fields=["expires_at"],
        )
    notify_parents(waiting, lambda e: _("Освободилось место: заявка передана организации"))
    return [e.pk for e in waiting]


def enrollments_expire_due(*, now: datetime | None = None) -> int:
    """Expire applications nobody reviewed and offers nobody accepted in time (periodic job); each
    group under its lock, its freed seats promoted at once. Returns how many expired."""
    now = now or timezone.now()
    due = Q(status__in=[EnrollmentStatus.SUBMITTED, EnrollmentStatus.OFFERED], expires_at__lt=now)
    expired = 0
    for group_id in Enrollment.objects.filter(due).values_list("group_id", flat=True).distinct().order_by("group_id"):
        expired += _expire_group(group_id=group_id, now=now)
    return expired


@transaction.atomic(durable=True)
def _expire_group(*, group_id: int, now: datetime) -> int:
    group = _lock_group(group_id)
    due = lock_all(
        Enrollment.objects.select_related("child", "group__program")
        .prefetch_related("child__parents")
        .filter(group=group, status__in=[EnrollmentStatus.SUBMITTED, EnrollmentStatus.OFFERED], expires_at__lt=now)
        .order_by("pk")
    )
    for enrollment in due:
        transition(enrollment, EnrollmentStatus.EXPIRED, actor=None, note="Срок истёк")
    notify_parents(due, lambda e: _("Срок заявки истёк"))
    if due:
        waiting_list_promote(group=group)
    return len(due)


@transaction.atomic(durable=True)
def group_capacity_change(*, group_id: int, capacity: int) -> Group:
    """Change a group's capacity under its lock: never below the seats already held; a raise promotes
    the waiting list at once."""
    group = _lock_group(group_id)
    held = group_seats_held(group_id=group.pk)
    if capacity < max(1, held):
        raise CapacityBelowHeld(
            _("Мест не может быть меньше, чем уже занято заявками и договорами: %(held)s.") % {"held": held},
            fields={"capacity": [_("Не меньше %(held)s.") % {"held": max(1, held)}]},
        )
    group.capacity = capacity
    group.save(update_fields=["capacity"])
    waiting_list_promote(group=group)
    return group


def group_enrollment_reopen(*, group_id: int) -> Group:
    """Open a group for enrollment again; its free seats go to the waiting list at once."""
    with transaction.atomic(durable=True):
        group = _lock_group(group_id)
        if not group.enrollment_open:
            group.enrollment_open = True
            group.save(update_fields=["enrollment_open"])
        waiting_list_promote(group=group)
        return group


def terminations_take_effect(*, today: date | None = None) -> int:
    """Seats of contracts whose termination took effect (their last day has passed) go to the waiting
    list (daily job; a week back, so a missed night is caught up; promoting twice changes nothing).
    Returns how many groups were looked at."""
    today = today or timezone.localdate()
    group_ids = (
        Enrollment.objects.filter(
            status=EnrollmentStatus.TERMINATED, ends_on__lt=today, ends_on__gte=today - timedelta(days=7)
        )
        .values_list("group_id", flat=True)
        .distinct()
        .order_by("group_id")
    )
    served = 0
    for group_id in group_ids:
        with transaction.atomic(durable=True):
            waiting_list_promote(group=_lock_group(group_id), today=today)
        served += 1
    return served
