from celery import shared_task

from core.health import BEAT_HEARTBEAT, record_heartbeat
from core.idempotency import idempotency_prune
from core.outbox import outbox_sweep


@shared_task(name="core.beat_heartbeat")
def beat_heartbeat(name: str = BEAT_HEARTBEAT) -> None:
    """Sent by Celery beat every minute and run by a worker: proves both are alive."""
    record_heartbeat(name)


@shared_task(name="core.outbox_sweep")
def outbox_sweep_task() -> int:
    """Sends the outbox's pending messages (those the broker refused while it was down)."""
    return outbox_sweep()


@shared_task(name="core.idempotency_prune")
def idempotency_prune_task() -> int:
    """Forgets the answers to repeatable requests after 24 hours."""
    return idempotency_prune()
