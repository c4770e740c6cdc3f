"""The start page: the catalog search box and the six directions (направленности)."""

from django.views.generic import TemplateView

from catalog.models import Direction


class HomeView(TemplateView):
    template_name = "core/home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["directions"] = Direction.objects.order_by("position")
        return context
