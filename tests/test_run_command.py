"""`./run`'s entry point, end to end: migrate, demo region, gunicorn + worker + beat, clean stop."""

import os
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg2
import pytest
import requests

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def scratch_database_url():
    server_url = os.environ["DATABASE_URL"]
    name = f"run_smoke_{uuid.uuid4().hex[:8]}"
    admin = psycopg2.connect(urlunsplit(urlsplit(server_url)._replace(path="/postgres")))
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(f'CREATE DATABASE "{name}"')
    yield urlunsplit(urlsplit(server_url)._replace(path=f"/{name}"))
    with admin.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.close()


def _wait(predicate, timeout: float):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            result = predicate()
            if result:
                return result
        except requests.RequestException:
            pass
        time.sleep(0.5)
    return None


def test_run_serves_the_demo_portal_and_stops_everything_on_sigterm(scratch_database_url, tmp_path):
    port = _free_port()
    log_path = tmp_path / "run.log"
    log = open(log_path, "w")  # read back through separate handles: this one shares the child's offset
    env = {**os.environ, "DATABASE_URL": scratch_database_url, "PORT": str(port), "DJANGO_SETTINGS_MODULE": ""}
    env.pop("DJANGO_SETTINGS_MODULE")
    proc = subprocess.Popen(
        [sys.executable, "-m", "devstack", "run"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
    )
    base = f"http://127.0.0.1:{port}"
    try:
        health = _wait(lambda: (r := requests.get(f"{base}/healthz", timeout=5)).ok and r.json(), timeout=240)
        assert health, f"the portal never answered /healthz:\n{log_path.read_text()[-3000:]}"
        assert health["database"]["ok"] and health["redis"]["ok"]
        # beat sends the heartbeat task at start, and the worker runs it
        ticked = _wait(lambda: requests.get(f"{base}/healthz", timeout=5).json()["beat"]["ok"], timeout=150)
        assert ticked, "no beat tick reached the database"

        session = requests.Session()
        login_page = session.get(f"{base}/admin/login/", timeout=10)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login_page.text).group(1)
        session.post(
            f"{base}/admin/login/?next=/admin/",
            data={"username": "municipal", "password": "demo12345", "csrfmiddlewaretoken": token},
            headers={"Referer": f"{base}/admin/login/"},
            timeout=10,
        )
        programs = session.get(f"{base}/admin/catalog/program/", timeout=10)
        assert programs.status_code == 200 and programs.history == [], "municipal staff were sent back to the login"
        assert "Плавский" in session.get(f"{base}/admin/catalog/municipality/", timeout=10).text

        output = log_path.read_text()
        assert f"http://127.0.0.1:{port}/" in output
        assert "municipal" in output and "demo12345" in output
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            code = proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise
        finally:
            log.close()
    assert code == 0
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{base}/healthz", timeout=5)
    assert "[devstack] stopped." in log_path.read_text()
