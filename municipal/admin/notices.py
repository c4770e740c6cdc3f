from django.contrib import admin

from municipal.admin.base import ReadOnlyAdmin
from notices.models import Notification


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    regional_only = True  # a notice belongs to a person, not to a municipality
    list_display = ["user", "title", "created_at", "read_at", "emailed_at"]
    list_select_related = ["user"]
