"""A local SMTP server that delivers nowhere: every message it receives is stored as a `.eml` file.

`./run` starts it as one of its supervised processes and points the portal's EMAIL_URL at it; the
development-only page `/dev/mail/` (devmail/) lists what it stored. The tests start it in a thread
(`smtp_sink` in tests/conftest.py). Development and tests only: production sends through a real
mail server (EMAIL_URL), and aiosmtpd is in requirements-dev.txt, not requirements.txt.

    python -m devstack.mailsink --port 8025 --folder .local/mail
"""

from __future__ import annotations

import argparse
import signal
import threading
import uuid
from datetime import UTC, datetime
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import Envelope

DEFAULT_FOLDER = Path(__file__).resolve().parent.parent / ".local" / "mail"


class Mailbox:
    """The aiosmtpd handler: each message's bytes, as the client sent them, with the envelope's sender
    and recipients in front (Bcc recipients appear nowhere else), into a file of its own."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)

    async def handle_DATA(self, server, session, envelope: Envelope) -> str:
        received = datetime.now(UTC)
        # The time first, so that the names sort in the order the messages came.
        name = f"{received:%Y%m%dT%H%M%S%f}-{uuid.uuid4().hex[:8]}"
        envelope_headers = f"X-MailFrom: {envelope.mail_from}\r\nX-RcptTo: {', '.join(envelope.rcpt_tos)}\r\n".encode()
        content = envelope.original_content or b""
        partial = self.folder / f".{name}.tmp"
        partial.write_bytes(envelope_headers + content)
        partial.replace(self.folder / f"{name}.eml")  # a reader never sees half a message
        return "250 Message accepted for delivery"


def start(*, folder: Path, port: int, host: str = "127.0.0.1") -> Controller:
    """Serve SMTP on host:port in a thread of its own; `.stop()` the result to end it."""
    controller = Controller(Mailbox(folder), hostname=host, port=port)
    controller.start()  # returns once the server answers
    return controller


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devstack.mailsink", description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8025)
    parser.add_argument("--folder", type=Path, default=DEFAULT_FOLDER)
    args = parser.parse_args(argv)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    controller = start(folder=args.folder, port=args.port, host=args.host)
    print(f"[mailsink] SMTP on {args.host}:{args.port}, messages into {args.folder}/", flush=True)
    try:
        stop.wait()
    finally:
        controller.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
