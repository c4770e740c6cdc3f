"""Production configuration: loud failures on missing settings, a clean `check --deploy`, and a
docker-compose.yml whose every command names something that exists in the project."""

import importlib.util
import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "config.settings.production",
    "SECRET_KEY": "x" * 24 + "-production-secret-" + "y" * 24,
    "ALLOWED_HOSTS": "navigator.example.ru",
    "DATABASE_URL": "postgres://navigator:secret@db.example.ru:5432/navigator",
    "REDIS_URL": "redis://redis.example.ru:6379/0",
    "ESIA_TOKEN_CERTIFICATE_PATH": "/run/secrets/esia-token.pem",
}


def _manage(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if k not in PRODUCTION_ENV}
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env={**base, **env}, capture_output=True, text=True, timeout=120
    )


def test_production_settings_pass_check_deploy_without_warnings():
    result = _manage(["check", "--deploy", "--fail-level", "WARNING"], PRODUCTION_ENV)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    "variable", ["SECRET_KEY", "DATABASE_URL", "REDIS_URL", "ALLOWED_HOSTS", "ESIA_TOKEN_CERTIFICATE_PATH"]
)
def test_production_refuses_to_start_without(variable):
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != variable}

    result = _manage(["check"], env)

    assert result.returncode != 0
    assert f"Set the {variable} environment variable" in result.stderr


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        (
            "ESIA_SIGNER",
            "esia.signers.DevelopmentSigner",
            "ESIA_SIGNER=esia.signers.DevelopmentSigner is for development",
        ),
        ("ESIA_STANDIN_ENABLED", "true", "the local Gosuslugi stand-in is for development and tests only"),
    ],
)
def test_production_refuses_the_gosuslugi_development_signer_and_stand_in(variable, value, message):
    result = _manage(["check"], {**PRODUCTION_ENV, variable: value})

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr


def test_production_never_starts_embedded_servers():
    result = _manage(["shell", "-c", "import sys; print('devstack.services' in sys.modules)"], PRODUCTION_ENV)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "False"


def test_production_does_not_install_the_demo_region():
    """The demo writes made-up families and bulk-loads ledger rows: development settings only."""
    code = (
        "from django.conf import settings; from django.core.management import get_commands; "
        "print('demo' in settings.INSTALLED_APPS, 'demo_region' in get_commands())"
    )
    result = _manage(["shell", "-c", code], PRODUCTION_ENV)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "False False"


def test_production_does_not_install_the_development_mail_page():
    """/dev/mail/ shows every message the portal sent to anyone who opens it: development settings only."""
    code = (
        "from django.conf import settings; from django.urls import resolve, Resolver404\n"
        "try:\n"
        "    resolve('/dev/mail/'); routed = True\n"
        "except Resolver404:\n"
        "    routed = False\n"
        "print('devmail' in settings.INSTALLED_APPS, routed)"
    )
    result = _manage(["shell", "-c", code], PRODUCTION_ENV)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "False False"


def _compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def _module_exists(dotted: str) -> bool:
    sys.path.insert(0, str(ROOT))
    try:
        return importlib.util.find_spec(dotted) is not None
    finally:
        sys.path.remove(str(ROOT))


def _check_command(argv: list[str]) -> None:
    program = argv[0]
    if program == "gunicorn":
        module, _, attribute = argv[1].partition(":")
        assert _module_exists(module), f"gunicorn app module {module} is missing"
        assert attribute == "application"
    elif program == "celery":
        app = argv[argv.index("-A") + 1]
        assert _module_exists(f"{app}.celery"), f"celery app {app} is missing"
        assert argv[argv.index("-A") + 2] in {"worker", "beat"}
        if "--scheduler" in argv:
            module, _, cls = argv[argv.index("--scheduler") + 1].partition(":")
            assert _module_exists(module) and cls == "DatabaseScheduler"
    elif program == "python":
        assert (ROOT / argv[1]).exists(), f"{argv[1]} is missing"
        from django.core.management import get_commands

        assert argv[2] in get_commands(), f"management command {argv[2]} is missing"
    elif program in {"redis-server"}:
        pass  # the official image's own binary
    else:
        pytest.fail(f"unexpected command {argv!r} in docker-compose.yml")


def test_every_compose_command_names_something_that_exists():
    services = _compose()["services"]
    assert {"db", "redis", "web", "worker", "beat"} <= set(services)
    for service in services.values():
        command = service.get("command")
        if command is None:
            continue
        argv = command if isinstance(command, list) else shlex.split(command)
        _check_command(argv)


def test_compose_app_services_read_the_same_environment_and_build_this_project():
    services = _compose()["services"]
    for name in ("web", "worker", "beat", "migrate"):
        assert services[name]["env_file"] == ".env"
        assert services[name]["build"] == "."
    assert (ROOT / "Dockerfile").exists()
    assert services["db"]["image"].startswith("postgres:")
    assert services["redis"]["image"].startswith("redis:")
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "requirements.txt" in dockerfile and "config.wsgi:application" in dockerfile


def test_env_example_names_every_variable_production_requires():
    names = {line.split("=", 1)[0] for line in (ROOT / ".env.example").read_text().splitlines() if "=" in line}
    assert set(PRODUCTION_ENV) <= names


@pytest.mark.parametrize("module", ["config.wsgi", "config.celery"])
def test_servers_started_without_settings_get_the_production_ones(module):
    """gunicorn or Celery started without DJANGO_SETTINGS_MODULE must not run the development settings
    (embedded servers, the Gosuslugi stand-in): they load production's, which insist on their variables."""
    env = {k: v for k, v in os.environ.items() if k not in PRODUCTION_ENV and k != "DJANGO_SETTINGS_MODULE"}
    code = f"import {module}, django.conf; print(django.conf.settings.SETTINGS_MODULE)"

    bare = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    configured = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**env, **{k: v for k, v in PRODUCTION_ENV.items() if k != "DJANGO_SETTINGS_MODULE"}},
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert bare.returncode != 0 and "ImproperlyConfigured: Set the " in bare.stderr
    assert configured.returncode == 0, configured.stderr
    assert configured.stdout.strip().splitlines()[-1] == "config.settings.production"
