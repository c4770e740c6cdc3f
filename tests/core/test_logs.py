"""Log lines: one per record, with the request id, and no СНИЛС or secret in them."""

import logging
import sys

import pytest
from django.conf import settings
from django.test import Client

from core.logs import PortalFormatter, redact, request_id_var


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/admin/certificates/child/?q=12345678964", "/admin/certificates/child/?q=***********"),
        ("СНИЛС 123-456-789 64 не найден", "СНИЛС *********** не найден"),
        ("GET /esia/complete/?code=eyJabc.def&state=5f1c HTTP/1.1", "GET /esia/complete/?code=***&state=*** HTTP/1.1"),
        ("Authorization: Bearer eyJhbGciOi.x.y", "Authorization: Bearer ***"),
        ('{"password": "demo12345"}', '{"password": "***"}'),
        ("group 42, lesson 2026-11-29, 250.00 ₽", "group 42, lesson 2026-11-29, 250.00 ₽"),
    ],
)
def test_redact_masks_snils_and_secrets_only(text, expected):
    assert redact(text) == expected


def test_a_record_with_a_traceback_is_one_line_with_the_request_id():
    formatter = PortalFormatter("%(levelname)s [%(request_id)s] %(message)s")
    try:
        raise ValueError("child 12345678964 refused")
    except ValueError:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed", None, sys.exc_info())
    token = request_id_var.set("req-0123456789")
    try:
        line = formatter.format(record)
    finally:
        request_id_var.reset(token)

    assert "\n" not in line
    assert line.startswith("ERROR [req-0123456789] failed | Traceback")
    assert "ValueError: child *********** refused" in line


def test_django_has_no_handler_of_its_own_so_an_error_is_logged_once():
    """With Django's default handler beside the root's, every 500 printed its traceback twice."""
    assert settings.LOGGING["loggers"]["django"]["handlers"] == []
    assert settings.LOGGING["loggers"]["django"]["propagate"] is True


@pytest.mark.django_db
def test_every_response_carries_its_request_id():
    client = Client()
    generated = client.get("/healthz/ready")
    quoted = client.get("/healthz/ready", HTTP_X_REQUEST_ID="support-ticket-42")
    junk = client.get("/healthz/ready", HTTP_X_REQUEST_ID="<script>")

    assert len(generated["X-Request-ID"]) == 16
    assert quoted["X-Request-ID"] == "support-ticket-42"
    assert junk["X-Request-ID"] != "<script>"
