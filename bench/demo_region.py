"""Benchmark `manage.py demo_region --scale full` in a throwaway database.

    .venv/bin/python bench/demo_region.py [--runs 3] [--scale full] [--seed 71] [--db-name bench_demo] [--keep]

Each run creates the database on the same server as DATABASE_URL (the embedded PostgreSQL when
DATABASE_URL is unset), migrates it, runs the command in a subprocess exactly as a person would,
prints the time of every phase and the row counts of the main tables, and drops the database.
With several runs the medians are printed too.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.machine import machine  # noqa: E402  (after the path is set)

COUNTED_TABLES = [
    ("catalog_municipality", "municipalities"),
    ("catalog_provider", "providers"),
    ("catalog_program", "programs"),
    ("catalog_group", "groups"),
    ("catalog_scheduleslot", "schedule slots"),
    ("accounts_user", "users"),
    ("certificates_child", "children"),
    ("certificates_parentlink", "child–parent links"),
    ("certificates_fundingperiod", "funding periods"),
    ("certificates_certificate", "certificates"),
    ("certificates_certificateaccount", "certificate accounts"),
    ("certificates_ledgerentry", "ledger entries"),
]


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def admin_connection(url: str):
    import psycopg2

    conn = psycopg2.connect(with_database(url, "postgres"))
    conn.autocommit = True
    return conn


def recreate(url: str, name: str) -> None:
    conn = admin_connection(url)
    with conn.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cur.execute(f'CREATE DATABASE "{name}"')
    conn.close()


def drop(url: str, name: str) -> None:
    conn = admin_connection(url)
    with conn.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    conn.close()


def counts(url: str) -> dict[str, int]:
    import psycopg2

    conn = psycopg2.connect(url)
    result = {}
    with conn.cursor() as cur:
        for table, label in COUNTED_TABLES:
            cur.execute(f"SELECT count(*) FROM {table}")
            result[label] = cur.fetchone()[0]
        cur.execute("SELECT sum(nominal), sum(nominal - reserved - spent) FROM certificates_certificateaccount")
        nominal, available = cur.fetchone()
        result["account nominals, RUB"] = int(nominal or 0)
        result["available on accounts, RUB"] = int(available or 0)
    conn.close()
    return result


def manage(env: dict[str, str], *args: str) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, str(ROOT / "manage.py"), *args], env=env, cwd=ROOT, check=True)
    return time.perf_counter() - started


def one_run(url: str, db_name: str, scale: str, seed: int, keep: bool) -> dict:
    bench_url = with_database(url, db_name)
    recreate(url, db_name)
    env = {**os.environ, "DATABASE_URL": bench_url, "DJANGO_SETTINGS_MODULE": "config.settings.dev"}
    try:
        migrate_seconds = manage(env, "migrate", "--noinput", "-v", "0")
        with tempfile.NamedTemporaryFile(suffix=".json") as timings:
            command_seconds = manage(
                env, "demo_region", "--scale", scale, "--seed", str(seed), "--timings-json", timings.name
            )
            report = json.loads(Path(timings.name).read_text(encoding="utf-8"))
        rows = counts(bench_url)
    finally:
        if not keep:
            drop(url, db_name)
    return {"migrate": migrate_seconds, "command": command_seconds, "report": report, "counts": rows}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--scale", default="full", choices=["tiny", "small", "full"])
    parser.add_argument("--seed", type=int, default=71)
    parser.add_argument("--db-name", default="bench_demo")
    parser.add_argument("--keep", action="store_true", help="keep the database of the last run")
    args = parser.parse_args()

    from devstack.services import ensure_environment

    ensure_environment()
    url = os.environ["DATABASE_URL"]
    print(f"# demo_region --scale {args.scale} --seed {args.seed}: {args.runs} run(s), {date.today()}")
    print(f"# machine: {machine()}")
    runs = []
    for index in range(args.runs):
        result = one_run(url, args.db_name, args.scale, args.seed, keep=args.keep and index == args.runs - 1)
        runs.append(result)
        print(f"\n## run {index + 1}")
        print(f"{'phase':<32} {'rows':>10} {'seconds':>9}")
        for phase in result["report"]["phases"]:
            print(f"{phase['name']:<32} {phase['rows']:>10} {phase['seconds']:>9.1f}")
        print(f"{'generator total':<32} {'':>10} {result['report']['seconds']:>9.1f}")
        print(f"{'command wall clock':<32} {'':>10} {result['command']:>9.1f}")
        print(f"{'migrate (not included)':<32} {'':>10} {result['migrate']:>9.1f}")
    if len(runs) > 1:
        print("\n## medians")
        for position, phase in enumerate(runs[0]["report"]["phases"]):
            median = statistics.median(r["report"]["phases"][position]["seconds"] for r in runs)
            print(f"{phase['name']:<32} {phase['rows']:>10} {median:>9.1f}")
        print(f"{'generator total':<32} {'':>10} {statistics.median(r['report']['seconds'] for r in runs):>9.1f}")
        print(f"{'command wall clock':<32} {'':>10} {statistics.median(r['command'] for r in runs):>9.1f}")
        print(f"{'migrate (not included)':<32} {'':>10} {statistics.median(r['migrate'] for r in runs):>9.1f}")
    print("\n## row counts")
    for label, value in runs[-1]["counts"].items():
        print(f"{label:<32} {value:>14,}")


if __name__ == "__main__":
    main()
