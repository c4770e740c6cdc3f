"""Base classes of every ModelAdmin of the portal (the municipal door).

`MunicipalityScopedAdmin` is the one place where what an operator sees is limited to their
municipality: a model admin names the path from its model to the municipality
(`municipality_path`), and municipal staff see only rows of their own municipality while regional
operators see all. Admin pages never edit money, statuses or audit rows directly: those are read-only
(`ReadOnlyAdmin`, `readonly_fields`), and changes go through the services as admin actions.
"""

from __future__ import annotations

from django.contrib import admin

from accounts.models import Role
from municipal.admin.history import AuditHistoryMixin


def operator_municipality_id(user) -> int | None:
    """The municipality a municipal operator is bound to; None for a regional operator or superuser
    (they see every municipality)."""
    if user.is_superuser or user.role == Role.REGIONAL:
        return None
    return user.municipality_id


class MunicipalityScopedAdmin(AuditHistoryMixin, admin.ModelAdmin):
    """An admin whose rows belong to a municipality through `municipality_path` (a lookup such as
    "municipality" or "provider__municipality"). None: the model is not tied to one municipality
    (directories, technical tables); its visibility is decided by permissions alone."""

    municipality_path: str | None = None

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if self.municipality_path is None:
            return queryset
        municipality_id = operator_municipality_id(request.user)
        if municipality_id is None and (request.user.is_superuser or request.user.role == Role.REGIONAL):
            return queryset
        # A municipal operator without a municipality sees nothing rather than everything.
        return queryset.filter(**{self.municipality_path: municipality_id})


class ReadOnlyAdmin(MunicipalityScopedAdmin):
    """Money records and audit rows are written by services only; the admin shows them."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
