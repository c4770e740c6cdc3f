"""`python -m devstack run|test|stop` — what `./run` and `./test` execute inside the virtualenv.

run:  embedded services (when DATABASE_URL / REDIS_URL are unset), migrate, demo region on first
      start, then the local SMTP sink (devstack/mailsink.py; EMAIL_URL points at it unless set, the mail
      is shown at /dev/mail/) + gunicorn + Celery worker + Celery beat, supervised: a process that dies is
      restarted with a growing delay; Ctrl-C, SIGTERM or a crash loop (one process exiting more than
      RESTART_LIMIT times within RESTART_WINDOW seconds) stops them all. DEBUG is off unless set.
      The children's pids are kept in .local/run.json while it runs. DEVSTACK_<NAME>_COMMAND
      (MAILSINK, WEB, WORKER, BEAT) replaces that process's command line, e.g. to try other options.
test: embedded services, then the quality gates (ruff, lint-imports, makemigrations --check) and pytest.
stop: stop the embedded servers left running by `manage.py`.
"""

from __future__ import annotations

import json
import os
import shlex
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field

from devstack import services

PYTHON = sys.executable
BIN = os.path.dirname(PYTHON)
STATUS_FILE = services.LOCAL / "run.json"
# A process that keeps dying is not fixed by restarting it again: after this many restarts of one
# process within the window, everything stops so that the error is seen.
RESTART_LIMIT = 5
RESTART_WINDOW = 60.0
FIRST_RESTART_DELAY = 0.5
MAX_RESTART_DELAY = 8.0
DEMO_LOGINS = """\
Демо-доступ (пароль у всех: demo12345):
  parent    — родитель (Плавский район), вход по паролю
  provider  — руководитель организации, /workplace/
  teacher   — педагог той же организации: журнал и ученики своих групп
  municipal — муниципальный оператор, /admin/
  admin     — региональный оператор, /admin/
Родители входят через «Войти через Госуслуги»: учебный стенд Госуслуг со всеми демо-родителями
  (например, Смирнова Елена Викторовна — та же, что parent)."""


def _manage(*args: str) -> None:
    subprocess.run([PYTHON, "manage.py", *args], check=True, cwd=services.ROOT)


def _say(message: str) -> None:
    print(f"[devstack] {message}", flush=True)


@dataclass
class Child:
    name: str
    argv: list[str]
    proc: subprocess.Popen | None = None
    start_at: float = 0.0  # monotonic time of the next start while waiting out a restart delay
    exits: list[float] = field(default_factory=list)  # monotonic times of its exits within the window

    def start(self) -> None:
        # Own process group: Ctrl-C reaches us once, and a dead child's leftovers (pool processes,
        # gunicorn workers holding the port) can be killed with it.
        self.proc = subprocess.Popen(self.argv, cwd=services.ROOT, start_new_session=True)

    def reap(self) -> int | None:
        """Its exit code once it has ended (what it left behind is killed), else None."""
        if self.proc is None or self.proc.poll() is None:
            return None
        code = self.proc.returncode
        _kill_group(self.proc.pid, signal.SIGKILL)
        self.proc = None
        return code


def _kill_group(pgid: int, sig: signal.Signals) -> None:
    try:
        os.killpg(pgid, sig)
    except ProcessLookupError:
        pass  # nothing left in the group


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _children(host: str, port: str, mail_port: int, mail_folder: str) -> list[Child]:
    celery = os.path.join(BIN, "celery")
    commands = {
        # First, so that it listens before the others send anything; restarted on the same port, which
        # the others' EMAIL_URL names.
        "mailsink": [PYTHON, "-m", "devstack.mailsink", "--port", str(mail_port), "--folder", mail_folder],
        "web": [
            os.path.join(BIN, "gunicorn"),
            "config.wsgi:application",
            "--bind",
            f"[{host}]:{port}" if ":" in host else f"{host}:{port}",
            "--workers",
            "2",
            "--threads",
            "4",
            "--access-logfile",
            "-",
        ],
        "worker": [celery, "-A", "config", "worker", "--loglevel", "INFO", "--concurrency", "2"],
        "beat": [
            celery,
            "-A",
            "config",
            "beat",
            "--loglevel",
            "INFO",
            "--pidfile=",
            "--scheduler",
            "django_celery_beat.schedulers:DatabaseScheduler",
        ],
    }
    return [
        Child(name, shlex.split(os.environ.get(f"DEVSTACK_{name.upper()}_COMMAND", "")) or argv)
        for name, argv in commands.items()
    ]


def _write_status(children: list[Child]) -> None:
    status = {"pid": os.getpid(), "children": {c.name: c.proc.pid if c.proc else None for c in children}}
    STATUS_FILE.parent.mkdir(exist_ok=True)
    partial = STATUS_FILE.with_suffix(".tmp")
    partial.write_text(json.dumps(status))
    partial.replace(STATUS_FILE)  # readers never see half a file


