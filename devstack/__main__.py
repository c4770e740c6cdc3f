"""`python -m devstack run|test|stop` — what `./run` and `./test` execute inside the virtualenv.

run:  embedded services (when DATABASE_URL / REDIS_URL are unset), migrate, demo region on first
      start, then gunicorn + Celery worker + Celery beat until Ctrl-C or SIGTERM stops them all.
test: embedded services, then the quality gates (ruff, lint-imports, makemigrations --check) and pytest.
stop: stop the embedded servers left running by `manage.py`.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from devstack import services

PYTHON = sys.executable
BIN = os.path.dirname(PYTHON)
DEMO_LOGINS = """\
Демо-доступ (пароль у всех: demo12345):
  parent    — родитель (Плавский район), вход по паролю
  provider  — сотрудник организации
  municipal — муниципальный оператор, /admin/
  admin     — региональный оператор, /admin/
Родители входят через «Войти через Госуслуги»: учебный стенд Госуслуг со всеми демо-родителями
  (например, Смирнова Елена Викторовна — та же, что parent)."""


def _manage(*args: str) -> None:
    subprocess.run([PYTHON, "manage.py", *args], check=True, cwd=services.ROOT)


def _start(name: str, argv: list[str]) -> subprocess.Popen:
    print(f"[devstack] starting {name}: {' '.join(argv)}", flush=True)
    # Own process group: Ctrl-C reaches us once, and we stop each child in order.
    return subprocess.Popen(argv, cwd=services.ROOT, start_new_session=True)


def _stop_children(children: dict[str, subprocess.Popen]) -> None:
    for proc in children.values():
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
    deadline = time.monotonic() + 15
    for name, proc in children.items():
        try:
            proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            print(f"[devstack] {name} did not stop in time; killing it", flush=True)
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def run() -> int:
    # gunicorn and Celery default to the production settings (config/wsgi.py, config/celery.py);
    # the development stack says which it wants.
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    started = services.ensure_environment()
    port = os.environ.get("PORT", "8000")
    host = os.environ.get("HOST", "127.0.0.1")
    children: dict[str, subprocess.Popen] = {}
    stopping = False

    def request_stop(signum, _frame):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    code = 0
    try:
        _manage("migrate", "--no-input")
        _manage("demo_region", "--if-empty")
        children["web"] = _start(
            "web",
            [
                os.path.join(BIN, "gunicorn"),
                "config.wsgi:application",
                "--bind",
                f"{host}:{port}",
                "--workers",
                "2",
                "--threads",
                "4",
                "--access-logfile",
                "-",
            ],
        )
        children["worker"] = _start(
            "worker",
            [os.path.join(BIN, "celery"), "-A", "config", "worker", "--loglevel", "INFO", "--concurrency", "2"],
        )
        children["beat"] = _start(
            "beat",
            [
                os.path.join(BIN, "celery"),
                "-A",
                "config",
                "beat",
                "--loglevel",
                "INFO",
                "--pidfile=",
                "--scheduler",
                "django_celery_beat.schedulers:DatabaseScheduler",
            ],
        )
        print(f"\n[devstack] Портал: http://{host}:{port}/   (healthz: http://{host}:{port}/healthz)", flush=True)
        print(DEMO_LOGINS + "\n[devstack] Ctrl-C останавливает всё.\n", flush=True)
        while not stopping:
            for name, proc in children.items():
                if proc.poll() is not None:
                    print(f"[devstack] {name} exited with code {proc.returncode}; stopping everything", flush=True)
                    stopping, code = True, 1
            time.sleep(0.5)
    except subprocess.CalledProcessError as exc:
        print(f"[devstack] set-up step failed: {exc}", file=sys.stderr)
        code = exc.returncode or 1
    finally:
        print("[devstack] stopping...", flush=True)
        _stop_children(children)
        services.stop(started)
        print("[devstack] stopped.", flush=True)
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
