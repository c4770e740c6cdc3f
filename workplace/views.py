"""The provider's workplace: the door for provider staff. Every page is behind `staff_required` (the
door's one rule, accounts.access.is_provider_staff) and reads only the staff member's own provider.
Views read the request and choose a template; reads and writes are in the apps below this door."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.access import is_provider_staff
from catalog.selectors import provider_groups
from core.pages import door_pages, post_once
from enrollments.selectors import (
    groups_with_seats,
    provider_application,
    provider_applications,
    provider_new_application_count,
)
from enrollments.services import enrollment_offer, enrollment_reject
from workplace.forms import RejectForm

APPLICATIONS_PAGE_SIZE = 50


# The provider's door: provider staff only.
staff_required = door_pages(is_provider_staff, gettext_lazy("Кабинет организации доступен только её сотрудникам."))


@staff_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    provider = request.user.provider
    groups = list(groups_with_seats(provider_groups(provider_id=provider.pk)))
    return render(
        request,
        "workplace/home.html",
        {
            "provider": provider,
            "groups": groups,
            "new_applications": provider_new_application_count(provider_id=provider.pk),
        },
    )


# --- Applications (the inbox) -----------------------------------------------------------------------


@staff_required
@require_GET
def applications(request: HttpRequest) -> HttpResponse:
    """The applications to the provider's groups: new ones first, then the waiting lists and the offers
    awaiting the parents."""
    provider = request.user.provider
    paginator = Paginator(provider_applications(provider_id=provider.pk), APPLICATIONS_PAGE_SIZE)
    try:
        page = paginator.page(request.GET.get("page") or 1)
    except (PageNotAnInteger, EmptyPage):
        page = paginator.page(1)
    return render(request, "workplace/applications.html", {"provider": provider, "page": page})


@staff_required
@require_POST
def application_offer(request: HttpRequest, pk: int) -> HttpResponse:
    """Send the parents an offer (оферта); they have the period's days to accept it."""
    back = reverse("workplace:applications")

    def offer() -> HttpResponse:
        enrollment = enrollment_offer(staff=request.user, enrollment_id=pk)
        messages.success(request, _("Оферта направлена: %(child)s.") % {"child": enrollment.child.full_name})
        return redirect(back)

    return post_once(request, offer, back=back)


@staff_required
@require_http_methods(["GET", "POST"])
def application_reject(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the application and a form for the reason (required); POST: reject it with that reason."""
    enrollment = provider_application(provider_id=request.user.provider_id, enrollment_id=pk)
    if enrollment is None:
        raise Http404
    form = RejectForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        back = reverse("workplace:applications")

        def reject() -> HttpResponse:
            enrollment_reject(staff=request.user, enrollment_id=pk, reason=form.cleaned_data["reason"])
            messages.success(request, _("Заявка отклонена: %(child)s.") % {"child": enrollment.child.full_name})
            return redirect(back)

        return post_once(request, reject, back=back)
    return render(
        request,
        "workplace/application_reject.html",
        {"provider": request.user.provider, "enrollment": enrollment, "form": form},
    )
