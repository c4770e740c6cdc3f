from django.http import JsonResponse
from django.views.decorators.cache import never_cache

from core.health import health_report


@never_cache
def healthz(request):
    healthy, report = health_report()
    return JsonResponse({"status": "ok" if healthy else "unavailable", **report}, status=200 if healthy else 503)
