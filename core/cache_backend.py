"""A Redis cache that fails open: Redis is never a page's dependency.

When Redis cannot be reached, reads miss, writes are dropped and `add` says yes (the caller goes on as
if it held the short lock: the page cache then renders the page itself rather than waiting for a copy
that will never come). After a failure the cache is left alone for OUTAGE_BACKOFF_SECONDS, so that an
outage costs each request nothing and is logged once per interval, not once per request.
"""

from __future__ import annotations

import logging
import threading
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import RedisError

logger = logging.getLogger("core.cache")

OUTAGE_BACKOFF_SECONDS = 5.0


class _ReusedClients(RedisCacheClient):
    """Django's client makes a new redis.Redis for every call, and its constructor fills a table of some
    170 response callbacks: about a tenth of a millisecond on every page served from the cache. One per
    connection pool is enough (redis-py clients are safe to share: a command takes a connection from the
    pool for its own duration)."""

    def __init__(self, servers, **options):
        super().__init__(servers, **options)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients.setdefault(id(pool), self._client(connection_pool=pool))
        return client


class FailOpenRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = _ReusedClients
        self._down_until = 0.0
        self._lock = threading.Lock()

    def _available(self) -> bool:
        return time.monotonic() >= self._down_until

    def _failed(self, error: Exception) -> None:
        with self._lock:
            first = self._available()
            self._down_until = time.monotonic() + OUTAGE_BACKOFF_SECONDS
        if first:
            logger.warning(
                "cache unavailable (%s: %s); serving uncached for %.0f s",
                type(error).__name__,
                error,
                OUTAGE_BACKOFF_SECONDS,
            )

    def _guard(self, call, fallback):
        if not self._available():
            return fallback
        try:
            return call()
        except (RedisError, OSError) as error:
            self._failed(error)
            return fallback

    def get(self, key, default=None, version=None):
        return self._guard(lambda: super(FailOpenRedisCache, self).get(key, default, version), default)

    def get_many(self, keys, version=None):
        return self._guard(lambda: super(FailOpenRedisCache, self).get_many(keys, version), {})

    def has_key(self, key, version=None):
        return self._guard(lambda: super(FailOpenRedisCache, self).has_key(key, version), False)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        # "Yes": whoever asked goes on as the holder (see the module docstring).
        return self._guard(lambda: super(FailOpenRedisCache, self).add(key, value, timeout, version), True)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guard(lambda: super(FailOpenRedisCache, self).set(key, value, timeout, version), None)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guard(lambda: super(FailOpenRedisCache, self).set_many(data, timeout, version), [])

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guard(lambda: super(FailOpenRedisCache, self).touch(key, timeout, version), False)

    def delete(self, key, version=None):
        return self._guard(lambda: super(FailOpenRedisCache, self).delete(key, version), False)

    def delete_many(self, keys, version=None):
        return self._guard(lambda: super(FailOpenRedisCache, self).delete_many(keys, version), None)

    def clear(self):
        return self._guard(lambda: super(FailOpenRedisCache, self).clear(), False)
