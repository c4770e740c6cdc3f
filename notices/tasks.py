from celery import shared_task

from notices.services import notice_emails_send, notice_emails_sweep


@shared_task(name="notices.send_emails")
def send_emails(notification_ids: list[int]) -> int:
    """E-mails the notices not e-mailed yet (sent through the outbox; idempotent)."""
    return notice_emails_send(notification_ids=notification_ids)


@shared_task(name="notices.emails_sweep")
def emails_sweep() -> int:
    """E-mails notices whose e-mail task was lost (the database says which)."""
    return notice_emails_sweep()
