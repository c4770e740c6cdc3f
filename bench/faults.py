"""Faults under load, the longer versions of tests/test_faults.py: what each fault costs the portal as
`./run` runs it (gunicorn, a Celery worker and beat under devstack's supervisor, DEBUG off), and how
long it takes to come back.

    .venv/bin/python bench/faults.py [--duration 1.0] [--rate 120] [--only redis,postgres,worker,web] [--no-docs]

1. A scratch database `faults_bench_<random>` is created on the PostgreSQL of DATABASE_URL (a Unix
   socket; devstack's embedded server when it is unset) and dropped at the end. The portal reaches it through devstack.faultlab.PostgresProxy
   (127.0.0.1:<port>), which can play a server restart without touching the server others share.
   The portal's Redis is one of the run's own (devstack.faultlab.RedisServer), to stop and start.
2. `python -m devstack run` (what `./run` executes) starts from this checkout on a free port with
   those DATABASE_URL and REDIS_URL; it migrates the database and loads the demo region itself.
   Its children's pids are read from .local/run.json.
3. A steady, bounded load on loopback (devstack.faultlab.Load, at most --rate requests a second in
   all, closed loop): anonymous catalog page and API, the demo parent's account pages (signed in
   through the login form), /healthz. Every answer is kept with its status (0: none, by timeout or
   a refused or dropped connection).
4. The scenarios, one after the other, each after the portal says "ok" again; the fault windows are
   those of the issue times --duration:
   - redis: Redis stopped for 20 s; meanwhile the parent cancels an application through the page
     (its notice e-mail waits in the outbox). Time from Redis's return until /healthz says "ok",
     and until the notice's `emailed_at` is set.
   - postgres: five restarts of 0.2 s, 5 s apart, then one of 2 s (`proxy.restart`: every
     connection cut, new ones refused meanwhile), a favourite added (POST) right after each cut.
     Time from each cut until /healthz answers 200 again.
   - worker: SIGKILL to the Celery worker's main process. Time until ./run has restarted it (a new
     pid in run.json) and until it has run a task sent through the outbox when that pid appeared
     (whether a task sent in the instant of the kill runs is reported too).
   - web: SIGKILL to one gunicorn worker. Time until the master has forked its replacement.
5. Markdown tables go to stdout and, unless --no-docs, into the "Faults" section of
   docs/benchmarks.md (between the generated-block markers; the text around them is kept).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from urllib.parse import parse_qs, urlsplit, urlunsplit

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.docs import DOCS, write_generated_block  # noqa: E402  (after the path is set)
from bench.machine import machine  # noqa: E402  (after the path is set)
from devstack.faultlab import Answer, Load, PostgresProxy, RedisServer, free_port  # noqa: E402

STATUS_FILE = ROOT / ".local" / "run.json"
SCENARIOS = ("redis", "postgres", "worker", "web")
COMMAND = ".venv/bin/python bench/faults.py"

ANONYMOUS = ["/catalog/", "/api/v1/programs/", "/catalog/?q=футбол", "/api/v1/programs/?q=шахматы"]
SIGNED_IN = ["/cabinet/", "/cabinet/enrollments/", "/api/v1/me/children/"]
HEALTH = ["/healthz"]
# Threads per kind of visitor: a slow answer delays only its own thread's next request.
THREADS = {"anonymous": 4, "signed_in": 3, "health": 1}
REQUEST_TIMEOUT = 10.0
# Bounds of every wait for a recovery: past them the figure is reported as "not within".
RECOVERY_LIMIT = 120.0
START_LIMIT = 600.0


# --- the database ----------------------------------------------------------------------------------


def with_database(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


def _admin(server_url: str):
    import psycopg2

    conn = psycopg2.connect(with_database(server_url, "postgres"))
    conn.autocommit = True
    return conn


def socket_path(server_url: str) -> str:
    """The Unix socket of DATABASE_URL (`?host=/dir` or a host that is a directory)."""
    parts = urlsplit(server_url)
    host = parse_qs(parts.query).get("host", [parts.hostname or ""])[0]
    if not host.startswith("/"):
        raise SystemExit("DATABASE_URL must name a Unix socket directory (the proxy forwards to a Unix socket)")
    return f"{host}/.s.PGSQL.{parts.port or 5432}"


# --- ./run -----------------------------------------------------------------------------------------


@dataclass
class Run:
    proc: subprocess.Popen
    log_path: Path
    base: str

    def children(self) -> dict[str, int | None]:
        """The pids devstack keeps in .local/run.json, once the file is this run's."""
        try:
            status = json.loads(STATUS_FILE.read_text())
        except (FileNotFoundError, json.JSONDecodeError):
            return {}
        return status["children"] if status.get("pid") == self.proc.pid else {}

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


