"""The debit job at the scale of a large region: a million due attendance marks over 100,000 contracts,
charged by the job as the Celery worker runs it, against the naive way (one ORM transaction per mark).

    .venv/bin/python bench/debits.py [--contracts 100000] [--providers 5000] [--lessons 10] [--small-runs 3]
        [--naive 10000] [--profile] [--keep-db] [--no-docs]

1. A private Redis (devstack.faultlab.RedisServer, the Celery broker: no shared worker takes this run's
   tasks) and a scratch database `bench_debits_<pid>` on the server of DATABASE_URL, migrated with
   `manage.py migrate`, dropped at the end (unless --keep-db).
2. Data, in SQL (`INSERT … SELECT generate_series`, never the ORM, through the portal's own triggers): one
   municipality with a PER_LESSON funding period, --providers approved providers, one certified program
   and one group of five pupils meeting every weekday per 5 contracts, --contracts parents, children,
   certificates, accounts (each credited by its OPEN ledger entry), contracts ACTIVE and FUNDED with their
   reserve (a RESERVE ledger entry and the contract's reserve row); prices 200–350 ₽ a lesson against a
   normative price of 300 ₽ (so some lessons carry a co-payment), and one account in ten credited with
   2,000 ₽ only, so that its reserve runs out and the rest becomes co-payment inside the job's batches.
   Lessons on the first weekdays of last month; PRESENT marks: one lesson a day per contract for
   --small-runs days, then --lessons days, then one more day for a --naive sample of contracts.
3. Runs, each in a fresh worker process (`celery worker --pool solo`, the project's settings: the task runs
   in the worker's own process, so its peak RSS is the worker's VmHWM): --small-runs runs of
   --contracts marks (one day each), then one run of --contracts × --lessons marks. Marks charged per
   second from the run's JobRun row (started → finished); the worker's RSS when idle and at its peak.
4. The naive way in this process, on the --naive sample: per mark, one transaction that locks the
   contract and the account, writes the DEBIT, the reserve row and the charge through the ORM and settles
   the mark; in three equal chunks (the median is reported).
5. One month's statements for every provider: the nightly build (billing.statements.statements_build_due).
6. `reconcile` over the whole database at the end (time and verdict: every mark charged once, every
   account equal to its ledger).
7. When the big run misses 5,000 marks/s (or with --profile): one batch profiled statement by statement
   (auto_explain with ANALYZE, trigger statements included), and the same batch size timed alternately
   with the planner's default random_page_cost and with 1.1 for the job's session.
8. Markdown to stdout and, unless --no-docs, into the «Debit job» section of docs/benchmarks.md, between
   the generated-block markers.
"""

from __future__ import annotations

import argparse
import collections
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.docs import DOCS, write_generated_block  # noqa: E402  (after the path is set)
from bench.machine import machine  # noqa: E402

SETTINGS = "bench.settings"
TARGETS = {"marks_per_second": 5_000.0, "aim_per_second": 10_000.0, "naive_ratio": 10.0}
PUPILS_PER_GROUP = 5
NORMATIVE = "300.00"
NOMINAL = "10000.00"
SHORT_NOMINAL = "2000.00"  # one account in SHORT_EVERY
SHORT_EVERY = 10


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


def bench_env(db_name: str) -> dict[str, str]:
    return {**os.environ, "DJANGO_SETTINGS_MODULE": SETTINGS, "BENCH_DATABASE_NAME": db_name}


def manage(db_name: str, *args: str) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, str(ROOT / "manage.py"), *args], env=bench_env(db_name), cwd=ROOT, check=True)
    return time.perf_counter() - started


def weekdays_of(month: date) -> list[date]:
    days, day = [], month
    while day.month == month.month:
        if day.weekday() < 5:
            days.append(day)
        day += timedelta(days=1)
    return days


@dataclass
class Plan:
    contracts: int
    providers: int
    small_runs: int
    lessons: int
    naive: int
    month: date
    days: list[date]  # the lesson dates, in order: small runs, the big run, the naive sample, a profiled batch

    @property
    def groups(self) -> int:
        return self.contracts // PUPILS_PER_GROUP


def make_plan(args) -> Plan:
    today = date.today()
    month = (today.replace(day=1) - timedelta(days=1)).replace(day=1)  # last month: every lesson is past
    days = weekdays_of(month)
    wanted = args.small_runs + args.lessons + 2  # + the naive sample's day and the profiled batch's
    if wanted > len(days):
        raise SystemExit(f"{wanted} lesson days wanted, last month has {len(days)} weekdays")
    return Plan(
        contracts=args.contracts,
        providers=args.providers,
        small_runs=args.small_runs,
        lessons=args.lessons,
        naive=args.naive,
        month=month,
        days=days[:wanted],
    )


