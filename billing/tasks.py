"""Celery tasks of billing: thin wake-ups that call the services (the message carries no state; the
database says what is due, so a task redelivered after a worker died simply runs again). Schedules in
config/beat.py."""

from datetime import date, timedelta

from celery import shared_task
from django.utils import timezone

from billing.debits import BATCH_SIZE, run_debits
from billing.notifications import debit_notices_send, low_balance_warnings_send
from billing.reconciliation import reconciliation_run
from billing.statements import statements_build_due


@shared_task(name="billing.run_debits", acks_late=True, reject_on_worker_lost=True)
def run_debits_task(day: str | None = None, batch_size: int = BATCH_SIZE) -> int:
    """Charge everything due (nightly, from beat). Returns the number of charges written."""
    run = run_debits(day=date.fromisoformat(day) if day else None, batch_size=batch_size)
    return run.charged


@shared_task(name="billing.statements_build_due", acks_late=True, reject_on_worker_lost=True)
def statements_build_due_task() -> int:
    """Charges and reversals outside every statement go to their statement (made if missing)."""
    return statements_build_due()


@shared_task(name="billing.debit_notices", acks_late=True, reject_on_worker_lost=True)
def debit_notices_task(day: str | None = None) -> int:
    """Yesterday's debits, one notice per parent (idempotent per parent and day)."""
    target = date.fromisoformat(day) if day else timezone.localdate() - timedelta(days=1)
    return debit_notices_send(day=target)


@shared_task(name="billing.low_balance_warnings", acks_late=True, reject_on_worker_lost=True)
def low_balance_warnings_task() -> int:
    """Parents whose certificate will not cover next month's lessons are warned (once a month)."""
    return low_balance_warnings_send()


@shared_task(name="billing.reconcile")
def reconcile_task() -> bool:
    """Nightly reconciliation; its run record (and the admin's alert) says whether anything is off."""
    _run, report = reconciliation_run()
    return report.ok