def start_run(database_url: str, redis_url: str, folder: Path) -> Run:
    port = free_port()
    env = {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": redis_url, "PORT": str(port)}
    for name in ("DJANGO_SETTINGS_MODULE", "DEBUG", "ALLOWED_HOSTS"):
        env.pop(name, None)  # as a developer starts it
    log_path = folder / "run.log"
    with open(log_path, "w") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "devstack", "run"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
        )
    return Run(proc, log_path, f"http://127.0.0.1:{port}")


def stop_run(run: Run) -> int | None:
    if run.proc.poll() is None:
        run.proc.send_signal(signal.SIGTERM)
        try:
            run.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            run.proc.kill()
            run.proc.wait()
    return run.proc.returncode


def health(base: str, timeout: float = 5.0) -> tuple[int, dict]:
    try:
        response = requests.get(base + "/healthz", timeout=timeout)
        return response.status_code, response.json()
    except (requests.RequestException, ValueError):
        return 0, {}


def wait_until(predicate, limit: float, step: float = 0.25):
    """predicate()'s first true value within `limit` seconds, else None."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    return None


def wait_for_portal(run: Run) -> None:
    def ready():
        if run.proc.poll() is not None:
            raise SystemExit(f"./run exited with code {run.proc.returncode}:\n{run.log()[-3000:]}")
        code, body = health(run.base)
        return code == 200 and body.get("status") == "ok" and all(run.children().values()) and run.children()

    if not wait_until(ready, START_LIMIT, step=1.0):
        raise SystemExit(f"the portal did not say ok within {START_LIMIT:.0f} s:\n{run.log()[-3000:]}")


def wait_ok(base: str, limit: float = RECOVERY_LIMIT) -> bool:
    return bool(wait_until(lambda: health(base)[1].get("status") == "ok", limit, step=0.5))


def gunicorn_workers(master: int) -> set[int]:
    """Pids of the processes whose parent is `master` (its workers)."""
    found = set()
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == master:
            found.add(int(entry.name))
    return found


# --- the parent's session --------------------------------------------------------------------------


def csrf_token(page: requests.Response) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)


def sign_in(base: str) -> dict:
    session = requests.Session()
    page = session.get(base + "/accounts/login/", timeout=15)
    answer = session.post(
        base + "/accounts/login/",
        data={"username": "parent", "password": "demo12345", "csrfmiddlewaretoken": csrf_token(page)},
        headers={"Referer": base + "/accounts/login/"},
        allow_redirects=False,
        timeout=15,
    )
    if answer.status_code != 302 or "sessionid" not in session.cookies:
        raise SystemExit(f"signing in as parent failed: {answer.status_code}")
    return {"sessionid": session.cookies["sessionid"]}


# --- figures ---------------------------------------------------------------------------------------


@dataclass
class Window:
    scenario: str
    name: str
    start: float  # time.monotonic()
    end: float


@dataclass
class Report:
    windows: list[Window] = field(default_factory=list)
    recovery: list[tuple[str, str, str]] = field(default_factory=list)  # fault, measure, value
    details: dict[str, list[str]] = field(default_factory=dict)

    def note(self, scenario: str, line: str) -> None:
        self.details.setdefault(scenario, []).append(line)
        print(f"# {scenario}: {line}", flush=True)


def seconds(value: float | None, limit: float = RECOVERY_LIMIT) -> str:
    return f"{value:.1f}" if value is not None else f"not within {limit:.0f}"


def in_window(answers: list[Answer], window: Window) -> list[Answer]:
    return [a for a in answers if window.start <= a.at < window.end]


def status_row(window: Window, answers: list[Answer]) -> str:
    mine = in_window(answers, window)
    length = window.end - window.start
    counts = Counter(a.status for a in mine)
    other = sum(n for status, n in counts.items() if status not in (0, 200, 500, 503) and status < 500)
    other_5xx = sum(n for status, n in counts.items() if status >= 500 and status not in (500, 503))
    errors = Counter(a.error for a in mine if a.status == 0)
    no_answer = str(counts[0])
    if counts[0]:
        no_answer += " (" + ", ".join(f"{n} {why}" for why, n in sorted(errors.items())) + ")"
    served = sorted(a.seconds * 1000 for a in mine if a.status)
    p50 = statistics.median(served) if served else 0.0
    p95 = served[min(len(served) - 1, int(0.95 * len(served)))] if served else 0.0
    return (
        f"| {window.scenario} | {window.name} | {length:.0f} | {len(mine)} | {len(mine) / length:.0f} "
        f"| {counts[200]} | {other} | {counts[500]} | {counts[503]} | {other_5xx} | {no_answer} "
        f"| {p50:.0f} | {p95:.0f} |"
    )


def non_200(answers: list[Answer], window: Window) -> str:
    """`/healthz` 503 ×3, … for the answers other than 200 in the window."""
    counts = Counter((a.url, a.status) for a in in_window(answers, window) if a.status != 200)
    return "; ".join(f"`{url}` {status} ×{n}" for (url, status), n in sorted(counts.items())) or "none"


def supervisor_lines(text: str) -> str:
    lines = [line.split("[devstack] ", 1)[1] for line in text.splitlines() if "[devstack] " in line]
    return "; ".join(f"«{line}»" for line in lines) or "none"


# --- scenarios -------------------------------------------------------------------------------------


@dataclass
class Bench:
    run: Run
    redis: RedisServer
    proxy: PostgresProxy
    cookies: dict
    duration: float
    report: Report = field(default_factory=Report)

    def window(self, scenario: str, name: str, start: float, end: float) -> None:
        self.report.windows.append(Window(scenario, name, start, end))

    def before(self, scenario: str) -> None:
        if not wait_ok(self.run.base):
            self.report.note(scenario, f'/healthz did not say "ok" within {RECOVERY_LIMIT:.0f} s before it started')
        start = time.monotonic()
        time.sleep(5 * self.duration)
        self.window(scenario, "before", start, time.monotonic())

    def session(self) -> requests.Session:
        session = requests.Session()
        session.cookies.update(self.cookies)
        return session

    # Redis ---------------------------------------------------------------------------------------

    def redis_stopped(self) -> None:
        from notices.models import Notification

        enrollment = waiting_application()
        outage = 20 * self.duration
        self.before("redis")
        log_from = len(self.run.log())
        stopped = time.monotonic()
        self.redis.stop()
        time.sleep(min(2.0, outage / 4))
        code, body = health(self.run.base)
        ready = requests.get(self.run.base + "/healthz/ready", timeout=15).status_code
        self.report.note(
            "redis",
            f"during the outage /healthz answered {code} "
            f"«{body.get('status')}» (redis ok: {body.get('redis', {}).get('ok')}, broker ok: "
            f"{body.get('broker', {}).get('ok')}); /healthz/ready {ready}",
        )
        session = self.session()
        path = f"/cabinet/enrollments/{enrollment.pk}/cancel/"
        asked = time.monotonic()
        page = session.get(self.run.base + path, timeout=30)
        posted = time.monotonic()
        cancelled = session.post(
            self.run.base + path, data={"csrfmiddlewaretoken": csrf_token(page)}, allow_redirects=False, timeout=30
        )
        self.report.note(
            "redis",
            f"the parent cancelled an application through the page {asked - stopped:.1f} s into the outage: "
            f"confirmation page {page.status_code} in {posted - asked:.2f} s, the POST {cancelled.status_code} "
            f"in {time.monotonic() - posted:.2f} s",
        )
        time.sleep(max(0.0, stopped + outage - time.monotonic()))
        self.redis.start()
        back, back_wall = time.monotonic(), time.time()
        self.window("redis", f"Redis stopped ({outage:.0f} s)", stopped, back)

        notice = Notification.objects.filter(user__username="parent", title="Заявка отменена").order_by("-pk").first()
        healthy_after = emailed_after = None
        after_end = back + 20 * self.duration
        while time.monotonic() < back + RECOVERY_LIMIT:
            if healthy_after is None and health(self.run.base)[1].get("status") == "ok":
                healthy_after = time.monotonic() - back
            if emailed_after is None and notice is not None:
                notice.refresh_from_db()
                if notice.emailed_at is not None:
                    emailed_after = notice.emailed_at.timestamp() - back_wall
            if healthy_after is not None and (emailed_after is not None or notice is None):
                if time.monotonic() >= after_end:
                    break
            time.sleep(0.25)
        self.window("redis", f"after Redis returned ({after_end - back:.0f} s)", back, after_end)
        self.report.recovery.append(("Redis stopped", 'Redis back → /healthz "ok"', seconds(healthy_after)))
        if notice is None:
            self.report.note("redis", "no notice was written for the cancellation")
        self.report.recovery.append(
            ("Redis stopped", "Redis back → the notice's `emailed_at` set", seconds(emailed_after))
        )
        self.report.note("redis", f"./run's supervisor: {supervisor_lines(self.run.log()[log_from:])}")

    # PostgreSQL ----------------------------------------------------------------------------------

    def _cut(self, scenario: str, seconds_down: float, program_id: int) -> tuple[float | None, str]:
        """Restart the proxy; a favourite POST right after; the time until /healthz answers 200."""
        session = self.session()
        page = session.get(f"{self.run.base}/catalog/programs/{program_id}/", timeout=15)
        token = csrf_token(page)
        recovered: list[float] = []
        cut = time.monotonic()
        self.proxy.restart(seconds_down)

        def probe():
            while time.monotonic() < cut + RECOVERY_LIMIT and not recovered:
                try:
                    if requests.get(self.run.base + "/healthz", timeout=5).status_code == 200:
                        recovered.append(time.monotonic() - cut)
                        return
                except requests.RequestException:
                    pass
                time.sleep(0.05)

        prober = threading.Thread(target=probe, daemon=True)
        prober.start()
        try:
            write = session.post(
                f"{self.run.base}/catalog/programs/{program_id}/favourite/",
                data={"csrfmiddlewaretoken": token, "action": "add"},
                allow_redirects=False,
                timeout=15,
            )
            written = f"{write.status_code}"
            if write.headers.get("Retry-After"):
                written += f" (Retry-After: {write.headers['Retry-After']})"
            written += f" in {time.monotonic() - cut:.2f} s"
        except requests.RequestException as error:
            written = f"no answer ({type(error).__name__})"
        prober.join(RECOVERY_LIMIT)
        return (recovered[0] if recovered else None), written

    def postgres_restarted(self) -> None:
        from catalog.models import Program

        program_id = Program.objects.filter(listed=True).order_by("pk").values_list("pk", flat=True).first()
        interval = 5 * self.duration
        self.before("postgres")
        log_from = len(self.run.log())
        first = time.monotonic()
        short, writes = [], []
        for n in range(5):
            at = first + n * interval
            time.sleep(max(0.0, at - time.monotonic()))
            recovered, written = self._cut("postgres", 0.2, program_id)
            short.append(recovered)
            writes.append(written)
        time.sleep(max(0.0, first + 5 * interval + interval - time.monotonic()))
        self.window("postgres", f"5 restarts of 0.2 s, {interval:.0f} s apart", first, time.monotonic())
        self.report.note("postgres", "favourite POST right after each 0.2 s cut: " + "; ".join(writes))

        cut = time.monotonic()
        recovered, written = self._cut("postgres", 2.0, program_id)
        time.sleep(max(0.0, cut + 2 + 10 * self.duration - time.monotonic()))
        self.window("postgres", "1 restart of 2 s, and after", cut, time.monotonic())
        self.report.note("postgres", f"favourite POST right after the 2 s cut: {written}")
        done = [r for r in short if r is not None]
        value = f"{min(done):.1f}–{max(done):.1f}" if done else "—"
        if len(done) < len(short):
            value += f" ({len(short) - len(done)} not within {RECOVERY_LIMIT:.0f})"
        self.report.recovery.append(("PostgreSQL restarted, 0.2 s (×5)", "cut → /healthz 200", value))
        self.report.recovery.append(("PostgreSQL restarted, 2 s", "cut → /healthz 200", seconds(recovered)))
        self.report.note("postgres", f"./run's supervisor: {supervisor_lines(self.run.log()[log_from:])}")

    # Celery worker -------------------------------------------------------------------------------

    def worker_killed(self) -> None:
        from core.models import OutboxMessage

        self.before("worker")
        baseline = task_round_trip("bench-faults-before")
        self.report.note("worker", f"a task sent through the outbox before the kill ran after {seconds(baseline)} s")
        log_from = len(self.run.log())
        old = self.run.children()["worker"]
        os.kill(old, signal.SIGKILL)
        killed, killed_wall = time.monotonic(), time.time()
        # One task in the very instant of the kill, one once ./run has started the new worker.
        send_heartbeat("bench-faults-at-kill")
        window_end = killed + 30 * self.duration
        restarted = ran = None
        while time.monotonic() < killed + RECOVERY_LIMIT:
            pid = self.run.children().get("worker")
            if restarted is None and pid and pid != old:
                restarted = time.monotonic() - killed
                send_heartbeat("bench-faults-after-restart")
            if restarted is not None and ran is None:
                at = heartbeat_at("bench-faults-after-restart")
                if at is not None:
                    ran = at - killed_wall
            if ran is not None and time.monotonic() >= window_end:
                break
            time.sleep(0.1)
        self.window("worker", f"{window_end - killed:.0f} s after SIGKILL to the worker", killed, window_end)
        self.report.recovery.append(("Celery worker killed", "kill → new worker pid in run.json", seconds(restarted)))
        self.report.recovery.append(
            ("Celery worker killed", "kill → a task sent when the new pid appeared has run", seconds(ran))
        )
        at_kill = heartbeat_at("bench-faults-at-kill")
        dispatched = (
            OutboxMessage.objects.filter(args=["bench-faults-at-kill"]).values_list("dispatched_at", flat=True).first()
        )
        self.report.note(
            "worker",
            "a task sent in the instant of the kill: "
            + ("handed to the broker" if dispatched else "still in the outbox")
            + (f", ran {at_kill - killed_wall:.1f} s after the kill" if at_kill else ", never ran within the window"),
        )
        self.report.note("worker", f"./run's supervisor: {supervisor_lines(self.run.log()[log_from:])}")

    # gunicorn worker -----------------------------------------------------------------------------

    def web_worker_killed(self) -> None:
        self.before("web")
        log_from = len(self.run.log())
        master = self.run.children()["web"]
        workers = gunicorn_workers(master)
        victim = min(workers)
        os.kill(victim, signal.SIGKILL)
        killed = time.monotonic()
        window_end = killed + 30 * self.duration

        def replaced():
            now = gunicorn_workers(master)
            return len(now) >= len(workers) and victim not in now and (now - workers)

        new = wait_until(replaced, RECOVERY_LIMIT, step=0.05)
        forked = time.monotonic() - killed if new else None
        time.sleep(max(0.0, window_end - time.monotonic()))
        self.window("web", f"{window_end - killed:.0f} s after SIGKILL to 1 of {len(workers)} gunicorn workers",
                    killed, window_end)  # fmt: skip
        self.report.recovery.append(
            ("gunicorn worker killed", "kill → the master has forked a new one", seconds(forked))
        )
        self.report.note("web", f"./run's supervisor: {supervisor_lines(self.run.log()[log_from:])}")


# --- in-process helpers (Django, straight to the scratch database, not through the proxy) -----------


def waiting_application():
    """An application of the demo parent's elder child on a waiting list, for the parent to cancel."""
    from catalog.models import Group
    from certificates.models import Child
    from enrollments.models import Enrollment, EnrollmentStatus

    child = Child.objects.filter(parents__username="parent").order_by("birth_date").first()
    taken = Enrollment.objects.filter(child=child).values("group_id")
    group = (
        Group.objects.filter(program__listed=True, enrollment_open=True)
        .exclude(pk__in=taken)
        .select_related("program")
        .order_by("pk")
        .first()
    )
    return Enrollment.objects.create(
        child=child,
        group=group,
        applicant=child.parents.get(username="parent"),
        status=EnrollmentStatus.WAITING,
        lesson_price=group.program.lesson_price,
    )


