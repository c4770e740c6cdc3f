from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """The demo region (`manage.py demo_region`): development, demo and tests only.

    Installed by the development settings alone (config/settings/dev.py), never in production: it
    writes made-up parents, children and certificates, and bulk-loads ledger rows past the services.
    No other app imports it.
    """

    name = "demo"
    verbose_name = _("Демонстрационные данные")
