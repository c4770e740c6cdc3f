from django import forms
from django.contrib import admin
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from certificates.freezing import certificate_freeze, certificate_unfreeze
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
from certificates.periods import PERIOD_FIELDS, funding_period_problems, funding_period_save
from core.errors import DomainError
from enrollments.contracts import funding_queue_serve
from municipal.admin.base import MunicipalityScopedAdmin, ReadOnlyAdmin, ScopedInline, sees_all
from municipal.imports import ChildCertificateImportResource, RegistryImportMixin, ScopedExportMixin
from municipal.resources import CertificateExportResource


class ParentLinkInline(ScopedInline):
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
    """The СНИЛС is shown masked; a search by the full number finds the child (municipal/admin/base.py
    keeps the number out of the URL)."""

    municipality_path = "municipality"
    list_display = ["__str__", "birth_date", "snils_masked", "municipality"]
    list_filter = ["municipality"]
    search_fields = ["last_name", "first_name", "=snils"]
    search_help_text = gettext_lazy("Фамилия, имя или СНИЛС полностью.")
    list_select_related = ["municipality"]
    exclude = ["snils"]
    readonly_fields = ["snils_masked"]
    locked_fields = ("municipality",)
    inlines = [ParentLinkInline]

    def has_add_permission(self, request):
        return False  # children come from Gosuslugi or the parent's hand-add form (certificates.services)

    @admin.display(description=gettext_lazy("СНИЛС"))
    def snils_masked(self, obj):
        return obj.snils_masked


class FundingPeriodForm(forms.ModelForm):
    """Every figure is checked by the service (certificates.periods) before it is saved, and its
    refusals are shown at their fields."""

    class Meta:
        model = FundingPeriod
        fields = [name.removesuffix("_id") for name in PERIOD_FIELDS]

    def clean(self):
        cleaned = super().clean()
        fields = {name: cleaned.get(name.removesuffix("_id")) for name in PERIOD_FIELDS}
        fields["municipality_id"] = cleaned["municipality"].pk if cleaned.get("municipality") else None
        period = self.instance if self.instance.pk else None
        try:
            problems = funding_period_problems(actor=self.actor, period=period, fields=fields)
        except DomainError as error:
            raise forms.ValidationError(error.message) from None
        for name, errors in problems.items():
            for error in errors:
                self.add_error(name if name in self.fields else None, error)
        self.period_fields = fields
        return cleaned


@admin.register(FundingPeriod)
class FundingPeriodAdmin(MunicipalityScopedAdmin):
    """Created and changed only through certificates.periods.funding_period_save (the form shows its
    refusals); the count of funded accounts is the acceptance service's."""

    municipality_path = "municipality"
    service_form = True
    form = FundingPeriodForm
    list_display = [
        "name",
        "municipality",
        "start_date",
        "end_date",
        "nominal",
        "max_funded_certificates",
        "funded_accounts",
        "total_budget",
        "billing_policy",
    ]
    list_filter = ["municipality", "billing_policy"]
    list_select_related = ["municipality"]
    readonly_fields = ["funded_accounts"]
    actions = ["serve_funding_queue"]

    def has_delete_permission(self, request, obj=None):
        return False  # accounts, charges and statements refer to it

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.actor = request.user
        return form

    def save_model(self, request, obj, form, change):
        saved = funding_period_save(actor=request.user, period_id=obj.pk if change else None, fields=form.period_fields)
        obj.pk = saved.pk
        obj.refresh_from_db()
        if change and "max_funded_certificates" in form.changed_data:
            # Room may have appeared: the queue is served in order at once.
            funding_queue_serve(period_id=obj.pk)

    @admin.action(description=gettext_lazy("Выделить сертификаты финансирования из очереди, пока есть места"))
    def serve_funding_queue(self, request, queryset):
        served = sum(funding_queue_serve(period_id=period.pk) for period in queryset)
        self.message_user(request, _("Открыто счетов из очереди: %(n)s.") % {"n": served})


@admin.register(Certificate)
class CertificateAdmin(RegistryImportMixin, ScopedExportMixin, MunicipalityScopedAdmin):
    """The registry: search by number or the child's name; freezing and unfreezing are actions with a
    reason (certificates.registry)."""

    resource_classes = [CertificateExportResource]
    export_filename = "certificates"
    import_resource_class = ChildCertificateImportResource
    import_models = ("certificates.child", "certificates.certificate")

    municipality_path = "municipality"
    list_display = ["number", "child", "status", "municipality", "valid_until"]
    list_filter = ["status", "municipality"]
    search_fields = ["number", "child__last_name", "child__first_name", "=child__snils"]
    search_help_text = gettext_lazy("Номер сертификата, фамилия или имя ребёнка, СНИЛС полностью.")
    list_select_related = ["child", "municipality"]
    locked_fields = ("number", "child", "municipality", "valid_until")
    actions = ["freeze", "unfreeze"]

    def has_freeze_permission(self, request):
        return sees_all(request.user) or bool(request.user.municipality_id)

    @admin.action(description=gettext_lazy("Приостановить выбранные сертификаты"), permissions=["freeze"])
    def freeze(self, request, queryset):
        return self.reason_action(
            request,
            queryset,
            action="freeze",
            title=_("Приостановить сертификаты"),
            service=lambda actor, obj, reason: certificate_freeze(actor=actor, certificate_id=obj.pk, reason=reason),
        )

    @admin.action(description=gettext_lazy("Возобновить выбранные сертификаты"), permissions=["freeze"])
    def unfreeze(self, request, queryset):
        return self.reason_action(
            request,
            queryset,
            action="unfreeze",
            title=_("Возобновить сертификаты"),
            service=lambda actor, obj, reason: certificate_unfreeze(actor=actor, certificate_id=obj.pk, reason=reason),
        )


@admin.register(CertificateAccount)
class CertificateAccountAdmin(ReadOnlyAdmin):
    municipality_path = "certificate__municipality"
    list_display = ["certificate", "period", "nominal", "reserved", "spent", "available"]
    list_select_related = ["certificate", "period__municipality"]
    search_fields = ["certificate__number"]

    @admin.display(description=gettext_lazy("доступно"))
    def available(self, obj):
        return obj.available


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
    list_select_related = ["certificate", "period__municipality"]


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
    list_select_related = ["period__municipality", "direction"]


@admin.register(DirectionChild)
class DirectionChildAdmin(ReadOnlyAdmin):
    municipality_path = "period__municipality"
    list_display = ["period", "direction", "child"]
    list_select_related = ["period__municipality", "direction", "child"]
