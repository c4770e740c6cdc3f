"""The provider's workplace home with 200 groups: its server time in process, against a baseline
measured in the same run.

    .venv/bin/python bench/workplace_home.py [--groups 200] [--applications 100] [--runs 200]
        [--warmup 20] [--keep-db] [--no-docs]

1. A scratch database `bench_workplace_<pid>` on the server of DATABASE_URL, migrated with
   `manage.py migrate`, dropped at the end (unless --keep-db).
2. Data (the test factories, then bulk inserts): one approved provider with one staff member, --groups
   groups over 20 programs, each meeting twice a week (so about two sevenths of them meet today, one
   of those lessons cancelled), and --applications applications to them, a quarter of them offers
   awaiting the parents.
3. In process (`django.test.Client`, the staff member signed in with a database session, settings
   `bench.settings`: DEBUG off, the portal's middleware); `time.perf_counter` around `client.get`.
   --warmup untimed rounds, then --runs interleaved rounds of: the home `GET /workplace/`, and the
   baseline `GET /workplace/statements/` (a workplace page with nothing to list: the same door,
   session, middleware and page frame). The home's query count is printed too.
4. Markdown to stdout and, unless --no-docs, into the «Provider workplace home» section of
   docs/benchmarks.md, between the generated-block markers.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from datetime import date, timedelta
from datetime import time as clock
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.docs import write_generated_block  # noqa: E402  (after the path is set)
from bench.machine import machine  # noqa: E402

SETTINGS = "bench.settings"
HOME = "/workplace/"
BASELINE = "/workplace/statements/"
TARGET_MS = 100.0
COMMAND = ".venv/bin/python bench/workplace_home.py"


def with_database(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


def admin_execute(server_url: str, sql: str) -> None:
    import psycopg2

    conn = psycopg2.connect(with_database(server_url, "postgres"))
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(sql)
    conn.close()


def load(groups: int, applications: int) -> tuple[object, str]:
    """The provider's data; returns its staff member and a line saying what was made."""
    from django.utils import timezone

    from billing.models import Lesson
    from catalog.models import Group, ScheduleSlot
    from tests.accounts.factories import ProviderStaffFactory
    from tests.catalog.factories import MunicipalityFactory, ProgramFactory
    from tests.enrollments.factories import EnrollmentFactory

    today = timezone.localdate()
    # One municipality for all (the factory's codes cycle through 100 and would clash).
    municipality = MunicipalityFactory()
    staff = ProviderStaffFactory(provider__status="APPROVED", provider__municipality=municipality)
    programs = [ProgramFactory(provider=staff.provider) for _ in range(20)]
    rows = Group.objects.bulk_create(
        Group(
            program=programs[i % len(programs)],
            name=f"Группа {i:03}",
            teacher="Иванова Ирина Ивановна",
            capacity=15,
            start_date=today - timedelta(days=60),
            end_date=today + timedelta(days=200),
        )
        for i in range(groups)
    )
    ScheduleSlot.objects.bulk_create(
        ScheduleSlot(
            group=group,
            weekday=(i + shift) % 7,
            start_time=clock(9 + i % 10, 0),
            end_time=clock(10 + i % 10, 0),
            room=f"каб. {i % 30}",
        )
        for i, group in enumerate(rows)
        for shift in (0, 3)
    )
    meeting_today = [g for i, g in enumerate(rows) if today.weekday() in ((i) % 7, (i + 3) % 7)]
    Lesson.objects.create(group=meeting_today[0], date=today, cancelled=True, cancel_reason="Ремонт")
    for i in range(applications):
        EnrollmentFactory(
            group=rows[i % len(rows)],
            child__municipality=municipality,
            **({"offered": True} if i % 4 == 0 else {}),
        )
    return staff, f"{groups} groups ({len(meeting_today)} meet today), {applications} applications"


