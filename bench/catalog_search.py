"""Benchmark the catalog search: server-side latency of the API and the results page, a naive
`icontains` baseline, and throughput of the results page under gunicorn against a bare view, each
in two modes measured in the same run:

- **cold**: the shared page cache off (CATALOG_PAGE_CACHE_SECONDS=0), the real cost of a search, what
  a signed-in user or a query nobody asked in the last 30 s pays;
- **warm**: the production default (GETs served from the Redis page cache of core.cache for
  CATALOG_PAGE_CACHE_SECONDS), what a visitor pays for a query asked recently.

Besides the anonymous results page, the same page **signed in**: a session of the demo parent (made
here, as a sign-in leaves it) with favourites among every query's first results and the elder child
chosen in «Для кого ищем», so that each page is the shared copy plus the parent's menu, favourite and
«Подходит» marks (navigator/personal.py); cold it is the anonymous render plus those.

    .venv/bin/python bench/catalog_search.py [--runs 30] [--reuse-db] [--duration 15] [--no-docs]
        [--scale full|small|tiny] [--no-signed-in]

--scale small (or tiny) loads a smaller region into bench_catalog_<scale> for a quick run on a busy
machine; only full-scale runs are written to docs/benchmarks.md.

1. The database `bench_catalog` (on the same server as DATABASE_URL, the embedded PostgreSQL when it
   is unset) is created, migrated and loaded with `manage.py demo_region --scale full --seed 71`,
   then analysed. With --reuse-db a database already loaded by this script is kept (only `migrate`
   and `ANALYZE` run again).
2. Latency, in process (django.test.Client, settings `bench.settings`: DEBUG off). Cold, under
   override_settings(CATALOG_PAGE_CACHE_SECONDS=0): after warm-up, every query of QUERIES is
   requested --runs times through the API and the results page, in interleaved rounds so that the
   machine's noise falls on every target alike. In the same rounds the search core alone
   (CatalogFilter: count, first page, facets) and the naive baseline (an `icontains` per word over
   title and description) are timed. Warm, with the configured CATALOG_PAGE_CACHE_SECONDS: the first
   request of every query and target fills the cache (excluded, reported as "fill"), then --runs
   interleaved rounds; cache hits and misses are counted.
3. Throughput: two gunicorn servers serve `config.wsgi` on free loopback ports, one with
   CATALOG_PAGE_CACHE_SECONDS=0 (cold), one with the default (warm); `wrk` loads the results page and
   the API (cycling through the queries) on each, and the bare view `/_bench/bare/`, in alternating
   rounds. Ratios are to the bare view of the same rounds.
4. Markdown tables go to stdout and, unless --no-docs, into the "Catalog search" section of
   docs/benchmarks.md (between the generated-block markers; text around them is kept).

--explain prints, for every query, the SQL of one API request (page cache off) with EXPLAIN (ANALYZE,
BUFFERS) of the statements slower than --explain-ms.
"""

from __future__ import annotations

import argparse
import datetime
import json
import math
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.docs import DOCS, write_generated_block  # noqa: E402  (after the path is set)
from bench.machine import machine  # noqa: E402
from bench.serving import wait_until_up  # noqa: E402  (after the path is set)

SEED = 71
# --scale chooses these (main → use_scale): the full region by default; smaller ones in their own databases.
SCALE = "full"
DB_NAME = "bench_catalog"
LOADED_MARK = f"demo_region --scale full --seed {SEED}"


def use_scale(scale: str) -> None:
    global SCALE, DB_NAME, LOADED_MARK
    SCALE = scale
    DB_NAME = "bench_catalog" if scale == "full" else f"bench_catalog_{scale}"
    LOADED_MARK = f"demo_region --scale {scale} --seed {SEED}"


SETTINGS = "bench.settings"
API_PATH = "/api/v1/programs/"
HTML_PATH = "/catalog/"
BARE_PATH = "/_bench/bare/"
PAGE_SIZE = 20
MUNICIPALITY = "Плавский район"
TARGETS = {"api_p95_ms": 50.0, "html_p95_ms": 100.0, "throughput_ratio": 0.25}
MODES = ("cold", "warm")

# (label, query string); `{plavsk}` becomes the id of Плавский район in the loaded database.
QUERIES: list[tuple[str, str]] = [
    ("word", "q=робототехника"),
    ("word", "q=футбол"),
    ("word", "q=шахматы"),
    ("word", "q=танцы"),
    ("misspelt", "q=робатотехника"),
    ("misspelt", "q=шахмоты"),
    ("misspelt", "q=футбл"),
    ("word + filters", "q=футбол&age=10&municipality={plavsk}"),
    ("word + filters", "q=рисование&direction=arts&free_seats=true"),
    ("filters", "direction=sports&age=8"),
    ("filters", "funding=FREE&weekday=5"),
    ("filters", "time_of_day=evening&special_needs=true"),
    ("empty", ""),
    ("sort", "sort=rating"),
    ("sort", "direction=technical&sort=start_date"),
]


# --- the database ----------------------------------------------------------------------------------


