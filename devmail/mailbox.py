"""Reading the `.eml` files the local SMTP sink (devstack/mailsink.py) stores in DEVMAIL_FOLDER."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

from django.conf import settings

# A stored message's name is its file name without `.eml`; nothing else may reach the file system.
_NAME = re.compile(r"[0-9A-Za-z][0-9A-Za-z_-]{0,99}")


@dataclass(frozen=True)
class StoredMail:
    name: str
    received_at: datetime
    message: EmailMessage

    @property
    def subject(self) -> str:
        return str(self.message.get("Subject", ""))

    @property
    def to(self) -> str:
        # The envelope's recipients, which include Bcc; the To header when the sink did not add them.
        return str(self.message.get("X-RcptTo") or self.message.get("To", ""))

    @property
    def sender(self) -> str:
        return str(self.message.get("From", ""))

    @property
    def text(self) -> str:
        """The plain-text body, decoded (the HTML one when there is no plain text)."""
        body = self.message.get_body(preferencelist=("plain", "html"))
        return body.get_content() if body is not None else ""


def _folder() -> Path:
    return Path(settings.DEVMAIL_FOLDER)


def _read(path: Path) -> StoredMail:
    message = message_from_bytes(path.read_bytes(), policy=policy.default)
    received_at = datetime.fromtimestamp(path.stat().st_mtime, tz=UTC)
    return StoredMail(name=path.stem, received_at=received_at, message=message)


def mail_list(*, limit: int = 200) -> list[StoredMail]:
    """The stored messages, newest first (the names begin with the time they came)."""
    folder = _folder()
    if not folder.is_dir():
        return []
    paths = sorted((p for p in folder.glob("*.eml") if _NAME.fullmatch(p.stem)), key=lambda p: p.name, reverse=True)
    return [_read(p) for p in paths[:limit]]


def mail_get(*, name: str) -> StoredMail | None:
    if not _NAME.fullmatch(name):
        return None
    path = _folder() / f"{name}.eml"
    return _read(path) if path.is_file() else None