def _supervise(children: list[Child], stopping) -> int:
    """Keep the children running until `stopping()`; 1 when one of them is in a crash loop."""
    for child in children:
        child.start()
    _write_status(children)
    while not stopping():
        now = time.monotonic()
        changed = False
        for child in children:
            if child.proc is None and now >= child.start_at:
                child.start()
                changed = True
                _say(f"{child.name} restarted (pid {child.proc.pid})")
            code = child.reap()
            if code is None:
                continue
            changed = True
            child.exits = [t for t in child.exits if now - t < RESTART_WINDOW] + [now]
            if len(child.exits) > RESTART_LIMIT:
                _say(
                    f"{child.name} exited with code {code}, {len(child.exits)} times within {RESTART_WINDOW:.0f} s: "
                    "a crash loop; stopping everything"
                )
                return 1
            delay = min(FIRST_RESTART_DELAY * 2 ** (len(child.exits) - 1), MAX_RESTART_DELAY)
            child.start_at = now + delay
            _say(f"{child.name} exited with code {code}; restarting in {delay:g} s")
        if changed:
            _write_status(children)
        time.sleep(0.2)
    return 0


def _stop_children(children: list[Child]) -> None:
    running = [c for c in children if c.proc is not None]
    for child in running:
        _kill_group(child.proc.pid, signal.SIGTERM)
    deadline = time.monotonic() + 15
    for child in running:
        try:
            child.proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            _say(f"{child.name} did not stop in time; killing it")
        _kill_group(child.proc.pid, signal.SIGKILL)
        child.proc.wait()


def _allowed_hosts(host: str) -> str:
    hosts = ["localhost", "127.0.0.1", "[::1]"]
    if host in ("0.0.0.0", "::", ""):
        hosts.append("*")  # a wildcard bind is reached by whatever name or address the machine has
    else:
        hosts.append(f"[{host}]" if ":" in host else host)
    return ",".join(hosts)


def run() -> int:
    # gunicorn and Celery default to the production settings (config/wsgi.py, config/celery.py);
    # the development stack says which it wants.
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    # The portal as people meet it: its own error pages, one traceback per error in the log.
    # `DEBUG=1 ./run` gives Django's debug pages.
    os.environ.setdefault("DEBUG", "false")
    port = os.environ.get("PORT", "8000")
    host = os.environ.get("HOST", "127.0.0.1")
    os.environ.setdefault("ALLOWED_HOSTS", _allowed_hosts(host))
    # Mail goes to the local sink (shown at /dev/mail/) unless the developer named a server.
    mail_port = _free_port()
    mail_folder = os.environ.setdefault("DEVMAIL_FOLDER", str(services.LOCAL / "mail"))
    os.environ.setdefault("EMAIL_URL", f"smtp://127.0.0.1:{mail_port}")
    started = services.ensure_environment()
    children = _children(host, port, mail_port, mail_folder)
    stopping = False

    def request_stop(signum, _frame):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    code = 0
    try:
        _manage("migrate", "--no-input", "--verbosity", "0")
        _manage("demo_region", "--if-empty", "--verbosity", "0")
        # The catalog's search index, built whole at each start: then kept in step by the worker.
        _manage("search_index_rebuild", "--verbosity", "0")
        if not stopping:
            # Printed once, before the servers' own logs start, so that it is not lost among them.
            print(f"\n[devstack] Портал: http://{host}:{port}/   (healthz: http://{host}:{port}/healthz)")
            print(f"[devstack] Письма: http://{host}:{port}/dev/mail/")
            print(DEMO_LOGINS)
            print("[devstack] Упавший процесс перезапускается; Ctrl-C останавливает всё.\n", flush=True)
            code = _supervise(children, lambda: stopping)
    except subprocess.CalledProcessError as exc:
        print(f"[devstack] set-up step failed: {exc}", file=sys.stderr)
        code = exc.returncode or 1
    finally:
        _say("stopping...")
        _stop_children(children)
        STATUS_FILE.unlink(missing_ok=True)
        services.stop(started)
        _say("stopped.")
    return code


def test(pytest_args: list[str]) -> int:
    started = services.ensure_environment()
    try:
        steps = [
            ("ruff", [os.path.join(BIN, "ruff"), "check", "."]),
            # The layers of .importlinter: a lower layer never imports a higher one.
            ("layers", [os.path.join(BIN, "lint-imports"), "--no-cache"]),
            ("migrations", [PYTHON, "manage.py", "makemigrations", "--check", "--dry-run"]),
            ("pytest", [PYTHON, "-m", "pytest", *pytest_args]),
        ]
        for name, argv in steps:
            print(f"[test] {name}: {' '.join(argv)}", flush=True)
            result = subprocess.run(argv, cwd=services.ROOT)
            if result.returncode != 0:
                print(f"[test] {name} failed (exit {result.returncode})", file=sys.stderr, flush=True)
                return result.returncode
        return 0
    finally:
        services.stop(started)


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "run"
    if command == "run":
        return run()
    if command == "test":
        return test(argv[1:])
    if command == "stop":
        services.stop(["postgres", "redis"])
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