def with_database(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


def _connect(url: str):
    import psycopg2

    conn = psycopg2.connect(url)
    conn.autocommit = True
    return conn


def database_mark(server_url: str, name: str) -> str | None:
    """The comment this script leaves on a fully loaded database; None when the database is missing."""
    conn = _connect(with_database(server_url, "postgres"))
    with conn.cursor() as cur:
        cur.execute(
            "SELECT coalesce(shobj_description(oid, 'pg_database'), '') FROM pg_database WHERE datname = %s", [name]
        )
        row = cur.fetchone()
    conn.close()
    return None if row is None else row[0]


def recreate_database(server_url: str, name: str) -> None:
    conn = _connect(with_database(server_url, "postgres"))
    with conn.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cur.execute(f'CREATE DATABASE "{name}"')
    conn.close()


def manage(*args: str) -> float:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": SETTINGS, "BENCH_DATABASE_NAME": DB_NAME}
    started = time.perf_counter()
    subprocess.run([sys.executable, str(ROOT / "manage.py"), *args], env=env, cwd=ROOT, check=True)
    return time.perf_counter() - started


def prepare_database(server_url: str, reuse: bool) -> str:
    """Create, migrate, load and analyse the benchmark database; returns what was done."""
    mark = database_mark(server_url, DB_NAME)
    bench_url = with_database(server_url, DB_NAME)
    if reuse and mark == LOADED_MARK:
        manage("migrate", "--noinput", "-v", "0")  # a new index migration applies to the kept data too
        done = "reused (migrate only)"
    else:
        recreate_database(server_url, DB_NAME)
        migrate_seconds = manage("migrate", "--noinput", "-v", "0")
        load_seconds = manage("demo_region", "--scale", SCALE, "--seed", str(SEED), "-v", "0")
        conn = _connect(bench_url)
        with conn.cursor() as cur:
            cur.execute(f"COMMENT ON DATABASE \"{DB_NAME}\" IS '{LOADED_MARK}'")
        conn.close()
        done = f"created: migrate {migrate_seconds:.0f} s, demo_region {load_seconds:.0f} s"
    conn = _connect(bench_url)
    with conn.cursor() as cur:
        cur.execute("ANALYZE")
        cur.execute(
            "SELECT (SELECT count(*) FROM catalog_program), (SELECT count(*) FROM catalog_group), "
            "current_setting('server_version')"
        )
        programs, groups, version = cur.fetchone()
    conn.close()
    return f"{done}; {programs} programs, {groups} groups; PostgreSQL {version}"


# --- statistics ------------------------------------------------------------------------------------


def p50(samples: list[float]) -> float:
    return statistics.median(samples)


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20, method="inclusive")[18] if len(samples) > 1 else samples[0]


def geometric_mean(values: list[float]) -> float:
    return math.exp(sum(math.log(v) for v in values) / len(values)) if values else float("nan")


# --- latency, in process ---------------------------------------------------------------------------


@dataclass
class QueryResult:
    label: str
    query: str
    found: int = 0
    naive_found: int = 0
    times: dict[str, list[float]] = field(default_factory=dict)  # target → milliseconds


# The parts of the day as a plain start-time range (the search itself reads stored bits instead).
NAIVE_TIME_OF_DAY = {
    "morning": (datetime.time(0, 0), datetime.time(12, 0)),
    "afternoon": (datetime.time(12, 0), datetime.time(17, 0)),
    "evening": (datetime.time(17, 0), datetime.time(23, 59, 59, 999999)),
}


def naive_page(query_string: str):
    """The baseline: `icontains` per word over title and description, the plain column filters, count()
    and the first page. Weekday and time of day are matched on any schedule slot (no open-group check);
    `free_seats` is not applied; ordering is by title (by rating for sort=rating)."""
    from django.db.models import Exists, F, OuterRef, Q
    from django.http import QueryDict

    from catalog.models import Program, Provider, ScheduleSlot

    params = QueryDict(query_string)
    programs = Program.objects.filter(status=Program.Status.CERTIFIED, provider__status=Provider.Status.APPROVED)
    for word in re.findall(r"\w+", params.get("q", "").lower()):
        programs = programs.filter(Q(title__icontains=word) | Q(description__icontains=word))
    if params.getlist("municipality"):
        programs = programs.filter(provider__municipality_id__in=params.getlist("municipality"))
    if params.getlist("direction"):
        programs = programs.filter(direction__code__in=params.getlist("direction"))
    if params.getlist("funding"):
        programs = programs.filter(funding__in=params.getlist("funding"))
    if params.get("age"):
        programs = programs.filter(age_min__lte=int(params["age"]), age_max__gte=int(params["age"]))
    if params.get("special_needs") == "true":
        programs = programs.filter(special_needs=True)
    if params.getlist("weekday") or params.get("time_of_day"):
        slots = ScheduleSlot.objects.filter(group__program=OuterRef("pk"))
        if params.getlist("weekday"):
            slots = slots.filter(weekday__in=params.getlist("weekday"))
        if params.get("time_of_day"):
            start, end = NAIVE_TIME_OF_DAY[params["time_of_day"]]
            slots = slots.filter(start_time__gte=start, start_time__lt=end)
        programs = programs.filter(Exists(slots))
    if params.get("sort") == "rating":
        programs = programs.order_by(F("rating").desc(nulls_last=True), "title", "pk")
    else:
        programs = programs.order_by("title", "pk")
    count = programs.count()
    list(programs.select_related("provider__municipality", "direction")[:PAGE_SIZE])
    return count


