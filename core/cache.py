"""Shared page cache for anonymous visitors.

On enrollment opening day tens of thousands of parents browse the same catalog pages; an anonymous
GET of a results page is the same for everyone with the same URL and language, so it is rendered
once and served from Redis for a few seconds. Signed-in users, requests with credentials or pending
messages, and responses that set cookies are never cached. Live figures that must not be stale
(seats left on a program page) are on pages that are not cached.
"""

from __future__ import annotations

import hashlib
from functools import wraps

from django.conf import settings
from django.core.cache import cache

SESSION_COOKIE_HINTS = ("messages",)


def _cacheable_request(request) -> bool:
    return (
        request.method == "GET"
        and not request.headers.get("Authorization")
        and not any(name in request.COOKIES for name in SESSION_COOKIE_HINTS)
        and not request.user.is_authenticated
    )


def cache_anonymous_get(view):
    """Cache the view's 200 responses to anonymous GETs for CATALOG_PAGE_CACHE_SECONDS."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        seconds = settings.CATALOG_PAGE_CACHE_SECONDS
        if seconds <= 0 or not _cacheable_request(request):
            return view(request, *args, **kwargs)
        variant = f"{request.LANGUAGE_CODE}|{request.headers.get('HX-Request', '')}|{request.get_full_path()}"
        key = "page:" + hashlib.sha256(variant.encode()).hexdigest()
        response = cache.get(key)
        if response is not None:
            return response
        response = view(request, *args, **kwargs)

        def store(rendered):
            if rendered.status_code == 200 and not rendered.cookies and not rendered.streaming:
                cache.set(key, rendered, seconds)

        if hasattr(response, "add_post_render_callback") and not response.is_rendered:
            response.add_post_render_callback(store)
        else:
            store(response)
        return response

    return wrapped
