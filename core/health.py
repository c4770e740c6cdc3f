"""What /healthz reports: the database, Redis, and the age of the last Celery beat tick."""

from __future__ import annotations

from datetime import timedelta

import redis
from django.conf import settings
from django.db import connection
from django.utils import timezone

from core.models import Heartbeat

BEAT_HEARTBEAT = "beat"


def _redis_client() -> redis.Redis:
    return redis.Redis.from_url(settings.REDIS_CLIENT_URL, socket_timeout=2, socket_connect_timeout=2)


def check_database() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return {"ok": True}
    except Exception as exc:  # any failure is reported, none is raised
        return {"ok": False, "error": exc.__class__.__name__}


def check_redis() -> dict:
    try:
        _redis_client().ping()
        return {"ok": True}
    except redis.RedisError as exc:
        return {"ok": False, "error": exc.__class__.__name__}


def check_beat() -> dict:
    """The beat is informational: a web node is healthy even while the scheduler restarts."""
    try:
        beat = Heartbeat.objects.filter(name=BEAT_HEARTBEAT).first()
    except Exception as exc:
        return {"ok": False, "error": exc.__class__.__name__, "last_tick": None}
    if beat is None:
        return {"ok": False, "last_tick": None}
    age = timezone.now() - beat.at
    return {
        "ok": age <= timedelta(seconds=settings.HEALTHZ_BEAT_MAX_AGE_SECONDS),
        "last_tick": beat.at.isoformat(),
        "age_seconds": int(age.total_seconds()),
    }


def health_report() -> tuple[bool, dict]:
    report = {"database": check_database(), "redis": check_redis(), "beat": check_beat()}
    healthy = report["database"]["ok"] and report["redis"]["ok"]
    return healthy, report


def record_heartbeat(name: str = BEAT_HEARTBEAT) -> None:
    Heartbeat.objects.update_or_create(name=name, defaults={"at": timezone.now()})