def _sql(cursor, label: str, sql: str, params=None, timings: dict | None = None) -> None:
    started = time.perf_counter()
    cursor.execute(sql, params)
    if timings is not None:
        timings[label] = timings.get(label, 0.0) + time.perf_counter() - started


def populate(plan: Plan) -> dict[str, float]:
    """Everything the runs need, in SQL; returns seconds per phase."""
    from django.db import connection, transaction

    from accounts.models import User
    from billing.models import AttendanceMark, Lesson
    from catalog.models import Direction, Group, Municipality, Program, Provider, ScheduleSlot
    from certificates.models import (
        BillingPolicy,
        Certificate,
        CertificateAccount,
        Child,
        FundingPeriod,
        LedgerEntry,
        ParentLink,
    )
    from enrollments.models import Enrollment, ReserveEntry

    t = {name: model._meta.db_table for name, model in {
        "user": User, "provider": Provider, "program": Program, "group": Group, "slot": ScheduleSlot,
        "child": Child, "link": ParentLink, "certificate": Certificate, "account": CertificateAccount,
        "ledger": LedgerEntry, "enrollment": Enrollment, "reserve": ReserveEntry, "lesson": Lesson,
        "mark": AttendanceMark,
    }.items()}  # fmt: skip
    timings: dict[str, float] = {}
    school_year = plan.month.year if plan.month.month >= 9 else plan.month.year - 1
    start, end = date(school_year, 9, 1), date(school_year + 1, 8, 31)
    n, groups, days = plan.contracts, plan.groups, len(plan.days)
    with transaction.atomic(), connection.cursor() as c:
        municipality = Municipality.objects.create(name="Бенчмарк-район", code="97", region_code="71")
        period = FundingPeriod.objects.create(
            municipality=municipality,
            name=f"{school_year}/{school_year + 1} учебный год",
            start_date=start,
            end_date=end,
            nominal=NOMINAL,
            max_funded_certificates=n,
            total_budget="1000000000.00",
            billing_policy=BillingPolicy.PER_LESSON,
        )
        direction_id = Direction.objects.order_by("position").values_list("pk", flat=True).first()
        m, p = municipality.pk, period.pk
        # Every table is empty after `migrate` except these, whose ids we then continue.
        _sql(
            c,
            "providers, programs, groups, schedules",
            f"""
            INSERT INTO {t["provider"]} (id, kind, legal_name, short_name, inn, licence_number, address, phone, email,
                                         website, status, created_at, municipality_id)
            SELECT i, 'ORG', 'МБУ ДО «Центр № ' || i || '»', 'Центр № ' || i, lpad((7100000000 + i)::text, 10, '0'),
                   'Л035-01271-71/' || i, 'г. Плавск', '', '', '', 'APPROVED', now(), %(m)s
              FROM generate_series(1, %(providers)s) i;
            INSERT INTO {t["program"]} (id, provider_id, title, description, direction_id, activity_type, age_min,
                                        age_max, form, special_needs, venue_address, lesson_price,
                                        normative_lesson_price, lessons_per_month, funding, status, rating_count,
                                        created_at, updated_at)
            SELECT g, 1 + (g - 1) %% %(providers)s, 'Программа ' || g, '', %(direction)s, 'Робототехника', 5, 18,
                   'FULL_TIME', false, '', 200 + 50 * (g %% 4), {NORMATIVE}, 20, 'CERTIFICATE', 'CERTIFIED', 0,
                   now(), now()
              FROM generate_series(1, %(groups)s) g;
            INSERT INTO {t["group"]} (id, program_id, name, teacher, capacity, start_date, end_date, enrollment_open)
            SELECT g, g, 'Группа 1', 'Иванова Мария Петровна', {PUPILS_PER_GROUP}, %(start)s, %(end)s, false
              FROM generate_series(1, %(groups)s) g;
            INSERT INTO {t["slot"]} (group_id, weekday, start_time, end_time, room)
            SELECT g, w, '16:00', '17:30', ''
              FROM generate_series(1, %(groups)s) g, generate_series(0, 4) w;
            """,
            {"m": m, "providers": plan.providers, "groups": groups, "direction": direction_id, "start": start,
             "end": end},
            timings,
        )  # fmt: skip
        _sql(
            c,
            "parents, children, links, certificates",
            f"""
            INSERT INTO {t["user"]} (id, password, is_superuser, username, first_name, last_name, email, is_staff,
                                     is_active, date_joined, role, middle_name, phone, session_generation)
            SELECT 1000000 + i, '!', false, 'bench-parent-' || i, 'Анна', 'Родителева', '', false, true, now(),
                   'PARENT', '', '', 0
              FROM generate_series(1, %(n)s) i;
            INSERT INTO {t["child"]} (id, last_name, first_name, middle_name, birth_date, sex, snils, created_at,
                                      municipality_id)
            SELECT i, 'Бенчмарков', 'Ребёнок ' || i, '', date '2015-03-14' + (i %% 1000), 'M',
                   lpad((30000000000 + i)::text, 11, '0'), now(), %(m)s
              FROM generate_series(1, %(n)s) i;
            INSERT INTO {t["link"]} (child_id, user_id, confirmation, confirmed_at)
            SELECT i, 1000000 + i, 'ESIA', now() FROM generate_series(1, %(n)s) i;
            INSERT INTO {t["certificate"]} (id, child_id, number, municipality_id, status, issued_at, valid_until)
            SELECT i, i, '7197' || lpad(i::text, 6, '0'), %(m)s, 'ACTIVE', now(), date '2033-03-13'
              FROM generate_series(1, %(n)s) i;
            """,
            {"n": n, "m": m},
            timings,
        )
        _sql(
            c,
            "accounts + OPEN entries",
            f"""
            INSERT INTO {t["account"]} (id, certificate_id, period_id, nominal, reserved, spent)
            SELECT i, i, %(p)s, 0, 0, 0 FROM generate_series(1, %(n)s) i;
            INSERT INTO {t["ledger"]} (id, account_id, kind, nominal_delta, reserved_delta, spent_delta,
                                       idempotency_key, description, created_at)
            SELECT i, i, 'OPEN', CASE WHEN i %% {SHORT_EVERY} = 0 THEN {SHORT_NOMINAL} ELSE {NOMINAL} END, 0, 0,
                   'account:' || i || ':open', 'Номинал', now()
              FROM generate_series(1, %(n)s) i;
            UPDATE certificates_fundingperiod SET funded_accounts = %(n)s WHERE id = %(p)s;
            """,
            {"n": n, "p": p},
            timings,
        )
        # Contract i: child i in group 1 + (i - 1) / 5, price of its program, reserve for every lesson day.
        _sql(
            c,
            "contracts + reserves",
            f"""
            INSERT INTO {t["enrollment"]} (id, child_id, group_id, applicant_id, certificate_id, status, created_at,
                                           status_changed_at, reject_reason, accepted_at, accepted_by_id,
                                           starts_on, ends_on, funding, period_id, billing_policy, lesson_price,
                                           normative_lesson_price, certificate_per_lesson, lessons_per_month,
                                           planned_lessons, copayment_shown, reserve_remaining)
            SELECT i, i, g, 1000000 + i, i, 'ACTIVE', now(), now(), '', now(), 1000000 + i, %(first)s, %(end)s,
                   'FUNDED', %(p)s, 'PER_LESSON', pr.lesson_price, pr.normative_lesson_price,
                   least(pr.lesson_price, pr.normative_lesson_price), 20, %(days)s, 0, 0
              FROM generate_series(1, %(n)s) i
              CROSS JOIN LATERAL (SELECT 1 + (i - 1) / {PUPILS_PER_GROUP} AS g) gg
              JOIN {t["program"]} pr ON pr.id = gg.g;
            INSERT INTO {t["ledger"]} (id, account_id, kind, nominal_delta, reserved_delta, spent_delta,
                                       idempotency_key, description, created_at)
            SELECT %(n)s + e.id, e.id, 'RESERVE', 0,
                   least(e.certificate_per_lesson * %(days)s, a.nominal - a.reserved - a.spent), 0,
                   'enrollment:' || e.id || ':reserve:1', 'Резерв по договору № ' || e.id, now()
              FROM {t["enrollment"]} e JOIN {t["account"]} a ON a.id = e.certificate_id;
            INSERT INTO {t["reserve"]} (enrollment_id, ledger_entry_id, amount)
            SELECT e.id, %(n)s + e.id, l.reserved_delta
              FROM {t["enrollment"]} e JOIN {t["ledger"]} l ON l.id = %(n)s + e.id;
            """,
            {"n": n, "p": p, "first": plan.days[0], "end": end, "days": days},
            timings,
        )
        _sql(
            c,
            "lessons + marks",
            f"""
            INSERT INTO {t["lesson"]} (id, group_id, date, cancelled, cancel_reason, extra, room)
            SELECT (g - 1) * %(days)s + k, g, (%(dates)s::date[])[k], false, '', false, ''
              FROM generate_series(1, %(groups)s) g, generate_series(1, %(days)s) k;
            INSERT INTO {t["mark"]} (lesson_id, enrollment_id, status, version, updated_at)
            SELECT (e.group_id - 1) * %(days)s + k, e.id, 'PRESENT', 1, now()
              FROM generate_series(1, %(naive_day)s) k
              JOIN {t["enrollment"]} e ON k < %(naive_day)s OR e.id <= %(naive)s
             ORDER BY k, e.id;
            """,
            {"days": days, "groups": groups, "dates": plan.days, "naive": plan.naive, "naive_day": days - 1},
            timings,
        )
        _sql(
            c,
            "identity sequences",
            "".join(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}));"
                for table in t.values()
            ),
            None,
            timings,
        )
    with connection.cursor() as c:
        _sql(c, "ANALYZE", "ANALYZE", None, timings)
    return timings