def core_page(query_string: str) -> int:
    """The search layer alone, as the views use it: parameters, count, facets, first page."""
    from django.http import QueryDict

    from catalog.models import Program
    from search.filters import CatalogFilter

    filterset = CatalogFilter(data=QueryDict(query_string), queryset=Program.objects.all())
    if not filterset.is_valid():
        raise SystemExit(f"invalid benchmark query {query_string!r}: {filterset.errors}")
    results = filterset.qs
    count = results.count()
    list(results[:PAGE_SIZE])
    return count


def timed(function, *args) -> tuple[float, object]:
    started = time.perf_counter()
    value = function(*args)
    return (time.perf_counter() - started) * 1000, value


def http_get(client, path: str):
    response = client.get(path)
    if response.status_code != 200:
        raise SystemExit(f"GET {path} answered {response.status_code}")
    return response


def available(client, path: str) -> bool:
    return client.get(path).status_code == 200


class CountingCache:
    """Stands in for core.cache.cache to count the page cache's hits and misses."""

    def __init__(self, inner):
        self.inner, self.hits, self.misses = inner, 0, 0

    def get(self, *args, **kwargs):
        value = self.inner.get(*args, **kwargs)
        if value is None:
            self.misses += 1
        else:
            self.hits += 1
        return value

    def get_many(self, keys, *args, **kwargs):
        """A signed-in page reads the shared copy (the first key) with the user's own parts."""
        values = self.inner.get_many(keys, *args, **kwargs)
        if values.get(keys[0]) is None:
            self.misses += 1
        else:
            self.hits += 1
        return values

    def __getattr__(self, name):
        return getattr(self.inner, name)


def client_for(target: str, session_key: str | None):
    """An anonymous test client, or for the signed-in target one carrying the parent's session cookie."""
    from django.conf import settings
    from django.test import Client

    client = Client()
    if target in SIGNED_IN_TARGETS and session_key:
        client.cookies[settings.SESSION_COOKIE_NAME] = session_key
    return client


def measure_latency(
    queries: list[tuple[str, str]], runs: int, warmup: int, targets: dict[str, str], session_key: str | None = None
) -> list[QueryResult]:
    """Cold: the page cache off; interleaved rounds, every round times every query on every target
    and the naive baseline and the search core once."""
    from django.test import override_settings

    clients = {name: client_for(name, session_key) for name in targets}
    with override_settings(CATALOG_PAGE_CACHE_SECONDS=0):
        return _measure_cold(clients, queries, runs, warmup, targets)


def _measure_cold(clients, queries, runs, warmup, targets) -> list[QueryResult]:
    calls = {
        "naive": naive_page,
        "core": core_page,
        **{
            name: (lambda qs, prefix=prefix, client=clients[name]: http_get(client, f"{prefix}?{qs}"))
            for name, prefix in targets.items()
        },
    }
    results = [QueryResult(label, qs, times={name: [] for name in calls}) for label, qs in queries]
    for round_number in range(warmup + runs):
        for result in results:
            for name, call in calls.items():
                milliseconds, value = timed(call, result.query)
                if round_number < warmup:
                    if name == "naive":
                        result.naive_found = value
                    elif name == "core":
                        result.found = value
                    continue
                result.times[name].append(milliseconds)
        if round_number % 10 == 9 or round_number == warmup + runs - 1:
            print(f"  cold latency round {round_number + 1}/{warmup + runs}", file=sys.stderr, flush=True)
    return results


def measure_warm_latency(
    results: list[QueryResult], runs: int, targets: dict[str, str], seconds: int, session_key: str | None = None
) -> dict[str, tuple[int, int]]:
    """Warm: the page cache on for `seconds`. The first request of every query on every target fills
    the cache and is kept apart (`<target>_fill`); then `runs` interleaved rounds (`<target>_warm`).
    Returns (hits, misses) of the page cache during the timed rounds, per target."""
    from unittest import mock

    from django.test import override_settings

    import core.cache

    clients = {name: client_for(name, session_key) for name in targets}
    counts: dict[str, tuple[int, int]] = {}
    counter = CountingCache(core.cache.cache)
    with override_settings(CATALOG_PAGE_CACHE_SECONDS=seconds), mock.patch.object(core.cache, "cache", counter):
        for result in results:
            for name, prefix in targets.items():
                milliseconds, _ = timed(http_get, clients[name], f"{prefix}?{result.query}")
                result.times[f"{name}_fill"] = [milliseconds]
                result.times[f"{name}_warm"] = []
        for _round in range(runs):
            for result in results:
                for name, prefix in targets.items():
                    before = counter.hits, counter.misses
                    milliseconds, _ = timed(http_get, clients[name], f"{prefix}?{result.query}")
                    result.times[f"{name}_warm"].append(milliseconds)
                    hits, misses = counts.get(name, (0, 0))
                    counts[name] = (hits + counter.hits - before[0], misses + counter.misses - before[1])
        print(f"  warm latency: {runs} rounds, page cache hits/misses {counts}", file=sys.stderr, flush=True)
    return counts


