"""Django's cached_db sessions, with the signed-in user's cached row read in the same Redis round trip.

A signed-in request used to make two cache reads one after the other: the session (cached_db), then
the person's row under the user id the session holds (accounts/session_user.py). A session's user does
not change for the session's life (signing in or out gives a new session key), so each process keeps a
hint, session key → user id, from the session it last loaded; with a hint, the session and that user's
row come back in one MGET. The hint only chooses what to fetch: the session read with it is the one
Django would read, and session_user() takes the prefetched row only for the id the session itself holds
and with its authentication hash (a stale or wrong hint costs the second read, never the wrong person).
"""

from __future__ import annotations

import threading

from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends import cached_db

from accounts.session_user import session_user_cache_key

# Hints kept per process; cleared when full (each costs a few hundred bytes; a hit saves a round trip).
MAX_HINTS = 20_000
_hints: dict[str, str] = {}
_hints_lock = threading.Lock()


class SessionStore(cached_db.SessionStore):
    def __init__(self, session_key=None):
        super().__init__(session_key)
        # The user rows fetched with the session: cache key → entry (None: not in the cache).
        self.prefetched_users: dict[str, object] = {}

    def load(self):
        user_id = _hints.get(self.session_key) if self.session_key else None
        data = None
        if user_id is not None:
            user_key = session_user_cache_key(user_id)
            found = self._cache.get_many([self.cache_key, user_key])
            self.prefetched_users = {user_key: found.get(user_key)}
            data = found.get(self.cache_key)
        if data is None:
            data = super().load()
        if self.session_key and data.get(SESSION_KEY) is not None:
            _remember_hint(self.session_key, str(data[SESSION_KEY]))
        return data


def _remember_hint(session_key: str, user_id: str) -> None:
    if _hints.get(session_key) == user_id:
        return
    with _hints_lock:
        if len(_hints) >= MAX_HINTS:
            _hints.clear()
        _hints[session_key] = user_id
