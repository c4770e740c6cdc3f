"""The demo region loaded once for a class of tests."""

from __future__ import annotations

import pytest
from django.test import TestCase

from tests.demo.region import load


@pytest.fixture(scope="class")
def small_region(django_db_setup, django_db_blocker):
    """The default demo (`--scale small`), loaded once for the class and rolled back after it."""
    # TestCase's own outer transaction, so that the services' durable transactions may run inside it.
    with django_db_blocker.unblock():
        atomics = TestCase._enter_atomics()
        try:
            yield load()
        finally:
            TestCase._rollback_atomics(atomics)
