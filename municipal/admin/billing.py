from django.contrib import admin

from billing.models import (
    AttendanceCorrection,
    AttendanceMark,
    Charge,
    ChargeReversal,
    JobRun,
    Lesson,
)
from municipal.admin.base import MunicipalityScopedAdmin, ReadOnlyAdmin


@admin.register(Lesson)
class LessonAdmin(MunicipalityScopedAdmin):
    municipality_path = "group__program__provider__municipality"
    list_display = ["group", "date", "cancelled"]
    list_filter = ["cancelled"]
    date_hierarchy = "date"
    raw_id_fields = ["group"]


@admin.register(AttendanceMark)
class AttendanceMarkAdmin(MunicipalityScopedAdmin):
    municipality_path = "lesson__group__program__provider__municipality"
    list_display = ["lesson", "enrollment", "status", "version", "updated_at"]
    list_filter = ["status"]
    raw_id_fields = ["lesson", "enrollment", "marked_by"]


@admin.register(AttendanceCorrection)
class AttendanceCorrectionAdmin(ReadOnlyAdmin):
    municipality_path = "mark__lesson__group__program__provider__municipality"
    list_display = ["mark", "old_status", "new_status", "changed_by", "changed_at"]


@admin.register(Charge)
class ChargeAdmin(ReadOnlyAdmin):
    municipality_path = "enrollment__group__program__provider__municipality"
    list_display = ["kind", "enrollment", "service_date", "price", "certificate_amount", "copayment", "statement"]
    list_filter = ["kind"]
    date_hierarchy = "service_date"


@admin.register(ChargeReversal)
class ChargeReversalAdmin(ReadOnlyAdmin):
    municipality_path = "charge__enrollment__group__program__provider__municipality"
    list_display = ["charge", "reason", "created_at"]


@admin.register(JobRun)
class JobRunAdmin(ReadOnlyAdmin):
    municipality_path = None
    list_display = ["key", "started_at", "finished_at", "processed"]