def explain_queries(queries: list[tuple[str, str]], path: str, threshold_ms: float) -> None:
    """Print the statements of one request per query, each re-run 5 times (median), with
    EXPLAIN (ANALYZE, BUFFERS) of those slower than the threshold."""
    from django.db import connection
    from django.test import Client

    client = Client()
    for label, query_string in queries:
        statements: list[tuple[str, object]] = []

        def record(execute, sql, params, many, context):
            statements.append((sql, params))  # noqa: B023
            return execute(sql, params, many, context)

        http_get(client, f"{path}?{query_string}")  # warm
        with connection.execute_wrapper(record):
            milliseconds, _ = timed(http_get, client, f"{path}?{query_string}")
        medians = []
        with connection.cursor() as cursor:
            for sql, params in statements:
                medians.append(p50([timed(cursor.execute, sql, params)[0] for _ in range(5)]))
        total_sql = sum(medians)
        print(f"\n### {label}: `{path}?{query_string}` — {milliseconds:.1f} ms, {len(statements)} statements")
        print(f"SQL (median of 5 re-runs each) {total_sql:.1f} ms, the rest {milliseconds - total_sql:.1f} ms")
        for spent, (sql, _params) in zip(medians, statements, strict=True):
            flat = " ".join(sql.split())
            print(f"- {spent:7.1f} ms  {flat[:150]}{'…' if len(flat) > 150 else ''}")
        for spent, (sql, params) in zip(medians, statements, strict=True):
            if spent < threshold_ms:
                continue
            with connection.cursor() as cursor:
                cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
                plan = "\n".join(row[0] for row in cursor.fetchall())
                print(f"\n```sql\n{cursor.mogrify(sql, params).decode().strip()}\n```\n```\n{plan}\n```")


# --- the signed-in parent ---------------------------------------------------------------------------

# The demo parent (demo/logins.py: two confirmed children in Плавский район).
SIGNED_IN_USER = "parent"
SIGNED_IN_TARGETS = ("signed",)
FAVOURITES_PER_QUERY = 3


def signed_in_session(queries: list[tuple[str, str]]) -> tuple[str, str]:
    """A session of the demo parent as a sign-in leaves it, the elder child chosen in the catalog
    («Для кого ищем») and favourites among the first results of every query, so that each page's marks
    are really looked up and found. Returns (session key, what it holds)."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
    from django.http import QueryDict

    from catalog.favourites import favourite_add
    from catalog.models import Program
    from certificates.selectors import parent_children
    from navigator.personal import CHILD_SESSION_KEY
    from search.filters import CatalogFilter

    user = get_user_model().objects.get(username=SIGNED_IN_USER)
    child = parent_children(parent=user).order_by("birth_date").first()
    for _label, query_string in queries:
        filterset = CatalogFilter(data=QueryDict(query_string), queryset=Program.objects.all())
        if filterset.is_valid():
            for program in filterset.qs[:FAVOURITES_PER_QUERY]:
                favourite_add(user=user, program=program)
    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    if child is not None:
        session[CHILD_SESSION_KEY] = child.pk
    session.save()
    favourites = user.favourites.count()
    return session.session_key, (
        f"`{SIGNED_IN_USER}` (demo parent), {favourites} favourites, "
        f"child chosen: {'yes, born ' + child.birth_date.isoformat() if child else 'none'}"
    )


# --- throughput under gunicorn ---------------------------------------------------------------------

WRK_SCRIPT = """
local paths = {%(paths)s}
%(headers)s
local i = 0
request = function()
  i = i %% #paths + 1
  return wrk.format("GET", paths[i])
end
done = function(summary, latency, requests)
  io.write(string.format(
    'BENCH {"requests": %%.0f, "duration_us": %%.0f, "status_errors": %%.0f, "socket_errors": %%.0f, ' ..
    '"p50_us": %%.0f, "p99_us": %%.0f}\\n',
    summary.requests, summary.duration, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50), latency:percentile(99)))
end
"""


@dataclass
class LoadResult:
    name: str
    rps: list[float] = field(default_factory=list)
    p50_ms: list[float] = field(default_factory=list)
    errors: int = 0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(port: int, workers: int, threads: int, log: Path, cache_seconds: int | None) -> subprocess.Popen:
    """`cache_seconds` None leaves CATALOG_PAGE_CACHE_SECONDS to the settings' default."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": SETTINGS, "BENCH_DATABASE_NAME": DB_NAME}
    env.pop("CATALOG_PAGE_CACHE_SECONDS", None)
    if cache_seconds is not None:
        env["CATALOG_PAGE_CACHE_SECONDS"] = str(cache_seconds)
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "config.wsgi:application",
        f"--bind=127.0.0.1:{port}",
        f"--workers={workers}",
        "--worker-class=gthread",
        f"--threads={threads}",
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


