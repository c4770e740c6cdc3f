"""Shared page cache: a catalog page rendered once for everyone, personal parts added per request.

On enrollment opening day tens of thousands of parents browse the same catalog pages, most of them
signed in. What a results page shows (the programs, the counts, the facets) is the same for everyone
with the same URL and language, so that part is rendered once, as an anonymous visitor sees it, and
served from Redis for a few seconds. Anonymous visitors get it as it is. Signed-in users get it too:
it is always rendered from an anonymous copy of their request (no cookies, no session, no user, no
credentials), so nothing of theirs can ever be in it, and the view's `personalize` function then adds
what is theirs (the header's user menu, favourite marks...) on every request, never stored.

Requests with pending messages (shown on the page) and with an Authorization header are never
served from the cache, and responses that set cookies are never stored. Live figures that must not be
stale (seats left on a program page) are on pages that are not cached.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from functools import partial, wraps
from importlib import import_module
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.core.handlers.wsgi import WSGIRequest
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_vary_headers

SESSION_COOKIE_HINTS = ("messages",)
# Never copied into the anonymous request a shared page is rendered from: what identifies the user.
PERSONAL_META = frozenset(
    {"HTTP_COOKIE", "HTTP_AUTHORIZATION", "HTTP_X_CSRFTOKEN", "CSRF_COOKIE", "CSRF_COOKIE_NEEDS_UPDATE"}
)
# A miss renders once: other requests for the same page wait this long for it, polling, before
# rendering it themselves (the renderer may have failed or be slow).
STAMPEDE_WAIT_SECONDS = 2.0
STAMPEDE_POLL_SECONDS = 0.02

# personalize(request, shared_response, found): `found` holds what the cache had of `personal_keys`.
Personalize = Callable[[HttpRequest, HttpResponse, dict], HttpResponse]
# The keys of a user's own cached parts of a page (given the page's key): read in the same round trip as
# the shared copy, so that a signed-in page served from the cache costs one Redis call like any other.
PersonalKeys = Callable[[HttpRequest, str], list[str]]
# Called on a shared page once, when it is stored, to keep what every personalisation of it needs (where
# its personal parts go): the work is then done once per stored copy rather than once per request.
Prepare = Callable[[HttpResponse], None]


def _has_pending_messages(request) -> bool:
    """Messages waiting to be shown (cookie or session storage): the page must be rendered for them."""
    if any(name in request.COOKIES for name in SESSION_COOKIE_HINTS):
        return True
    session = getattr(request, "session", None)
    return session is not None and settings.SESSION_COOKIE_NAME in request.COOKIES and "_messages" in session


def page_key(request) -> str:
    """The same page whatever the order of its query parameters (`?a=1&b=2` is `?b=2&a=1`).

    The scheme and host are part of the key: API answers carry absolute URLs (pagination links), so
    a page rendered for one host name or for plain HTTP must not be served to another."""
    parameters = urlencode(sorted(request.GET.lists()), doseq=True)
    origin = f"{request.scheme}://{request.get_host()}"
    variant = f"{request.LANGUAGE_CODE}|{request.headers.get('HX-Request', '')}|{origin}{request.path}?{parameters}"
    return "page:" + hashlib.sha256(variant.encode()).hexdigest()


def anonymous_copy(request) -> HttpRequest:
    """The same GET as an anonymous visitor would send it: the URL, host, scheme, language and htmx
    headers, but no cookies, credentials, session or user. A shared page is rendered from this only."""
    environ = {name: value for name, value in request.META.items() if name not in PERSONAL_META}
    anonymous = WSGIRequest(environ)
    anonymous.user = AnonymousUser()
    anonymous.session = import_module(settings.SESSION_ENGINE).SessionStore()  # empty, never saved
    anonymous.LANGUAGE_CODE = request.LANGUAGE_CODE
    if hasattr(request, "request_id"):
        anonymous.request_id = request.request_id
    if hasattr(request, "htmx"):
        from django_htmx.middleware import HtmxDetails

        anonymous.htmx = HtmxDetails(anonymous)
    return anonymous


def _wait_for(key: str):
    deadline = time.monotonic() + STAMPEDE_WAIT_SECONDS
    while time.monotonic() < deadline:
        time.sleep(STAMPEDE_POLL_SECONDS)
        response = cache.get(key)
        if response is not None:
            return response
    return None


def _shared_response(anonymous, view, args, kwargs, prepare: Prepare | None = None, personal_keys=None):
    """The page as an anonymous visitor sees it: from the cache, or rendered (once for a crowd) and
    stored for CATALOG_PAGE_CACHE_SECONDS when it is a 200 that sets no cookie. Returns it with what
    the cache had of `personal_keys(page key)` (read together with the page)."""
    seconds = settings.CATALOG_PAGE_CACHE_SECONDS
    if seconds <= 0:
        return view(anonymous, *args, **kwargs), {}
    key = page_key(anonymous)
    found = {}
    if personal_keys is None:
        response = cache.get(key)
    else:
        keys = personal_keys(key)
        values = cache.get_many([key, *keys])
        response = values.get(key)
        found = {name: values.get(name) for name in keys}  # None where the cache had nothing
    if response is not None:
        return response, found
    lock = key + ":rendering"
    if not cache.add(lock, 1, timeout=max(1, int(STAMPEDE_WAIT_SECONDS))):
        response = _wait_for(key)
        if response is not None:
            return response, found
    response = view(anonymous, *args, **kwargs)

    def store(rendered):
        if rendered.status_code == 200 and not rendered.cookies and not rendered.streaming:
            if prepare is not None:
                prepare(rendered)
            cache.set(key, rendered, seconds)
        cache.delete(lock)

    if hasattr(response, "add_post_render_callback") and not response.is_rendered:
        response.add_post_render_callback(store)
    else:
        store(response)
    return response, found


def cache_shared_get(
    view=None,
    *,
    personalize: Personalize | None = None,
    prepare: Prepare | None = None,
    personal_keys: PersonalKeys | None = None,
):
    """Serve the view's GETs from the shared page cache, to anonymous and signed-in users alike.

    Without `personalize` the page is the same for everyone (the catalog API: nothing in it is
    personal), and a user signed in by session gets the shared copy as it is. With it, a signed-in
    user's page is `personalize(request, shared_response, found)`: the shared copy with the user's parts
    added, a new response that is never stored; `prepare(shared_response)` runs on each copy before it is
    stored, for what `personalize` can read off it instead of working it out on every request (a copy
    that is not stored, rendered for staff or with the cache off, is personalised without it);
    `found` maps each of `personal_keys(request, page_key)` (the user's own cached parts) to what the
    cache had (None for nothing), read with the shared copy in one round trip; it is empty when the
    page did not come through the cache (staff, the cache off). `@cache_shared_get` and
    `@cache_shared_get(personalize=..., prepare=..., personal_keys=...)` both work.
    """

    def decorate(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if (
                request.method != "GET"
                or request.headers.get("Authorization")  # token clients: not this cache's business
                or _has_pending_messages(request)
            ):
                return view(request, *args, **kwargs)
            if not request.user.is_authenticated:
                response, _found = _shared_response(request, view, args, kwargs, prepare)
            else:
                anonymous = anonymous_copy(request)
                found = {}
                if request.user.is_staff:
                    # Officers check what their own decisions did (a program certified a moment ago):
                    # the same page, rendered now and not stored.
                    response = view(anonymous, *args, **kwargs)
                else:
                    keys = None
                    if personalize is not None and personal_keys is not None:
                        keys = partial(personal_keys, request)
                    response, found = _shared_response(anonymous, view, args, kwargs, prepare, keys)
                if personalize is not None:
                    if hasattr(response, "render") and not response.is_rendered:
                        response.render()
                    response = personalize(request, response, found)
            # Browsers and proxies must not give one user's copy to another (the session cookie differs).
            patch_vary_headers(response, ["Cookie"])
            return response

        return wrapped

    return decorate(view) if view is not None else decorate