def send_heartbeat(name: str) -> None:
    """The heartbeat task under `name`, sent through the outbox as the portal sends its tasks."""
    from django.db import transaction

    from core.outbox import outbox_enqueue

    with transaction.atomic():
        outbox_enqueue("core.beat_heartbeat", name)


def heartbeat_at(name: str) -> float | None:
    from core.models import Heartbeat

    at = Heartbeat.objects.filter(name=name).values_list("at", flat=True).first()
    return at.timestamp() if at else None


def task_round_trip(name: str) -> float | None:
    sent = time.time()
    send_heartbeat(name)
    at = wait_until(lambda: heartbeat_at(name), RECOVERY_LIMIT, step=0.1)
    return at - sent if at else None


# --- the report ------------------------------------------------------------------------------------


def render(report: Report, answers: list[Answer], header: list[str], wall_minutes: float) -> str:
    lines = [
        *header,
        "",
        "### Requests by status",
        "",
        "Answers of the load whose request started in the window. *Other* is a redirect or a 4xx; *no answer* "
        f"is a refused or dropped connection, or none within {REQUEST_TIMEOUT:.0f} s. Latency of the answered ones.",
        "",
        "| fault | window | s | requests | req/s | 200 | other | 500 | 503 | other 5xx | no answer | p50 ms | p95 ms |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|",
    ]
    lines += [status_row(window, answers) for window in report.windows]
    lines += [
        "",
        "### Recovery",
        "",
        "| fault | measure | seconds |",
        "|---|---|---:|",
        *[f"| {fault} | {measure} | {value} |" for fault, measure, value in report.recovery],
        "",
        "### Details",
        "",
    ]
    for scenario, notes in report.details.items():
        lines += [f"- {scenario}: {note}" for note in notes]
    for window in report.windows:
        if window.name != "before":
            lines.append(f"- {window.scenario}, {window.name}: answers other than 200: {non_200(answers, window)}")
    reasons = Counter(re.sub(r"0x[0-9a-f]+", "…", a.reason) for a in answers if a.status == 0)
    if reasons:
        lines.append(
            "- why requests had no answer, over the whole run: "
            + "; ".join(f"{n} × «{r}»" for r, n in reasons.most_common(4))
        )
    lines += ["", f"Wall clock of the run: {wall_minutes:.1f} min."]
    return "\n".join(lines)


