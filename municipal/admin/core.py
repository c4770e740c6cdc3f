from django.contrib import admin

from core.models import Heartbeat, IdempotencyRecord, OutboxMessage
from municipal.admin.base import MunicipalityScopedAdmin, ReadOnlyAdmin


@admin.register(Heartbeat)
class HeartbeatAdmin(MunicipalityScopedAdmin):
    municipality_path = None
    list_display = ["name", "at"]


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ReadOnlyAdmin):
    """Tasks waiting for the broker or sent (core/outbox.py); read-only."""

    municipality_path = None
    list_display = ["task", "created_at", "dispatched_at", "attempts", "last_error"]
    list_filter = ["task"]


@admin.register(IdempotencyRecord)
class IdempotencyRecordAdmin(ReadOnlyAdmin):
    municipality_path = None
    list_display = ["endpoint", "user_id", "key", "status_code", "created_at"]
