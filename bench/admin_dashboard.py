"""The admin index with its dashboard on the full-scale demo region: the page's server time in process,
for the demo's municipal operator (one municipality) and the regional operator (the whole region),
against a baseline admin page measured in the same run.

    .venv/bin/python bench/admin_dashboard.py [--database bench_dashboard] [--contracts 20000]
        [--runs 30] [--warmup 3] [--keep-db] [--no-docs]

1. The database --database on the server of DATABASE_URL: used as it is when it already holds the demo
   region (`manage.py demo_region --scale full` loaded), otherwise created, migrated and loaded (about
   two minutes on an idle machine, more under load), and dropped at the end unless --keep-db.
2. --contracts ACTIVE contracts added in SQL (`INSERT … SELECT`, through the portal's triggers: a
   contract is accepted by the child's confirmed parent) in the current period, each child in a group of
   a program of its own municipality, so the contracts' figures (children with a contract, most chosen
   programs) count real rows; the full demo region has no contracts of its own.
3. In process (`django.test.Client`, the demo logins signed in, settings `bench.settings`: DEBUG off,
   the portal's middleware); `time.perf_counter` around `client.get`. --warmup untimed rounds, then
   --runs interleaved rounds of: `GET /admin/` as the municipal operator, `GET /admin/` as the regional
   operator (all municipalities), and the baseline `GET /admin/catalog/direction/` as the municipal
   operator (an admin page of six rows: same door, session and middleware, no dashboard). The query
   counts are printed too.
4. Markdown to stdout and, unless --no-docs, into the «Admin dashboard» section of docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.docs import write_generated_block  # noqa: E402  (after the path is set)
from bench.machine import machine  # noqa: E402

SETTINGS = "bench.settings"
INDEX = "/admin/"
BASELINE = "/admin/catalog/direction/"
COMMAND = ".venv/bin/python bench/admin_dashboard.py"


def with_database(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


def server_execute(server_url: str, sql: str) -> list:
    import psycopg2

    conn = psycopg2.connect(with_database(server_url, "postgres"))
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(sql)
        rows = cur.fetchall() if cur.description else []
    conn.close()
    return rows


def prepare(server_url: str, name: str) -> tuple[bool, float]:
    """(created here, seconds to load) — the demo region in `name`, created and loaded when missing."""
    exists = server_execute(server_url, f"SELECT 1 FROM pg_database WHERE datname = '{name}'")
    env = {
        **os.environ,
        "DATABASE_URL": with_database(server_url, name),
        "DJANGO_SETTINGS_MODULE": "config.settings.dev",
    }
    if exists:
        subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
        return False, 0.0
    server_execute(server_url, f'CREATE DATABASE "{name}"')
    started = time.perf_counter()
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    subprocess.run(
        [sys.executable, "manage.py", "demo_region", "--scale", "full", "--seed", "71"], cwd=ROOT, env=env, check=True
    )
    return True, time.perf_counter() - started


CONTRACTS_SQL = """
WITH today AS (SELECT CURRENT_DATE AS d),
periods AS (
    SELECT p.id, p.municipality_id FROM certificates_fundingperiod p, today
    WHERE p.start_date <= today.d AND p.end_date >= today.d
),
groups AS (
    SELECT g.id, g.start_date, g.end_date, pr.lesson_price, pr.normative_lesson_price, pv.municipality_id,
           row_number() OVER (PARTITION BY pv.municipality_id ORDER BY g.id) AS n,
           count(*) OVER (PARTITION BY pv.municipality_id) AS total
    FROM catalog_group g JOIN catalog_program pr ON pr.id = g.program_id JOIN catalog_provider pv ON pv.id = pr.provider_id
    WHERE pr.status = 'CERTIFIED'
),
candidates AS (
    SELECT c.id AS child_id, c.municipality_id, l.user_id, cert.id AS certificate_id,
           row_number() OVER (PARTITION BY c.municipality_id ORDER BY c.id) AS n
    FROM certificates_child c
    JOIN certificates_parentlink l ON l.child_id = c.id AND l.confirmation <> ''
    JOIN certificates_certificate cert ON cert.child_id = c.id
    WHERE NOT EXISTS (SELECT 1 FROM enrollments_enrollment e WHERE e.child_id = c.id)
    ORDER BY c.id
    LIMIT %(contracts)s
)
INSERT INTO enrollments_enrollment (
    child_id, group_id, applicant_id, certificate_id, status, created_at, status_changed_at, reject_reason,
    accepted_at, accepted_by_id, starts_on, ends_on, funding, period_id, billing_policy, lesson_price,
    normative_lesson_price, certificate_per_lesson, lessons_per_month, planned_lessons, copayment_shown,
    reserve_remaining
)
SELECT ca.child_id, g.id, ca.user_id, ca.certificate_id, 'ACTIVE', now(), now(), '',
       now(), ca.user_id, g.start_date, g.end_date, 'FUNDED', p.id, 'PER_LESSON', g.lesson_price,
       g.normative_lesson_price, LEAST(g.lesson_price, g.normative_lesson_price), 8, 64, 0, 0
