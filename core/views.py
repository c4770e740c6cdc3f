from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.generic import TemplateView

from catalog.models import Direction
from core.health import health_report


@never_cache
def healthz(request):
    healthy, report = health_report()
    return JsonResponse({"status": "ok" if healthy else "unavailable", **report}, status=200 if healthy else 503)


class HomeView(TemplateView):
    """The start page: the catalog search box and the six directions (направленности)."""

    template_name = "core/home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["directions"] = Direction.objects.order_by("position")
        return context
