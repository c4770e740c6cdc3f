"""`/dev/mail/` (development only): the messages the local SMTP sink received, newest first, and one
message's text, decoded."""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.mail import EmailMessage, send_mail

ROOT = Path(__file__).resolve().parent.parent.parent


def _send(subject: str, body: str, to: str) -> None:
    send_mail(subject, body, "navigator@localhost", [to])
    time.sleep(0.002)  # distinct times in the stored names, whatever the clock's resolution


def test_the_list_shows_every_message_newest_first(client, smtp_sink):
    _send("Заявка подана", "Первое письмо.", "first@example.ru")
    _send("Зачисление", "Второе письмо.", "second@example.ru")

    response = client.get("/dev/mail/")

    assert response.status_code == 200
    page = response.content.decode()
    assert page.index("Зачисление") < page.index("Заявка подана")
    assert "second@example.ru" in page and "first@example.ru" in page


def test_one_message_shows_its_text_decoded(client, smtp_sink):
    _send("Заявка подана", "Организация рассмотрит заявку в течение трёх рабочих дней.", "mother@example.ru")
    page = client.get("/dev/mail/").content.decode()
    link = page[page.index('href="/dev/mail/') + len('href="') :].split('"', 1)[0]

    response = client.get(link)

    assert response.status_code == 200
    text = response.content.decode()
    assert "Заявка подана" in text
    assert "Организация рассмотрит заявку в течение трёх рабочих дней." in text
    assert "mother@example.ru" in text


def test_bcc_recipients_are_shown_from_the_envelope(client, smtp_sink):
    EmailMessage("Тема", "Текст", "navigator@localhost", ["to@example.ru"], bcc=["hidden@example.ru"]).send()

    page = client.get("/dev/mail/").content.decode()

    assert "to@example.ru, hidden@example.ru" in page


@pytest.mark.parametrize("name", ["no-such-message", "..", ".hidden", "a.b"])
def test_an_unknown_or_odd_name_is_not_found(client, smtp_sink, name):
    assert client.get(f"/dev/mail/{name}/").status_code == 404


def test_an_empty_mailbox_says_so(client, settings, tmp_path):
    settings.DEVMAIL_FOLDER = tmp_path / "never-created"

    response = client.get("/dev/mail/")

    assert response.status_code == 200
    assert "Писем пока нет." in response.content.decode()


def test_the_sink_as_run_starts_it_stores_what_it_receives(tmp_path):
    """`python -m devstack.mailsink`, the process ./run supervises: it answers 250 and writes a .eml file."""
    import smtplib

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    folder = tmp_path / "mail"
    proc = subprocess.Popen(
        [sys.executable, "-m", "devstack.mailsink", "--port", str(port), "--folder", str(folder)],
        cwd=ROOT,
        env={**os.environ},
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert "[mailsink] SMTP on" in proc.stdout.readline()
        with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
            refused = smtp.sendmail("a@example.ru", ["b@example.ru"], "Subject: hi\r\n\r\nПривет".encode())
        assert refused == {}
        [stored] = folder.glob("*.eml")
        assert "Привет" in stored.read_text()
    finally:
        proc.terminate()
        assert proc.wait(timeout=10) == 0
