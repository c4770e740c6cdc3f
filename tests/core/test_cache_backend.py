"""The cache fails open: with Redis gone reads miss, writes are dropped, `add` says yes, nothing
raises, the outage is logged once per interval, and the cache works again once Redis is back."""

import logging
import time

import pytest

from core import cache_backend
from core.cache_backend import FailOpenRedisCache
from devstack.faultlab import RedisServer


@pytest.fixture
def redis_server(tmp_path):
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()


def _cache(server: RedisServer) -> FailOpenRedisCache:
    return FailOpenRedisCache(server.url, {"OPTIONS": {"socket_timeout": 0.5, "socket_connect_timeout": 0.5}})


def test_with_redis_up_it_is_a_cache(redis_server):
    cache = _cache(redis_server)
    cache.set("page", "rendered", 30)

    assert cache.get("page") == "rendered"
    assert cache.add("lock", 1) is True
    assert cache.add("lock", 1) is False


def test_with_redis_down_nothing_raises_and_the_outage_is_logged_once(redis_server, caplog, monkeypatch):
    monkeypatch.setattr(cache_backend, "OUTAGE_BACKOFF_SECONDS", 0.3)
    cache = _cache(redis_server)
    cache.set("page", "rendered", 30)
    redis_server.stop()

    with caplog.at_level(logging.WARNING, logger="core.cache"):
        results = [cache.get("page", "missing") for _ in range(20)]
        cache.set("other", 1)
        cache.delete("page")

    assert results == ["missing"] * 20
    assert cache.add("lock", 1) is True  # the caller goes on as if it held the lock
    assert cache.get_many(["a", "b"]) == {}
    assert len([r for r in caplog.records if r.name == "core.cache"]) == 1

    redis_server.start()
    time.sleep(0.35)  # the back-off ends; the next call tries Redis again
    cache.set("page", "again", 30)
    assert cache.get("page") == "again"


def test_one_redis_client_serves_every_call(redis_server):
    """Not a new redis.Redis per call (its construction cost about as much as a small GET)."""
    cache = _cache(redis_server)
    cache.set("page", "rendered", 30)

    assert cache._cache.get_client("page") is cache._cache.get_client("page", write=True)
    assert cache.get("page") == "rendered"
