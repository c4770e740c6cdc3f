"""The parent rates the program of a contract that has run a month (enrollments.ratings decides whether
they may, and keeps the rating for moderation)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from core.errors import DomainError, NotFound
from core.pages import post_once
from enrollments.ratings import rating_check, rating_submit
from navigator.forms import RatingForm
from navigator.views.cabinet import parent_required, render_cabinet


@parent_required
@require_http_methods(["GET", "POST"])
def enrollment_rate_view(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the four scores and a comment; POST: the rating, sent to moderation (once per form key)."""
    back = reverse("cabinet-enrollment", args=[pk])
    try:
        enrollment = rating_check(parent=request.user, enrollment_id=pk)
    except NotFound:
        raise Http404 from None
    except DomainError as error:  # too early, already rated, not a contract
        messages.error(request, error.message)
        return redirect(back)
    form = RatingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():

        def submit() -> HttpResponse:
            rating_submit(parent=request.user, enrollment_id=pk, **form.cleaned_data)
            messages.success(
                request, _("Спасибо! Оценка отправлена: её опубликуют после проверки муниципальным оператором.")
            )
            return redirect(back)

        return post_once(request, submit, back=back)
    return render_cabinet(request, "rating.html", "enrollments", {"enrollment": enrollment, "form": form, "back": back})
