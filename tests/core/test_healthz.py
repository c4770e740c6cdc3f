from datetime import timedelta

import pytest
from django.utils import timezone

from core.health import BEAT_HEARTBEAT, record_heartbeat
from core.models import Heartbeat

pytestmark = pytest.mark.django_db


def test_healthz_is_200_when_database_and_redis_answer(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"] == {"ok": True}
    assert body["redis"] == {"ok": True}


def test_healthz_reports_the_last_beat_tick(client):
    record_heartbeat()

    beat = client.get("/healthz").json()["beat"]

    assert beat["ok"] is True
    assert beat["last_tick"] == Heartbeat.objects.get(name=BEAT_HEARTBEAT).at.isoformat()


def test_healthz_marks_a_stale_beat_without_failing_the_node(client, settings):
    Heartbeat.objects.create(name=BEAT_HEARTBEAT, at=timezone.now() - timedelta(hours=1))

    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json()["beat"]["ok"] is False
    assert response.json()["beat"]["age_seconds"] >= 3600


def test_healthz_is_503_when_redis_is_down(client, settings, tmp_path):
    settings.REDIS_CLIENT_URL = f"unix://{tmp_path}/no-such-redis.sock"

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"
    assert response.json()["redis"]["ok"] is False
    assert response.json()["database"]["ok"] is True


def test_healthz_is_503_when_the_database_is_down(client, settings):
    from django.db import connections

    good_options = dict(connections["default"].settings_dict["OPTIONS"])
    connections["default"].close()
    connections["default"].settings_dict["OPTIONS"] = {**good_options, "host": "/nonexistent-socket-dir"}
    try:
        response = client.get("/healthz")
    finally:
        connections["default"].close()
        connections["default"].settings_dict["OPTIONS"] = good_options

    assert response.status_code == 503
    assert response.json()["database"]["ok"] is False
