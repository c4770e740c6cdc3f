"""/healthz names each part and says ok, degraded (a part other than the database is down: pages are
still served) or unavailable (503: the database is down); /healthz/ready is 503 only then."""

from datetime import timedelta

import pytest
from django.db import connections
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from core.health import BEAT_HEARTBEAT, HEARTBEAT_TASK, record_heartbeat
from core.models import Heartbeat, OutboxMessage

pytestmark = pytest.mark.django_db
PARTS = {"database", "redis", "broker", "worker", "beat", "outbox"}


@pytest.fixture
def alive():
    """A worker ran the heartbeat just now, and beat sent it just now."""
    record_heartbeat()
    PeriodicTask.objects.filter(task=HEARTBEAT_TASK).update(last_run_at=timezone.now())


def test_ok_when_every_part_answers(client, alive):
    response = client.get("/healthz")

    body = response.json()
    assert response.status_code == 200
    assert body["status"] == "ok", body
    assert set(body) - {"status"} == PARTS
    assert body["worker"]["last"] == Heartbeat.objects.get(name=BEAT_HEARTBEAT).at.isoformat()


def test_a_stale_worker_or_beat_is_degraded_not_down(client, alive):
    Heartbeat.objects.filter(name=BEAT_HEARTBEAT).update(at=timezone.now() - timedelta(hours=1))

    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json()["status"] == "degraded"
    assert response.json()["worker"]["ok"] is False
    assert response.json()["worker"]["age_seconds"] >= 3600
    assert response.json()["beat"]["ok"] is True


def test_an_outbox_backlog_is_degraded(client, alive):
    message = OutboxMessage.objects.create(task="core.beat_heartbeat")
    OutboxMessage.objects.filter(pk=message.pk).update(created_at=timezone.now() - timedelta(minutes=10))

    body = client.get("/healthz").json()

    assert body["status"] == "degraded"
    assert body["outbox"]["pending"] == 1 and body["outbox"]["oldest_age_seconds"] >= 600


def test_redis_down_is_degraded_and_the_node_stays_ready(client, settings, alive, tmp_path):
    settings.REDIS_CLIENT_URL = f"unix://{tmp_path}/no-such-redis.sock"

    status = client.get("/healthz")
    ready = client.get("/healthz/ready")

    assert status.status_code == 200
    assert status.json()["status"] == "degraded"
    assert status.json()["redis"]["ok"] is False
    assert status.json()["database"]["ok"] is True
    assert ready.status_code == 200


def test_the_database_down_is_unavailable_and_not_ready(client):
    good_options = dict(connections["default"].settings_dict["OPTIONS"])
    connections["default"].close()
    connections["default"].settings_dict["OPTIONS"] = {**good_options, "host": "/nonexistent-socket-dir"}
    try:
        status = client.get("/healthz")
        ready = client.get("/healthz/ready")
    finally:
        connections["default"].close()
        connections["default"].settings_dict["OPTIONS"] = good_options

    assert status.status_code == 503
    assert status.json()["status"] == "unavailable"
    assert status.json()["database"]["ok"] is False
    assert ready.status_code == 503
