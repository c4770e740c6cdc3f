"""Row locks with a short wait, the one way services lock what they change.

A lock that is not granted within LOCK_TIMEOUT_MS raises Busy ("busy, try again") instead of
queueing a request for as long as the holder takes: on enrollment opening day a crowd waits on the
same group row, and a clear 409 with Retry-After serves them better than a page that hangs.

The lock order of the whole system (every service keeps to it, so that no two deadlock):
1. seat changes (apply, promote, cancel, reject, expire, terminate, capacity changes) lock the group
   row (FOR NO KEY UPDATE), then its enrollment rows; an application made through the API claims its
   Idempotency-Key (a row of its own, which a repeat waits on) before the group
   (enrollments/migrations/sql/0009_apply_function.sql);
2. acceptance and money changes lock the enrollment, then the certificate account; never the group;
3. the debit job (billing/debits.py) claims due marks FOR UPDATE SKIP LOCKED, then takes their
   enrollment rows FOR KEY SHARE, then FOR NO KEY UPDATE those whose reserve it spends (the reserve
   rows' trigger updates them, so a weaker lock there could deadlock with rule 2), then the accounts,
   each in id order;
4. the attendance register (billing.attendance) locks the lesson row (FOR NO KEY UPDATE), then its
   marks, then the marked pupils' enrollment rows FOR SHARE (a termination and a save wait for each
   other), each in id order; never a group or an account. It cannot deadlock with the job, which
   claims marks with SKIP LOCKED and so never waits for a mark the register holds;
5. a change of the lesson calendar (billing.lessons: a lesson cancelled or moved) locks the changed
   lesson rows (FOR NO KEY UPDATE, in id order), then the group's contracts in force in id order, then
   each one's certificate account (rule 2); never the group or a mark.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import TypeVar

from django.conf import settings
from django.db import OperationalError, connection
from django.db.models import Model, QuerySet
from django.utils.translation import gettext as _
from psycopg2 import errorcodes

from core.errors import Busy

M = TypeVar("M", bound=Model)


@contextmanager
def lock_wait_limited(timeout_ms: int | None = None, *, set_in: str | None = None):
    """Inside: a lock not granted in `timeout_ms` (LOCK_TIMEOUT_MS by default) raises Busy. Must run in
    a transaction (SET LOCAL lasts until it ends); the caller's transaction is then rolled back.

    With `set_in` (the SQL of the statement that takes the lock), the setting is not sent on its own:
    the context gives that SQL back prefixed with it, one round trip instead of two (hot paths)."""
    if not connection.in_atomic_block:
        raise RuntimeError("row locks are taken inside a transaction")
    timeout_ms = settings.LOCK_TIMEOUT_MS if timeout_ms is None else timeout_ms
    setting = f"SET LOCAL lock_timeout = '{int(timeout_ms)}ms';"
    if set_in is None:
        with connection.cursor() as cursor:
            cursor.execute(setting)
    with lock_timeout_as_busy():
        yield None if set_in is None else f"{setting}\n{set_in}"


@contextmanager
def lock_timeout_as_busy():
    """Inside: a lock_timeout (set by the caller's SQL itself, e.g. a database function's SET LOCAL)
    raises Busy."""
    try:
        yield
    except OperationalError as error:
        if getattr(error.__cause__, "pgcode", None) == errorcodes.LOCK_NOT_AVAILABLE:
            raise Busy(_("Сейчас эту запись меняет кто-то ещё. Повторите через несколько секунд.")) from error
        raise


def lock_one(queryset: QuerySet[M], *, no_key: bool = True, of: tuple[str, ...] = ("self",)) -> M:
    """The one row of `queryset`, locked FOR NO KEY UPDATE (or FOR UPDATE), waiting at most LOCK_TIMEOUT_MS.
    Raises the model's DoesNotExist when there is none."""
    with lock_wait_limited():
        return queryset.select_for_update(no_key=no_key, of=of).get()


def lock_all(queryset: QuerySet[M], *, no_key: bool = True, of: tuple[str, ...] = ("self",)) -> list[M]:
    """Every row of `queryset` (order it by id to keep the lock order), locked as lock_one does."""
    with lock_wait_limited():
        return list(queryset.select_for_update(no_key=no_key, of=of))
