"""Enrollment opening day: thousands of parents applying at once for the same popular groups, through the
API under gunicorn, against the ceiling of a bare write under the same server.

    .venv/bin/python bench/opening_day.py [--parents 2000] [--groups 20] [--seats 25] [--concurrency 64]
        [--workers 2] [--threads 4] [--ceiling-seconds 10] [--past-enrollments 20000] [--repeat 3]
        [--keep-db] [--no-docs]
    .venv/bin/python bench/opening_day.py --in-process [--parents 400] [--profile FILE]

1. A private Redis (devstack.faultlab.RedisServer: the page cache and the Celery broker, so that no
   shared worker takes this run's tasks) and a scratch database `bench_opening_<pid>` on the server of
   DATABASE_URL, migrated with `manage.py migrate`, dropped at the end (unless --keep-db).
2. Data, in bulk: one municipality with a funding period containing today, one approved provider
   (two staff members, who get a notice of every application), for each of the two runs --groups
   certified programs each with one open group of --seats seats meeting twice a week, and --parents
   parents, each with one child linked as Gosuslugi links them (a confirmed ParentLink) and a signed-in
   Django session (kept as a sign-in leaves it: in the database and, with cached_db, in the cache; the
   person's row cached as the page the sign-in lands on leaves it, accounts/session_user.py).
   Run «certificates held»: the children hold certificates already (numbers from the municipality's
   sequence, as certificate_issue takes them). Run «first application»: they hold none, so each
   application issues one. Last school year, as a portal in its second year holds it: an ended group
   per program and --past-enrollments applications of the same children in them, none holding a seat
   (opening day does not meet an empty enrollment table).
3. gunicorn `config.wsgi` (DJANGO_SETTINGS_MODULE=bench.settings: DEBUG off, the portal's middleware)
   on 127.0.0.1, --workers gthread workers × --threads threads.
4. Load, a closed loop of --concurrency clients (asyncio, keep-alive HTTP/1.1, on the same 2 cores):
   every parent applies once, `POST /api/v1/enrollments/ {"child", "group"}` with their session cookie,
   the CSRF cookie and header, and an Idempotency-Key; child i goes to group i mod --groups, in random
   order; a 409 `busy` is sent again, with the same key, after its Retry-After. The ceiling: the same
   clients `POST /_bench/insert/` (bench/urls.py: one row for the signed-in user, the same server,
   middleware, session and CSRF check) for --ceiling-seconds, before and after the two runs. Around
   each, the CPU time the serving processes spent (gunicorn, the database's backends, Redis; /proc).
5. Checks in SQL after each run (the query is printed in the report): no group holds more seats than
   its capacity, every application holds a seat or waits, no group has a free seat while someone
   waits, one enrollment per child, none lost (every child applied), every child holds one certificate.
6. --in-process: instead of 3-5 (and of the repetitions), one request after another through django.test.Client in this process
   (same settings and middleware, CSRF checks on), applications of both runs and the ceiling view
   alternately: milliseconds per request and SQL statements per request (--profile FILE: cProfile of the
   applications, sorted by cumulative time). Nothing is written to the docs.
7. --repeat times steps 2-5, each on a fresh copy of the migrated database (the same data) under a fresh
   server: this machine's speed moves by half within minutes, so the targets are judged on the medians
   over the repetitions, and the median repetition (by the first run's applications per second) is
   reported in full.
8. Markdown to stdout and, unless --no-docs, into the «Enrollment opening day» section of
   docs/benchmarks.md, between the generated-block markers.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.docs import DOCS, write_generated_block  # noqa: E402  (after the path is set)
from bench.machine import machine  # noqa: E402
from bench.serving import wait_until_up  # noqa: E402

SETTINGS = "bench.settings"
APPLY_PATH = "/api/v1/enrollments/"
CEILING_PATH = "/_bench/insert/"
CSRF_SECRET = "benchcsrfsecret0benchcsrfsecret0"  # 32 characters, as Django's CSRF cookie
TARGETS = {"apps_per_second": 250.0, "ceiling_share": 1 / 3, "p95_ms": 250.0}
RUNS = {"held": "certificates held", "issued": "first application (issues the certificate)"}

CHECK_SQL = """
SELECT g.id, g.capacity,
       count(e.id) FILTER (WHERE e.status IN ('SUBMITTED', 'OFFERED', 'ACTIVE')) AS held,
       count(e.id) FILTER (WHERE e.status = 'WAITING') AS waiting,
       count(e.id) FILTER (WHERE e.status NOT IN ('SUBMITTED', 'WAITING')) AS other
FROM catalog_group g LEFT JOIN enrollments_enrollment e ON e.group_id = g.id
WHERE g.id = ANY(%s)
GROUP BY g.id, g.capacity ORDER BY g.id
""".strip()

TOTALS_SQL = """
SELECT count(*) AS children,
       count(*) FILTER (WHERE n = 1) AS with_one_enrollment,
       count(*) FILTER (WHERE n = 0) AS lost,
       count(*) FILTER (WHERE n > 1) AS duplicated,
       count(*) FILTER (WHERE certificates = 1) AS with_certificate
