"""A dead database connection costs no page: a GET is retried once on a fresh connection; a write, or
a GET whose retry fails too, answers 503 with Retry-After in the door's own format, never a traceback."""

import json
import select
from types import SimpleNamespace

import pytest
from django.db import OperationalError, transaction
from django.http import HttpResponse
from django.test import RequestFactory

from core.middleware import DatabaseOutageMiddleware

# Outside a transaction, as a request is (the middleware leaves a connection inside one alone).
pytestmark = pytest.mark.django_db(transaction=True)


def _request(method: str, path: str, view):
    request = getattr(RequestFactory(), method.lower())(path)
    request.request_id = "abcdef0123456789"
    request.resolver_match = SimpleNamespace(func=view, args=(), kwargs={})
    return request


def _outage():
    return OperationalError("server closed the connection unexpectedly")


def _flaky_view(failures: int):
    calls = []

    def view(request):
        calls.append(1)
        if len(calls) <= failures:
            raise _outage()
        return HttpResponse("page")

    return view, calls


def test_a_get_is_retried_once_on_a_fresh_connection():
    view, calls = _flaky_view(failures=0)  # the view's first run raised (the exception passed in)
    middleware = DatabaseOutageMiddleware(lambda r: None)

    response = middleware.process_exception(_request("GET", "/catalog/", view), _outage())

    assert response.status_code == 200 and response.content == b"page"
    assert len(calls) == 1  # one retry


def test_a_get_whose_retry_fails_answers_503_with_the_portal_page():
    view, _calls = _flaky_view(failures=5)
    request = _request("GET", "/catalog/", view)

    response = DatabaseOutageMiddleware(lambda r: None).process_exception(request, _outage())

    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert "Сервис временно недоступен" in response.content.decode()
    assert "abcdef0123456789" in response.content.decode()


def test_a_write_is_never_retried_and_the_api_answers_in_its_format():
    view, calls = _flaky_view(failures=0)
    request = _request("POST", "/api/v1/enrollments/", view)

    response = DatabaseOutageMiddleware(lambda r: None).process_exception(request, _outage())

    assert calls == []
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    error = json.loads(response.content)["error"]
    assert (error["code"], error["request_id"]) == ("service_unavailable", "abcdef0123456789")


def test_other_errors_are_not_its_business():
    view, _calls = _flaky_view(failures=0)
    request = _request("GET", "/catalog/", view)

    assert DatabaseOutageMiddleware(lambda r: None).process_exception(request, ValueError("bug")) is None


def test_an_unhandled_error_answers_without_a_traceback():
    """handler500: the API's JSON error under /api/ with the request id; the portal's page elsewhere."""
    from core.views import server_error

    api = server_error(_request("GET", "/api/v1/programs/", None))
    page = server_error(_request("GET", "/catalog/", None))

    assert api.status_code == 500 and json.loads(api.content)["error"]["request_id"] == "abcdef0123456789"
    assert page.status_code == 500 and "abcdef0123456789" in page.content.decode()


def _backend_activity(pid: int) -> tuple:
    from django.db import connections

    with connections["default"].copy().cursor() as other:
        other.execute("SELECT state_change, query FROM pg_stat_activity WHERE pid = %s", [pid])
        return other.fetchone()


def test_the_health_check_asks_the_socket_not_the_server():
    """core.postgresql: a kept connection is checked before a request's first query without a statement
    (Django's `SELECT 1` was a round trip per request); one the server ended is seen as dead and replaced."""
    from django.db import connection, connections

    assert connection.settings_dict["CONN_HEALTH_CHECKS"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    before = _backend_activity(pid)

    assert connection.is_usable()
    assert _backend_activity(pid) == before  # no statement reached the server

    killer = connections["default"].copy()
    with killer.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s, 5000)", [pid])
    killer.close()
    assert not connection.is_usable()

    connection.health_check_done = False
    connection.close_if_health_check_failed()  # what Django does before a request's first query
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        assert cursor.fetchone()[0] != pid


def test_a_readable_socket_of_a_live_connection_is_asked_and_kept():
    """Something the server sent unasked (here a notification; a parameter after a configuration reload,
    a TLS record) makes the socket readable: then Django's `SELECT 1` decides, and the live connection stays."""
    from django.db import connection, connections

    with connection.cursor() as cursor:
        cursor.execute("LISTEN health_check_test")
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    other = connections["default"].copy()
    with other.cursor() as cursor:
        cursor.execute("NOTIFY health_check_test")
    other.close()
    poller = select.poll()
    poller.register(connection.connection.fileno(), select.POLLIN)
    assert poller.poll(5000)  # the notification waits unread on the socket

    assert connection.is_usable()
    connection.health_check_done = False
    connection.close_if_health_check_failed()
    with connection.cursor() as cursor:
        cursor.execute("UNLISTEN *")
        cursor.execute("SELECT pg_backend_pid()")
        assert cursor.fetchone()[0] == pid


def test_a_connection_whose_transaction_failed_is_not_usable():
    """As with Django's own check (its `SELECT 1` fails there): what the test framework relies on before
    checking deferred constraints."""
    from django.db import DatabaseError, connection

    with transaction.atomic():
        with pytest.raises(DatabaseError), connection.cursor() as cursor:
            cursor.execute("SELECT 1 / 0")
        assert not connection.is_usable()
        transaction.set_rollback(True)
    assert connection.is_usable()
