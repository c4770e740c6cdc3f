from django.contrib import admin
from django.utils.translation import gettext as _

from certificates.models import (
    Certificate,
    CertificateAccount,
    Child,
    DirectionChild,
    DirectionCount,
    FundedCertificateRequest,
    FundingPeriod,
    LedgerEntry,
    ParentLink,
)
from enrollments.contracts import funding_queue_serve
from municipal.admin.base import MunicipalityScopedAdmin, ReadOnlyAdmin
from municipal.imports import ChildCertificateImportResource, RegistryImportMixin, ScopedExportMixin
from municipal.resources import CertificateExportResource


class ParentLinkInline(admin.TabularInline):
    """Who is linked to the child, and whether Gosuslugi or municipal staff confirmed it (read-only here:
    links change through the services)."""

    model = ParentLink
    extra = 0
    can_delete = False
    fields = readonly_fields = ["user", "confirmation", "confirmed_at"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Child)
class ChildAdmin(MunicipalityScopedAdmin):
    municipality_path = "municipality"
    list_display = ["__str__", "birth_date", "snils_masked", "municipality"]
    list_filter = ["municipality"]
    search_fields = ["last_name", "first_name", "snils"]
    list_select_related = ["municipality"]
    inlines = [ParentLinkInline]


@admin.register(FundingPeriod)
class FundingPeriodAdmin(MunicipalityScopedAdmin):
    municipality_path = "municipality"
    list_display = [
        "name",
        "municipality",
        "start_date",
        "end_date",
        "nominal",
        "max_funded_certificates",
        "funded_accounts",
        "billing_policy",
    ]
    list_filter = ["municipality", "billing_policy"]
    list_select_related = ["municipality"]
    readonly_fields = ["funded_accounts"]
    actions = ["serve_funding_queue"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and "max_funded_certificates" in form.changed_data:
            # Room may have appeared: the queue is served in order at once.
            funding_queue_serve(period_id=obj.pk)

    @admin.action(description=_("Выделить сертификаты финансирования из очереди, пока есть места"))
    def serve_funding_queue(self, request, queryset):
        served = sum(funding_queue_serve(period_id=period.pk) for period in queryset)
        self.message_user(request, _("Открыто счетов из очереди: %(n)s.") % {"n": served})


@admin.register(Certificate)
class CertificateAdmin(RegistryImportMixin, ScopedExportMixin, MunicipalityScopedAdmin):
    resource_classes = [CertificateExportResource]
    export_filename = "certificates"
    import_resource_class = ChildCertificateImportResource
    import_models = ("certificates.child", "certificates.certificate")
    municipality_path = "municipality"
    list_display = ["number", "child", "status", "municipality", "valid_until"]
    list_filter = ["status", "municipality"]
    search_fields = ["number", "child__last_name", "child__snils"]
    list_select_related = ["child", "municipality"]
    raw_id_fields = ["child"]


@admin.register(CertificateAccount)
class CertificateAccountAdmin(ReadOnlyAdmin):
    municipality_path = "certificate__municipality"
    list_display = ["certificate", "period", "nominal", "reserved", "spent", "available"]
    list_select_related = ["certificate", "period"]
    search_fields = ["certificate__number"]


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdmin):
    municipality_path = "account__certificate__municipality"
    list_display = ["created_at", "account", "kind", "nominal_delta", "reserved_delta", "spent_delta", "description"]
    list_filter = ["kind"]
    list_select_related = ["account__certificate", "account__period"]
    search_fields = ["account__certificate__number", "idempotency_key"]


@admin.register(FundedCertificateRequest)
class FundedCertificateRequestAdmin(ReadOnlyAdmin):
    municipality_path = "certificate__municipality"
    list_display = ["certificate", "period", "created_at", "granted_at"]
    list_select_related = ["certificate", "period"]


@admin.register(ParentLink)
class ParentLinkAdmin(ReadOnlyAdmin):
    municipality_path = "child__municipality"
    list_display = ["child", "user", "confirmation", "confirmed_at"]
    list_filter = ["confirmation"]
    list_select_related = ["child", "user"]


@admin.register(DirectionCount)
class DirectionCountAdmin(ReadOnlyAdmin):
    municipality_path = "period__municipality"
    list_display = ["period", "direction", "children"]
    list_select_related = ["period", "direction"]


@admin.register(DirectionChild)
class DirectionChildAdmin(ReadOnlyAdmin):
    municipality_path = "period__municipality"
    list_display = ["period", "direction", "child"]
    list_select_related = ["period", "direction", "child"]
