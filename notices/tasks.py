from celery import shared_task

from notices.services import notice_emails_send


@shared_task(name="notices.send_emails")
def send_emails(notification_ids: list[int]) -> int:
    """E-mails the notices not e-mailed yet (sent through the outbox; idempotent)."""
    return notice_emails_send(notification_ids=notification_ids)
