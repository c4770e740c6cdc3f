"""Every ModelAdmin of the portal, one module per domain app (Django's autodiscovery imports this)."""

from municipal.admin import accounts, billing, catalog, certificates, core, enrollments, notices  # noqa: F401
