"""The provider's workplace: the door for provider staff. Every page is behind `staff_required` (the
door's one rule, accounts.access.is_provider_staff) and reads only the staff member's own provider.
Views read the request and choose a template; reads and writes are in the apps below this door."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from accounts.access import is_provider_staff
from catalog.selectors import provider_groups
from enrollments.selectors import groups_with_seats


def staff_required(view: Callable) -> Callable:
    """Anonymous → the login page; a signed-in user who is not provider staff → 403. Never cached."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not is_provider_staff(request.user):
            raise PermissionDenied(_("Кабинет организации доступен только её сотрудникам."))
        return view(request, *args, **kwargs)

    return never_cache(wrapped)


@staff_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    provider = request.user.provider
    groups = list(groups_with_seats(provider_groups(provider_id=provider.pk)))
    return render(request, "workplace/home.html", {"provider": provider, "groups": groups})
