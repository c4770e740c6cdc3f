"""The portal's URLs plus bare views: the ceilings a Django page and a Django write can reach under the
same server, middleware and session authentication."""

import uuid

from django.http import HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.urls import include, path

from core.errors import error_body
from core.models import IdempotencyRecord

BARE_PAGE = (
    "<!doctype html><html lang='ru'><head><meta charset='utf-8'><title>Навигатор</title></head>"
    "<body><p>Постоянная страница для сравнения.</p></body></html>"
)


def bare(request):
    return HttpResponse(BARE_PAGE)


def insert(request):
    """One row for the signed-in user (a POST through the CSRF check, like an API write with a session):
    the ceiling of bench/opening_day.py. An IdempotencyRecord, so no model exists for benchmarks only."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if not request.user.is_authenticated:
        return JsonResponse(error_body("not_authenticated", "sign in"), status=403)
    record = IdempotencyRecord.objects.create(user_id=request.user.pk, endpoint=request.path, key=uuid.uuid4().hex)
    return JsonResponse({"id": record.pk}, status=201)


urlpatterns = [
    path("_bench/bare/", bare, name="bench-bare"),
    path("_bench/insert/", insert, name="bench-insert"),
    path("", include("config.urls")),
]