def measure(client, runs: int, warmup: int) -> dict[str, list[float]]:
    for _ in range(warmup):
        for path in (HOME, BASELINE):
            assert client.get(path).status_code == 200, path
    samples: dict[str, list[float]] = {HOME: [], BASELINE: []}
    for _ in range(runs):
        for path in (HOME, BASELINE):
            started = time.perf_counter()
            response = client.get(path)
            samples[path].append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, path
    return samples


def count_queries(client) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        client.get(HOME)
    return len(queries)


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--groups", type=int, default=200)
    parser.add_argument("--applications", type=int, default=100)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--keep-db", action="store_true")
    parser.add_argument("--no-docs", action="store_true")
    args = parser.parse_args()

    from devstack.services import ensure_environment

    ensure_environment()
    server_url = os.environ["DATABASE_URL"]
    db_name = f"bench_workplace_{os.getpid()}"
    print(f"# Workplace home benchmark, {date.today()}", flush=True)
    machine_line = machine(with_load=True)
    admin_execute(server_url, f'CREATE DATABASE "{db_name}"')
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": SETTINGS, "BENCH_DATABASE_NAME": db_name}
    try:
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, str(ROOT / "manage.py"), "migrate", "--noinput", "-v", "0"], env=env, cwd=ROOT, check=True
        )
        migrate_seconds = time.perf_counter() - started
        os.environ.update(DJANGO_SETTINGS_MODULE=SETTINGS, BENCH_DATABASE_NAME=db_name)
        import django

        django.setup()
        from django.conf import settings
        from django.db import connection
        from django.test import Client

        assert not settings.DEBUG and connection.settings_dict["NAME"] == db_name
        started = time.perf_counter()
        staff, made = load(args.groups, args.applications)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
            cursor.execute("SELECT current_setting('server_version')")
            version = cursor.fetchone()[0]
        load_seconds = time.perf_counter() - started
        client = Client()
        client.force_login(staff)
        queries = count_queries(client)
        samples = measure(client, args.runs, args.warmup)
        connection.close()
    finally:
        if not args.keep_db:
            admin_execute(server_url, f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')

    home, baseline = statistics.median(samples[HOME]), statistics.median(samples[BASELINE])
    verdict = "met" if home < TARGET_MS else "**missed**"
    command = (
        COMMAND
        if (args.groups, args.applications, args.runs, args.warmup) == (200, 100, 200, 20)
        else (
            f"{COMMAND} --groups {args.groups} --applications {args.applications} --runs {args.runs} --warmup {args.warmup}"
        )
    )
    block = "\n".join(
        [
            f"- **Run**: {date.today():%d %B %Y}; {machine_line}.",
            f"- **Set-up**: scratch database `{db_name}` (dropped after): `manage.py migrate` {migrate_seconds:.0f} s, "
            f"data {load_seconds:.0f} s: {made}; PostgreSQL {version} of DATABASE_URL (Unix socket).",
            f"- **Command**: `{command}`",
            f"- **Method**: in process (`django.test.Client`, staff signed in, database session, settings "
            f"`bench.settings`: DEBUG off); `time.perf_counter` around `client.get`; {args.warmup} warm-up rounds, "
            f"then {args.runs} interleaved rounds. Baseline: `GET {BASELINE}` with nothing to list (the same "
            f"door, session, middleware and page frame).",
            "",
            "| page | median ms | p95 ms | max ms | queries |",
            "|---|---:|---:|---:|---:|",
            f"| home `GET {HOME}` | {home:.1f} | {p95(samples[HOME]):.1f} | {max(samples[HOME]):.1f} | {queries} |",
            f"| baseline `GET {BASELINE}` | {baseline:.1f} | {p95(samples[BASELINE]):.1f} | "
            f"{max(samples[BASELINE]):.1f} | — |",
            "",
            f"Target: the home's median under {TARGET_MS:.0f} ms: {verdict} (home − baseline: {home - baseline:.1f} ms).",
        ]
    )
    print(block)
    if not args.no_docs:
        write_generated_block(script="bench/workplace_home.py", section="Provider workplace home", block=block)


if __name__ == "__main__":
    main()