FROM (
  SELECT c.id,
         (SELECT count(*) FROM enrollments_enrollment e WHERE e.child_id = c.id AND e.group_id = ANY(%(groups)s)) AS n,
         (SELECT count(*) FROM certificates_certificate s WHERE s.child_id = c.id) AS certificates
  FROM certificates_child c WHERE c.id = ANY(%(children)s)
) per_child
""".strip()


# --- the database ----------------------------------------------------------------------------------


def with_database(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


def admin_execute(server_url: str, sql: str) -> None:
    import psycopg2

    conn = psycopg2.connect(with_database(server_url, "postgres"))
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(sql)
    conn.close()


def manage(db_name: str, *args: str) -> float:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": SETTINGS, "BENCH_DATABASE_NAME": db_name}
    started = time.perf_counter()
    subprocess.run([sys.executable, str(ROOT / "manage.py"), *args], env=env, cwd=ROOT, check=True)
    return time.perf_counter() - started


@dataclass
class Application:
    child_id: int
    group_id: int
    headers: bytes  # the request's own header lines (cookie, key)
    body: bytes


@dataclass
class RunData:
    name: str
    group_ids: list[int]
    child_ids: list[int]
    applications: list[Application]


def _session_headers(session_key: str) -> str:
    return f"Cookie: sessionid={session_key}; csrftoken={CSRF_SECRET}\r\nX-CSRFToken: {CSRF_SECRET}\r\n"


def populate(
    *, parents: int, groups: int, seats: int, seed: int, past: int, index_feed: bool = True
) -> tuple[dict[str, RunData], list[str]]:
    """Everything both runs need, in bulk; returns the runs and the session keys for the ceiling."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.hashers import make_password
    from django.contrib.sessions.backends import cached_db
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.core.cache import caches
    from django.db import connection, transaction
    from django.utils import timezone
    from django.utils.crypto import get_random_string

    from accounts.models import Role, User
    from accounts.session_user import remember_session_user
    from catalog.models import Direction, Group, Municipality, Program, Provider, ScheduleSlot
    from certificates.models import BillingPolicy, Certificate, Child, FundingPeriod, ParentLink
    from certificates.services import certificate_number, certificate_valid_until
    from core.validators import inn_with_checksum, snils_with_checksum
    from search.models import CatalogIndexFeed

    rng = random.Random(seed)
    today = timezone.localdate()
    school_year = today.year if today.month >= 9 else today.year - 1
    now = timezone.now()
    password = make_password("bench-not-a-password")  # one hash for all: no login happens
    backend = "django.contrib.auth.backends.ModelBackend"
    with transaction.atomic():
        # As in a deployment with the catalog's search index: the triggers feed it through the outbox
        # (search/migrations/sql/0002_catalog_index_feed.sql), a group filling up writes a message.
        if index_feed:
            CatalogIndexFeed.objects.create(pk=1, switched_on_at=timezone.now())
        municipality = Municipality.objects.create(name="Бенчмарк-район", code="98", region_code="71")
        FundingPeriod.objects.create(
            municipality=municipality,
            name=f"{school_year}/{school_year + 1} учебный год",
            start_date=date(school_year, 9, 1),
            end_date=date(school_year + 1, 8, 31),
            nominal="10000.00",
            max_funded_certificates=100_000,
            total_budget="1000000000.00",
            billing_policy=BillingPolicy.PER_LESSON,
        )
        provider = Provider.objects.create(
            legal_name="МБУ ДО «Дом творчества (бенчмарк)»",
            short_name="Дом творчества (бенчмарк)",
            inn=inn_with_checksum("719999999"),
            licence_number="Л035-01271-71/99999999",
            municipality=municipality,
            address="г. Плавск, ул. Октябрьская, д. 1",
            status=Provider.Status.APPROVED,
        )
        User.objects.bulk_create(
            User(username=f"bench-staff-{i}", role=Role.PROVIDER, provider=provider, password=password)
            for i in range(2)
        )
        directions = list(Direction.objects.order_by("position"))
        runs: dict[str, RunData] = {}
        ceiling_sessions: list[str] = []
        for run_number, run in enumerate(RUNS, 1):
            programs = Program.objects.bulk_create(
                Program(
                    provider=provider,
                    title=f"Популярная программа {run_number}-{i + 1}",
                    description="Самая востребованная программа в день открытия записи.",
                    direction=directions[i % len(directions)],
                    activity_type="Робототехника",
                    age_min=5,
                    age_max=18,
                    lesson_price="250.00",
                    normative_lesson_price="300.00",
                    lessons_per_month=8,
                    funding=Program.Funding.CERTIFICATE,
                    status=Program.Status.CERTIFIED,
                )
                for i in range(groups)
            )
            group_rows = Group.objects.bulk_create(
                Group(
                    program=program,
                    name="Группа 1",
                    teacher="Иванова Мария Петровна",
                    capacity=seats,
                    start_date=date(school_year, 9, 1),
                    end_date=date(school_year + 1, 5, 31),
                    enrollment_open=True,
                )
                for program in programs
            )
            ScheduleSlot.objects.bulk_create(
                ScheduleSlot(group=group, weekday=weekday, start_time="16:00", end_time="17:30", room="каб. 1")
                for group in group_rows
                for weekday in (0, 3)
            )
            users = User.objects.bulk_create(
                User(
                    username=f"bench-parent-{run_number}-{i}",
                    role=Role.PARENT,
                    email=f"bench-parent-{run_number}-{i}@example.ru",
                    esia_oid=f"bench-{run_number}-{i}",
                    first_name="Анна",
                    last_name="Родителева",
                    password=password,
                )
                for i in range(parents)
            )
            children = Child.objects.bulk_create(
                Child(
                    last_name="Бенчмарков",
                    first_name=f"Ребёнок {i}",
                    birth_date=date(2012 + i % 6, 1 + i % 12, 1 + i % 28),
                    sex=Child.Sex.MALE if i % 2 else Child.Sex.FEMALE,
                    snils=snils_with_checksum(f"{500_000_000 + run_number * 1_000_000 + i:09d}"),
                    municipality=municipality,
                )
                for i in range(parents)
            )
            ParentLink.objects.bulk_create(
                ParentLink(user=user, child=child, confirmation=ParentLink.Confirmation.ESIA, confirmed_at=now)
                for user, child in zip(users, children, strict=True)
            )
            if run == "held":
                with connection.cursor() as cursor:
                    cursor.execute(
                        "SELECT certificates_next_number(%s) FROM generate_series(1, %s)", [municipality.pk, parents]
                    )
                    sequences = [row[0] for row in cursor.fetchall()]
                Certificate.objects.bulk_create(
                    Certificate(
                        child=child,
                        number=certificate_number(
                            region_code=municipality.region_code, municipality_code=municipality.code, sequence=number
                        ),
                        municipality=municipality,
                        valid_until=certificate_valid_until(child.birth_date),
                    )
                    for child, number in zip(children, sequences, strict=True)
                )
            store = SessionStore()
            keys = [get_random_string(32, "abcdefghijklmnopqrstuvwxyz0123456789") for _ in users]
            session_data = {
                key: {
                    SESSION_KEY: str(user.pk),
                    BACKEND_SESSION_KEY: backend,
                    HASH_SESSION_KEY: user.get_session_auth_hash(),
                }
                for key, user in zip(keys, users, strict=True)
            }
            Session.objects.bulk_create(
                Session(session_key=key, session_data=store.encode(data), expire_date=now + timedelta(days=1))
                for key, data in session_data.items()
            )
            if issubclass(import_module(settings.SESSION_ENGINE).SessionStore, cached_db.SessionStore):
                # As a sign-in leaves a session with cached_db: in the database and in the cache.
                caches[settings.SESSION_CACHE_ALIAS].set_many(
                    {cached_db.KEY_PREFIX + key: data for key, data in session_data.items()}, timeout=86400
                )
            # The page a sign-in lands on caches the person's row (accounts/session_user.py); a parent applies
            # after that page and the program's.
            for user in User.objects.filter(pk__in=[user.pk for user in users]):
                remember_session_user(user)
            applications = []
            for i, (key, child) in enumerate(zip(keys, children, strict=True)):
                group_id = group_rows[i % groups].pk
                body = json.dumps({"child": child.pk, "group": group_id}).encode()
                headers = _session_headers(key) + f"Idempotency-Key: opening-{run}-{i}\r\n"
                applications.append(Application(child.pk, group_id, headers.encode(), body))
            rng.shuffle(applications)
            runs[run] = RunData(run, [g.pk for g in group_rows], [c.pk for c in children], applications)
            if run == "held":
                ceiling_sessions = keys
        past_year(runs, past, school_year)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return runs, ceiling_sessions


