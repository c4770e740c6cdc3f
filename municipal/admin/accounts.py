from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from municipal.admin.base import TitlesMixin


@admin.register(User)
class UserAdmin(TitlesMixin, DjangoUserAdmin):
    """People and their roles: superusers only (no operator's group holds a permission here, and the
    roles are groups made by migrations, accounts/roles.py)."""

    list_display = ["username", "last_name", "first_name", "role", "provider", "municipality", "is_active"]
    list_filter = ["role", "is_staff", "is_active"]
    search_fields = ["username", "last_name", "first_name", "email"]
    list_select_related = ["provider", "municipality"]
    autocomplete_fields = ["provider", "municipality"]
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        (
            _("Портал"),
            {"fields": ("role", "middle_name", "phone", "language", "snils", "esia_oid", "provider", "municipality")},
        ),
    )


admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(TitlesMixin, DjangoGroupAdmin):
    """Django's, with titles in the right case («Выберите группу для изменения»)."""
