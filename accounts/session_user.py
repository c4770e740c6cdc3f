"""The signed-in user of a request, from the cache instead of a database statement.

Every signed-in request used to look its user up in PostgreSQL (Django's `auth.get_user`): on a warm
catalog page that lookup was a third of the request, and one of an application's three statements.
Here the user's row is kept in the cache under the user's id, with the session authentication hash
it yields, and a session whose stored hash equals that hash gets the user without a statement.

Django still decides everything that is not that plain case: a miss, a session whose hash differs
(another password or session generation, a rotated secret key), a backend no longer configured — the
slow path is `auth.get_user` itself, whose answer is then cached.

The cached copy is dropped after every change of the row (`forget_cached_user`, on commit): saves
through the ORM by a signal (accounts.apps), the services' bulk updates (sign out everywhere, a
provider member switched off) by calling it. A change that bypasses both (raw SQL, a bulk update
elsewhere) shows within `SESSION_USER_CACHE_SECONDS`.

The password hash never goes to the cache: the rebuilt user has it deferred (loaded from the database
if something reads it, as the admin's «change password» link does); `save()` on such a user writes only
the fields it loaded.
"""

from django.conf import settings
from django.contrib import auth
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY
from django.contrib.auth.middleware import AuthenticationMiddleware
from django.core.cache import cache
from django.db import transaction
from django.utils.crypto import constant_time_compare
from django.utils.functional import SimpleLazyObject

from accounts.models import User

# Not the password (see the module's docstring).
_CACHED_FIELDS = tuple(field.attname for field in User._meta.concrete_fields if field.attname != "password")


def session_user_cache_key(user_id) -> str:
    return f"session-user:{user_id}"


def forget_cached_user(user_id) -> None:
    """Drop the cached copy of a user. Inside a transaction: now, and again once it commits (a request
    that reads the row before the commit must not keep the old row cached after it); outside one,
    `on_commit` runs at once, so once is enough."""
    key = session_user_cache_key(user_id)
    if transaction.get_connection().in_atomic_block:
        cache.delete(key)
    transaction.on_commit(lambda: cache.delete(key))


def remember_session_user(user: User) -> None:
    """Cache the row of a user just read from the database (the next request's lookup is spared)."""
    entry = {
        "values": tuple(getattr(user, name) for name in _CACHED_FIELDS),
        "hash": user.get_session_auth_hash(),
    }
    cache.set(session_user_cache_key(user.pk), entry, settings.SESSION_USER_CACHE_SECONDS)


def _cached_user(user_id, session_hash: str, prefetched: dict | None = None) -> User | None:
    key = session_user_cache_key(user_id)
    # Fetched with the session when its store knew whose it was (accounts/session_store.py).
    entry = prefetched[key] if prefetched and key in prefetched else cache.get(key)
    if not entry or not session_hash or not constant_time_compare(session_hash, entry["hash"]):
        return None
    user = User.from_db("default", _CACHED_FIELDS, entry["values"])
    if str(user.pk) != str(user_id):  # never another person's row, whatever the cache holds
        return None
    return user


def session_user(request):
    """The request's user: the cached row when the session's hash matches it, otherwise Django's own
    lookup (which may sign the session out), remembered for the next request."""
    session = request.session
    user_id = session.get(auth.SESSION_KEY)
    if user_id is not None and session.get(BACKEND_SESSION_KEY) in settings.AUTHENTICATION_BACKENDS:
        user = _cached_user(user_id, session.get(HASH_SESSION_KEY), getattr(session, "prefetched_users", None))
        if user is not None:
            return user
    user = auth.get_user(request)
    if user.is_authenticated:
        remember_session_user(user)
    return user


class CachedUserAuthenticationMiddleware(AuthenticationMiddleware):
    """Django's authentication middleware with the user from `session_user`."""

    def process_request(self, request):
        super().process_request(request)
        request.user = SimpleLazyObject(lambda: _request_user(request))


def _request_user(request):
    if not hasattr(request, "_cached_user"):
        request._cached_user = session_user(request)
    return request._cached_user
