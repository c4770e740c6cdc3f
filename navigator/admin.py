from django.contrib import admin

from navigator.models import Enrollment, EnrollmentEvent, Favourite, Notification


class EnrollmentEventInline(admin.TabularInline):
    model = EnrollmentEvent
    extra = 0
    can_delete = False
    readonly_fields = ["from_status", "to_status", "actor", "note", "created_at"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Enrollment)
class EnrollmentAdmin(admin.ModelAdmin):
    list_display = ["child", "group", "status", "created_at", "expires_at"]
    list_filter = ["status"]
    search_fields = ["child__last_name", "group__program__title"]
    list_select_related = ["child", "group__program"]
    raw_id_fields = ["child", "group", "applicant", "certificate"]
    # Status changes go through the enrollment services, which lock, check and log.
    readonly_fields = ["status", "status_changed_at", "accepted_at"]
    inlines = [EnrollmentEventInline]


@admin.register(EnrollmentEvent)
class EnrollmentEventAdmin(admin.ModelAdmin):
    list_display = ["enrollment", "from_status", "to_status", "actor", "created_at"]
    list_select_related = ["enrollment__child", "enrollment__group__program", "actor"]
    raw_id_fields = ["enrollment", "actor"]


@admin.register(Favourite)
class FavouriteAdmin(admin.ModelAdmin):
    list_display = ["user", "program", "created_at"]
    raw_id_fields = ["user", "program"]


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["user", "title", "created_at", "read_at"]
    raw_id_fields = ["user", "enrollment"]