def run_wrk(
    base_url: str, paths: list[str], seconds: int, connections: int, folder: Path, cookie: str | None = None
) -> dict:
    """`cookie`: a Cookie header sent with every request (the signed-in parent's session)."""
    script = folder / f"paths_{abs(hash((tuple(paths), cookie)))}.lua"
    # Percent-encoded, so the request line is ASCII and the Lua strings need no escapes.
    quoted = (json.dumps(quote(p, safe="/?=&")) for p in paths)
    headers = f'wrk.headers["Cookie"] = {json.dumps(cookie)}' if cookie else ""
    script.write_text(WRK_SCRIPT % {"paths": ", ".join(quoted), "headers": headers}, encoding="utf-8")
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "-s", str(script), base_url]
    finished = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60, check=True)
    line = next((x for x in finished.stdout.splitlines() if x.startswith("BENCH ")), None)
    if line is None:
        raise SystemExit(f"wrk printed no summary:\n{finished.stdout}\n{finished.stderr}")
    return json.loads(line.removeprefix("BENCH "))


def measure_throughput(
    loads: dict[str, tuple[str, list[str], str | None]],
    *,
    seconds: int,
    rounds: int,
    connections: int,
    workers: int,
    threads: int,
) -> dict[str, LoadResult]:
    """`loads` maps a name to (mode, paths, cookie or None); one gunicorn per mode (cold: CATALOG_PAGE_CACHE_SECONDS=0,
    warm: the default), all up at once and idle but for the round being measured."""
    results = {name: LoadResult(name) for name in loads}
    with tempfile.TemporaryDirectory(prefix="bench-wrk-") as tmp:
        folder = Path(tmp)
        servers: dict[str, tuple[str, subprocess.Popen]] = {}
        try:
            for mode in sorted({mode for mode, _paths, _cookie in loads.values()}):
                port = free_port()
                log = folder / f"gunicorn-{mode}.log"
                server = start_gunicorn(port, workers, threads, log, 0 if mode == "cold" else None)
                servers[mode] = (f"http://127.0.0.1:{port}", server)
            for base_url, server in servers.values():
                wait_until_up(base_url + BARE_PATH, server, 60)
            for mode, paths, cookie in loads.values():  # warm every worker: imports, templates, connections, caches
                run_wrk(servers[mode][0], paths, 3, connections, folder, cookie)
            for round_number in range(rounds):
                for name, (mode, paths, cookie) in loads.items():
                    summary = run_wrk(servers[mode][0], paths, seconds, connections, folder, cookie)
                    result = results[name]
                    result.rps.append(summary["requests"] / (summary["duration_us"] / 1e6))
                    result.p50_ms.append(summary["p50_us"] / 1000)
                    result.errors += int(summary["status_errors"] + summary["socket_errors"])
                    print(
                        f"  wrk round {round_number + 1}/{rounds} {name}: {result.rps[-1]:.0f} req/s",
                        file=sys.stderr,
                        flush=True,
                    )
        finally:
            for mode, (_, server) in servers.items():
                stop_gunicorn(server)
                log = (folder / f"gunicorn-{mode}.log").read_text(encoding="utf-8", errors="replace").strip()
                if log:
                    print(f"gunicorn ({mode}) log:\n{log[-3000:]}", file=sys.stderr)
    return results


# --- report ----------------------------------------------------------------------------------------


def verdict(ok: bool) -> str:
    return "**met**" if ok else "**missed**"


