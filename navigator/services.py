"""Enrollment status changes a parent makes from the personal account, the waiting list they may set
moving, and reading notices (services: writes; see navigator.selectors for reads).

Locking order, the same for every service that touches a group's seats: the group row first, then
its enrollment rows. A cancellation that frees a seat promotes the waiting list under that one group
lock, so it can deadlock neither with another cancellation nor with an application for the group.
Every status change writes its EnrollmentEvent and the parents' notices in the same transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from rest_framework import status as http_status

from catalog.models import Group
from core.api import DomainError
from navigator.models import (
    ALLOWED_TRANSITIONS,
    SEAT_HOLDING_STATUSES,
    Enrollment,
    EnrollmentEvent,
    EnrollmentStatus,
    Notification,
)


class EnrollmentNotFound(DomainError):
    code = "not_found"
    status_code = http_status.HTTP_404_NOT_FOUND


class TransitionNotAllowed(DomainError):
    code = "transition_not_allowed"
    status_code = http_status.HTTP_409_CONFLICT


# What a parent may do by hand to an enrollment in each status: the transitions of
# ALLOWED_TRANSITIONS that are theirs to make (accepting an offer comes with the contract work).
PARENT_ACTIONS = {EnrollmentStatus.CANCELLED: "cancel"}


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


def _notify_parents(enrollments: Iterable[Enrollment], title_for) -> None:
    """A notice to every parent of each enrollment's child (the e-mail goes out from these rows)."""
    rows = []
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
            rows.extend(
                Notification(user=parent, enrollment=enrollment, title=title, body=body)
                for parent in enrollment.child.parents.all()
            )
    Notification.objects.bulk_create(rows)


def _cancel_title(enrollment: Enrollment) -> str:
    return _("Заявка отменена")


def _promoted_title(enrollment: Enrollment) -> str:
    return _("Освободилось место: заявка передана организации")


def waiting_list_promote(*, group: Group) -> list[int]:
    """Move waiting applications, oldest first, into the group's free seats; the caller holds the
    group's row lock. Only while the group takes pupils: open for enrollment and not yet over."""
    if not group.enrollment_open or group.end_date < timezone.localdate():
        return []
    held = Enrollment.objects.filter(group=group, status__in=SEAT_HOLDING_STATUSES).count()
    free = group.capacity - held
    if free <= 0:
        return []
    waiting = list(
        Enrollment.objects.select_for_update(of=("self",))
        .filter(group=group, status=EnrollmentStatus.WAITING)
        .select_related("child", "group__program")
        .prefetch_related("child__parents")
        .order_by("created_at", "pk")[:free]
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


@transaction.atomic
def enrollment_cancel(*, parent, enrollment_id: int) -> CancelResult:
    """The parent withdraws an application: off the waiting list, under review, or an offer not yet
    accepted. Idempotent: cancelling a cancelled one changes nothing. A seat it held goes to the
    waiting list at once.

    Raises EnrollmentNotFound when the enrollment is not of the parent's children (whether or not it
    exists) and TransitionNotAllowed when its status cannot be cancelled (a contract in force, or an
    application already rejected or expired).
    """
    group_id = (
        Enrollment.objects.filter(pk=enrollment_id, child__parents=parent).values_list("group_id", flat=True).first()
    )
    if group_id is None:
        raise EnrollmentNotFound(_("Заявка не найдена."))
    group = Group.objects.select_for_update().get(pk=group_id)
    enrollment = (
        Enrollment.objects.select_for_update(of=("self",))
        .select_related("child", "group__program")
        .get(pk=enrollment_id)
    )
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


# --- Notices ---------------------------------------------------------------------------------------


def notification_mark_read(*, notification: Notification) -> bool:
    """Mark one notice read; True when it was unread (a repeat changes nothing)."""
    now = timezone.now()
    updated = Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=now)
    if updated:
        notification.read_at = now
    return bool(updated)


def notifications_mark_all_read(*, user) -> int:
    """Mark all the user's unread notices read; how many there were."""
    return Notification.objects.filter(user=user, read_at__isnull=True).update(read_at=timezone.now())


# --- Profile -----------------------------------------------------------------------------------------


def parent_contacts_update(*, user, email: str, phone: str) -> list[str]:
    """Save the contacts notices go to; the names of the fields that changed. The name and СНИЛС come
    from Gosuslugi and are not edited here."""
    new = {"email": email, "phone": phone}
    changed = [name for name, value in new.items() if getattr(user, name) != value]
    for name in changed:
        setattr(user, name, new[name])
    if changed:
        user.save(update_fields=changed)
    return changed
