import socket
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest

# Fixtures shared by the whole suite: phone_page and desktop_page (real Chromium), smtp_sink (below).
pytest_plugins = ["tests.browser"]


@pytest.fixture(autouse=True)
def _russian_ui(settings):
    """Tests see the portal as a Russian parent does unless they switch language themselves."""
    settings.LANGUAGE_CODE = "ru"


@pytest.fixture(autouse=True)
def _empty_cache():
    """Cached facets and pages must not leak from one test into the next."""
    from django.core.cache import cache

    cache.clear()


class SmtpSink:
    """The local SMTP sink of devstack/mailsink.py serving on `port` and storing into `folder`."""

    def __init__(self, folder: Path, port: int):
        self.folder, self.port = folder, port

    def messages(self) -> list[EmailMessage]:
        """What it received, oldest first, parsed (`msg["Subject"]` and `msg.get_content()` decoded)."""
        return [
            message_from_bytes(path.read_bytes(), policy=policy.default) for path in sorted(self.folder.glob("*.eml"))
        ]


@pytest.fixture
def smtp_sink(settings, tmp_path):
    """Mail through a real SMTP connection to a local sink (in a thread) instead of the test outbox.

    The /dev/mail/ page (devmail) reads the same folder."""
    from devstack.mailsink import start

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    folder = tmp_path / "mail"
    controller = start(folder=folder, port=port)
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.DEVMAIL_FOLDER = folder
    try:
        yield SmtpSink(folder, port)
    finally:
        controller.stop()