def latency_tables(
    results: list[QueryResult], targets: dict[str, str], counts: dict[str, tuple[int, int]]
) -> tuple[list[str], dict[str, float]]:
    lines: list[str] = []
    overall: dict[str, float] = {}
    names = {
        "api": "API `GET /api/v1/programs/`",
        "html": "results page `GET /catalog/`",
        "signed": "results page `GET /catalog/` **signed in** (the demo parent: favourites, a chosen child)",
    }
    for target in targets:
        warm = f"{target}_warm"
        lines += [
            f"{names[target]}, ms:",
            "",
            "| # | kind | query | results | cold p50 | cold p95 | warm fill | warm p50 | warm p95 "
            "| naive p50 | naive results | naive / cold (p50) |",
            "|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        ratios = []
        for number, r in enumerate(results, 1):
            ours, naive, hot = r.times[target], r.times["naive"], r.times[warm]
            ratio = p50(naive) / p50(ours)
            ratios.append(ratio)
            lines.append(
                f"| {number} | {r.label} | `{r.query or '(empty)'}` | {r.found} | {p50(ours):.1f} | {p95(ours):.1f} "
                f"| {r.times[f'{target}_fill'][0]:.1f} | {p50(hot):.1f} | {p95(hot):.1f} "
                f"| {p50(naive):.1f} | {r.naive_found} | {ratio:.2f} |"
            )
        pooled = [t for r in results for t in r.times[target]]
        pooled_warm = [t for r in results for t in r.times[warm]]
        fills = [r.times[f"{target}_fill"][0] for r in results]
        naive_pass = sum(p50(r.times["naive"]) for r in results)
        ours_pass = sum(p50(r.times[target]) for r in results)
        overall[f"{target}_cold_p50"], overall[f"{target}_cold_p95"] = p50(pooled), p95(pooled)
        overall[f"{target}_warm_p50"], overall[f"{target}_warm_p95"] = p50(pooled_warm), p95(pooled_warm)
        overall[f"{target}_naive_ratio"] = naive_pass / ours_pass
        overall[f"{target}_naive_geo"] = geometric_mean(ratios)
        hits, misses = counts.get(target, (0, 0))
        lines += [
            f"| | **all** | {len(results)} queries × {len(pooled) // len(results)} | | **{p50(pooled):.1f}** "
            f"| **{p95(pooled):.1f}** | {p50(fills):.1f} | **{p50(pooled_warm):.1f}** | **{p95(pooled_warm):.1f}** "
            f"| {p50([t for r in results for t in r.times['naive']]):.1f} | "
            f"| {naive_pass / ours_pass:.2f} (one pass), {geometric_mean(ratios):.2f} (geo. mean) |",
            "",
            f"Warm rounds: {hits} page-cache hits, {misses} misses.",
            "",
        ]
    core = [t for r in results for t in r.times["core"]]
    lines += [
        "Search core alone, cold (CatalogFilter: count, facets, first page; no view, serializer or template), "
        f"all queries: p50 {p50(core):.1f} ms, p95 {p95(core):.1f} ms; per query p50: "
        + ", ".join(f"{n} {p50(r.times['core']):.0f}" for n, r in enumerate(results, 1))
        + " ms.",
        "",
    ]
    return lines, overall


def throughput_table(loads: dict[str, LoadResult], descriptions: dict[str, str]) -> tuple[list[str], dict]:
    bare = statistics.median(loads["bare"].rps)
    lines = [
        "| mode | page | req/s per round | median req/s | wrk p50 latency, ms | errors | ratio to bare |",
        "|---|---|---|---:|---:|---:|---:|",
    ]
    ratios = {}
    for name, result in loads.items():
        median = statistics.median(result.rps)
        ratios[name] = median / bare
        mode, page = descriptions[name]
        lines.append(
            f"| {mode} | {page} | {', '.join(f'{x:.0f}' for x in result.rps)} | {median:.0f} "
            f"| {statistics.median(result.p50_ms):.1f} | {result.errors} | {median / bare:.3f} |"
        )
    return lines, ratios


def write_docs(block: str) -> None:
    write_generated_block(script="bench/catalog_search.py", section="Catalog search", block=block)


# --- main ------------------------------------------------------------------------------------------


def search_index_line() -> str:
    """Build the catalog's search index of the benchmark database (search.engine), unless the run is
    PostgreSQL's alone; what the run searches with, for the docs."""
    from django.conf import settings

    from search.engine import index_rebuild

    if not settings.SEARCH_INDEX_DIR:
        return "PostgreSQL alone (`--postgres-only`: no search index)"
    started = time.perf_counter()
    programs = index_rebuild()
    return (
        f"the catalog's search index (search.engine, Tantivy) answers counts, facets and page ids; built "
        f"first ({programs} programs, {time.perf_counter() - started:.1f} s); the pages' rows from PostgreSQL"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=30, help="timed repetitions of every query (default 30)")
    parser.add_argument("--warmup", type=int, default=3, help="untimed rounds first (default 3)")
    parser.add_argument("--reuse-db", action="store_true", help=f"keep {DB_NAME} between runs; load it only once")
    parser.add_argument("--prepare-only", action="store_true", help="prepare the database and stop")
    parser.add_argument("--duration", type=int, default=15, help="seconds of every wrk round (default 15)")
    parser.add_argument("--rounds", type=int, default=2, help="wrk rounds per page, alternating (default 2)")
    parser.add_argument("--connections", type=int, default=8, help="wrk connections (default 8)")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn gthread workers (default 3)")
    parser.add_argument("--threads", type=int, default=2, help="threads per gunicorn worker (default 2)")
    parser.add_argument("--skip-throughput", action="store_true")
    parser.add_argument("--no-docs", action="store_true", help=f"do not write {DOCS.relative_to(ROOT)}")
    parser.add_argument("--explain", action="store_true", help="print SQL and EXPLAIN ANALYZE per query, then stop")
    parser.add_argument("--explain-ms", type=float, default=5.0)
    parser.add_argument("--only", help="comma-separated numbers of the queries to run (1-based), e.g. 13,14")
    parser.add_argument(
        "--scale",
        choices=("full", "small", "tiny"),
        default="full",
        help="the demo region's scale (default full: bench_catalog; others load bench_catalog_<scale>)",
    )
    parser.add_argument("--no-signed-in", action="store_true", help="leave out the signed-in parent's page")
    parser.add_argument(
        "--postgres-only",
        action="store_true",
        help="search in PostgreSQL alone (no search index: the baseline of search.engine)",
    )
    args = parser.parse_args()
    use_scale(args.scale)
    if args.runs < 2 or args.rounds < 1 or args.duration < 1:
        parser.error("--runs must be at least 2, --rounds and --duration at least 1")

    from devstack.services import ensure_environment

    ensure_environment()
    started = time.time()
    print(f"# Catalog search benchmark, {date.today()}", flush=True)
    machine_line = machine(with_load=True)
    print(f"# machine: {machine_line}", flush=True)
    database_line = prepare_database(os.environ["DATABASE_URL"], args.reuse_db)
    print(f"# database {DB_NAME}: {database_line}", flush=True)
    if args.prepare_only:
        return

    os.environ["DJANGO_SETTINGS_MODULE"] = SETTINGS
    os.environ["BENCH_DATABASE_NAME"] = DB_NAME
    os.environ["BENCH_CACHE_PREFIX"] = f"navigator-bench-{os.getpid()}-{int(started)}"  # no hits from before
    if args.postgres_only:
        os.environ["BENCH_SEARCH_INDEX_DIR"] = ""  # the servers inherit it
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client, override_settings

    from catalog.models import Municipality

    assert not settings.DEBUG and connection.settings_dict["NAME"] == DB_NAME
    warm_seconds = settings.CATALOG_PAGE_CACHE_SECONDS
    if warm_seconds <= 0:
        raise SystemExit("CATALOG_PAGE_CACHE_SECONDS is 0 here: unset it so that the warm mode has its default")
    search_line = search_index_line()
    print(f"# search: {search_line}", flush=True)
    plavsk = Municipality.objects.get(name=MUNICIPALITY).pk
    queries = [(label, qs.format(plavsk=plavsk)) for label, qs in QUERIES]
    if args.only:
        queries = [queries[int(n) - 1] for n in args.only.split(",")]
    client = Client()
    with override_settings(CATALOG_PAGE_CACHE_SECONDS=0):  # a probe must not fill the cache for the warm rounds
        targets = {name: path for name, path in (("api", API_PATH), ("html", HTML_PATH)) if available(client, path)}
    session_key = signed_in_line = None
    if "html" in targets and not args.no_signed_in:
        session_key, signed_in_line = signed_in_session(queries)
        targets["signed"] = HTML_PATH
        print(f"# signed in: {signed_in_line}", flush=True)
    missing = sorted({"api", "html"} - set(targets))
    if missing:
        print(f"# not answering 200 yet, left out: {', '.join(missing)}", flush=True)

    if args.explain:
        with override_settings(CATALOG_PAGE_CACHE_SECONDS=0):  # the statements of a search, not a cache hit
            for path in targets.values():
                explain_queries(queries, path, args.explain_ms)
        return

    print(f"# latency: {len(queries)} queries × {args.runs} runs after {args.warmup} warm-up rounds", flush=True)
    results = measure_latency(queries, args.runs, args.warmup, targets, session_key)
    counts = measure_warm_latency(results, args.runs, targets, warm_seconds, session_key)

    lines = [
        f"- **Date**: {date.today():%d %B %Y}",
        f"- **Machine**: {machine_line}",
        f"- **Database**: `{DB_NAME}`, `manage.py demo_region --scale {SCALE} --seed {SEED}` then `ANALYZE` "
        f"({database_line}), embedded PostgreSQL on a Unix socket.",
        f"- **Search**: {search_line}",
        *([f"- **Signed in**: {signed_in_line}"] if signed_in_line else []),
        f"- **Command**: `{' '.join(['.venv/bin/python', 'bench/catalog_search.py', *sys.argv[1:]])}`",
        "",
    ]
    summary: list[str] = []
    overall: dict[str, float] = {}
    if targets:
        lines += [
            "### Server-side latency",
            "",
            "In process (`django.test.Client`, anonymous, settings `bench.settings`: DEBUG off); "
            "`time.perf_counter` around `client.get`. **Cold**: the page cache off "
            "(`override_settings(CATALOG_PAGE_CACHE_SECONDS=0)`: what a signed-in user or a query not asked in "
            f"the last {warm_seconds} s pays), warm-up rounds: {args.warmup}, then {args.runs} interleaved rounds of "
            "every query on every target. **Warm**: the production default, anonymous pages shared from the Redis "
            f"page cache for {warm_seconds} s; the first request of every query (*fill*, a miss that renders and "
            f"stores the page) is kept out, then {args.runs} interleaved rounds. *Naive* is `Program.objects.filter(status=CERTIFIED, provider__status=APPROVED)` with "
            "`Q(title__icontains=w) | Q(description__icontains=w)` for each word of `q`, the municipality, "
            "direction, funding, age and special-needs filters, weekday/time of day on any schedule slot, no "
            "`free_seats`, ordered by title (rating for `sort=rating`), `count()` + first page of 20; it is "
            "timed in the same rounds. *Results* is the count of matching programs.",
            "",
        ]
        table, overall = latency_tables(results, targets, counts)
        lines += table
    else:
        core = [t for r in results for t in r.times["core"]]
        naive = [t for r in results for t in r.times["naive"]]
        lines += [f"Neither page answered yet; core p50 {p50(core):.1f} ms, naive p50 {p50(naive):.1f} ms.", ""]

    throughput_ratio = None
    if not args.skip_throughput and "html" in targets:
        loads: dict[str, tuple[str, list[str], str | None]] = {}
        descriptions = {}
        cookie = f"{settings.SESSION_COOKIE_NAME}={session_key}" if session_key else None
        for mode in MODES:
            loads[f"html_{mode}"] = (mode, [f"{HTML_PATH}?{qs}" for _, qs in queries], None)
            descriptions[f"html_{mode}"] = (mode, f"results page, cycling the {len(queries)} queries")
            if cookie:
                loads[f"signed_{mode}"] = (mode, [f"{HTML_PATH}?{qs}" for _, qs in queries], cookie)
                descriptions[f"signed_{mode}"] = (mode, "results page **signed in** (session cookie), same queries")
            if "api" in targets:
                loads[f"api_{mode}"] = (mode, [f"{API_PATH}?{qs}" for _, qs in queries], None)
                descriptions[f"api_{mode}"] = (mode, f"API, cycling the {len(queries)} queries")
        loads["bare"] = ("cold", [BARE_PATH], None)
        descriptions["bare"] = ("—", "bare view (constant page, never cached)")
        print(f"# throughput: gunicorn {args.workers} × {args.threads} gthread, wrk", flush=True)
        measured = measure_throughput(
            loads,
            seconds=args.duration,
            rounds=args.rounds,
            connections=args.connections,
            workers=args.workers,
            threads=args.threads,
        )
        table, ratios = throughput_table(measured, descriptions)
        throughput_ratio = ratios
        lines += [
            "### Throughput under gunicorn",
            "",
            f"Two `gunicorn config.wsgi:application` servers, each {args.workers} gthread workers × {args.threads} "
            "threads (DJANGO_SETTINGS_MODULE=bench.settings) on 127.0.0.1, up at the same time: *cold* with "
            f"`CATALOG_PAGE_CACHE_SECONDS=0`, *warm* with the default ({warm_seconds} s); the bare view is loaded "
            f"on the cold one. `wrk -t2 -c{args.connections} -d{args.duration}s` (no cookies: anonymous; the *signed in* "
            "rows send the demo parent's session cookie) with a "
            f"Lua script cycling through the query URLs; {args.rounds} alternating rounds per row after a 3 s "
            "warm-up of each; wrk runs on the same 2 cores. Warm: each query's page is rendered again once "
            f"every {warm_seconds} s, so a round is mostly cache hits.",
            "",
            *table,
            "",
        ]

    summary += [
        "### Targets",
        "",
        "| target | goal | cold (no page cache) | | warm (page cache, anonymous) | |",
        "|---|---:|---:|---|---:|---|",
    ]
    for target, label in (
        ("api", "API p95, all queries"),
        ("html", "results page p95, all queries"),
        ("signed", "results page signed in p95, all queries"),
    ):
        if target in targets:
            goal = TARGETS[f"{'html' if target == 'signed' else target}_p95_ms"]
            cold, warm = overall[f"{target}_cold_p95"], overall[f"{target}_warm_p95"]
            summary.append(
                f"| {label} | ≤ {goal:.0f} ms | {cold:.1f} ms | {verdict(cold <= goal)} "
                f"| {warm:.1f} ms | {verdict(warm <= goal)} |"
            )
    if throughput_ratio is not None:
        goal = TARGETS["throughput_ratio"]
        cold, warm = throughput_ratio["html_cold"], throughput_ratio["html_warm"]
        summary.append(
            f"| results page / bare view throughput | ≥ {goal} | {cold:.3f} | {verdict(cold >= goal)} "
            f"| {warm:.3f} | {verdict(warm >= goal)} |"
        )
        if "signed_cold" in throughput_ratio:
            cold, warm = throughput_ratio["signed_cold"], throughput_ratio["signed_warm"]
            summary.append(
                f"| results page **signed in** / bare view throughput | ≥ {goal} | {cold:.3f} | {verdict(cold >= goal)} "
                f"| {warm:.3f} | {verdict(warm >= goal)} |"
            )
        if "api_cold" in throughput_ratio:
            summary.append(
                f"| API / bare view throughput (no target) | — | {throughput_ratio['api_cold']:.3f} | "
                f"| {throughput_ratio['api_warm']:.3f} | |"
            )
    if "api" in targets:
        summary.append(
            f"| naive / API cold, one pass of all queries (p50) | — | {overall['api_naive_ratio']:.2f}× "
            f"| geo. mean {overall['api_naive_geo']:.2f}× | | |"
        )
    summary += ["", f"Wall clock of the run: {(time.time() - started) / 60:.1f} min.", ""]
    block = "\n".join([*lines, *summary])
    print("\n" + block)
    if not args.no_docs and targets and SCALE == "full":  # docs keep the full-scale figures only
        write_docs(block)
        print(f"# written to {DOCS.relative_to(ROOT)}", file=sys.stderr)


if __name__ == "__main__":
    main()
