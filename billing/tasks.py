"""Celery tasks of billing: thin wake-ups that call the services (the message carries no state; the
database says what is due, so a task redelivered after a worker died simply runs again)."""

from datetime import date

from celery import shared_task

from billing.debits import BATCH_SIZE, run_debits
from billing.reconciliation import reconciliation_run


@shared_task(name="billing.run_debits", acks_late=True, reject_on_worker_lost=True)
def run_debits_task(day: str | None = None, batch_size: int = BATCH_SIZE) -> int:
    """Charge everything due (nightly, from beat). Returns the number of charges written."""
    run = run_debits(day=date.fromisoformat(day) if day else None, batch_size=batch_size)
    return run.charged


@shared_task(name="billing.reconcile")
def reconcile_task() -> bool:
    """Nightly reconciliation; its run record (and the admin's alert) says whether anything is off."""
    _run, report = reconciliation_run()
    return report.ok
