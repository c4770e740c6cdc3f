"""The outbox: every Celery task a request (or any transaction) sends goes through here.

`outbox_enqueue` writes the message in the caller's transaction and tries to send it right after
the commit; if the broker is down, the message stays pending and the sweep (`core.outbox_sweep`,
every few seconds from beat) sends it once the broker is back. Two dispatchers never send one message
twice: each takes its rows FOR UPDATE SKIP LOCKED. A message can still arrive twice (sent, then the
commit of `dispatched_at` lost), so every task behind the outbox is idempotent.
"""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from celery import current_app
from django.conf import settings
from django.db import close_old_connections, transaction
from django.db.models import F
from django.utils import timezone

from core.models import OutboxMessage

logger = logging.getLogger("core.outbox")

BATCH = 500
KEEP_DISPATCHED = timedelta(days=7)
# A broker outage is logged once per interval, not once per message or request.
_LOG_INTERVAL_SECONDS = 30.0
_last_logged = 0.0
# After the broker refused, requests stop trying to reach it for a while and leave their messages to the
# sweep: a request must not pay a dead broker's connection timeout (measured: 6.8 s per write before).
BROKER_BACKOFF_SECONDS = 10.0
_broker_down_until = 0.0


def outbox_enqueue(task: str, *args) -> OutboxMessage:
    """Ask for `task(*args)` (primary keys and plain values only) once the caller's transaction commits."""
    message = OutboxMessage.objects.create(task=task, args=list(args))
    if time.monotonic() >= _broker_down_until:
        transaction.on_commit(lambda: _dispatch_soon([message.pk]), robust=True)
    return message


def outbox_written(ids: list[int]) -> None:
    """Messages the caller's transaction wrote itself (a database function, one round trip): sent after
    the commit, as outbox_enqueue's are (at once when the caller is in autocommit)."""
    if ids and time.monotonic() >= _broker_down_until:
        transaction.on_commit(lambda: _dispatch_soon(list(ids)), robust=True)


_dispatcher: ThreadPoolExecutor | None = None
_waiting: list[int] = []  # ids committed and not yet handed to the dispatcher thread
_waiting_lock = threading.Lock()


def _dispatch_soon(ids: list[int]) -> None:
    """Send after the commit, off the request's thread (OUTBOX_DISPATCH_IN_BACKGROUND): the answer does
    not wait on the broker (about a tenth of an application's time on opening day); tests send at once.
    Messages that commit while the thread is busy wait for it together and go out in one batch (one
    transaction for many requests' messages when the portal is busiest)."""
    global _dispatcher
    if not settings.OUTBOX_DISPATCH_IN_BACKGROUND:
        outbox_dispatch(ids=ids)
        return
    with _waiting_lock:
        start = not _waiting
        _waiting.extend(ids)
        if _dispatcher is None:
            _dispatcher = ThreadPoolExecutor(max_workers=1, thread_name_prefix="outbox")
    if start:
        _dispatcher.submit(_dispatch_in_background)


def _dispatch_in_background() -> None:
    # Messages that commit during the gathering window go out with this run: one transaction and one
    # broker message per merged task for all of them (on opening day the dispatcher's ORM and broker
    # client cost about a fifth of an application's CPU when it ran for every one or two messages).
    time.sleep(settings.OUTBOX_DISPATCH_GATHER_SECONDS)
    with _waiting_lock:
        ids = _waiting[:]
        _waiting.clear()
    close_old_connections()  # this thread's own connection, kept and checked as a request's is
    try:
        for start in range(0, len(ids), BATCH):
            outbox_dispatch(ids=ids[start : start + BATCH])
    except Exception:  # the sweep sends it later; the thread must live on
        logger.exception("outbox dispatch failed; the sweep will send the message")


def _log_outage(error: Exception) -> None:
    global _last_logged, _broker_down_until
    now = time.monotonic()
    _broker_down_until = now + BROKER_BACKOFF_SECONDS
    if now - _last_logged >= _LOG_INTERVAL_SECONDS:
        _last_logged = now
        logger.warning("broker unavailable (%s: %s); tasks wait in the outbox", type(error).__name__, error)


_merged_tasks: set[str] = set()
MERGED_MAX_IDS = 1000


def outbox_merge_id_lists(task: str) -> None:
    """Declare `task` as taking one list of ids and doing the same per id, whatever the grouping (an
    e-mail per notice): pending messages of it are sent as one task with their lists joined. On opening
    day that is one broker message per dispatcher batch instead of one per application (the broker's
    client costs about a sixth of an application's CPU)."""
    _merged_tasks.add(task)


def _sends(batch: list[OutboxMessage]) -> list[tuple[str, list, list[int]]]:
    """(task, args, message ids) per broker message: merged tasks' id lists joined, others one by one."""
    sends: list[tuple[str, list, list[int]]] = []
    joined: dict[str, tuple[list, list[int]]] = {}
    for message in batch:
        if message.task in _merged_tasks and len(message.args) == 1 and isinstance(message.args[0], list):
            ids, pks = joined.setdefault(message.task, ([], []))
            if len(ids) + len(message.args[0]) > MERGED_MAX_IDS and pks:
                sends.append((message.task, [ids], pks))
                ids, pks = joined[message.task] = ([], [])
            ids.extend(message.args[0])
            pks.append(message.pk)
        else:
            sends.append((message.task, message.args, [message.pk]))
    sends.extend((task, [ids], pks) for task, (ids, pks) in joined.items())
    return sends


def outbox_dispatch(*, ids: list[int] | None = None, limit: int = BATCH) -> int:
    """Send pending messages (those of `ids`, or the oldest `limit`) to the broker; how many were sent.
    A broker failure stops the batch and leaves the rest pending, with the attempt counted."""
    with transaction.atomic():
        pending = OutboxMessage.objects.filter(dispatched_at__isnull=True).order_by("pk")
        if ids is not None:
            pending = pending.filter(pk__in=ids)
        batch = list(pending.select_for_update(skip_locked=True)[:limit])
        sent: list[int] = []
        for task, args, pks in _sends(batch):
            try:
                # No retry loop here: a request must not wait on a dead broker; the sweep retries.
                current_app.send_task(task, args=args, retry=False)
            except Exception as error:  # kombu raises its OperationalError, redis and socket errors vary
                _log_outage(error)
                OutboxMessage.objects.filter(pk__in=[m.pk for m in batch if m.pk not in sent]).update(
                    attempts=F("attempts") + 1, last_error=f"{type(error).__name__}: {error}"[:300]
                )
                break
            sent.extend(pks)
        OutboxMessage.objects.filter(pk__in=sent).update(dispatched_at=timezone.now())
    return len(sent)


def outbox_sweep() -> int:
    """Send everything still pending (beat, every few seconds); forget messages sent a week ago."""
    total = 0
    while (sent := outbox_dispatch()) == BATCH:
        total += sent
    OutboxMessage.objects.filter(dispatched_at__lt=timezone.now() - KEEP_DISPATCHED).delete()
    return total + sent
