from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkplaceConfig(AppConfig):
    """The provider's door: pages for provider staff (organisation, programs, groups, register)."""

    name = "workplace"
    verbose_name = _("Кабинет организации")
