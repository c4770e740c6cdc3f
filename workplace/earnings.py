"""The provider's earnings per month in the workplace (billing.earnings), each month linking its
statements (акты) and the open disputes."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from billing.earnings import provider_earnings
from workplace.views import manager_required


@manager_required
@require_GET
def earnings(request: HttpRequest) -> HttpResponse:
    provider = request.user.provider
    return render(
        request, "workplace/earnings.html", {"provider": provider, "months": provider_earnings(provider_id=provider.pk)}
    )
