"""Idempotency-Key: a status-changing or money-moving request sent twice changes nothing twice.

The first request with a key claims it (a row, unique per user, endpoint and key, committed before the
work starts); its answer is stored with the claim, and a repeat within 24 hours gets that same answer
back (`Idempotent-Replayed: true`) without running again. A repeat while the first is still running is
told to retry in a moment. Where one endpoint is hot enough that the claim's own round trip counts
(applying on opening day), the service claims the key in the same statement as its work
(`idempotent_api(claim_in_service=True)`, `ServiceClaim`): the claim then commits with the work, and a
concurrent repeat waits on the key's unique index until it does. The API honours the `Idempotency-Key` header (`idempotent_api`); pages send a
key in a hidden field, so that a double click or a re-sent form does the same (`idempotent_page`).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from functools import partial, wraps

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection
from django.http import HttpResponse, HttpResponseRedirect
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.response import Response

from core.errors import Busy, DomainError
from core.models import IdempotencyRecord

KEEP = timedelta(hours=24)
MAX_KEY_LENGTH = 128


class IdempotencyKeyInvalid(DomainError):
    code = "idempotency_key_invalid"


# One statement, committed by itself (autocommit, outside the request's work): the row exists before the
# work starts, so a concurrent repeat finds it; a key already there is left as it is.
CLAIM_SQL = """
INSERT INTO core_idempotencyrecord (user_id, endpoint, key, created_at) VALUES (%s, %s, %s, %s)
ON CONFLICT (user_id, endpoint, key) DO NOTHING RETURNING id
"""


# An answer given before the service claimed the key (the input refused, or a refusal that undid the
# service's statement), kept as the claim and the answer at once; a claim already there (a concurrent or
# earlier request) is left as it is, unless older than KEEP.
CLAIM_STORE_SQL = """
INSERT INTO core_idempotencyrecord AS r (user_id, endpoint, key, created_at, status_code, body)
VALUES (%s, %s, %s, %s, %s, %s::jsonb)
ON CONFLICT (user_id, endpoint, key) DO UPDATE
   SET created_at = EXCLUDED.created_at, status_code = EXCLUDED.status_code, body = EXCLUDED.body
 WHERE r.created_at < EXCLUDED.created_at - %s
"""


@dataclass
class ServiceClaim:
    """An Idempotency-Key the service claims in the statement that does its work (see the module's
    docstring); the service sets `claimed` once that statement has committed with the claim."""

    user_id: int
    endpoint: str
    key: str
    claimed: bool = False
    stored: bool = False  # the service kept its answer with the claim too (then the door stores nothing)

    @property
    def scope(self) -> dict:
        return {"user_id": self.user_id, "endpoint": self.endpoint, "key": self.key}


class Replayed(Exception):  # not an error: the earlier answer, handed to idempotent_api
    """Raised by a service that found its key claimed before: the earlier request's answer
    (`status_code` None while that request still runs)."""

    def __init__(self, status_code: int | None, body):
        super().__init__(status_code)
        self.status_code, self.body = status_code, body


def _check_key(key: str) -> None:
    if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise IdempotencyKeyInvalid(_("Idempotency-Key: от 1 до 128 печатных символов."))


def _claim(*, user_id: int, endpoint: str, key: str) -> IdempotencyRecord | None:
    """Claim the key: None when this request is the first; else the earlier request's record (whose
    status_code is None while it runs)."""
    _check_key(key)
    scope = {"user_id": user_id, "endpoint": endpoint, "key": key}
    for _attempt in range(2):
        with connection.cursor() as cursor:
            cursor.execute(CLAIM_SQL, [user_id, endpoint, key, timezone.now()])
            if cursor.fetchone() is not None:
                return None
        earlier = IdempotencyRecord.objects.filter(**scope).first()
        if earlier is None or earlier.created_at >= timezone.now() - KEEP:
            return earlier
        # Older than 24 hours (the hourly prune has not come by yet): forgotten, the key is new again.
        IdempotencyRecord.objects.filter(pk=earlier.pk).delete()
    return IdempotencyRecord.objects.filter(**scope).first()


def _busy() -> Busy:
    return Busy(_("Этот запрос ещё выполняется. Повторите через несколько секунд."))


def _store(*, user_id: int, endpoint: str, key: str, status_code: int, body) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE core_idempotencyrecord SET status_code = %s, body = %s::jsonb"
            " WHERE user_id = %s AND endpoint = %s AND key = %s",
            [status_code, _body_json(body), user_id, endpoint, key],
        )


def _body_json(body) -> str | None:
    return None if body is None else json.dumps(body, cls=DjangoJSONEncoder)


def _claim_store(*, user_id: int, endpoint: str, key: str, status_code: int, body) -> None:
    with connection.cursor() as cursor:
        cursor.execute(CLAIM_STORE_SQL, [user_id, endpoint, key, timezone.now(), status_code, _body_json(body), KEEP])


def _release(*, user_id: int, endpoint: str, key: str) -> None:
    """The first request failed on the server's side: the key is free for a retry."""
    IdempotencyRecord.objects.filter(user_id=user_id, endpoint=endpoint, key=key, status_code=None).delete()


