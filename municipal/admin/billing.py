from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import Role
from billing.debits import run_debits
from billing.models import (
    AttendanceCorrection,
    AttendanceMark,
    Charge,
    ChargeReversal,
    JobRun,
    Lesson,
    MonthRecheck,
)
from municipal.admin.base import ReadOnlyAdmin


@admin.register(Lesson)
class LessonAdmin(ReadOnlyAdmin):
    """Lessons are planned, moved and cancelled through the calendar services (they move reserves)."""

    municipality_path = "group__program__provider__municipality"
    list_display = ["group", "date", "cancelled"]
    list_filter = ["cancelled"]
    date_hierarchy = "date"
    list_select_related = ["group__program"]


@admin.register(AttendanceMark)
class AttendanceMarkAdmin(ReadOnlyAdmin):
    """Marks are the teacher's register (billing.attendance keeps the corrections and the charges)."""

    municipality_path = "lesson__group__program__provider__municipality"
    list_display = ["lesson", "enrollment", "status", "version", "updated_at"]
    list_filter = ["status"]
    list_select_related = ["lesson__group__program", "enrollment__child", "enrollment__group__program"]


@admin.register(AttendanceCorrection)
class AttendanceCorrectionAdmin(ReadOnlyAdmin):
    municipality_path = "mark__lesson__group__program__provider__municipality"
    list_display = ["mark", "old_status", "new_status", "changed_by", "changed_at"]
    # Named: Django's bare select_related() would join the mark's whole chain of non-null keys.
    list_select_related = ["mark__lesson__group__program", "changed_by"]


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
    regional_only = True  # the debit job's work queue
    list_display = ["group", "month"]


def may_run_debits(user) -> bool:
    """The debit job charges the whole region: a regional operator or a superuser starts it."""
    return user.is_active and user.is_staff and (user.is_superuser or user.role == Role.REGIONAL)


@admin.register(JobRun)
class JobRunAdmin(ReadOnlyAdmin):
    """Runs of the debit job (and reconciliation): when, what they charged, what went wrong. Read-only;
    «Провести списания сейчас» runs the debit job at once (billing.debits.run_debits)."""

    # Region-wide, tied to no municipality: every operator sees the runs, a regional one starts them.
    directory = True
    change_list_template = "admin/billing/jobrun/change_list.html"
    list_display = [
        "started_at",
        "kind",
        "status",
        "for_date",
        "finished_at",
        "processed",
        "charged",
        "certificate_total",
        "copayment_total",
        "reversed",
    ]
    list_filter = ["kind", "status"]
    date_hierarchy = "started_at"
    readonly_fields = [
        "key",
        "kind",
        "status",
        "for_date",
        "started_at",
        "finished_at",
        "processed",
        "charged",
        "certificate_total",
        "copayment_total",
        "reversed",
        "details",
        "error",
    ]

    def get_urls(self):
        run_now = self.admin_site.admin_view(require_POST(self.run_debits_view))
        return [path("run-debits/", run_now, name="billing_jobrun_run_debits"), *super().get_urls()]

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "can_run_debits": may_run_debits(request.user)}
        return super().changelist_view(request, extra_context)

    def run_debits_view(self, request):
        if not may_run_debits(request.user):
            raise PermissionDenied
        run = run_debits()
        self.message_user(
            request,
            _(
                "Списания на %(day)s проведены: списаний %(charged)s (сертификаты %(certificate)s ₽, доплаты "
                "%(copayment)s ₽), сторно %(reversed)s."
            )
            % {
                "day": run.for_date.strftime("%d.%m.%Y"),
                "charged": run.charged,
                "certificate": run.certificate_total,
                "copayment": run.copayment_total,
                "reversed": run.reversed,
            },
            messages.SUCCESS,
        )
        return HttpResponseRedirect(reverse("admin:billing_jobrun_changelist"))
