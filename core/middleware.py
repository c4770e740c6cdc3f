import logging
import re
import uuid

from django.conf import settings
from django.db import InterfaceError, OperationalError, connection
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from pghistory.middleware import HistoryMiddleware

from core.errors import error_body
from core.health import database_wait
from core.logs import request_id_var

logger = logging.getLogger("core.database")


class PortalLanguageMiddleware:
    """Russian unless the visitor chose another language with the switcher (the language cookie).

    Django's LocaleMiddleware would follow the browser's Accept-Language, so a parent whose phone is
    set to English would land on an English state portal; here English is only ever a choice.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.supported = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in self.supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        patch_vary_headers(response, ["Cookie"])
        return response


class RequestIdMiddleware:
    """Gives every request an id (the caller's X-Request-ID when it is sane, else a new one), puts it on
    every log line written while serving it (core.logs) and on the response's X-Request-ID header."""

    _SANE = re.compile(r"[A-Za-z0-9._-]{8,64}")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request.request_id = incoming if self._SANE.fullmatch(incoming) else uuid.uuid4().hex[:16]
        token = request_id_var.set(request.request_id)
        try:
            response = self.get_response(request)
        finally:
            request_id_var.reset(token)
        response["X-Request-ID"] = request.request_id
        return response


class DatabaseOutageMiddleware:
    """A PostgreSQL restart costs no page.

    A GET or HEAD that meets a dead connection is retried once on a fresh one, after waiting up to
    DB_RETRY_WAIT_SECONDS for the server to take connections again (a restart takes a fraction of a
    second). Anything else that meets one, or a retry that fails again, answers 503 with Retry-After:
    the API's JSON error or the portal's page, never a traceback. A write is never retried: it may
    have reached the database before the connection died.
    """

    RETRY_AFTER_SECONDS = 5

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, InterfaceError | OperationalError) or connection.in_atomic_block:
            return None
        pgcode = getattr(exception.__cause__, "pgcode", None) or ""
        if pgcode and not pgcode.startswith(("08", "57")):
            return None  # the server answered (a lock timeout, a deadlock): not an outage
        logger.warning("database connection lost: %s", type(exception).__name__)
        connection.close()
        if request.method in ("GET", "HEAD") and not getattr(request, "_database_retried", False):
            request._database_retried = True
            if database_wait(settings.DB_RETRY_WAIT_SECONDS):
                match = request.resolver_match
                try:
                    response = match.func(request, *match.args, **match.kwargs)
                    if hasattr(response, "render") and callable(response.render) and not response.is_rendered:
                        response = response.render()
                    return response
                except (InterfaceError, OperationalError):
                    connection.close()
        return service_unavailable(request, self.RETRY_AFTER_SECONDS)


def service_unavailable(request, retry_after: int) -> HttpResponse:
    """503 with Retry-After, in the API's error format or as the portal's page; touches no database."""
    request_id = getattr(request, "request_id", None)
    if request.path.startswith("/api/"):
        body = error_body(
            "service_unavailable",
            _("Сервис временно недоступен. Повторите запрос через несколько секунд."),
            request_id=request_id,
        )
        response = JsonResponse(body, status=503)
    else:
        html = render_to_string("503.html", {"request_id": request_id, "retry_after": retry_after})
        response = HttpResponse(html, status=503)
    response["Retry-After"] = str(retry_after)
    return response


class AuditContextMiddleware(HistoryMiddleware):
    """pghistory's request context (the signed-in user on every write, core/audit.py), reading the user
    before the view runs: a database lost at that moment answers 503 with Retry-After, as
    DatabaseOutageMiddleware answers a view that meets it, rather than a 500."""

    def get_context(self, request):
        try:
            return super().get_context(request)
        except (InterfaceError, OperationalError) as error:
            raise _DatabaseLostBeforeView from error

    def __call__(self, request):
        try:
            return super().__call__(request)
        except _DatabaseLostBeforeView:
            logger.warning("database connection lost before the view")
            connection.close()
            return service_unavailable(request, DatabaseOutageMiddleware.RETRY_AFTER_SECONDS)


class _DatabaseLostBeforeView(Exception):
    """Only AuditContextMiddleware raises and catches it: the user could not be read."""
