"""Periodic billing jobs of this helper's part: statements and parents' notices (thin wrappers over the
services; schedules in config/beat.py)."""

from datetime import date, timedelta

from celery import shared_task
from django.utils import timezone

from billing.notifications import debit_notices_send, low_balance_warnings_send
from billing.statements import statements_build_due


@shared_task(name="billing.statements_build_due")
def statements_build_due_task() -> int:
    """Charges and reversals outside every statement go to their statement (made if missing)."""
    return statements_build_due()


@shared_task(name="billing.debit_notices")
def debit_notices_task(day: str | None = None) -> int:
    """Yesterday's debits, one notice per parent (idempotent per parent and day)."""
    target = date.fromisoformat(day) if day else timezone.localdate() - timedelta(days=1)
    return debit_notices_send(day=target)


@shared_task(name="billing.low_balance_warnings")
def low_balance_warnings_task() -> int:
    """Parents whose certificate will not cover next month's lessons are warned (once a month)."""
    return low_balance_warnings_send()
