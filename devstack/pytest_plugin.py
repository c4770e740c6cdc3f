"""Loaded with `-p devstack.pytest_plugin` before pytest-django reads the settings: with no
DATABASE_URL / REDIS_URL in the environment, the embedded PostgreSQL and Redis are started and used."""

from devstack.services import ensure_environment

ensure_environment()
