"""Notice e-mails: the frame (greeting, footer) in the recipient's language around the notice, which is
stored in Russian; sent over real SMTP to the local sink as under ./run."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from notices.models import Notification
from notices.services import notice_emails_send, notice_emails_sweep
from tests.accounts.factories import ParentFactory
from tests.notices.factories import NotificationFactory

pytestmark = pytest.mark.django_db

TITLE = "Заявка подана"
BODY = "Организация рассмотрит заявку в течение трёх рабочих дней."


def _notice(**user):
    return NotificationFactory(user=ParentFactory(**user), title=TITLE, body=BODY)


def test_a_russian_speaking_parent_gets_the_russian_frame():
    notice = _notice(first_name="Елена", middle_name="Викторовна", email="elena@example.ru")

    assert notice_emails_send(notification_ids=[notice.pk]) == 1

    [message] = mail.outbox
    assert (message.subject, message.to) == (TITLE, ["elena@example.ru"])
    assert message.body == (
        "Здравствуйте, Елена Викторовна!\n\n"
        f"{TITLE}\n\n{BODY}\n\n"
        "--\n"
        "Подробности — в личном кабинете на портале «Навигатор дополнительного образования».\n"
        "Это письмо отправлено автоматически, отвечать на него не нужно.\n"
    )


def test_an_english_speaking_parent_gets_the_english_frame_around_the_russian_notice():
    notice = _notice(first_name="Mary", middle_name="", email="mary@example.com", language="en")

    assert notice_emails_send(notification_ids=[notice.pk]) == 1

    [message] = mail.outbox
    assert message.subject == TITLE
    assert message.body.startswith("Hello, Mary!\n\n")
    assert f"{TITLE}\n\n{BODY}" in message.body
    assert "More details are in your personal account" in message.body
    assert "Здравствуйте" not in message.body and "Подробности" not in message.body


def test_the_frame_is_plain_text_without_html_escaping_and_the_subject_on_one_line():
    notice = NotificationFactory(
        user=ParentFactory(first_name="Д'Артаньян", middle_name=""), title="Заявка\nподана", body="5 < 6 & «кавычки»"
    )

    notice_emails_send(notification_ids=[notice.pk])

    [message] = mail.outbox
    assert message.subject == "Заявка подана"
    assert "Здравствуйте, Д'Артаньян!" in message.body and "5 < 6 & «кавычки»" in message.body


def test_a_parent_without_a_first_name_is_greeted_without_one():
    notice = _notice(first_name="", middle_name="")

    notice_emails_send(notification_ids=[notice.pk])

    assert mail.outbox[0].body.startswith("Здравствуйте!\n\n")


def test_a_notice_email_reaches_the_smtp_sink_decoded(smtp_sink):
    notice = _notice(first_name="Елена", middle_name="Викторовна", email="elena@example.ru")

    assert notice_emails_send(notification_ids=[notice.pk]) == 1

    [message] = smtp_sink.messages()
    assert message["Subject"] == TITLE
    assert message["To"] == "elena@example.ru"
    assert message["X-RcptTo"] == "elena@example.ru"
    text = message.get_content()
    assert text.startswith("Здравствуйте, Елена Викторовна!")
    assert BODY in text
    assert mail.outbox == []  # it went over SMTP, not into the test outbox


@pytest.mark.django_db
def test_the_sweep_sends_what_a_lost_task_did_not(monkeypatch):
    """The truth is the notices' emailed_at: a notice whose e-mail task was lost (a killed worker) is
    e-mailed by the periodic sweep, once, and a fresh one is left to its own task."""
    parent = ParentFactory(email="father@example.ru")
    lost = Notification.objects.create(user=parent, title="Договор заключён")
    Notification.objects.filter(pk=lost.pk).update(created_at=timezone.now() - timedelta(minutes=5))
    Notification.objects.create(user=parent, title="Только что")

    assert notice_emails_sweep() == 1
    assert notice_emails_sweep() == 0
    assert [m.subject for m in mail.outbox] == ["Договор заключён"]