def past_year(runs: dict[str, RunData], past: int, school_year: int) -> None:
    """Last school year's applications, as a portal in its second year holds them: one ended group per
    program and `past` enrollments of the runs' children in them, none holding a seat (cancelled,
    expired, rejected). Opening day does not meet an empty enrollment table: without them the plans
    PL/pgSQL caches for it (the apply's seat count, the foreign-key check of its event row) scan it
    whole while it grows. Measured side by side, that made no difference beyond this machine's noise
    (docs/benchmarks.md, «Enrollment opening day»); the data is here for what it represents."""
    from django.db import connection

    from catalog.models import Group

    if past <= 0:
        return
    current = [group_id for run in runs.values() for group_id in run.group_ids]
    children = [child_id for run in runs.values() for child_id in run.child_ids]
    ended = Group.objects.bulk_create(
        Group(
            program_id=program_id,
            name="Группа прошлого года",
            teacher="Иванова Мария Петровна",
            capacity=25,
            start_date=date(school_year - 1, 9, 1),
            end_date=date(school_year, 5, 31),
            enrollment_open=False,
        )
        for program_id in Group.objects.filter(pk__in=current).values_list("program_id", flat=True)
    )
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO enrollments_enrollment (
                child_id, group_id, applicant_id, certificate_id, status, created_at, status_changed_at,
                expires_at, reject_reason, funding, billing_policy, lesson_price, normative_lesson_price,
                certificate_per_lesson, lessons_per_month, planned_lessons, copayment_shown, reserve_remaining)
            SELECT c.child_id, g.group_id, l.user_id, NULL,
                   (ARRAY['CANCELLED', 'EXPIRED', 'REJECTED'])[1 + i %% 3], t, t, NULL,
                   CASE WHEN i %% 3 = 2 THEN 'Группа укомплектована.' ELSE '' END, '', '',
                   250, 300, 0, 8, 0, 0, 0
              FROM generate_series(0, %(past)s - 1) AS i
              JOIN LATERAL (SELECT (%(children)s::bigint[])[1 + i %% cardinality(%(children)s::bigint[])] AS child_id) c ON true
              JOIN LATERAL (SELECT (%(groups)s::bigint[])[1 + (i / 7) %% cardinality(%(groups)s::bigint[])] AS group_id) g
                ON true
              JOIN certificates_parentlink l ON l.child_id = c.child_id
             CROSS JOIN LATERAL (SELECT make_timestamptz(%(year)s - 1, 9, 1, 12, 0, 0) + i * interval '1 minute' AS t) ts
            """,
            {"past": past, "children": children, "groups": [group.pk for group in ended], "year": school_year},
        )


# --- an HTTP/1.1 keep-alive client -----------------------------------------------------------------


class Connection:
    """One keep-alive connection. A request whose connection the server closed before answering (an
    idle keep-alive timing out) is sent again on a new one: safe, every write carries a key or is a
    bare insert."""

    def __init__(self, host: str, port: int):
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.reconnects = 0

    async def _open(self) -> None:
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None

    async def post(self, path: str, headers: bytes, body: bytes) -> tuple[int, dict[str, str], bytes]:
        head = (
            f"POST {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\nContent-Type: application/json\r\n"
            f"Accept: application/json\r\nContent-Length: {len(body)}\r\n"
        ).encode()
        for attempt in range(3):
            if self.writer is None:
                await self._open()
            try:
                self.writer.write(head + headers + b"\r\n" + body)
                await self.writer.drain()
                return await self._response()
            except (ConnectionError, asyncio.IncompleteReadError):
                self.close()
                if attempt == 2:
                    raise
                self.reconnects += 1
        raise AssertionError("unreachable")

    async def _response(self) -> tuple[int, dict[str, str], bytes]:
        status_line = await self.reader.readline()
        if not status_line:
            raise ConnectionResetError("closed before the answer")
        status = int(status_line.split()[1])
        headers: dict[str, str] = {}
        while (line := await self.reader.readline()) not in (b"\r\n", b"\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        if "content-length" in headers:
            body = await self.reader.readexactly(int(headers["content-length"]))
        elif headers.get("transfer-encoding", "").lower() == "chunked":
            body = b""
            while (size := int((await self.reader.readline()).split(b";")[0], 16)) > 0:
                body += await self.reader.readexactly(size)
                await self.reader.readline()
            await self.reader.readline()
        else:
            body = await self.reader.read()
        if headers.get("connection", "").lower() == "close":
            self.close()
        return status, headers, body


@dataclass
class Outcome:
    latencies_ms: list[float] = field(default_factory=list)  # every request
    application_ms: list[float] = field(default_factory=list)  # first send to final answer, retries included
    final: Counter = field(default_factory=Counter)  # final status → count
    placed: Counter = field(default_factory=Counter)  # SUBMITTED / WAITING as answered
    codes: Counter = field(default_factory=Counter)  # error codes of final non-2xx answers
    busy_retries: int = 0
    reconnects: int = 0
    wall_s: float = 0.0
    requests: int = 0
    cpu: dict = field(default_factory=dict)  # CPU seconds of the server, its database backends, Redis (CpuMeter)
    client_cpu_s: float = 0.0  # this process's own CPU seconds: the load generator's, not counted in cpu

    @property
    def cpu_s(self) -> float:
        return sum(self.cpu.values())

    @property
    def created_per_s(self) -> float:
        """Rows the ceiling's bare insert made per second."""
        return self.final[201] / self.wall_s

    def cpu_ms(self, requests: int) -> float:
        return self.cpu_s / requests * 1000

    def cpu_line(self, requests: int) -> str:
        """Milliseconds per request: all, then server / database / Redis."""
        parts = " / ".join(
            f"{self.cpu.get(part, 0.0) / requests * 1000:.2f}" for part in ("server", "database", "redis")
        )
        return f"{self.cpu_ms(requests):.2f} ({parts})"

    def client_cpu_ms(self, requests: int) -> float:
        return self.client_cpu_s / requests * 1000


