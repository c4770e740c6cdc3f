"""Domain errors: what a service refuses, with a stable code and a translated message.

They carry no HTTP status: each door (the API, the pages, the admin) decides how to answer one
(api.errors maps them to statuses, pages to messages or 404s).
"""

from __future__ import annotations

from django.utils.translation import gettext as _


class DomainError(Exception):
    """An expected business error: a stable `code`, a translated `message`, errors per field."""

    code = "invalid"

    def __init__(self, message: str, *, code: str | None = None, fields: dict | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.fields = fields or {}


class NotFound(DomainError):
    """The object is not there for this user: missing, or someone else's (the same answer for both)."""

    code = "not_found"


class Forbidden(DomainError):
    """The user may not do this at all (their role or link does not allow it)."""

    code = "forbidden"


class Conflict(DomainError):
    """The object's state does not allow the change now (an offer already accepted, a full group)."""

    code = "conflict"


class Busy(Conflict):
    """Someone else is changing the same thing right now; trying again in a moment will work."""

    code = "busy"
    retry_after_seconds = 1


def error_body(code: str, message: str, fields: dict | None = None, *, request_id: str | None = None) -> dict:
    """The API's one error format, `{"error": {"code", "message", "fields"}}`; server errors add the
    request id a person can quote to support."""
    error = {"code": code, "message": message, "fields": fields or {}}
    if request_id is not None:
        error["request_id"] = request_id
    return {"error": error}


def reason_required(reason: str | None) -> str:
    """The reason an officer's decision must carry, stripped; a DomainError on the `reason` field when
    there is none (the admin's confirmation page shows it there)."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Укажите причину."), fields={"reason": [_("Укажите причину.")]})
    return reason
