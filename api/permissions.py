"""Each API door's one permission rule (accounts.access), as DRF permission classes."""

from __future__ import annotations

from django.utils.translation import gettext_lazy
from rest_framework.permissions import BasePermission

from accounts.access import is_parent, is_provider_manager, is_provider_staff


class IsParent(BasePermission):
    """The parent's door: a signed-in parent; staff of any kind has its own tools."""

    message = gettext_lazy("Раздел доступен только родителям.")

    def has_permission(self, request, view) -> bool:
        return is_parent(request.user)


class IsProviderStaff(BasePermission):
    """The provider's door: a signed-in member of a provider's staff."""

    message = gettext_lazy("Раздел доступен только сотрудникам организаций.")

    def has_permission(self, request, view) -> bool:
        return is_provider_staff(request.user)


class IsProviderManager(BasePermission):
    """The provider's door for changes of the organisation's programs and groups: its manager only."""

    message = gettext_lazy("Это может только руководитель организации.")

    def has_permission(self, request, view) -> bool:
        return is_provider_manager(request.user)