async def _applications(host: str, port: int, applications: list[Application], concurrency: int) -> Outcome:
    outcome = Outcome()
    queue = list(reversed(applications))

    async def client() -> None:
        connection = Connection(host, port)
        try:
            while queue:
                application = queue.pop()
                first = time.perf_counter()
                while True:
                    sent = time.perf_counter()
                    status, headers, body = await connection.post(APPLY_PATH, application.headers, application.body)
                    outcome.latencies_ms.append((time.perf_counter() - sent) * 1000)
                    if status == 409 and b'"busy"' in body:
                        outcome.busy_retries += 1
                        await asyncio.sleep(float(headers.get("retry-after", "1")))
                        continue
                    break
                outcome.application_ms.append((time.perf_counter() - first) * 1000)
                outcome.final[status] += 1
                answer = json.loads(body) if body.startswith(b"{") else {}
                if status == 201:
                    outcome.placed[answer.get("status", "?")] += 1
                else:
                    outcome.codes[answer.get("error", {}).get("code", str(status))] += 1
        finally:
            outcome.reconnects += connection.reconnects
            connection.close()

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(concurrency)))
    outcome.wall_s = time.perf_counter() - started
    outcome.requests = len(outcome.latencies_ms)
    return outcome


async def _ceiling(host: str, port: int, sessions: list[str], concurrency: int, seconds: float) -> Outcome:
    outcome = Outcome()
    deadline = time.perf_counter() + seconds
    headers = [_session_headers(key).encode() for key in sessions]

    async def client(number: int) -> None:
        connection = Connection(host, port)
        i = number
        try:
            while time.perf_counter() < deadline:
                sent = time.perf_counter()
                status, _headers, _body = await connection.post(CEILING_PATH, headers[i % len(headers)], b"{}")
                outcome.latencies_ms.append((time.perf_counter() - sent) * 1000)
                outcome.final[status] += 1
                i += concurrency
        finally:
            outcome.reconnects += connection.reconnects
            connection.close()

    started = time.perf_counter()
    await asyncio.gather(*(client(n) for n in range(concurrency)))
    outcome.wall_s = time.perf_counter() - started
    outcome.requests = len(outcome.latencies_ms)
    return outcome


# --- CPU -------------------------------------------------------------------------------------------

_TICK = os.sysconf("SC_CLK_TCK")


def _process_cpu(pid: int) -> float | None:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) / _TICK  # utime + stime, every thread of the process


def _children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def server_processes(gunicorn_pid: int, db_name: str, redis_pid: int) -> dict[str, list[int]]:
    """The processes that serve the run, by part: gunicorn and its workers, PostgreSQL's backends of the
    scratch database (their titles name it), the private Redis."""
    backends = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                title = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if title.startswith(b"postgres:") and f" {db_name} ".encode() in title:
                backends.append(int(entry.name))
    return {"server": [gunicorn_pid, *_children(gunicorn_pid)], "database": backends, "redis": [redis_pid]}


