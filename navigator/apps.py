from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NavigatorConfig(AppConfig):
    name = "navigator"
    verbose_name = _("Навигатор: заявки и договоры")

    def ready(self):
        from navigator import signals

        signals.connect()
