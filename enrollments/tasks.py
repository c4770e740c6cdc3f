from celery import shared_task

from enrollments.contracts import reserves_release_after_period_end
from enrollments.rollover import contracts_roll_over_due
from enrollments.services import enrollments_expire_due, terminations_take_effect


@shared_task(name="enrollments.expire_due")
def expire_due() -> int:
    """Applications nobody reviewed and offers nobody accepted in time expire; their seats are promoted."""
    return enrollments_expire_due()


@shared_task(name="enrollments.terminations_take_effect")
def terminations_take_effect_task() -> int:
    """Seats of contracts whose termination took effect go to the waiting list."""
    return terminations_take_effect()


@shared_task(name="enrollments.reserves_release_after_period_end")
def reserves_release_after_period_end_task() -> int:
    """Reserves left when a funding period has ended go back to its accounts (nothing carries over)."""
    return reserves_release_after_period_end()


@shared_task(name="enrollments.contracts_roll_over", acks_late=True, reject_on_worker_lost=True)
def contracts_roll_over_task() -> dict[str, int]:
    """Contracts running into a funding period that has started continue there on its money (idempotent:
    a redelivered or repeated run changes nothing more)."""
    return contracts_roll_over_due().as_dict()