class CpuMeter:
    """CPU seconds the serving processes spent between start() and stop(), by part: unlike requests per
    second, hardly moved by other work on a shared machine (what it takes from the cores, not what it gets)."""

    def __init__(self, processes):
        self.processes = processes
        self.before: dict[int, float] = {}

    def start(self) -> None:
        pids = [pid for group in self.processes().values() for pid in group]
        self.before = {pid: cpu for pid in pids if (cpu := _process_cpu(pid)) is not None}

    def stop(self) -> dict[str, float]:
        spent = {}
        for part, pids in self.processes().items():
            spent[part] = sum(cpu - self.before.get(pid, 0.0) for pid in pids if (cpu := _process_cpu(pid)) is not None)
        return spent


# --- gunicorn --------------------------------------------------------------------------------------


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(
    db_name: str, port: int, workers: int, threads: int, log: Path, worker_class: str = "gthread"
) -> subprocess.Popen:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": SETTINGS, "BENCH_DATABASE_NAME": db_name}
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "config.wsgi:application",
        f"--bind=127.0.0.1:{port}",
        f"--workers={workers}",
        f"--worker-class={worker_class}",
        f"--threads={threads}",
        "--backlog=2048",
        "--log-level=warning",
        f"--error-logfile={log}",
    ]
    return subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def stop_gunicorn(server: subprocess.Popen) -> None:
    if server.poll() is None:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)


# --- checks ----------------------------------------------------------------------------------------


@dataclass
class Checks:
    groups: list[tuple[int, int, int, int, int]]  # id, capacity, held, waiting, other
    totals: dict[str, int]

    @property
    def over_capacity(self) -> int:
        return sum(1 for _id, capacity, held, _w, _o in self.groups if held > capacity)

    @property
    def free_while_waiting(self) -> int:
        return sum(1 for _id, capacity, held, waiting, _o in self.groups if waiting and held < capacity)

    @property
    def neither(self) -> int:
        return sum(other for *_rest, other in self.groups)

    def ok(self, applications: int) -> bool:
        t = self.totals
        return (
            self.over_capacity == self.free_while_waiting == self.neither == 0
            and t["lost"] == t["duplicated"] == 0
            and t["with_one_enrollment"] == t["with_certificate"] == applications
        )


def check(run: RunData) -> Checks:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(CHECK_SQL, [run.group_ids])
        groups = [tuple(row) for row in cursor.fetchall()]
        cursor.execute(TOTALS_SQL, {"children": run.child_ids, "groups": run.group_ids})
        names = [column.name for column in cursor.description]
        totals = dict(zip(names, cursor.fetchone(), strict=True))
    return Checks(groups, totals)


# --- report ----------------------------------------------------------------------------------------


def pct(samples: list[float], q: int) -> float:
    if len(samples) < 2:
        return samples[0] if samples else float("nan")
    return statistics.quantiles(samples, n=100, method="inclusive")[q - 1]


def verdict(ok: bool) -> str:
    return "**met**" if ok else "**missed**"


