"""`./run`'s entry point, end to end: migrate, demo region, the mail sink + gunicorn + worker + beat, restarts,
clean stop."""

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlsplit, urlunsplit

import psycopg2
import pytest
import requests

ROOT = Path(__file__).resolve().parent.parent
STATUS_FILE = ROOT / ".local" / "run.json"
pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def _scratch_database():
    server_url = os.environ["DATABASE_URL"]
    name = f"run_smoke_{uuid.uuid4().hex[:8]}"
    admin = psycopg2.connect(urlunsplit(urlsplit(server_url)._replace(path="/postgres")))
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit(urlsplit(server_url)._replace(path=f"/{name}"))
    finally:
        with admin.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


@pytest.fixture
def scratch_database_url():
    with _scratch_database() as url:
        yield url


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


def _start_run(database_url: str, log_path: Path, **extra_env: str) -> SimpleNamespace:
    """`python -m devstack run` as a developer starts it: no settings module, DEBUG or ALLOWED_HOSTS set."""
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": database_url, "PORT": str(port), **extra_env}
    for name in ("DJANGO_SETTINGS_MODULE", "DEBUG", "ALLOWED_HOSTS"):
        env.pop(name, None)
    log = open(log_path, "w")  # read back through separate handles: this one shares the child's offset
    proc = subprocess.Popen(
        [sys.executable, "-m", "devstack", "run"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
    )
    return SimpleNamespace(proc=proc, log=log, log_path=log_path, base=f"http://127.0.0.1:{port}")


def _stop_run(run: SimpleNamespace) -> int:
    run.proc.send_signal(signal.SIGTERM)
    try:
        return run.proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        run.proc.kill()
        raise
    finally:
        run.log.close()


def _children(run: SimpleNamespace) -> dict[str, int | None]:
    """The pids devstack keeps in .local/run.json, once the file is this run's."""
    try:
        status = json.loads(STATUS_FILE.read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return {}
    return status["children"] if status["pid"] == run.proc.pid else {}


def _healthy(run: SimpleNamespace):
    response = requests.get(f"{run.base}/healthz", timeout=5)
    return response.ok and response.json()


def test_run_serves_the_demo_portal_and_stops_everything_on_sigterm(scratch_database_url, tmp_path):
    run = _start_run(scratch_database_url, tmp_path / "run.log")
    base, log_path = run.base, run.log_path
    port = urlsplit(base).port
    try:
        health = _wait(lambda: _healthy(run), timeout=240)
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

        # Mail goes to the local sink, shown on the development page linked from the banner.
        mail_page = session.get(f"{base}/dev/mail/", timeout=10)
        assert mail_page.status_code == 200 and "Отправленные письма" in mail_page.text

        output = log_path.read_text()
        assert f"http://127.0.0.1:{port}/" in output
        assert f"[devstack] Письма: http://127.0.0.1:{port}/dev/mail/" in output
        assert "municipal" in output and "demo12345" in output
        # The address and logins once, after a one-line set-up and before the servers' own logs.
        assert output.count("[devstack] Портал:") == 1
        before_banner = output[: output.index("[devstack] Портал:")].split()
        assert "Applying" not in before_banner and "Starting" not in before_banner
        assert output.index("Демо-данные:") < output.index("[devstack] Портал:") < output.index("Starting gunicorn")
    finally:
        code = _stop_run(run)
    assert code == 0
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{base}/healthz", timeout=5)
    assert "[devstack] stopped." in log_path.read_text()


def test_a_crash_loop_stops_everything(scratch_database_url, tmp_path):
    # The beat's command replaced by one that fails at once, every time.
    run = _start_run(
        scratch_database_url,
        tmp_path / "run.log",
        DEVSTACK_BEAT_COMMAND=f"{sys.executable} -c 'raise SystemExit(3)'",
    )
    children = {}
    try:
        deadline = time.monotonic() + 240
        while run.proc.poll() is None and time.monotonic() < deadline:
            children.update({name: pid for name, pid in _children(run).items() if pid and name != "beat"})
            time.sleep(0.2)
        code = run.proc.wait(timeout=1)
    finally:
        if run.proc.poll() is None:
            _stop_run(run)
        run.log.close()
    output = run.log_path.read_text()
    assert code != 0
    assert "[devstack] beat exited with code 3, 6 times within 60 s: a crash loop; stopping everything" in output
    assert output.count("[devstack] beat restarted") == 5
    assert "[devstack] stopped." in output
    assert set(children) == {"mailsink", "web", "worker"}
    for pid in children.values():
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{run.base}/healthz", timeout=5)


@pytest.fixture(scope="module")
def running(tmp_path_factory):
    """One `./run` for the tests below, with DEBUG left unset as a developer leaves it."""
    with _scratch_database() as url:
        run = _start_run(url, tmp_path_factory.mktemp("run") / "run.log")
        try:
            ready = _wait(lambda: _healthy(run) and len([p for p in _children(run).values() if p]) == 4, timeout=240)
            assert ready, f"the portal never answered /healthz:\n{run.log_path.read_text()[-3000:]}"
            yield run
        finally:
            assert _stop_run(run) == 0


@pytest.mark.parametrize("name", ["worker", "beat"])
def test_a_killed_worker_or_beat_is_restarted_while_the_portal_answers(running, name):
    old_pid = _children(running)[name]
    os.kill(old_pid, signal.SIGKILL)
    killed_at = time.monotonic()
    failures, new_pid, back_after = [], None, None
    # Poll the portal through the whole window: until the new process is there and two seconds more.
    while time.monotonic() - killed_at < (back_after + 2 if back_after else 10):
        try:
            response = requests.get(f"{running.base}/healthz", timeout=2)
            if response.status_code != 200:
                failures.append(response.status_code)
        except requests.RequestException as exc:
            failures.append(repr(exc))
        pid = _children(running).get(name)
        if back_after is None and pid and pid != old_pid:
            new_pid, back_after = pid, time.monotonic() - killed_at
        time.sleep(0.2)
    output = running.log_path.read_text()
    assert new_pid, f"{name} was not restarted within 10 s:\n{output[-3000:]}"
    print(f"{name} back after {back_after:.1f} s")
    assert failures == []
    os.kill(new_pid, 0)  # alive
    assert f"[devstack] {name} exited with code -9; restarting in" in output
    assert f"[devstack] {name} restarted (pid {new_pid})" in output
    assert output.count("[devstack] Портал:") == 1, "the banner came again with the restart"


def test_run_has_debug_off_by_default_and_still_serves_static_files(running):
    missing = requests.get(f"{running.base}/no-such-page/", timeout=10)
    assert missing.status_code == 404
    assert "portal-error__code" in missing.text  # templates/404.html
    assert "DEBUG = True" not in missing.text
    css = requests.get(f"{running.base}/static/css/portal.css", timeout=10)
    assert css.status_code == 200 and css.headers["Content-Type"].startswith("text/css")
    assert css.content == (ROOT / "static" / "css" / "portal.css").read_bytes()
    # ALLOWED_HOSTS under ./run still takes the local names.
    assert requests.get(f"{running.base}/healthz", headers={"Host": "localhost"}, timeout=10).status_code == 200