def idempotent_api(view_method: Callable | None = None, *, claim_in_service: bool = False) -> Callable:
    """For a DRF view's `post`: honours the Idempotency-Key header (errors the door answers with are kept
    as the answer too; a 5xx or a Busy frees the key for the retry). `claim_in_service`: the view hands
    `request.idempotency` (a ServiceClaim, or None without a key) to a service that claims the key in
    its own statement and raises Replayed when it was claimed before."""
    if view_method is None:
        return partial(idempotent_api, claim_in_service=claim_in_service)

    @wraps(view_method)
    def wrapped(self, request, *args, **kwargs):
        key = request.headers.get("Idempotency-Key", "").strip()
        if claim_in_service:
            request.idempotency = None
        if not key or not request.user.is_authenticated:
            return view_method(self, request, *args, **kwargs)
        scope = {"user_id": request.user.pk, "endpoint": request.path, "key": key}
        if claim_in_service:
            return _claimed_in_service(self, request, view_method, scope, args, kwargs)
        earlier = _claim(**scope)
        if earlier is not None:
            if earlier.status_code is None:
                raise _busy()
            return Response(earlier.body, status=earlier.status_code, headers={"Idempotent-Replayed": "true"})
        transient = False
        try:
            try:
                response = view_method(self, request, *args, **kwargs)
            except Exception as error:
                # Busy asks the client to send the same request again in a moment: keeping it as the
                # answer would refuse that retry for a day.
                transient = isinstance(error, Busy)
                response = self.handle_exception(error)  # the door's own answer (re-raises what it cannot answer)
        except BaseException:
            _release(**scope)
            raise
        if response.status_code >= 500 or transient:
            _release(**scope)
        else:
            _store(**scope, status_code=response.status_code, body=response.data)
        return response

    return wrapped


def _claimed_in_service(self, request, view_method: Callable, scope: dict, args, kwargs) -> Response:
    _check_key(scope["key"])
    claim = request.idempotency = ServiceClaim(**scope)
    transient = False
    try:
        try:
            response = view_method(self, request, *args, **kwargs)
        except Replayed as earlier:
            if earlier.status_code is None:
                raise _busy() from None
            return Response(earlier.body, status=earlier.status_code, headers={"Idempotent-Replayed": "true"})
        except Exception as error:
            transient = isinstance(error, Busy)
            response = self.handle_exception(error)
    except BaseException:
        if claim.claimed:
            _release(**scope)
        raise
    if response.status_code >= 500 or transient:
        if claim.claimed:
            _release(**scope)
    elif claim.claimed:
        if not claim.stored:  # a service that kept its answer with the claim leaves nothing to store
            _store(**scope, status_code=response.status_code, body=response.data)
    else:
        _claim_store(**scope, status_code=response.status_code, body=response.data)
    return response


def idempotent_page(request, key: str, run: Callable[[], HttpResponse]) -> HttpResponse:
    """For a page's POST that ends in a redirect: `run()` once per form key; a repeat (double click,
    re-sent form) is redirected where the first went. A form without a key just runs."""
    key = (key or "").strip()
    if not key or not request.user.is_authenticated:
        return run()
    scope = {"user_id": request.user.pk, "endpoint": request.path, "key": key}
    earlier = _claim(**scope)
    if earlier is not None:
        if earlier.status_code is None:
            raise _busy()
        return (
            HttpResponseRedirect(earlier.body["location"]) if earlier.body else HttpResponse(status=earlier.status_code)
        )
    try:
        response = run()
    except BaseException:
        _release(**scope)
        raise
    location = response.get("Location")
    _store(**scope, status_code=response.status_code, body={"location": location} if location else None)
    return response


def idempotency_prune() -> int:
    """Forget answers older than 24 hours (hourly job)."""
    deleted, _rows = IdempotencyRecord.objects.filter(created_at__lt=timezone.now() - KEEP).delete()
    return deleted
