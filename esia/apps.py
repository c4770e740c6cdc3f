from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EsiaConfig(AppConfig):
    name = "esia"
    verbose_name = _("Вход через Госуслуги")
