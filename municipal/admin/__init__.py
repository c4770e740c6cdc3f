"""Every ModelAdmin of the portal, one module per domain app (Django's autodiscovery imports this)."""

from municipal.admin import (  # noqa: F401
    accounts,
    billing,
    catalog,
    certificates,
    claims,
    core,
    enrollments,
    notices,
    statements,
)
