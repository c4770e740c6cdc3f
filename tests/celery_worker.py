"""A real Celery worker for the tests marked `celery`: its own queue (a developer's running worker cannot
steal the task), the real broker, and the test database of the running test."""

import os
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from django.db import connection

ROOT = Path(__file__).resolve().parents[1]


def new_queue() -> str:
    return f"test-{uuid.uuid4().hex[:8]}"


def start_worker(queue: str, **popen) -> subprocess.Popen:
    """A solo worker consuming `queue` only, writing to this test's database; `popen` goes to Popen
    (stdout and stderr are dropped unless given)."""
    database_url = urlunsplit(
        urlsplit(os.environ["DATABASE_URL"])._replace(path=f"/{connection.settings_dict['NAME']}")
    )
    env = {**os.environ, "DATABASE_URL": database_url, "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    popen = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, **popen}
    argv = [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", "solo", "--queues", queue]
    argv += ["--loglevel", "WARNING", "--without-gossip", "--without-mingle", "--without-heartbeat"]
    return subprocess.Popen(argv, cwd=ROOT, env=env, **popen)


def stop_worker(worker: subprocess.Popen) -> None:
    """Ask the worker to finish its task and stop; kill it if it has not within 20 s."""
    worker.terminate()
    try:
        worker.wait(timeout=20)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait()
