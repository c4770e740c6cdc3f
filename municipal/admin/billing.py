from django.contrib import admin

from billing.models import (
    AttendanceCorrection,
    AttendanceMark,
    Charge,
    ChargeReversal,
    Dispute,
    JobRun,
    Lesson,
    MonthRecheck,
    Statement,
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
    # The paying municipality: its operators see what their certificates paid for.
    municipality_path = "municipality"
    list_display = [
        "kind",
        "enrollment",
        "service_date",
        "generation",
        "price",
        "certificate_amount",
        "copayment",
        "provider",
    ]
    list_filter = ["kind"]
    list_select_related = ["enrollment__child", "enrollment__group__program", "provider"]
    date_hierarchy = "service_date"


@admin.register(ChargeReversal)
class ChargeReversalAdmin(ReadOnlyAdmin):
    municipality_path = "municipality"
    list_display = ["charge", "reason", "certificate_amount", "copayment", "created_at"]
    list_filter = ["reason"]


@admin.register(MonthRecheck)
class MonthRecheckAdmin(ReadOnlyAdmin):
    municipality_path = "group__program__provider__municipality"
    list_display = ["group", "month"]


@admin.register(Dispute)
class DisputeAdmin(MunicipalityScopedAdmin):
    municipality_path = "mark__lesson__group__program__provider__municipality"
    list_display = ["mark", "raised_by", "status", "created_at", "resolved_at"]
    list_filter = ["status"]
    raw_id_fields = ["mark", "raised_by", "resolved_by"]


@admin.register(Statement)
class StatementAdmin(MunicipalityScopedAdmin):
    municipality_path = "municipality"
    list_display = [
        "provider",
        "municipality",
        "month",
        "status",
        "lessons_count",
        "certificate_total",
        "copayment_total",
    ]
    list_filter = ["status", "municipality"]
    list_select_related = ["provider", "municipality"]
    raw_id_fields = ["provider"]


@admin.register(JobRun)
class JobRunAdmin(ReadOnlyAdmin):
    municipality_path = None
    list_display = ["key", "started_at", "finished_at", "processed"]
