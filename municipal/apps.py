from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MunicipalConfig(AppConfig):
    """The municipal door: the Django admin for municipal and regional operators. Every ModelAdmin of
    the portal lives in municipal/admin/ and derives from its base classes."""

    name = "municipal"
    verbose_name = _("Муниципальный оператор")
