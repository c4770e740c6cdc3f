"""The session and the signed-in user's cached row in one Redis round trip (accounts/session_store.py):
once a process has loaded a session, the next request of that session reads both with one MGET and no
GET; a hint that names the wrong person, or a person whose row is not cached, costs a second read and
never signs anyone in as someone else."""

import pytest
from django.conf import settings
from django.core.cache import cache, caches
from django.test import Client
from django.urls import reverse

from accounts import session_store
from accounts.session_user import session_user_cache_key
from tests.accounts.factories import ParentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def reads(monkeypatch):
    """Every read the portal asks of the cache for the session or a person's row: ("get", key) or
    ("get_many", keys) (one MGET on Redis; the tests' in-memory cache answers it key by key, which is
    not counted again)."""
    seen = []
    inside_get_many = []
    cache_class = type(caches["default"])
    get, get_many = cache_class.get, cache_class.get_many

    def spy_get(self, key, *args, **kwargs):
        if not inside_get_many:
            seen.append(("get", key))
        return get(self, key, *args, **kwargs)

    def spy_get_many(self, keys, *args, **kwargs):
        seen.append(("get_many", tuple(keys)))
        inside_get_many.append(1)
        try:
            return get_many(self, keys, *args, **kwargs)
        finally:
            inside_get_many.pop()

    monkeypatch.setattr(cache_class, "get", spy_get)
    monkeypatch.setattr(cache_class, "get_many", spy_get_many)
    return seen


def _about_sessions(seen, session_key: str) -> list:
    """The reads of this session or of a person's row, in order."""

    def concerns(key) -> bool:
        return key.endswith(session_key) or key.startswith("session-user:")

    return [(kind, keys) for kind, keys in seen if (concerns(keys) if kind == "get" else any(map(concerns, keys)))]


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_engine_is_cached_db_with_the_user_prefetched():
    assert settings.SESSION_ENGINE == "accounts.session_store"
    assert issubclass(session_store.SessionStore, session_store.cached_db.SessionStore)


def test_a_known_session_and_its_user_come_in_one_round_trip(reads):
    parent = ParentFactory()
    phone = signed_in(parent)
    key = phone.cookies[settings.SESSION_COOKIE_NAME].value
    assert phone.get(reverse("favourites")).status_code == 200  # the row cached, the hint kept
    reads.clear()

    response = phone.get(reverse("favourites"))

    assert response.status_code == 200 and response.wsgi_request.user == parent
    session_key = session_store.cached_db.KEY_PREFIX + key
    assert _about_sessions(reads, key) == [
        ("get_many", (session_key, session_user_cache_key(parent.pk))),
    ]


@pytest.mark.parametrize("hint", ["another person", "no cached row"])
def test_a_wrong_hint_costs_a_read_and_never_the_wrong_person(reads, hint):
    parent, other = ParentFactory(), ParentFactory()
    phone = signed_in(parent)
    signed_in(other).get(reverse("favourites"))  # the other person's row is in the cache
    assert phone.get(reverse("favourites")).status_code == 200
    key = phone.cookies[settings.SESSION_COOKIE_NAME].value
    if hint == "another person":
        session_store._hints[key] = str(other.pk)
    else:
        cache.delete(session_user_cache_key(parent.pk))
    reads.clear()

    response = phone.get(reverse("favourites"))

    assert response.status_code == 200
    assert response.wsgi_request.user == parent
    assert ("get", session_user_cache_key(parent.pk)) in _about_sessions(reads, key) or hint == "no cached row"
    assert session_store._hints[key] == str(parent.pk)  # corrected by the session itself


def test_the_hints_are_bounded(monkeypatch):
    monkeypatch.setattr(session_store, "MAX_HINTS", 3)
    monkeypatch.setattr(session_store, "_hints", {})
    for n in range(5):
        session_store._remember_hint(f"key-{n}", "1")
    assert len(session_store._hints) <= 3
