from django.contrib import admin

from enrollments.models import Enrollment, EnrollmentEvent, ReserveEntry
from municipal.admin.base import MunicipalityScopedAdmin, ReadOnlyAdmin


class EnrollmentEventInline(admin.TabularInline):
    model = EnrollmentEvent
    extra = 0
    can_delete = False
    readonly_fields = ["from_status", "to_status", "actor", "note", "created_at"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Enrollment)
class EnrollmentAdmin(MunicipalityScopedAdmin):
    municipality_path = "group__program__provider__municipality"
    list_display = ["child", "group", "status", "created_at", "expires_at"]
    list_filter = ["status"]
    search_fields = ["child__last_name", "group__program__title"]
    list_select_related = ["child", "group__program"]
    raw_id_fields = ["child", "group", "applicant", "certificate"]
    # Status changes go through the enrollment services, which lock, check and log.
    readonly_fields = ["status", "status_changed_at", "accepted_at"]
    inlines = [EnrollmentEventInline]


@admin.register(EnrollmentEvent)
class EnrollmentEventAdmin(ReadOnlyAdmin):
    municipality_path = "enrollment__group__program__provider__municipality"
    list_display = ["enrollment", "from_status", "to_status", "actor", "created_at"]
    list_select_related = ["enrollment__child", "enrollment__group__program", "actor"]


@admin.register(ReserveEntry)
class ReserveEntryAdmin(ReadOnlyAdmin):
    municipality_path = "enrollment__group__program__provider__municipality"
    list_display = ["enrollment", "ledger_entry"]
    list_select_related = ["enrollment__child", "ledger_entry"]
