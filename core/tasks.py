from celery import shared_task

from core.health import BEAT_HEARTBEAT, record_heartbeat


@shared_task(name="core.beat_heartbeat")
def beat_heartbeat(name: str = BEAT_HEARTBEAT) -> None:
    """Sent by Celery beat every minute and run by a worker: proves both are alive."""
    record_heartbeat(name)
