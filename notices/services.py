"""Sending and reading notices (services: writes; see selectors for reads).

A notice is a row written in the caller's transaction, so it exists exactly when the change it tells
of does. Texts are stored in the portal's source language (Russian).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from core.outbox import outbox_enqueue, outbox_merge_id_lists
from notices.models import Notification

EMAIL_TASK = "notices.send_emails"
# Its notices are e-mailed one by one whatever the grouping: pending messages go to the broker as one.
outbox_merge_id_lists(EMAIL_TASK)


@dataclass(frozen=True)
class Notice:
    """One notice to write: to whom, what, and what it is about (`<kind>:<id>`, see Notification)."""

    user_id: int
    title: str
    body: str = ""
    subject: str = ""


def notices_send(notices: Iterable[Notice]) -> list[Notification]:
    """Write the notices in the caller's transaction (one INSERT for all of them) and ask, through the
    outbox, for their e-mails once it commits."""
    rows = Notification.objects.bulk_create(
        Notification(user_id=n.user_id, title=n.title, body=n.body, subject=n.subject) for n in notices
    )
    if rows:
        outbox_enqueue(EMAIL_TASK, [row.pk for row in rows])
    return rows


def notice_emails_send(*, notification_ids: list[int]) -> int:
    """E-mail each of these notices whose recipient has an address and that was not e-mailed yet; how
    many were sent. Each row is locked while its mail goes out and marked in the same transaction, so a
    repeated or concurrent delivery of the same task sends nothing twice."""
    sent = 0
    for notification_id in sorted(notification_ids):
        with transaction.atomic():
            notification = (
                Notification.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("user")
                .filter(pk=notification_id, emailed_at__isnull=True)
                .first()
            )
            if notification is None or not notification.user.email:
                continue
            user = notification.user
            # The notice itself is stored in the portal's source language; the frame around it (and so
            # the e-mail) is in the recipient's language.
            with translation.override(user.language or settings.LANGUAGE_CODE):
                body = render_to_string(
                    "notices/email.txt",
                    {
                        "name": " ".join(p for p in (user.first_name, user.middle_name) if p),
                        "title": notification.title,
                        "body": notification.body,
                    },
                )
            # A header cannot hold a line break.
            subject = " ".join(notification.title.split())
            send_mail(subject, body, None, [user.email])
            Notification.objects.filter(pk=notification.pk).update(emailed_at=timezone.now())
            sent += 1
    return sent


def notification_mark_read(*, notification: Notification) -> bool:
    """Mark one notice read; True when it was unread (a repeat changes nothing)."""
    now = timezone.now()
    updated = Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=now)
    if updated:
        notification.read_at = now
    return bool(updated)


def notifications_mark_all_read(*, user) -> int:
    """Mark all the user's unread notices read; how many there were."""
    return Notification.objects.filter(user=user, read_at__isnull=True).update(read_at=timezone.now())


def notice_emails_sweep(*, older_than_seconds: int = 60, limit: int = 500) -> int:
    """E-mail the notices whose e-mail did not go out (a task lost with a killed worker, say): the truth
    is the notices' `emailed_at`, which this periodic sweep reads again; a Celery message is only a
    wake-up. Returns how many were sent."""
    before = timezone.now() - timedelta(seconds=older_than_seconds)
    pending = (
        Notification.objects.filter(emailed_at__isnull=True, created_at__lt=before)
        .exclude(user__email="")
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
    return notice_emails_send(notification_ids=list(pending))
