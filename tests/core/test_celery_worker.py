"""A real Celery worker, on the real Redis broker, writing to the real test database."""

import subprocess
import time
from pathlib import Path

import pytest
from django.db import transaction

from core.models import Heartbeat
from core.tasks import beat_heartbeat
from tests.celery_worker import new_queue, start_worker, stop_worker

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.celery, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def worker_queue():
    """Start a worker on a queue of its own (so a developer's running worker cannot steal the task)."""
    queue = new_queue()
    worker = start_worker(queue, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    yield queue
    stop_worker(worker)


def _wait_for(predicate, timeout: float = 60.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def test_worker_runs_the_task_and_its_effect_is_in_the_database(worker_queue):
    assert not Heartbeat.objects.exists()

    beat_heartbeat.apply_async(queue=worker_queue)

    assert _wait_for(lambda: Heartbeat.objects.filter(name="beat").exists()), "the worker never ran the task"


def test_task_dispatched_on_commit_is_sent_only_when_the_transaction_commits(worker_queue):
    class Rollback(Exception):
        pass

    with pytest.raises(Rollback), transaction.atomic():
        beat_heartbeat.apply_async_on_commit(args=["rolled-back"], queue=worker_queue)
        raise Rollback

    with transaction.atomic():
        beat_heartbeat.apply_async_on_commit(args=["committed"], queue=worker_queue)
        assert not Heartbeat.objects.exists()  # nothing is sent before the commit

    assert _wait_for(lambda: Heartbeat.objects.filter(name="committed").exists())
    # The solo worker runs tasks in order: a task sent by the rolled-back block would have run first.
    assert not Heartbeat.objects.filter(name="rolled-back").exists()
