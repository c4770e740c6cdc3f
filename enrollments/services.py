"""Enrollment status changes that move seats (services: writes; money changes are in contracts).

Every status change goes through `transition()` on a locked row, and writes its EnrollmentEvent and the
notices in the same transaction. Lock order (core.locking): a seat change locks the group row first
(FOR NO KEY UPDATE), then its enrollment rows; a seat freed under that one group lock promotes the
waiting list at once, so no seat is ever handed out twice and none stays free while someone waits.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cached_property

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from catalog.calendar import working_days_after
from catalog.models import AGE_MAX, AGE_MIN, Group, Municipality, Program, Provider
from certificates.models import CHILD_MAX_AGE, Certificate, Child, FundingPeriod
from core.audit import acting
from core.errors import Conflict, DomainError, NotFound
from core.idempotency import KEEP as IDEMPOTENCY_KEEP
from core.idempotency import Replayed, ServiceClaim
from core.locking import lock_all, lock_one, lock_timeout_as_busy
from core.outbox import outbox_written
from enrollments.eligibility import (
    ChildNotFound,
    GroupNotFound,
    check_group_and_child,
    check_not_enrolled,
    check_period_open,
    contract_period,
    link_not_confirmed,
)
from enrollments.models import (
    ALLOWED_TRANSITIONS,
    SEAT_HOLDING_STATUSES,
    Enrollment,
    EnrollmentEvent,
    EnrollmentStatus,
)
from enrollments.selectors import group_seats_held, waiting_list
from notices.services import EMAIL_TASK, Notice, notices_send

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
    with acting(actor):
        enrollment.save(update_fields=["status", "status_changed_at", *fields])
    EnrollmentEvent.objects.create(
        enrollment=enrollment, from_status=from_status, to_status=to_status, actor=actor, note=note
    )


def notify_parents(enrollments: Iterable[Enrollment], title_for: Callable[[Enrollment], str], extra: str = "") -> None:
    """A notice to every parent of each enrollment's child, in the caller's transaction."""
    notices_send(_parent_notices(enrollments, title_for, extra))


def _parent_notices(
    enrollments: Iterable[Enrollment],
    title_for: Callable[[Enrollment], str],
    extra: str = "",
    *,
    parent_ids: list[int] | None = None,
) -> list[Notice]:
    """`parent_ids`: the child's parents when the caller has them already (one enrollment)."""
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
            recipients = parent_ids if parent_ids is not None else [p.pk for p in enrollment.child.parents.all()]
            notices.extend(
                Notice(user_id=user_id, title=title, body=body, subject=enrollment_subject(enrollment.pk))
                for user_id in recipients
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


LIVE_ENROLLMENT_UNIQUE = "enrollment_one_live_per_child_group"

# The whole application is one database function (enrollments/migrations/sql/0009_apply_function.sql),
# called in autocommit: one statement is one transaction, so the group row stays locked only while it
# runs. It claims the Idempotency-Key (when given), reads everything the rules need locking the group
# (seat changes lock the group first: core.locking), applies the eligibility rules in the order of
# enrollments.eligibility, issues a first certificate, counts the seats after the lock, writes the
# application, its audit row, the family's notices and their outbox row. A refusal comes back as the
# rule's code with the facts it read, and the Python rules raise its error (their messages, in the
# request's language) from those facts.
APPLY_SQL = """
SELECT * FROM enrollments_apply(
    %(parent)s, %(child)s, %(group)s, %(today)s, %(now)s, %(lock)s, %(lock_timeout)s,
    %(key_endpoint)s, %(key)s, %(keep)s, %(age_min)s, %(age_max)s, %(child_max_age)s, %(review_days)s,
    %(time_zone)s, %(email_task)s, %(title_submitted)s, %(title_waiting)s, %(body_format)s, %(waiting_format)s,
    %(answer_time_zone)s, %(status_submitted)s, %(status_waiting)s)
"""
_FACTS = slice(2, 34)  # the columns _apply_facts reads, as APPLY_SQL returns them
_APPLIED = slice(34, 40)  # the application made: enrollment, status, deadline, waiting, outbox row, time
_REPLAY_STATUS, _REPLAY_BODY, _ANSWER = 40, 41, 42


class ApplyResult:
    """An application enrollment_apply made: the facts its answer shows, as the function returned them,
    and `enrollment` (with its child, certificate, group, program and provider: unsaved reads, no query)
    built when a caller first asks for it (the API's answer needs only the facts)."""

    def __init__(self, *, parent, group_id: int, row: tuple):
        self._parent, self._group_id, self._row = parent, group_id, row
        self.enrollment_id, self.status, self.expires_at, waiting, self.outbox_id, self.created_at = row[_APPLIED]
        # The place in line when the group was full, else None.
        self.waiting_place = waiting + 1 if self.status == EnrollmentStatus.WAITING else None
        # What the API answers (api.enrollments.EnrollmentSerializer's fields, in the request's language
        # and time zone), made by the function and kept with the Idempotency-Key's claim.
        self.answer: dict = row[_ANSWER]

    @cached_property
    def enrollment(self) -> Enrollment:
        group, child, certificate, _period, _parent_ids, _confirmation = _apply_facts(self._group_id, self._row[_FACTS])
        program = group.program
        enrollment = Enrollment(
            id=self.enrollment_id,
            child=child,
            group=group,
            applicant=self._parent,
            certificate=certificate,
            status=self.status,
            created_at=self.created_at,
            status_changed_at=self.created_at,
            expires_at=self.expires_at,
            lesson_price=program.lesson_price,
            normative_lesson_price=program.normative_lesson_price,
            lessons_per_month=program.lessons_per_month,
        )
        enrollment._state.adding, enrollment._state.db = False, "default"
        return enrollment


def _sql_format(text: str, names: tuple[str, ...]) -> str:
    """A translated %-format with named fields as a PostgreSQL format() string (positional, so that a
    translation may reorder them)."""
    text = text.replace("%", "%%")
    for position, name in enumerate(names, 1):
        text = text.replace(f"%%({name})s", f"%{position}$s")
    return text


def _apply_texts() -> dict[str, str]:
    """The notice's texts for the function, in the portal's source language (as _parent_notices stores them)."""
    return _texts_in(settings.LANGUAGE_CODE)


@functools.lru_cache(maxsize=4)
def _texts_in(language: str) -> dict[str, str]:
    # Catalogues are loaded once per process: the texts are translated once, not on every application.
    with translation.override(language):
        return {
            "title_submitted": _("Заявка подана"),
            "title_waiting": _("Заявка в листе ожидания"),
            "body_format": _sql_format(
                _("%(child)s: «%(program)s», группа «%(group)s»."), ("child", "program", "group")
            ),
            "waiting_format": _sql_format(_("Мест нет; ваше место в очереди: %(place)s."), ("place",)),
        }


def enrollment_apply(*, parent, child_id: int, group_id: int, idempotency: ServiceClaim | None = None) -> ApplyResult:
    """A confirmed parent applies for one child to one group. The child's certificate is issued on the
    first application (a number at once, from the municipality's sequence). A free seat makes the
    application SUBMITTED for the provider to review; a full group puts it on the waiting list, in order.
    `idempotency`: the request's Idempotency-Key, claimed with the work (core.idempotency.ServiceClaim).

    Raises the eligibility errors (enrollments.eligibility), Busy when the group stays locked, and
    core.idempotency.Replayed when the key was claimed before. Opening day's hottest path
    (bench/opening_day.py): one statement (APPLY_SQL)."""
    today = timezone.localdate()
    now = timezone.now()
    params = {
        "parent": parent.pk,
        "child": child_id,
        "group": group_id,
        "today": today,
        "now": now,
        # The test-only switch (tests/enrollments/test_concurrency.py) shows the race the lock prevents.
        "lock": settings.ENROLLMENT_GROUP_LOCK,
        "lock_timeout": f"{int(settings.LOCK_TIMEOUT_MS)}ms",
        "key_endpoint": idempotency.endpoint if idempotency else None,
        "key": idempotency.key if idempotency else None,
        "keep": IDEMPOTENCY_KEEP,
        "age_min": AGE_MIN,
        "age_max": AGE_MAX,
        "child_max_age": CHILD_MAX_AGE,
        "review_days": DEFAULT_REVIEW_DAYS,
        "time_zone": settings.TIME_ZONE,
        "email_task": EMAIL_TASK,
        **_apply_texts(),
        # The answer's, in the request's language and time zone.
        "answer_time_zone": timezone.get_current_timezone_name(),
        "status_submitted": str(EnrollmentStatus.SUBMITTED.label),
        "status_waiting": str(EnrollmentStatus.WAITING.label),
    }
    if idempotency is not None and idempotency.user_id != parent.pk:
        raise ValueError("an Idempotency-Key is claimed for the signed-in parent")
    try:
        if connection.in_atomic_block:
            # Inside a caller's transaction (a test, a job): a savepoint, so that a refusal by the unique
            # index or a lock timeout leaves that transaction usable. On the API's path (autocommit) the
            # statement is its own transaction: no BEGIN, no COMMIT, one round trip.
            with transaction.atomic():
                row = _apply_row(params)
        else:
            row = _apply_row(params)
    except IntegrityError as error:
        if LIVE_ENROLLMENT_UNIQUE not in str(error):
            raise
        check_not_enrolled(already=True)
        raise
    outcome, refusal = row[0], row[1]
    if outcome == "replay":
        # Django's PostgreSQL backend leaves jsonb undecoded (JSONField decodes it): decoded here.
        body = row[_REPLAY_BODY]
        body = json.loads(body) if isinstance(body, str) else body
        raise Replayed(row[_REPLAY_STATUS], body)
    if idempotency is not None:
        idempotency.claimed = True
        # An application's answer is stored by the function itself; a refusal's by the door that words it.
        idempotency.stored = outcome == "applied"
    if outcome == "refused":
        group, child, certificate, period, _parent_ids, confirmation = _apply_facts(group_id, row[_FACTS])
        _raise_refusal(refusal, parent=parent, child_id=child_id, group=group, child=child, certificate=certificate,
                       period=period, confirmation=confirmation, today=today)  # fmt: skip
    result = ApplyResult(parent=parent, group_id=group_id, row=row)
    outbox_written([result.outbox_id] if result.outbox_id else [])
    return result


def _apply_row(params: dict) -> tuple:
    with lock_timeout_as_busy(), connection.cursor() as cursor:
        cursor.execute(APPLY_SQL, params)
        return cursor.fetchone()


def _apply_facts(group_id: int, row: tuple):
    """Model instances (unsaved reads, no queries) for the rules and the answer, from the facts APPLY_SQL
    returns (the group's columns are empty when there is no such group)."""
    (g_name, capacity, enrollment_open, start_date, end_date,
     program_id, title, program_status, age_min, age_max, lesson_price, normative_price, lessons_per_month,
     provider_id, provider_name, provider_status,
     confirmation, child_id, last_name, first_name, middle_name, birth_date, municipality_id,
     region_code, municipality_code,
     certificate_id, number, certificate_status,
     period_id, accepting, review_days, parent_ids) = row  # fmt: skip
    provider = Provider(id=provider_id, short_name=provider_name, status=provider_status)
    program = Program(
        id=program_id, provider=provider, title=title, status=program_status, age_min=age_min, age_max=age_max,
        lesson_price=lesson_price, normative_lesson_price=normative_price, lessons_per_month=lessons_per_month,
    )  # fmt: skip
    group = Group(
        id=group_id, program=program, name=g_name, capacity=capacity, enrollment_open=enrollment_open,
        start_date=start_date, end_date=end_date,
    )  # fmt: skip
    child = None
    if child_id is not None:
        child = Child(
            id=child_id, last_name=last_name, first_name=first_name, middle_name=middle_name,
            birth_date=birth_date,
            municipality=Municipality(id=municipality_id, region_code=region_code, code=municipality_code),
        )  # fmt: skip
    certificate = None
    if certificate_id is not None:
        certificate = Certificate(id=certificate_id, child=child, number=number, status=certificate_status)
    period = None
    if period_id is not None:
        period = FundingPeriod(id=period_id, accepting_contracts=accepting, review_days=review_days)
    return group, child, certificate, period, parent_ids or [], confirmation


def _raise_refusal(refusal: str, *, parent, child_id, group, child, certificate, period, confirmation, today) -> None:
    """The refused application's error, raised by the rules of enrollments.eligibility on the facts the
    function read (their codes, messages and arguments); the function and the rules agree on the order."""
    if refusal in ("child_not_found", "link_not_confirmed", "group_not_found") and child is None:
        if refusal == "child_not_found":
            raise ChildNotFound(_("Ребёнок не найден."))
        if refusal == "link_not_confirmed":
            raise link_not_confirmed()
        raise GroupNotFound(_("Группа не найдена."))
    if child is None:
        raise ChildNotFound(_("Ребёнок не найден."))
    if not confirmation:
        raise link_not_confirmed()
    check_group_and_child(child=child, group=group, certificate=certificate, today=today)
    check_period_open(period)
    raise RuntimeError(f"enrollments_apply refused ({refusal}) where enrollments.eligibility does not")


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
