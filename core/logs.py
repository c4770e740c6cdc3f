"""How the portal logs: one line per record, with the request id, and never a СНИЛС or a token.

- `request_id_var` holds the id of the request being served (core.middleware.RequestIdMiddleware);
  every line carries it, and the error page and the API's 5xx bodies show it, so a parent can quote it
  to support and support can find the line.
- `PortalFormatter` writes a record and its traceback on one line (" | " between the traceback's
  lines), after `redact()` has masked СНИЛС numbers and secrets.
- `GunicornLogger` applies the same masking to gunicorn's access log (request line, query, referer):
  an admin search by СНИЛС must not leave the number there. gunicorn.conf.py selects it.
"""

from __future__ import annotations

import contextvars
import logging
import re

from gunicorn import glogging

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")

# 11 digits, as typed or formatted (123-456-789 01): a СНИЛС, or anything that could be one.
_SNILS = re.compile(r"(?<![0-9])[0-9]{3}[- ]?[0-9]{3}[- ]?[0-9]{3}[- ]?[0-9]{2}(?![0-9])")
# Values of parameters and headers that are secrets: OAuth codes and tokens, passwords, signatures.
_SECRET = re.compile(
    r"(?i)\b(code|state|token|access_token|id_token|refresh_token|client_secret|password|csrfmiddlewaretoken|sessionid)"
    r"(=|%3D|\"?\s*:\s*\"?)([^&\s\"',;]+)"
)
_AUTHORIZATION = re.compile(r"(?i)\b(Bearer|Token)\s+[A-Za-z0-9._~+/=-]+")


def redact(text: str) -> str:
    """The text with СНИЛС-like numbers and secret values masked."""
    text = _SNILS.sub("***********", text)
    text = _SECRET.sub(lambda m: f"{m.group(1)}{m.group(2)}***", text)
    return _AUTHORIZATION.sub(lambda m: f"{m.group(1)} ***", text)


class PortalFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        record.request_id = request_id_var.get()
        return redact(super().format(record)).replace("\n", " | ")


class GunicornLogger(glogging.Logger):
    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        for key in ("r", "U", "q", "f"):
            if isinstance(atoms.get(key), str):
                atoms[key] = redact(atoms[key])
        return atoms
