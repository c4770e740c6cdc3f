"""Helpers for tests that go around the ORM to prove the database itself refuses a row."""

from contextlib import contextmanager

import pytest
from django.db import IntegrityError, transaction
from psycopg2 import errorcodes


@contextmanager
def refused(constraint: str, sqlstate: str = errorcodes.CHECK_VIOLATION):
    """The statement inside fails with an IntegrityError naming `constraint`; the test goes on."""
    with pytest.raises(IntegrityError, match=constraint) as excinfo, transaction.atomic():
        yield excinfo
    assert excinfo.value.__cause__.pgcode == sqlstate
