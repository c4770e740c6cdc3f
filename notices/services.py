"""Sending and reading notices (services: writes; see selectors for reads).

A notice is a row written in the caller's transaction, so it exists exactly when the change it tells
of does. Texts are stored in the portal's source language (Russian).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.utils import timezone

from notices.models import Notification


@dataclass(frozen=True)
class Notice:
    """One notice to write: to whom, what, and what it is about (`<kind>:<id>`, see Notification)."""

    user_id: int
    title: str
    body: str = ""
    subject: str = ""


def notices_send(notices: Iterable[Notice]) -> list[Notification]:
    """Write the notices in the caller's transaction (one INSERT for all of them)."""
    return Notification.objects.bulk_create(
        Notification(user_id=n.user_id, title=n.title, body=n.body, subject=n.subject) for n in notices
    )


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
