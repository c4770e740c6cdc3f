from django.conf import settings
from django.db import connection
from django.http import HttpResponseRedirect, HttpResponseServerError, JsonResponse
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.static import serve

from core.errors import error_body
from core.health import check_database, database_wait, health_report


@never_cache
def healthz(request):
    """Each part's state for people and monitoring: 200 while pages can be served ("ok" or "degraded")."""
    status, parts = health_report()
    return JsonResponse({"status": status, **parts}, status=503 if status == "unavailable" else 200)


@never_cache
def ready(request):
    """For a load balancer: 503 only when this node cannot serve pages (the database is gone). A restart
    of a fraction of a second is waited out, as pages wait it out, rather than pulling the node."""
    database = check_database()
    if not database["ok"]:
        connection.close()
        if database_wait(settings.DB_RETRY_WAIT_SECONDS):
            database = check_database()
    return JsonResponse({"ready": database["ok"]}, status=200 if database["ok"] else 503)


def favicon(request):
    """Browsers ask for /favicon.ico wherever a page names no icon (the API's JSON, Swagger UI, a PDF):
    send them to the portal's SVG icon rather than a 404. Cached for a day, not for ever, so a new icon
    (a new hashed static URL) is picked up."""
    response = HttpResponseRedirect(static("img/favicon.svg"))
    patch_cache_control(response, public=True, max_age=24 * 60 * 60)
    return response


def server_error(request):
    """500 without a traceback: the API's JSON error under /api/, the portal's page elsewhere; both show
    the request id. Renders without the request's context (no database, no session)."""
    request_id = getattr(request, "request_id", None)
    if request.path.startswith("/api/"):
        message = _("Внутренняя ошибка сервера. Мы уже знаем о ней; повторите запрос позже.")
        return JsonResponse(error_body("server_error", message, request_id=request_id), status=500)
    return HttpResponseServerError(render_to_string("500.html", {"request_id": request_id}))


def media(request, path: str):
    """Uploaded media (program covers), served by the portal itself: no CDN, no separate web server; the
    files are small resized JPEGs under names nobody can guess (catalog/programs.py). MEDIA_ROOT is read
    per request, so that tests may point it elsewhere."""
    return serve(request, path, document_root=settings.MEDIA_ROOT)
