from pathlib import Path

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _

AUDIT_TRIGGER_FUNCTIONS = Path(__file__).parent / "sql" / "audit_trigger_functions.sql"


def audit_trigger_functions_install(using: str = "default", **kwargs) -> None:
    """The audit triggers' helper functions without subtransactions (core/sql/audit_trigger_functions.sql).
    After every `migrate`, because django-pgtrigger re-creates its own version with each trigger it
    installs; the database keeps ours from the last migrate on."""
    from django.db import connections

    with connections[using].cursor() as cursor:
        cursor.execute(AUDIT_TRIGGER_FUNCTIONS.read_text())


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = _("Система")

    def ready(self):
        # Once per migrate, not once per app: connected for this app's signal only.
        post_migrate.connect(audit_trigger_functions_install, sender=self, dispatch_uid="audit_trigger_functions")