def write_docs(block: str) -> None:
    write_generated_block(script="bench/faults.py", section="Faults", block=block)


# --- main ------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--duration", type=float, default=1.0, help="scale of every fault window (default 1: the issue's 20–40 s)"
    )
    parser.add_argument("--rate", type=float, default=120.0, help="requests a second in all, at most (default 120)")
    parser.add_argument("--only", help=f"comma-separated scenarios to run, of {','.join(SCENARIOS)}")
    parser.add_argument("--no-docs", action="store_true", help=f"do not write {DOCS.relative_to(ROOT)}")
    args = parser.parse_args()
    only = args.only.split(",") if args.only else list(SCENARIOS)
    if not set(only) <= set(SCENARIOS) or not 0 < args.duration <= 3 or not 1 <= args.rate <= 400:
        parser.error(f"--only takes {','.join(SCENARIOS)}; --duration 0–3; --rate 1–400")
    from devstack import services

    # The embedded servers when DATABASE_URL / REDIS_URL are unset: the scratch database goes on that PostgreSQL.
    embedded = services.ensure_environment()
    server_url = os.environ["DATABASE_URL"]

    started = time.time()
    machine_line = machine(with_load=True)
    print(f"# Faults benchmark, {date.today()}\n# machine: {machine_line}", flush=True)
    name = f"faults_bench_{uuid.uuid4().hex[:8]}"
    admin = _admin(server_url)
    with admin.cursor() as cur:
        cur.execute(f'CREATE DATABASE "{name}"')
    folder = Path(tempfile.mkdtemp(prefix="bench-faults-"))
    proxy = PostgresProxy(socket_path(server_url))
    redis_server = RedisServer(folder)
    run = loads = None
    try:
        redis_server.start()
        user = urlsplit(server_url).username or "postgres"
        portal_url = f"postgresql://{user}:@127.0.0.1:{proxy.port}/{name}"
        run = start_run(portal_url, redis_server.broker_url, folder)
        print(f"# ./run on {run.base}, database {name} via 127.0.0.1:{proxy.port}; log {run.log_path}", flush=True)
        wait_for_portal(run)
        setup_seconds = time.time() - started
        print(f"# portal up (migrated, demo loaded) after {setup_seconds:.0f} s", flush=True)

        # The bench's own Django: straight to the scratch database (not through the proxy), the run's Redis.
        os.environ.update(
            DJANGO_SETTINGS_MODULE="config.settings.dev",
            DATABASE_URL=with_database(server_url, name),
            REDIS_URL=redis_server.broker_url,
        )
        import django

        django.setup()

        cookies = sign_in(run.base)
        per_thread = args.rate / sum(THREADS.values())
        kinds = (("anonymous", ANONYMOUS, {}), ("signed_in", SIGNED_IN, cookies), ("health", HEALTH, {}))
        loads = [
            Load(run.base, urls, cookies=jar, threads=THREADS[kind], rate=per_thread, timeout=REQUEST_TIMEOUT)
            for kind, urls, jar in kinds
        ]
        for load in loads:
            load.start()
        bench = Bench(run, redis_server, proxy, cookies, args.duration)
        steps = {
            "redis": bench.redis_stopped,
            "postgres": bench.postgres_restarted,
            "worker": bench.worker_killed,
            "web": bench.web_worker_killed,
        }
        for scenario in only:
            print(f"# {scenario}...", flush=True)
            steps[scenario]()
        answers = sorted((a for load in loads for a in load.stop()), key=lambda a: a.at)
        loads = None
        first = bench.report.windows[0]
        baseline = len(in_window(answers, first)) / (first.end - first.start)
        header = [
            f"- **Date**: {date.today():%d %B %Y}",
            f"- **Machine**: {machine_line}",
            "- **Portal**: `python -m devstack run` (what `./run` runs) from this checkout: gunicorn (2 workers × 4 "
            "threads), a Celery worker (prefork, 2) and beat under devstack's supervisor, DEBUG off. A scratch "
            f"database on the shared PostgreSQL, migrated and loaded (demo region, small scale) by `./run` itself "
            f"({setup_seconds:.0f} s), reached through `devstack.faultlab.PostgresProxy` on 127.0.0.1; a Redis of "
            "the run's own (`devstack.faultlab.RedisServer`).",
            f"- **Load**: {sum(THREADS.values())} threads on loopback, at most {args.rate:.0f} requests a second "
            f"in all (closed loop: a slow answer delays its thread's next request; {baseline:.0f} req/s in the "
            f"first window): anonymous {', '.join(f'`{u}`' for u in ANONYMOUS)} ({THREADS['anonymous']} threads); "
            f"the demo parent signed in, {', '.join(f'`{u}`' for u in SIGNED_IN)} ({THREADS['signed_in']}); "
            f"`/healthz` ({THREADS['health']}).",
            f"- **Command**: `{COMMAND}"
            + (f" --duration {args.duration:g}" if args.duration != 1 else "")
            + (f" --rate {args.rate:g}" if args.rate != 120 else "")
            + (f" --only {args.only}" if args.only else "")
            + "`",
        ]
        block = render(bench.report, answers, header, (time.time() - started) / 60)
    finally:
        for load in loads or []:
            load.stop()
        code = stop_run(run) if run else None
        redis_server.stop()
        proxy.close()
        try:
            from django.db import connections

            connections.close_all()
        except Exception:  # Django was never set up
            pass
        with admin.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()
        services.stop(embedded)
        print(f"# ./run stopped (exit {code}); database {name} dropped", flush=True)
    print("\n" + block)
    if not args.no_docs:
        write_docs(block)
        print(f"# written to {DOCS.relative_to(ROOT)}", file=sys.stderr)


if __name__ == "__main__":
    main()
