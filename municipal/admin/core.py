from django.contrib import admin

from core.models import Heartbeat, IdempotencyRecord, OutboxMessage
from municipal.admin.base import ReadOnlyAdmin


@admin.register(Heartbeat)
class HeartbeatAdmin(ReadOnlyAdmin):
    regional_only = True  # technical
    list_display = ["name", "at"]


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ReadOnlyAdmin):
    """Tasks waiting for the broker or sent (core/outbox.py); read-only."""

    regional_only = True  # technical
    list_display = ["task", "created_at", "dispatched_at", "attempts", "last_error"]
    list_filter = ["task"]


@admin.register(IdempotencyRecord)
class IdempotencyRecordAdmin(ReadOnlyAdmin):
    regional_only = True  # technical
    list_display = ["endpoint", "user_id", "key", "status_code", "created_at"]
