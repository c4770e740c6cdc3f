"""Shared page cache for anonymous visitors.

On enrollment opening day tens of thousands of parents browse the same catalog pages; an anonymous
GET of a results page is the same for everyone with the same URL and language, so it is rendered
once and served from Redis for a few seconds. Signed-in users, requests with credentials or pending
messages, and responses that set cookies are never cached. Live figures that must not be stale
(seats left on a program page) are on pages that are not cached.
"""

from __future__ import annotations

import hashlib
import time
from functools import wraps
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache

SESSION_COOKIE_HINTS = ("messages",)
# A miss renders once: other requests for the same page wait this long for it, polling, before
# rendering it themselves (the renderer may have failed or be slow).
STAMPEDE_WAIT_SECONDS = 2.0
STAMPEDE_POLL_SECONDS = 0.02


def _cacheable_request(request) -> bool:
    return (
        request.method == "GET"
        and not request.headers.get("Authorization")
        and not any(name in request.COOKIES for name in SESSION_COOKIE_HINTS)
        and not request.user.is_authenticated
    )


def page_key(request) -> str:
    """The same page whatever the order of its query parameters (`?a=1&b=2` is `?b=2&a=1`).

    The scheme and host are part of the key: API answers carry absolute URLs (pagination links), so
    a page rendered for one host name or for plain HTTP must not be served to another."""
    parameters = urlencode(sorted(request.GET.lists()), doseq=True)
    origin = f"{request.scheme}://{request.get_host()}"
    variant = f"{request.LANGUAGE_CODE}|{request.headers.get('HX-Request', '')}|{origin}{request.path}?{parameters}"
    return "page:" + hashlib.sha256(variant.encode()).hexdigest()


def _wait_for(key: str):
    deadline = time.monotonic() + STAMPEDE_WAIT_SECONDS
    while time.monotonic() < deadline:
        time.sleep(STAMPEDE_POLL_SECONDS)
        response = cache.get(key)
        if response is not None:
            return response
    return None


def cache_anonymous_get(view):
    """Cache the view's 200 responses to anonymous GETs for CATALOG_PAGE_CACHE_SECONDS.

    When a popular page expires, one request renders it again while the others wait for that copy
    (a short lock in the cache), so that a crowd does not run the same search a hundred times at once.
    """

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        seconds = settings.CATALOG_PAGE_CACHE_SECONDS
        if seconds <= 0 or not _cacheable_request(request):
            return view(request, *args, **kwargs)
        key = page_key(request)
        response = cache.get(key)
        if response is not None:
            return response
        lock = key + ":rendering"
        if not cache.add(lock, 1, timeout=max(1, int(STAMPEDE_WAIT_SECONDS))):
            response = _wait_for(key)
            if response is not None:
                return response
        response = view(request, *args, **kwargs)

        def store(rendered):
            if rendered.status_code == 200 and not rendered.cookies and not rendered.streaming:
                cache.set(key, rendered, seconds)
            cache.delete(lock)

        if hasattr(response, "add_post_render_callback") and not response.is_rendered:
            response.add_post_render_callback(store)
        else:
            store(response)
        return response

    return wrapped
