from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EsiaStandinConfig(AppConfig):
    """A local stand-in for ESIA (Gosuslugi): development, demo and tests only.

    Installed only when ESIA_STANDIN_ENABLED is on (dev and test settings); production settings
    refuse to start with it.
    """

    name = "esia_standin"
    verbose_name = _("Учебный стенд Госуслуг")