def report(args, machine_line: str, setup: str, repetitions: list[Repetition]) -> str:
    """The median repetition (by the first run's applications per second) in full, every repetition in
    one table, and the targets judged on the medians over the repetitions."""
    first = next(iter(repetitions[0].results))
    ordered = sorted(repetitions, key=lambda r: r.rate(first))
    median = ordered[(len(ordered) - 1) // 2]
    runs, results, checks, ceilings = median.runs, median.results, median.checks, median.ceilings
    ceiling = median.ceiling
    command = " ".join([".venv/bin/python", "bench/opening_day.py", *sys.argv[1:]])
    lines = [
        f"- **Date**: {date.today():%d %B %Y}",
        f"- **Machine**: {machine_line}",
        f"- **Set-up**: {setup}",
        f"- **Server**: gunicorn `config.wsgi`, {args.workers} gthread workers × {args.threads} threads, "
        "DJANGO_SETTINGS_MODULE=bench.settings (DEBUG off, the portal's middleware, sessions in Redis backed by the database), "
        "127.0.0.1; PostgreSQL of DATABASE_URL (Unix socket), a private Redis (cache, Celery broker).",
        f"- **Load**: {args.parents} parents per run, {args.concurrency} clients in a closed loop (asyncio, "
        f"keep-alive), each parent once to one of {args.groups} groups of {args.seats} seats "
        f"({args.parents // args.groups} applicants per group), session cookie + CSRF + Idempotency-Key; "
        "a 409 `busy` is sent again after Retry-After with the same key.",
        f"- **Data**: last school year's {args.past_enrollments} applications of the same children in ended "
        "groups (none holding a seat), analysed before the runs.",
        f"- **Command**: `{command}`",
        f"- **Repetitions**: {len(repetitions)}, each on a fresh copy of the database; the table below is the "
        f"median one by {RUNS[first]} applications per second, the targets are judged on the medians.",
        "",
        "| run | applications | wall s | applications/s | share of ceiling | CPU ms each (server / database / Redis) | p50 ms | p95 ms "
        "| p99 ms | max ms | busy retries | answers | 5xx | seats held / waiting |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---|",
    ]
    for name, outcome in results.items():
        rate = median.rate(name)
        answers = ", ".join(f"{status}: {n}" for status, n in sorted(outcome.final.items()))
        if outcome.codes:
            answers += " (" + ", ".join(f"{c} {n}" for c, n in outcome.codes.items()) + ")"
        five = sum(n for status, n in outcome.final.items() if status >= 500)
        lat = outcome.latencies_ms
        lines.append(
            f"| {RUNS[name]} | {len(runs[name].applications)} | {outcome.wall_s:.1f} | **{rate:.0f}** "
            f"| {rate / ceiling:.2f} | {outcome.cpu_line(len(runs[name].applications))} "
            f"| {pct(lat, 50):.0f} | **{pct(lat, 95):.0f}** | {pct(lat, 99):.0f} "
            f"| {max(lat):.0f} | {outcome.busy_retries} | {answers} | {five} "
            f"| {outcome.placed['SUBMITTED']} / {outcome.placed['WAITING']} |"
        )
    for number, c in enumerate(ceilings, 1):
        lat = c.latencies_ms
        when = "before the runs" if number == 1 else "after the runs"
        lines.append(
            f"| ceiling `POST {CEILING_PATH}` ({when}) | {c.final[201]} in {args.ceiling_seconds:.0f} s | "
            f"{c.wall_s:.1f} | {c.created_per_s:.0f} | 1 | {c.cpu_line(c.requests)} "
            f"| {pct(lat, 50):.0f} | {pct(lat, 95):.0f} "
            f"| {pct(lat, 99):.0f} | {max(lat):.0f} | — | "
            + ", ".join(f"{s}: {n}" for s, n in sorted(c.final.items()))
            + f" | {sum(n for s, n in c.final.items() if s >= 500)} | — |"
        )
    lines += [
        "",
        "CPU ms each: CPU time of gunicorn and its workers, the scratch database's PostgreSQL backends and "
        "the private Redis during the run, per request, in all (server / database / Redis) (from /proc; the "
        "client's own CPU left out: "
        + "; ".join(
            [f"{RUNS[name]} {outcome.client_cpu_ms(outcome.requests):.2f} ms" for name, outcome in results.items()]
            + [f"ceiling {c.client_cpu_ms(c.requests):.2f} ms" for c in ceilings[:1]]
        )
        + " a request, on the same two cores). On a "
        "shared machine it moves far less than requests per second do: what a request takes from the "
        "cores, not what it gets.",
        "",
        "Latencies are per request as the client saw them (queueing in gunicorn included); an application's "
        "time from its first send to its final answer, retries included: "
        + "; ".join(
            f"{RUNS[name]} p50 {pct(o.application_ms, 50):.0f} ms, p95 {pct(o.application_ms, 95):.0f} ms"
            for name, o in results.items()
        )
        + ". Client reconnects (server closed an idle keep-alive): "
        + ", ".join(f"{RUNS[name]} {o.reconnects}" for name, o in results.items())
        + ".",
        "",
        "Checks after each run, in SQL (per group: seats held, waiting, anything else):",
        "",
        f"```sql\n{CHECK_SQL}\n```",
        "",
        "| run | groups over capacity | free seat while someone waits | neither seat nor waiting "
        "| children | one enrollment | lost | duplicated | holding a certificate | seats held / waiting |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for name, c in checks.items():
        t = c.totals
        held = sum(g[2] for g in c.groups)
        waiting = sum(g[3] for g in c.groups)
        lines.append(
            f"| {RUNS[name]} | {c.over_capacity} | {c.free_while_waiting} | {c.neither} | {t['children']} "
            f"| {t['with_one_enrollment']} | {t['lost']} | {t['duplicated']} | {t['with_certificate']} "
            f"| {held} / {waiting} |"
        )
    lines += [
        "",
        "Every repetition (applications/s, p95 ms, CPU ms each; the ceiling's requests/s before and after):",
        "",
        "| repetition | " + " | ".join(RUNS[n] for n in results) + " | ceiling |",
        "|---|" + "---|" * len(results) + "---|",
    ]
    for number, r in enumerate(repetitions, 1):
        cells = [
            f"{r.rate(n):.0f}/s, p95 {pct(o.latencies_ms, 95):.0f}, CPU {o.cpu_ms(len(r.runs[n].applications)):.2f}"
            for n, o in r.results.items()
        ]
        ceilings_seen = ", ".join(f"{c.created_per_s:.0f}" for c in r.ceilings)
        lines.append(f"| {number}{' (median)' if r is median else ''} | " + " | ".join(cells) + f" | {ceilings_seen} |")

    def med(values) -> float:
        return statistics.median(list(values))

    rates = {n: med(r.rate(n) for r in repetitions) for n in results}
    shares = {n: med(r.rate(n) / r.ceiling for r in repetitions) for n in results}
    p95s = {n: med(pct(r.results[n].latencies_ms, 95) for r in repetitions) for n in results}
    fives = {n: sum(v for r in repetitions for s, v in r.results[n].final.items() if s >= 500) for n in results}
    intact = {n: all(r.checks[n].ok(len(r.runs[n].applications)) for r in repetitions) for n in results}
    ceiling_median = med(r.ceiling for r in repetitions)
    lines += ["", "### Targets", "", "| target | goal | " + " | ".join(RUNS[n] for n in results) + " |"]
    lines.append("|---|---:|" + "---:|" * len(results))
    rows = [
        ("applications per second (median)", "≥ 250", lambda n: f"{rates[n]:.0f} {verdict(rates[n] >= 250)}"),
        (
            "share of the ceiling (median)",
            f"≥ 0.33 (ceiling {ceiling_median:.0f}/s)",
            lambda n: f"{shares[n]:.2f} {verdict(shares[n] >= TARGETS['ceiling_share'])}",
        ),
        ("p95 per request (median)", "< 250 ms", lambda n: f"{p95s[n]:.0f} ms {verdict(p95s[n] < TARGETS['p95_ms'])}"),
        ("5xx (all repetitions)", "0", lambda n: f"{fives[n]} {verdict(fives[n] == 0)}"),
        ("lost or duplicated applications, seats over capacity (all repetitions)", "0", lambda n: verdict(intact[n])),
    ]
    for label, goal, cell in rows:
        lines.append(f"| {label} | {goal} | " + " | ".join(cell(n) for n in results) + " |")
    return "\n".join(lines)


def write_docs(block: str) -> None:
    write_generated_block(script="bench/opening_day.py", section="Enrollment opening day", block=block)


# --- in process ------------------------------------------------------------------------------------


def in_process(runs: dict[str, RunData], ceiling_sessions: list[str], profile: str | None) -> None:
    """Requests one after another in this process: where an application's time goes without a server,
    a client or other requests on the same cores."""
    import cProfile
    import pstats

    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(enforce_csrf_checks=True)  # one handler: middleware loaded once, as in a server

    def request(path: str, headers: bytes, body: bytes):
        cookies, extra = {}, {}
        for line in headers.decode().strip().split("\r\n"):
            name, _, value = line.partition(": ")
            if name == "Cookie":
                cookies = dict(cookie.partition("=")[::2] for cookie in value.split("; "))
            else:
                extra[name] = value

        def send():
            client.cookies.clear()
            for cookie_name, cookie_value in cookies.items():
                client.cookies[cookie_name] = cookie_value
            return client.post(path, body, content_type="application/json", headers=extra)

        return send

    ceiling_headers = [_session_headers(key).encode() for key in ceiling_sessions]
    for name, run in runs.items():
        apps = [request(APPLY_PATH, a.headers, a.body) for a in run.applications]
        bare = [request(CEILING_PATH, h, b"{}") for h in ceiling_headers[: len(apps)]]
        for warm in (apps[:5], bare[:5]):
            for send in warm:
                assert send().status_code == 201
        apps, bare = apps[5:], bare[5:]
        with CaptureQueriesContext(connection) as queries:
            apps[0]()
        app_sql = [q["sql"] for q in queries.captured_queries]
        with CaptureQueriesContext(connection) as queries:
            bare[0]()
        bare_sql = [q["sql"] for q in queries.captured_queries]
        apps, bare = apps[1:], bare[1:]
        app_s = bare_s = 0.0
        profiler = cProfile.Profile() if profile else None
        for send_app, send_bare in zip(apps, bare, strict=False):
            started = time.perf_counter()
            if profiler:
                profiler.enable()
            response = send_app()
            if profiler:
                profiler.disable()
            app_s += time.perf_counter() - started
            assert response.status_code == 201, response.content
            started = time.perf_counter()
            assert send_bare().status_code == 201
            bare_s += time.perf_counter() - started
        n = min(len(apps), len(bare))
        print(
            f"# in process, {RUNS[name]}: application {app_s / n * 1000:.2f} ms, {len(app_sql)} statements; "
            f"ceiling view {bare_s / n * 1000:.2f} ms, {len(bare_sql)} statements ({n} of each)",
            flush=True,
        )
        for sql in app_sql:
            print(f"#   {' '.join(sql.split())[:160]}")
        if profiler:
            path = f"{profile}.{name}"
            profiler.dump_stats(path)
            pstats.Stats(path).sort_stats("cumulative").print_stats(45)


@dataclass
class Repetition:
    runs: dict[str, RunData]
    results: dict[str, Outcome]
    checks: dict[str, Checks]
    ceilings: list[Outcome]

    @property
    def ceiling(self) -> float:
        return statistics.mean(c.created_per_s for c in self.ceilings)

    def rate(self, name: str) -> float:
        return len(self.runs[name].applications) / self.results[name].wall_s


def measure(
    args, server, port: int, db_name: str, redis, runs: dict[str, RunData], ceiling_sessions: list[str]
) -> Repetition:
    """The ceiling, the runs and the ceiling again under one server; the checks after each run."""
    from django.db import connection

    host = "127.0.0.1"
    wait_until_up(f"http://{host}:{port}/_bench/bare/", server)
    # Warm every worker (imports, connections) on the ceiling view; not measured.
    asyncio.run(_ceiling(host, port, ceiling_sessions, args.concurrency, 3))
    meter = CpuMeter(lambda: server_processes(server.pid, db_name, redis.process.pid))

    def measured(load):
        meter.start()
        client_before = time.process_time()
        outcome = asyncio.run(load)
        outcome.cpu = meter.stop()
        outcome.client_cpu_s = time.process_time() - client_before
        return outcome

    ceilings = [measured(_ceiling(host, port, ceiling_sessions, args.concurrency, args.ceiling_seconds))]
    c = ceilings[0]
    print(
        f"# ceiling: {c.created_per_s:.0f}/s, CPU {c.cpu_line(c.requests)} ms each "
        f"(client {c.client_cpu_ms(c.requests):.2f})",
        flush=True,
    )
    results, checks = {}, {}
    for name in [args.only] if args.only else RUNS:
        run = runs[name]
        results[name] = measured(_applications(host, port, run.applications, args.concurrency))
        checks[name] = check(run)
        o = results[name]
        print(
            f"# {RUNS[name]}: {len(run.applications) / o.wall_s:.0f} applications/s, "
            f"CPU {o.cpu_line(len(run.applications))} ms each (client {o.client_cpu_ms(o.requests):.2f}), "
            f"p95 {pct(o.latencies_ms, 95):.0f} ms, answers {dict(o.final)}, busy {o.busy_retries}, "
            f"checks {'ok' if checks[name].ok(len(run.applications)) else 'FAILED'} {checks[name].totals}",
            flush=True,
        )
        connection.close()
    ceilings.append(measured(_ceiling(host, port, ceiling_sessions, args.concurrency, args.ceiling_seconds)))
    print(f"# ceiling again: {ceilings[1].created_per_s:.0f}/s", flush=True)
    return Repetition(runs, results, checks, ceilings)


# --- main ------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--parents", type=int, default=2000, help="parents (one application each) per run")
    parser.add_argument("--groups", type=int, default=20)
    parser.add_argument("--seats", type=int, default=25)
    parser.add_argument("--concurrency", type=int, default=64, help="clients applying at any moment")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn gthread workers (one per core)")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker")
    parser.add_argument("--worker-class", default="gthread", choices=["gthread", "sync"], help="gunicorn worker class")
    parser.add_argument("--ceiling-seconds", type=float, default=10.0)
    parser.add_argument("--only", choices=list(RUNS), help="run one of the two runs")
    parser.add_argument("--seed", type=int, default=71)
    parser.add_argument(
        "--past-enrollments",
        type=int,
        default=20_000,
        help="last school year's applications of the runs' children (none holding a seat); 0: an empty table",
    )
    parser.add_argument(
        "--repeat", type=int, default=3, help="repetitions of the whole measurement; the figures are their medians"
    )
    parser.add_argument("--keep-db", action="store_true", help="leave the scratch database for a look afterwards")
    parser.add_argument(
        "--no-index-feed",
        action="store_true",
        help="without the search index's feed (a deployment without the index; by default the triggers feed it)",
    )
    parser.add_argument("--no-docs", action="store_true", help=f"do not write {DOCS.relative_to(ROOT)}")
    parser.add_argument("--in-process", action="store_true", help="requests one by one in this process, no server")
    parser.add_argument("--profile", metavar="FILE", help="with --in-process: cProfile the applications into FILE")
    args = parser.parse_args()

    from devstack.faultlab import RedisServer
    from devstack.services import ensure_environment

    started = time.time()
    folder = Path(tempfile.mkdtemp(prefix="bench-opening-"))
    redis = RedisServer(folder)
    redis.start()
    os.environ["REDIS_URL"] = redis.broker_url
    ensure_environment()
    server_url = os.environ["DATABASE_URL"]
    db_name = f"bench_opening_{os.getpid()}"
    rep_dbs: list[str] = []
    server = None
    try:
        print(f"# Enrollment opening day, {date.today()}", flush=True)
        machine_line = machine(with_load=True)
        print(f"# machine: {machine_line}", flush=True)
        admin_execute(server_url, f'CREATE DATABASE "{db_name}"')
        migrate_s = manage(db_name, "migrate", "--noinput", "-v", "0")
        os.environ["DJANGO_SETTINGS_MODULE"] = SETTINGS
        os.environ["BENCH_DATABASE_NAME"] = db_name
        import django

        django.setup()
        from django.conf import settings
        from django.db import connection

        assert not settings.DEBUG and connection.settings_dict["NAME"] == db_name
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_setting('server_version')")
            version = cursor.fetchone()[0]
        connection.close()
        repetitions: list[Repetition] = []
        for number in range(1 if args.in_process else args.repeat):
            # Each repetition on a fresh copy of the migrated database (same data, same seed): an
            # application is made once, so a repetition needs parents and seats of its own.
            rep_db = f"{db_name}_{number + 1}"
            admin_execute(server_url, f'CREATE DATABASE "{rep_db}" TEMPLATE "{db_name}"')
            rep_dbs.append(rep_db)
            connection.settings_dict["NAME"] = os.environ["BENCH_DATABASE_NAME"] = rep_db
            load_started = time.perf_counter()
            runs, ceiling_sessions = populate(
                parents=args.parents,
                groups=args.groups,
                seats=args.seats,
                seed=args.seed,
                past=args.past_enrollments,
                index_feed=not args.no_index_feed,
            )
            setup = (
                f"scratch database `{db_name}`: `manage.py migrate` {migrate_s:.0f} s, a copy of it per "
                f"repetition, bulk data {time.perf_counter() - load_started:.0f} s; PostgreSQL {version}, "
                f"lock_timeout {settings.LOCK_TIMEOUT_MS} ms (LOCK_TIMEOUT_MS)"
            )
            print(f"# repetition {number + 1}: {setup}", flush=True)
            connection.close()
            if args.in_process:
                in_process(runs, ceiling_sessions, args.profile)
                return
            port = free_port()
            server = start_gunicorn(
                rep_db, port, args.workers, args.threads, folder / "gunicorn.log", args.worker_class
            )
            repetitions.append(measure(args, server, port, rep_db, redis, runs, ceiling_sessions))
            stop_gunicorn(server)
            server = None
            gunicorn_log = (folder / "gunicorn.log").read_text(errors="replace").strip()
            if gunicorn_log:
                print(f"gunicorn log (last lines):\n{gunicorn_log[-3000:]}", file=sys.stderr)
            if not args.keep_db:
                admin_execute(server_url, f'DROP DATABASE IF EXISTS "{rep_db}" WITH (FORCE)')
        block = report(args, machine_line, setup, repetitions)
        block += f"\n\nWall clock of the whole run: {(time.time() - started) / 60:.1f} min."
        print("\n" + block)
        if not args.no_docs:
            write_docs(block)
            print(f"# written to {DOCS.relative_to(ROOT)}", file=sys.stderr)
    finally:
        if server is not None:
            stop_gunicorn(server)
        try:
            from django.db import connections

            connections.close_all()
        except Exception:  # Django not set up yet
            pass
        if not args.keep_db:
            for name in [*rep_dbs, db_name]:
                admin_execute(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        redis.stop()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
