"""Parents' published ratings of the provider's programs, and the organisation's public answer to each
(enrollments.ratings). The manager's: the answer speaks for the organisation."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from core.pages import post_once
from enrollments.ratings import provider_ratings, rating_answer
from workplace.forms import RatingAnswerForm
from workplace.views import manager_required

RATINGS_PAGE_SIZE = 30


@manager_required
@require_GET
def ratings(request: HttpRequest) -> HttpResponse:
    """Published ratings of the provider's programs, those without an answer first, each with its form."""
    provider = request.user.provider
    paginator = Paginator(provider_ratings(provider_id=provider.pk), RATINGS_PAGE_SIZE)
    try:
        page = paginator.page(request.GET.get("page") or 1)
    except (PageNotAnInteger, EmptyPage):
        page = paginator.page(1)
    return render(request, "workplace/ratings.html", {"provider": provider, "page": page})


@manager_required
@require_POST
def rating_answer_view(request: HttpRequest, pk: int) -> HttpResponse:
    back = f"{reverse('workplace:ratings')}#rating-{pk}"
    form = RatingAnswerForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors.get("answer", [])) or _("Напишите ответ."))
        return redirect(back)

    def answer() -> HttpResponse:
        rating_answer(staff=request.user, rating_id=pk, answer=form.cleaned_data["answer"])
        messages.success(request, _("Ответ опубликован на странице программы."))
        return redirect(back)

    return post_once(request, answer, back=back)
