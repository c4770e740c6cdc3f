"""Enrollment status changes (services: writes; see selectors for reads).

Every status change goes through `_transition` under a row lock on the expected status, and writes
its EnrollmentEvent and the parents' notices in the same transaction. Lock order (core.locking): a
seat change locks the group row first, then its enrollment rows; a cancellation that frees a seat
promotes the waiting list under that one group lock, so it can deadlock neither with another
cancellation nor with an application for the same group.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from catalog.models import Group
from core.errors import Conflict, NotFound
from core.locking import lock_all, lock_one
from enrollments.models import (
    ALLOWED_TRANSITIONS,
    SEAT_HOLDING_STATUSES,
    Enrollment,
    EnrollmentEvent,
    EnrollmentStatus,
)
from enrollments.selectors import group_seats_held, waiting_list
from notices.services import Notice, notices_send


class EnrollmentNotFound(NotFound):
    pass


class TransitionNotAllowed(Conflict):
    code = "transition_not_allowed"


# What a parent may do by hand to an enrollment in each status: the transitions of
# ALLOWED_TRANSITIONS that are theirs to make (accepting an offer comes with the contract work).
PARENT_ACTIONS = {EnrollmentStatus.CANCELLED: "cancel"}


def enrollment_subject(enrollment_id: int) -> str:
    """What a notice about this enrollment is about (see notices.models.Notification.subject)."""
    return f"enrollment:{enrollment_id}"


def enrollment_parent_actions(enrollment: Enrollment) -> list[str]:
    """The actions the parent can take now, in the order the page offers them."""
    allowed = ALLOWED_TRANSITIONS.get(enrollment.status, set())
    return [action for target, action in PARENT_ACTIONS.items() if target in allowed]


@dataclass(frozen=True)
class CancelResult:
    enrollment: Enrollment
    changed: bool  # False: it was already cancelled (a repeated request changes nothing)
    promoted: tuple[int, ...] = ()  # waiting applications moved up into the freed seat


def _transition(enrollment: Enrollment, to_status: str, *, actor, note: str) -> None:
    """Move a locked enrollment to `to_status`, with its audit row, in the caller's transaction."""
    from_status = enrollment.status
    if to_status not in ALLOWED_TRANSITIONS.get(from_status, set()):
        raise ValueError(f"{from_status} → {to_status} is not an allowed transition")
    enrollment.status = to_status
    enrollment.status_changed_at = timezone.now()
    enrollment.save(update_fields=["status", "status_changed_at"])
    EnrollmentEvent.objects.create(
        enrollment=enrollment, from_status=from_status, to_status=to_status, actor=actor, note=note
    )


def _notify_parents(enrollments: Iterable[Enrollment], title_for: Callable[[Enrollment], str]) -> None:
    """A notice to every parent of each enrollment's child, in the caller's transaction."""
    notices = []
    # Stored in the portal's source language; the e-mail sender renders for the recipient.
    with translation.override(settings.LANGUAGE_CODE):
        for enrollment in enrollments:
            group = enrollment.group
            body = _("%(child)s: «%(program)s», группа «%(group)s».") % {
                "child": enrollment.child.full_name,
                "program": group.program.title,
                "group": group.name,
            }
            title = title_for(enrollment)
            notices.extend(
                Notice(user_id=parent.pk, title=title, body=body, subject=enrollment_subject(enrollment.pk))
                for parent in enrollment.child.parents.all()
            )
    notices_send(notices)


def _cancel_title(enrollment: Enrollment) -> str:
    return _("Заявка отменена")


def _promoted_title(enrollment: Enrollment) -> str:
    return _("Освободилось место: заявка передана организации")


def waiting_list_promote(*, group: Group) -> list[int]:
    """Move waiting applications, oldest first, into the group's free seats; the caller holds the
    group's row lock. Only while the group takes pupils: open for enrollment and not yet over."""
    if not group.enrollment_open or group.end_date < timezone.localdate():
        return []
    free = group.capacity - group_seats_held(group_id=group.pk)
    if free <= 0:
        return []
    waiting = lock_all(
        waiting_list(group_id=group.pk)
        .select_related("child", "group__program")
        .prefetch_related("child__parents")[:free]
    )
    for enrollment in waiting:
        _transition(
            enrollment,
            EnrollmentStatus.SUBMITTED,
            actor=None,
            note="Освободилось место: заявка из листа ожидания передана организации",
        )
    _notify_parents(waiting, _promoted_title)
    return [e.pk for e in waiting]


@transaction.atomic(durable=True)
def enrollment_cancel(*, parent, enrollment_id: int) -> CancelResult:
    """The parent withdraws an application: off the waiting list, under review, or an offer not yet
    accepted. Idempotent: cancelling a cancelled one changes nothing. A seat it held goes to the
    waiting list at once.

    Raises EnrollmentNotFound when the enrollment is not of the parent's children (whether or not it
    exists), TransitionNotAllowed when its status cannot be cancelled (a contract in force, or an
    application already rejected or expired), and Busy when the group stays locked by someone else.
    """
    group_id = (
        Enrollment.objects.filter(pk=enrollment_id, child__parents=parent).values_list("group_id", flat=True).first()
    )
    if group_id is None:
        raise EnrollmentNotFound(_("Заявка не найдена."))
    group = lock_one(Group.objects.filter(pk=group_id))
    enrollment = lock_one(Enrollment.objects.select_related("child", "group__program").filter(pk=enrollment_id))
    if enrollment.status == EnrollmentStatus.CANCELLED:
        return CancelResult(enrollment=enrollment, changed=False)
    if "cancel" not in enrollment_parent_actions(enrollment):
        raise TransitionNotAllowed(
            _("Заявку в статусе «%(status)s» отменить нельзя.") % {"status": enrollment.get_status_display()}
        )
    held_a_seat = enrollment.status in SEAT_HOLDING_STATUSES
    _transition(enrollment, EnrollmentStatus.CANCELLED, actor=parent, note="Отменена родителем")
    _notify_parents([enrollment], _cancel_title)
    promoted = waiting_list_promote(group=group) if held_a_seat else []
    return CancelResult(enrollment=enrollment, changed=True, promoted=tuple(promoted))
