from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DevmailConfig(AppConfig):
    """The mail the portal sent, as the local SMTP sink stored it (`/dev/mail/`): development only.

    Installed by the development settings alone (config/settings/dev.py), never in production, where
    mail goes to real people: the page shows every message to anyone who opens it. No other app
    imports it.
    """

    name = "devmail"
    verbose_name = _("Отправленные письма (разработка)")
