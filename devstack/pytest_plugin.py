"""pytest plugin, registered with `-p` in pyproject.toml: the embedded servers before Django's settings.

pytest-django imports the settings in its own `pytest_load_initial_conftests`, before any conftest.py
is loaded, and the settings only read DATABASE_URL / REDIS_URL (importing them starts nothing). So
the servers are started here, in a plugin that pytest loads first, when those variables are unset.
"""

from __future__ import annotations

import os

import pytest


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config: pytest.Config, parser: pytest.Parser, args: list[str]) -> None:
    if os.environ.get("DATABASE_URL") and os.environ.get("REDIS_URL"):
        return  # nothing to start; importing devstack.services would still create .local/run
    from devstack.services import ensure_environment

    ensure_environment()  # left running for the next run, as manage.py leaves them
