"""Form POSTs of the pages (every door's): run once per form key, answer a domain refusal with a message.

A form that changes something carries a hidden key made when the page was rendered (`{% form_key %}`,
core/templatetags/idempotency.py); core.idempotency runs the change once per key, so a double click or a
re-sent form changes nothing twice. A refusal (a domain error) is shown as a message on the page the
form came from; a busy row asks to try again in a few seconds, never a 500; a missing or someone else's
object is a 404.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from core.errors import Busy, DomainError, NotFound
from core.idempotency import idempotent_page

FORM_KEY_FIELD = "form_key"


def busy_message() -> str:
    return _("Сейчас портал занят этой же записью. Повторите через несколько секунд.")


def post_once(request: HttpRequest, run: Callable[[], HttpResponse], *, back: str) -> HttpResponse:
    """`run()` once per form key; a domain refusal becomes an error message on the page `back` (kept as
    the answer to a repeat of the same form), Busy a message asking to retry (the key stays free, so
    the same form may be sent again), NotFound a 404."""

    def attempt() -> HttpResponse:
        try:
            return run()
        except Busy:
            raise
        except NotFound:
            raise Http404 from None
        except DomainError as error:
            messages.error(request, error.message)
            return redirect(back)

    try:
        return idempotent_page(request, request.POST.get(FORM_KEY_FIELD, ""), attempt)
    except Busy:
        messages.warning(request, busy_message())
        return redirect(back)
    except DomainError as error:  # a malformed form key
        messages.error(request, error.message)
        return redirect(back)


def door_pages(allowed: Callable[[object], bool], refusal) -> Callable[[Callable], Callable]:
    """A door's one rule for its pages, as a view decorator: anonymous visitors go to the login page, a
    signed-in user the rule does not let in gets 403 with `refusal` (a lazy translated text), and the
    pages are never cached (they are personal)."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not allowed(request.user):
                raise PermissionDenied(str(refusal))
            return view(request, *args, **kwargs)

        return never_cache(wrapped)

    return decorator