FROM candidates ca
JOIN periods p ON p.municipality_id = ca.municipality_id
-- Popular programs: the children of a municipality crowd into its first groups (a few hundred of them).
JOIN groups g ON g.municipality_id = ca.municipality_id AND g.n = 1 + (ca.n * ca.n) %% LEAST(g.total, 400)
ON CONFLICT DO NOTHING
"""


def add_contracts(contracts: int) -> int:
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM enrollments_enrollment WHERE status = 'ACTIVE'")
        have = cur.fetchone()[0]
        if have >= contracts:
            return have
        cur.execute(CONTRACTS_SQL, {"contracts": contracts - have})
        cur.execute("ANALYZE enrollments_enrollment")
        cur.execute("SELECT count(*) FROM enrollments_enrollment WHERE status = 'ACTIVE'")
        return cur.fetchone()[0]


def measure(runs: int, warmup: int) -> dict:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    users = get_user_model().objects
    municipal, regional = Client(), Client()
    municipal.force_login(users.get(username="municipal"))
    regional.force_login(users.get(username="admin"))
    cases = {
        "`GET /admin/`, municipal operator (one municipality)": (municipal, INDEX),
        "`GET /admin/`, regional operator (all 25 municipalities)": (regional, INDEX),
        "baseline `GET /admin/catalog/direction/` (no dashboard)": (municipal, BASELINE),
    }
    queries = {}
    for name, (client, path) in cases.items():
        with CaptureQueriesContext(connection) as captured:
            response = client.get(path)
        assert response.status_code == 200, (name, response.status_code)
        assert (b'id="dashboard"' in response.content) == (path == INDEX), name
        queries[name] = len(captured.captured_queries)
    times = {name: [] for name in cases}
    for round_ in range(warmup + runs):
        for name, (client, path) in cases.items():
            started = time.perf_counter()
            client.get(path)
            if round_ >= warmup:
                times[name].append((time.perf_counter() - started) * 1000)
    return {"times": times, "queries": queries}


def report(result: dict, *, database: str, loaded: float, contracts: int, runs: int, counts: dict) -> str:
    lines = [
        f"- **Date**: {date.today():%d %B %Y}",
        f"- **Machine**: {machine(with_load=True)}",
        f"- **Data**: database `{database}`, the full demo region (`demo_region --scale full --seed 71`"
        + (f", loaded in {loaded:.0f} s" if loaded else ", loaded earlier")
        + f"): {_n(counts['children'])} children, {_n(counts['accounts'])} certificate accounts, "
        f"{_n(contracts)} active contracts, {_n(counts['charges'])} charges, {_n(counts['disputes'])} disputes",
        f"- **Command**: `{' '.join([COMMAND, *sys.argv[1:]])}`; {runs} interleaved rounds after the warm-up, in process "
        "(`django.test.Client`, settings `bench.settings`, DEBUG off)",
        "",
        "| page | queries | median ms | p95 ms | max ms |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, values in result["times"].items():
        values = sorted(values)
        p95 = values[min(len(values) - 1, round(0.95 * (len(values) - 1)))]
        lines.append(
            f"| {name} | {result['queries'][name]} | **{statistics.median(values):.0f}** | {p95:.0f} | {values[-1]:.0f} |"
        )
    return "\n".join(lines) + "\n"


def _n(value: int) -> str:
    return f"{value:,}".replace(",", "\u00a0")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", default="bench_dashboard")
    parser.add_argument("--contracts", type=int, default=20000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--keep-db", action="store_true")
    parser.add_argument("--no-docs", action="store_true")
    args = parser.parse_args()

    server_url = os.environ["DATABASE_URL"]
    created, loaded = prepare(server_url, args.database)
    os.environ["DJANGO_SETTINGS_MODULE"] = SETTINGS
    os.environ["BENCH_DATABASE_NAME"] = args.database
    import django

    django.setup()
    from django.db import connection

    try:
        contracts = add_contracts(args.contracts)
        with connection.cursor() as cur:
            counts = {}
            for key, table in (
                ("children", "certificates_child"),
                ("accounts", "certificates_certificateaccount"),
                ("charges", "billing_charge"),
                ("disputes", "billing_dispute"),
            ):
                cur.execute(f"SELECT count(*) FROM {table}")
                counts[key] = cur.fetchone()[0]
        result = measure(args.runs, args.warmup)
        text = report(result, database=args.database, loaded=loaded, contracts=contracts, runs=args.runs, counts=counts)
        print(text)
        if not args.no_docs:
            write_generated_block(script="bench/admin_dashboard.py", section="Admin dashboard", block=text)
    finally:
        connection.close()
        if created and not args.keep_db:
            server_execute(server_url, f'DROP DATABASE "{args.database}"')


if __name__ == "__main__":
    main()
