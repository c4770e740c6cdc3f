"""Gosuslugi sign-in pages: start, ESIA's return (`redirect_uri`), the one-time municipality
question, and a Russian error page for every failure (no account is created on any of them)."""

from __future__ import annotations

import logging

from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth import login as auth_login
from django.core.exceptions import ImproperlyConfigured
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods
from social_core.actions import do_auth, do_complete
from social_core.exceptions import AuthConfigurationError, SocialAuthBaseException
from social_core.utils import PARTIAL_TOKEN_SESSION_NAME
from social_django.utils import load_backend, load_strategy

from esia import errors
from esia.backends import EsiaOAuth2
from esia.forms import MunicipalityForm
from esia.gost import GostError
from esia.pipeline import MUNICIPALITY_SESSION_KEY

logger = logging.getLogger(__name__)


def _backend(request) -> EsiaOAuth2:
    request.social_strategy = load_strategy(request)
    request.backend = load_backend(request.social_strategy, EsiaOAuth2.name, redirect_uri=reverse("esia:complete"))
    return request.backend


def _login(backend, user, social_user) -> None:
    user.backend = f"{EsiaOAuth2.__module__}.{EsiaOAuth2.__name__}"
    auth_login(backend.strategy.request, user)


def failure_page(request, error: SocialAuthBaseException):
    failure = errors.describe(error)
    logger.warning(
        "Gosuslugi sign-in failed: code=%s claim=%s stage=%s esia=%s",
        error.code,
        getattr(error, "claim", None),
        error.stage,
        failure.esia_code,
    )
    return render(request, "esia/error.html", {"failure": failure}, status=failure.status)


def _forget_unfinished_sign_in(request) -> None:
    """A new sign-in (or a fresh answer from ESIA) supersedes one paused at the municipality
    question, which would otherwise be resumed with the previous person's data."""
    strategy = load_strategy(request)
    token = strategy.session_get(PARTIAL_TOKEN_SESSION_NAME)
    if token:
        strategy.clean_partial_pipeline(token)
    strategy.session_pop(MUNICIPALITY_SESSION_KEY)


def _protocol_step(request, step):
    """Run a step of the sign-in; any failure becomes the Russian error page. A signer that cannot
    sign (no key, no engine) is the operator's problem, said plainly to the parent."""
    try:
        return step()
    except SocialAuthBaseException as error:
        return failure_page(request, error)
    except (ImproperlyConfigured, GostError) as error:
        logger.error("Gosuslugi sign-in is misconfigured: %s", error, exc_info=error)
        return failure_page(request, AuthConfigurationError(None, code="invalid_setting", stage="begin"))


@never_cache
@require_http_methods(["GET", "POST"])
def start(request):
    """GET: a page that posts itself at once (links in cached pages carry no CSRF token, and the
    sign-in must start with a POST); POST: off to Gosuslugi."""
    next_url = request.POST.get(REDIRECT_FIELD_NAME) or request.GET.get(REDIRECT_FIELD_NAME, "")
    if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}, require_https=request.is_secure()):
        next_url = ""
    if request.method == "GET":
        return render(request, "esia/start.html", {"next": next_url})
    _forget_unfinished_sign_in(request)
    if not next_url:
        request.session.pop(REDIRECT_FIELD_NAME, None)  # an earlier attempt's destination is not this one's
    return _protocol_step(request, lambda: do_auth(_backend(request), redirect_name=REDIRECT_FIELD_NAME))


@never_cache
@require_GET
def complete(request):
    """ESIA's `redirect_uri`. The person is whoever Gosuslugi says, never the one signed in before:
    `user=None` keeps a session of someone else from being tied to this Gosuslugi profile."""
    if "code" in request.GET or "error" in request.GET:
        _forget_unfinished_sign_in(request)
    return _protocol_step(
        request,
        lambda: do_complete(_backend(request), _login, user=None, redirect_name=REDIRECT_FIELD_NAME, request=request),
    )


@never_cache
@require_http_methods(["GET", "POST"])
def municipality(request):
    """Asked once, when the children from Gosuslugi are new to the portal and live who knows where."""
    token = request.session.get(PARTIAL_TOKEN_SESSION_NAME)
    strategy = load_strategy(request)
    partial = strategy.partial_load(token) if token else None
    if partial is None:
        return redirect("login")
    form = MunicipalityForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        request.session[MUNICIPALITY_SESSION_KEY] = form.cleaned_data["municipality"].pk
        return redirect("esia:complete")
    response = partial.kwargs.get("response") or {}
    kids = []
    if response.get("oid"):
        backend = _backend(request)
        kids = [k for k in backend.person(response).kids if k.snils]
    return render(request, "esia/municipality.html", {"form": form, "kids": kids})
