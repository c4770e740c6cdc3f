"""What the portal reports about itself: a readiness answer for load balancers and a status answer for
people.

Readiness (`/healthz/ready`) is 503 only when the portal cannot serve pages: the database is gone.
The status (`/healthz`) names each part: the database, Redis (the cache), the broker, the worker (its
last run of the beat's heartbeat task), beat (its last tick) and the outbox backlog; it says "ok",
"degraded" when a part other than the database is down (pages are still served: the cache fails open
and tasks wait in the outbox), or "unavailable" (503) when the database is.
"""

from __future__ import annotations

import time
from datetime import timedelta

import redis
from celery import current_app
from django.conf import settings
from django.db import InterfaceError, OperationalError, connection
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from core.models import Heartbeat, OutboxMessage

BEAT_HEARTBEAT = "beat"
HEARTBEAT_TASK = "core.beat_heartbeat"
# The outbox is "behind" when its oldest pending message waited longer than this.
OUTBOX_MAX_AGE_SECONDS = 120


def _failure(error: Exception) -> dict:
    return {"ok": False, "error": error.__class__.__name__}


def check_database() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return {"ok": True}
    except Exception as error:  # any failure is reported, none is raised
        return _failure(error)


def database_wait(seconds: float) -> bool:
    """Reconnect until the database takes connections again or `seconds` pass; whether it does (a
    PostgreSQL restart refuses connections for a fraction of a second)."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            connection.ensure_connection()
            return True
        except (InterfaceError, OperationalError):
            connection.close()
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.1)


def check_redis() -> dict:
    try:
        redis.Redis.from_url(settings.REDIS_CLIENT_URL, socket_timeout=1, socket_connect_timeout=1).ping()
        return {"ok": True}
    except (redis.RedisError, OSError) as error:
        return _failure(error)


def check_broker() -> dict:
    try:
        with current_app.connection_for_write() as broker:
            broker.ensure_connection(max_retries=1, timeout=1)
        return {"ok": True}
    except Exception as error:  # kombu's errors vary by transport
        return _failure(error)


def _age(at) -> dict:
    if at is None:
        return {"ok": False, "last": None}
    age = timezone.now() - at
    return {
        "ok": age <= timedelta(seconds=settings.HEALTHZ_BEAT_MAX_AGE_SECONDS),
        "last": at.isoformat(),
        "age_seconds": int(age.total_seconds()),
    }


def check_worker() -> dict:
    """When a worker last ran the heartbeat task that beat sends every minute."""
    try:
        return _age(Heartbeat.objects.filter(name=BEAT_HEARTBEAT).values_list("at", flat=True).first())
    except Exception as error:
        return _failure(error)


def check_beat() -> dict:
    """When beat last sent the heartbeat task (django-celery-beat records each send)."""
    try:
        return _age(PeriodicTask.objects.filter(task=HEARTBEAT_TASK).values_list("last_run_at", flat=True).first())
    except Exception as error:
        return _failure(error)


def check_outbox() -> dict:
    try:
        pending = OutboxMessage.objects.filter(dispatched_at__isnull=True)
        oldest = pending.order_by("pk").values_list("created_at", flat=True).first()
        age = int((timezone.now() - oldest).total_seconds()) if oldest else 0
        return {"ok": age <= OUTBOX_MAX_AGE_SECONDS, "pending": pending.count(), "oldest_age_seconds": age}
    except Exception as error:
        return _failure(error)


def health_report() -> tuple[str, dict]:
    """("ok" | "degraded" | "unavailable", the state of each part)."""
    database = check_database()
    if not database["ok"]:
        return "unavailable", {"database": database, "redis": check_redis(), "broker": check_broker()}
    parts = {
        "database": database,
        "redis": check_redis(),
        "broker": check_broker(),
        "worker": check_worker(),
        "beat": check_beat(),
        "outbox": check_outbox(),
    }
    return ("ok" if all(part["ok"] for part in parts.values()) else "degraded"), parts


def record_heartbeat(name: str = BEAT_HEARTBEAT) -> None:
    Heartbeat.objects.update_or_create(name=name, defaults={"at": timezone.now()})
