from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from accounts.models import User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
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
