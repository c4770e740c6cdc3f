"""The portal's URLs plus a bare view: the ceiling a Django page can reach under the same server."""

from django.http import HttpResponse
from django.urls import include, path

BARE_PAGE = (
    "<!doctype html><html lang='ru'><head><meta charset='utf-8'><title>Навигатор</title></head>"
    "<body><p>Постоянная страница для сравнения.</p></body></html>"
)


def bare(request):
    return HttpResponse(BARE_PAGE)


urlpatterns = [
    path("_bench/bare/", bare, name="bench-bare"),
    path("", include("config.urls")),
]
