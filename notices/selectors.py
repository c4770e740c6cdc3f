"""Reads of a user's notices (selectors: reads; see services for writes)."""

from __future__ import annotations

from django.db.models import QuerySet

from notices.models import Notification


def user_notifications(*, user) -> QuerySet[Notification]:
    """The user's notices, newest first."""
    return Notification.objects.filter(user=user).order_by("-created_at", "-pk")


def unread_notification_count(*, user) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()
