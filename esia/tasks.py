from celery import shared_task
from django.core.management import call_command


@shared_task(name="esia.clear_abandoned_sign_ins")
def clear_abandoned_sign_ins() -> None:
    """Nightly: drop what unfinished Gosuslugi sign-ins left behind — the paused pipeline (it holds
    the person's and children's data until the parent answers the municipality question) and the
    used-state records. A day is plenty for anyone still on the way."""
    call_command("clearsocial", age=1)