# --- the job, as the worker runs it ------------------------------------------------------------------


@dataclass
class JobResult:
    name: str
    day: date
    marks: int  # marks settled by the run
    charged: int
    seconds: float  # the run's record: started → finished
    idle_rss_mb: float
    peak_rss_mb: float
    batches: int

    @property
    def rate(self) -> float:
        return self.marks / self.seconds


def _proc_kb(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"{field} not in /proc/{pid}/status")


def start_worker(db_name: str, log: Path) -> subprocess.Popen:
    """The portal's Celery worker (its settings: acks_late, prefetch 1), one process (--pool solo), so the
    task runs in it and its VmHWM is the run's peak memory."""
    command = [
        sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", "solo", "--loglevel", "WARNING",
        "--without-gossip", "--without-mingle", "--without-heartbeat", "--queues", "celery",
    ]  # fmt: skip
    return subprocess.Popen(command, cwd=ROOT, env=bench_env(db_name), stdout=log.open("ab"), stderr=subprocess.STDOUT)


def wait_worker_ready(worker: subprocess.Popen, app, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if worker.poll() is not None:
            raise RuntimeError(f"the worker exited with {worker.returncode}")
        try:
            if app.control.ping(timeout=0.5):
                return
        except Exception:  # the broker connection is being set up
            pass
        time.sleep(0.2)
    raise RuntimeError("the worker did not answer a ping")


def run_job(name: str, db_name: str, day: date, folder: Path) -> JobResult:
    """One debit run on `day` in a fresh worker: the task sent through the broker as beat sends it (with
    the date), the result read from its JobRun row."""
    from django.db import connection

    from billing.models import JobRun
    from config.celery import app

    worker = start_worker(db_name, folder / "worker.log")
    try:
        wait_worker_ready(worker, app)
        time.sleep(1)  # settle after start-up
        idle_kb = _proc_kb(worker.pid, "VmRSS")
        before = JobRun.objects.filter(kind=JobRun.Kind.DEBIT).count()
        app.send_task("billing.run_debits", kwargs={"day": day.isoformat()})
        while True:
            time.sleep(0.5)
            if worker.poll() is not None:
                raise RuntimeError(f"the worker exited with {worker.returncode}; see {folder / 'worker.log'}")
            runs = JobRun.objects.filter(kind=JobRun.Kind.DEBIT).order_by("-pk")
            run = runs.first() if runs.count() > before else None
            connection.close()  # each poll sees the latest commit
            if run is not None and run.finished_at is not None:
                break
        if run.status != JobRun.Status.OK:
            raise RuntimeError(f"the debit run failed: {run.error}")
        peak_kb = _proc_kb(worker.pid, "VmHWM")
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
    return JobResult(
        name=name,
        day=day,
        marks=run.details.get("marks", run.processed),
        charged=run.charged,
        seconds=(run.finished_at - run.started_at).total_seconds(),
        idle_rss_mb=idle_kb / 1024,
        peak_rss_mb=peak_kb / 1024,
        batches=run.details.get("batches", 0),
    )


# --- the naive way -------------------------------------------------------------------------------------


def charge_naively(mark_id: int) -> None:
    """One mark in one ORM transaction, writing what the job writes for it: lock the mark, the contract
    and the account; the certificate's part from the reserve first, then what the account has left; the
    DEBIT, the reserve row, the charge; the mark settled."""
    from django.db import transaction

    from billing.models import AttendanceMark, Charge
    from certificates.ledger_keys import lesson_debit_key
    from certificates.models import CertificateAccount, LedgerEntry
    from enrollments.models import Enrollment, ReserveEntry

    with transaction.atomic():
        mark = AttendanceMark.objects.select_related("lesson").select_for_update(of=("self",)).get(pk=mark_id)
        enrollment = (
            Enrollment.objects.select_related("group__program", "certificate")
            .select_for_update(no_key=True, of=("self",))
            .get(pk=mark.enrollment_id)
        )
        account = CertificateAccount.objects.select_for_update(no_key=True).get(
            certificate_id=enrollment.certificate_id, period_id=enrollment.period_id
        )
        price = enrollment.lesson_price
        want = min(price, enrollment.normative_lesson_price)
        from_reserve = min(want, enrollment.reserve_remaining)
        cert = from_reserve + max(min(want - from_reserve, account.available), 0)
        entry = None
        if cert > 0:
            entry = LedgerEntry.objects.create(
                account=account,
                kind=LedgerEntry.Kind.DEBIT,
                reserved_delta=-from_reserve,
                spent_delta=cert,
                idempotency_key=lesson_debit_key(mark.pk, 0),
                description=f"Занятие {mark.lesson.date:%d.%m.%Y}",
            )
            if from_reserve:
                ReserveEntry.objects.create(enrollment=enrollment, ledger_entry=entry, amount=-from_reserve)
        Charge.objects.create(
            kind=Charge.Kind.LESSON,
            enrollment=enrollment,
            mark=mark,
            mark_version=mark.version,
            generation=0,
            service_date=mark.lesson.date,
            lessons=1,
            price=price,
            certificate_amount=cert,
            copayment=price - cert,
            provider_id=enrollment.group.program.provider_id,
            municipality_id=enrollment.certificate.municipality_id,
            account=account if cert > 0 else None,
            ledger_entry=entry,
        )
        AttendanceMark.objects.filter(pk=mark.pk).update(billed_version=mark.version)


def run_naive(day: date, chunks: int) -> list[tuple[int, float]]:
    """The sample's marks (dated `day`) charged one transaction each, in `chunks` equal parts: (marks, s)."""
    from django.db import connection

    from billing.models import AttendanceMark

    ids = list(
        AttendanceMark.objects.filter(lesson__date=day, billed_version__lt=1)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    size = -(-len(ids) // chunks)
    results = []
    for start in range(0, len(ids), size):
        part = ids[start : start + size]
        started = time.perf_counter()
        for mark_id in part:
            charge_naively(mark_id)
        results.append((len(part), time.perf_counter() - started))
    connection.close()
    return results


# --- where a batch's time goes ----------------------------------------------------------------------------


def add_profile_marks(day: date, count: int) -> int:
    """PRESENT marks of `day` for the first `count` contracts (their group's lesson made if missing)."""
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO billing_lesson (group_id, date, cancelled, cancel_reason, extra, room)
            SELECT DISTINCT e.group_id, %(day)s::date, false, '', false, '' FROM enrollments_enrollment e WHERE e.id <= %(n)s
            ON CONFLICT DO NOTHING
            """,
            {"day": day, "n": count},
        )
        cursor.execute(
            """
            INSERT INTO billing_attendancemark (lesson_id, enrollment_id, status, version, updated_at)
            SELECT l.id, e.id, 'PRESENT', 1, now()
              FROM enrollments_enrollment e JOIN billing_lesson l ON l.group_id = e.group_id AND l.date = %(day)s
             WHERE e.id <= %(n)s
            ON CONFLICT DO NOTHING
            """,
            {"day": day, "n": count},
        )
        return cursor.rowcount


def profile_batch(day: date, batch_size: int, **session: str) -> dict:
    """One run of the job on `day` in this process, with every statement's plan and timing, the
    statements run by triggers included (auto_explain with ANALYZE, sent back as notices)."""
    import re

    from django.db import connection

    from billing.debits import run_debits

    connection.ensure_connection()
    raw = connection.connection
    raw.notices = collections.deque()  # not a list: psycopg2 trims a list to its last 50 notices
    settings = {
        "auto_explain.log_min_duration": "0",
        "auto_explain.log_analyze": "on",
        "auto_explain.log_buffers": "on",
        "auto_explain.log_timing": "on",
        "auto_explain.log_nested_statements": "on",
        "auto_explain.log_level": "notice",
        "client_min_messages": "notice",
        **session,
    }
    with connection.cursor() as cursor:
        cursor.execute("LOAD 'auto_explain'")
        for name, value in settings.items():
            cursor.execute("SELECT set_config(%s, %s, false)", [name, value])
    started = time.perf_counter()
    run = run_debits(day=day, batch_size=batch_size)
    seconds = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('auto_explain.log_min_duration', '-1', false)")
    statements = []
    for notice in raw.notices:
        match = re.search(r"duration: ([0-9.]+) ms\s+plan:\s*(.*)", notice, re.S)
        if not match:
            continue
        plan = match.group(2).strip()
        query = re.search(r"Query Text:\s*(.*?)\n(?=\S)", plan + "\n", re.S)
        text = " ".join((query.group(1) if query else plan.splitlines()[0]).split())
        statements.append((float(match.group(1)), text, plan))
    raw.notices = []
    return {"seconds": seconds, "marks": run.details.get("marks", 0), "statements": statements}


def plans_ab(days: list[date], batch_size: int) -> list[tuple[str, float]]:
    """The job on one batch a day, alternating the planner's default random_page_cost (4) with 1.1 for
    the job's session (index plans for the batch's joins): (setting, marks/s) per batch, unprofiled."""
    from django.db import connection

    from billing.debits import run_debits

    results = []
    for number, day in enumerate(days):
        cost = "1.1" if number % 2 else "4"
        add_profile_marks(day, batch_size)
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('random_page_cost', %s, false)", [cost])
        started = time.perf_counter()
        run = run_debits(day=day, batch_size=batch_size)
        results.append((cost, run.details.get("marks", 0) / (time.perf_counter() - started)))
    with connection.cursor() as cursor:
        cursor.execute("RESET random_page_cost")
    return results


def weekdays_after(day: date, count: int, until: date) -> list[date]:
    days = []
    while len(days) < count:
        day += timedelta(days=1)
        if day > until:
            break
        if day.weekday() < 5:
            days.append(day)
    return days


def profile_report(profile: dict, top: int = 8) -> str:
    """The slowest statements of the profiled run (a trigger's statements are inside their caller's
    time too), and the plans of the three slowest."""
    rows = sorted(profile["statements"], key=lambda s: -s[0])
    lines = [
        f"Profiled run (auto_explain with ANALYZE, so slower than unprofiled): {num(profile['marks'])} marks in "
        f"{profile['seconds']:.1f} s. Slowest statements (ms; a trigger's statements count in their caller's "
        "time too):",
        "",
        "| ms | statement |",
        "|---:|---|",
    ]
    for ms, text, _plan in rows[:top]:
        lines.append(f"| {num(ms)} | `{text[:160]}` |")
    plans = "\n\n".join(f"-- {ms:.0f} ms\n{plan}" for ms, _t, plan in rows[:3])
    return (
        "\n".join(lines)
        + "\n\n<details><summary>Plans of the three slowest</summary>\n\n```\n"
        + plans
        + "\n```\n</details>"
    )


# --- statements and reconciliation -----------------------------------------------------------------------


def build_statements(month: date) -> tuple[str, float, int]:
    """One month's statements for every provider: the nightly build (billing.statements) the day after the
    month ends, each statement made with a line per charge."""
    from billing.models import Statement
    from billing.statements import statements_build_due

    started = time.perf_counter()
    statements_build_due(today=(month_end(month) + timedelta(days=1)))
    seconds = time.perf_counter() - started
    return "`statements_build_due()` the day after the month", seconds, Statement.objects.filter(month=month).count()


def month_end(month: date) -> date:
    return (month.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


def run_reconcile() -> tuple[float, bool, int]:
    from billing.reconciliation import reconcile

    started = time.perf_counter()
    report = reconcile()
    return time.perf_counter() - started, report.ok, report.mismatches


def counts() -> dict[str, int]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT (SELECT count(*) FROM billing_charge),
                   (SELECT count(*) FROM billing_attendancemark WHERE billed_version < version),
                   (SELECT count(*) FROM billing_charge WHERE copayment > 0 AND certificate_amount < price),
                   (SELECT coalesce(sum(certificate_amount), 0) FROM billing_charge),
                   (SELECT coalesce(sum(copayment), 0) FROM billing_charge)
            """
        )
        charges, unbilled, with_copayment, certificate, copayment = cursor.fetchone()
    return {
        "charges": charges,
        "unbilled": unbilled,
        "with_copayment": with_copayment,
        "certificate": certificate,
        "copayment": copayment,
    }


# --- report ------------------------------------------------------------------------------------------------


def num(value) -> str:
    """Thousands apart by a space, as the other reports write them (26 300; 6 646 250.00 for money)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return f"{value:,.0f}".replace(",", " ")
    return f"{value:,}".replace(",", " ")


def verdict(ok: bool) -> str:
    return "**met**" if ok else "**missed**"


def report(args, plan: Plan, machine_line: str, setup: str, small: list[JobResult], big: JobResult,
           naive: list[tuple[int, float]], statements: tuple, reconciled: tuple, totals: dict) -> str:  # fmt: skip
    command = " ".join([".venv/bin/python", "bench/debits.py", *sys.argv[1:]])
    small_rate = statistics.median(r.rate for r in small)
    naive_rates = [n / s for n, s in naive]
    naive_rate = statistics.median(naive_rates)
    lines = [
        f"- **Date**: {date.today():%d %B %Y}",
        f"- **Machine**: {machine_line}",
        f"- **Set-up**: {setup}",
        f"- **Worker**: `celery -A config worker --pool solo` (the portal's Celery settings: acks_late, "
        "prefetch 1), DJANGO_SETTINGS_MODULE=bench.settings, a fresh process per run; the task "
        "`billing.run_debits` sent through a private Redis as beat sends it, with the run date; "
        f"batches of {args.batch_size_note}; PostgreSQL of DATABASE_URL (Unix socket).",
        f"- **Command**: `{command}`",
        "",
        "| run | marks | charges | batches | seconds | marks/s | worker RSS idle MB | worker peak RSS MB |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in [*small, big]:
        lines.append(
            f"| {r.name} ({r.day:%d.%m}) | {num(r.marks)} | {num(r.charged)} | {r.batches} | {r.seconds:.1f} "
            f"| **{num(r.rate)}** | {r.idle_rss_mb:.0f} | {r.peak_rss_mb:.0f} |"
        )
    for number, (n, s) in enumerate(naive, 1):
        lines.append(
            f"| naive: one ORM transaction per mark, part {number} | {num(n)} | {num(n)} | — | {s:.1f} | {num(n / s)} "
            "| — | — |"
        )
    peaks = [r.peak_rss_mb for r in small]
    lines += [
        "",
        f"Medians: the job {num(small_rate)} marks/s over the {len(small)} runs of {num(plan.contracts)} marks, "
        f"{num(big.rate)} marks/s on {num(big.marks)} marks; the naive way {num(naive_rate)} marks/s "
        f"({', '.join(f'{num(x)}' for x in naive_rates)}). Ratio job/naive (medians of the same run): "
        f"**{small_rate / naive_rate:.1f}×** at {num(plan.contracts)} marks, **{big.rate / naive_rate:.1f}×** at "
        f"{num(big.marks)}.",
        "",
        f"Worker peak RSS: {statistics.median(peaks):.0f} MB at {num(plan.contracts)} marks (median of "
        f"{len(small)}), {big.peak_rss_mb:.0f} MB at {num(big.marks)} marks: "
        f"{big.peak_rss_mb - statistics.median(peaks):+.0f} MB for {big.marks // plan.contracts}× the marks.",
        "",
        f"After the runs: {num(totals['charges'])} charges ({num(totals['with_copayment'])} with a co-payment), "
        f"{num(totals['certificate'])} ₽ from certificates, {num(totals['copayment'])} ₽ co-payments; marks left "
        f"unbilled: {totals['unbilled']}.",
    ]
    how, seconds, built = statements
    lines.append(
        f"One month's statements for {num(plan.providers)} providers ({how}): "
        + (
            f"**{seconds:.1f} s**, {num(built)} statements."
            if seconds is not None
            else "not measured (left for the lead)."
        )
    )
    rseconds, rok, rmismatches = reconciled
    lines.append(
        f"`reconcile` over the whole database after the runs: {rseconds:.1f} s, "
        + ("no mismatch." if rok else f"**{rmismatches} mismatches**.")
    )
    rate = big.rate
    lines += [
        "",
        "### Targets",
        "",
        "| target | goal | result |",
        "|---|---:|---:|",
        f"| marks charged per second ({num(big.marks)} marks) | ≥ 5 000 (aim 10 000) | {num(rate)} "
        f"{verdict(rate >= TARGETS['marks_per_second'])} |",
        f"| job / naive (medians, same run) | ≥ 10× | {big.rate / naive_rate:.1f}× "
        f"{verdict(big.rate / naive_rate >= TARGETS['naive_ratio'])} |",
        f"| worker memory does not grow with the marks | peak at {big.marks // plan.contracts}× the marks ≈ peak at "
        f"1× | {big.peak_rss_mb:.0f} MB vs {statistics.median(peaks):.0f} MB "
        f"{verdict(big.peak_rss_mb <= statistics.median(peaks) * 1.1 + 10)} |",
        f"| every mark charged once, ledger reconciled | 0 unbilled, 0 mismatches | "
        f"{verdict(totals['unbilled'] == 0 and rok)} |",
    ]
    return "\n".join(lines)


def write_docs(block: str) -> None:
    write_generated_block(script="bench/debits.py", section="Debit job", block=block)


# --- main ------------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--contracts", type=int, default=100_000)
    parser.add_argument("--providers", type=int, default=5_000)
    parser.add_argument("--lessons", type=int, default=10, help="lesson days (marks per contract) of the big run")
    parser.add_argument("--small-runs", type=int, default=3, help="runs of one lesson day (one mark per contract)")
    parser.add_argument("--naive", type=int, default=10_000, help="marks of the naive sample")
    parser.add_argument("--naive-chunks", type=int, default=3)
    parser.add_argument(
        "--profile", action="store_true", help="profile a batch even when the target is met (it is when missed)"
    )
    parser.add_argument("--keep-db", action="store_true", help="leave the scratch database for a look afterwards")
    parser.add_argument("--no-docs", action="store_true", help=f"do not write {DOCS.relative_to(ROOT)}")
    args = parser.parse_args()

    from devstack.faultlab import RedisServer
    from devstack.services import ensure_environment

    plan = make_plan(args)
    started = time.time()
    folder = Path(tempfile.mkdtemp(prefix="bench-debits-"))
    redis = RedisServer(folder)
    redis.start()
    os.environ["REDIS_URL"] = redis.broker_url
    ensure_environment()
    server_url = os.environ["DATABASE_URL"]
    db_name = f"bench_debits_{os.getpid()}"
    try:
        print(f"# Debit job, {date.today()}", flush=True)
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

        from billing.debits import BATCH_SIZE

        args.batch_size_note = f"{num(BATCH_SIZE)} marks"
        assert not settings.DEBUG and connection.settings_dict["NAME"] == db_name
        load_started = time.perf_counter()
        timings = populate(plan)
        load_s = time.perf_counter() - load_started
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_setting('server_version')")
            version = cursor.fetchone()[0]
        marks_total = plan.contracts * (plan.small_runs + plan.lessons) + plan.naive
        setup = (
            f"scratch database `{db_name}`: `manage.py migrate` {migrate_s:.0f} s, bulk data {load_s:.0f} s "
            f"({', '.join(f'{k} {v:.0f} s' for k, v in timings.items())}): {num(plan.providers)} providers, "
            f"{num(plan.groups)} groups, {num(plan.contracts)} contracts with their reserve, {num(marks_total)} PRESENT "
            f"marks on the weekdays of {plan.month:%m.%Y} from {plan.days[0]:%d.%m}; PostgreSQL {version}"
        )
        print(f"# {setup}", flush=True)
        connection.close()

        small = []
        for number in range(plan.small_runs):
            result = run_job(f"job, run {number + 1}", db_name, plan.days[number], folder)
            print(f"# {result.name}: {result.marks} marks in {result.seconds:.1f} s, {result.rate:.0f}/s, "
                  f"RSS {result.idle_rss_mb:.0f} → {result.peak_rss_mb:.0f} MB", flush=True)  # fmt: skip
            small.append(result)
        big_day = plan.days[plan.small_runs + plan.lessons - 1]
        big = run_job(f"job, {plan.lessons} lesson days", db_name, big_day, folder)
        print(f"# {big.name}: {big.marks} marks in {big.seconds:.1f} s, {big.rate:.0f}/s, "
              f"RSS {big.idle_rss_mb:.0f} → {big.peak_rss_mb:.0f} MB", flush=True)  # fmt: skip
        naive = run_naive(plan.days[-2], args.naive_chunks)
        print(f"# naive: {naive}", flush=True)
        profile, ab = None, []
        if args.profile or big.rate < TARGETS["marks_per_second"]:
            # Missed: where one batch's time goes, statement by statement.
            add_profile_marks(plan.days[-1], BATCH_SIZE)
            profile = profile_batch(plan.days[-1], BATCH_SIZE)
            print(profile_report(profile), flush=True)
            ab = plans_ab(weekdays_after(plan.days[-1], 6, date.today() - timedelta(days=1)), BATCH_SIZE)
            print(f"# plans A/B: {ab}", flush=True)
        statements = build_statements(plan.month)
        print(f"# statements: {statements}", flush=True)
        reconciled = run_reconcile()
        print(f"# reconcile: {reconciled}", flush=True)
        totals = counts()
        connection.close()
        worker_log = (folder / "worker.log").read_text(errors="replace").strip()
        if worker_log:
            print(f"worker log (last lines):\n{worker_log[-3000:]}", file=sys.stderr)
        block = report(args, plan, machine_line, setup, small, big, naive, statements, reconciled, totals)
        if profile is not None:
            block += "\n\n" + profile_report(profile)
        if ab:
            default = [rate for cost, rate in ab if cost == "4"]
            index = [rate for cost, rate in ab if cost != "4"]
            block += (
                f"\n\nThe same batches ({num(BATCH_SIZE)} marks, unprofiled, alternating) with the planner's default "
                f"`random_page_cost` 4: {', '.join(num(r) for r in default)} marks/s (median "
                f"{num(statistics.median(default))}); with `random_page_cost` 1.1 set for the job's session, so that "
                f"the batch's joins use the indexes instead of scanning the tables: "
                f"{', '.join(num(r) for r in index)} marks/s (median {num(statistics.median(index))})."
            )
        block += f"\n\nWall clock of the whole run: {(time.time() - started) / 60:.1f} min."
        print("\n" + block)
        if not args.no_docs:
            write_docs(block)
            print(f"# written to {DOCS.relative_to(ROOT)}", file=sys.stderr)
    finally:
        try:
            from django.db import connections

            connections.close_all()
        except Exception:  # Django not set up yet
            pass
        if not args.keep_db:
            admin_execute(server_url, f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')
        redis.stop()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
