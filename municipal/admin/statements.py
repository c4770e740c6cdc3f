"""Monthly statements and parents' disputes in the admin (the municipal door).

Both are read-only here: their status changes only through the billing services, as admin actions
(issue, mark paid) and a decision page for a dispute (uphold or reject with a reason). What an operator
sees is scoped by the paying municipality (municipal/admin/base.py).
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from billing.disputes import dispute_resolve
from billing.models import BillingNoticeSent, Dispute, Statement, StatementLine
from billing.selectors import statement_document, statements_with_totals
from billing.statement_files import statement_filename, statement_pdf, statement_xlsx
from billing.statements import operator_scope, statement_issue, statement_mark_paid
from core.errors import DomainError
from municipal.admin.base import ReadOnlyAdmin, ScopedInline
from municipal.imports import ScopedExportMixin
from municipal.resources import StatementExportResource


def _operator(request) -> bool:
    return operator_scope(request.user)[0]


class StatementLineInline(ScopedInline):
    model = StatementLine
    extra = 0
    can_delete = False
    fields = readonly_fields = ["kind", "charge", "reversal", "lessons", "certificate_amount", "copayment"]
    raw_id_fields = ["charge", "reversal"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Statement)
class StatementAdmin(ScopedExportMixin, ReadOnlyAdmin):
    """Statements are made from the charges and reversals and frozen when issued; an operator issues them
    and records their payment through the actions (billing.statements)."""

    municipality_path = "municipality"
    resource_classes = [StatementExportResource]
    export_filename = "statements"
    list_display = [
        "__str__",
        "provider",
        "municipality",
        "month",
        "status",
        "lessons_total",
        "certificate_total",
        "copayment_total",
        "files",
    ]
    list_filter = ["status", "municipality"]
    search_fields = ["provider__short_name", "provider__inn"]
    date_hierarchy = "month"
    readonly_fields = ["lessons_total", "certificate_total", "copayment_total", "files"]
    inlines = [StatementLineInline]
    actions = ["issue", "mark_paid"]

    def get_queryset(self, request):
        return statements_with_totals(super().get_queryset(request))

    @admin.display(description=gettext_lazy("занятий"), ordering="total_lessons")
    def lessons_total(self, obj):
        return obj.total_lessons

    @admin.display(description=gettext_lazy("за счёт сертификатов"), ordering="total_certificate")
    def certificate_total(self, obj):
        return obj.total_certificate

    @admin.display(description=gettext_lazy("доплаты родителей"), ordering="total_copayment")
    def copayment_total(self, obj):
        return obj.total_copayment

    @admin.display(description=gettext_lazy("файлы"))
    def files(self, obj):
        return format_html(
            '<a href="{}">PDF</a> · <a href="{}">XLSX</a>',
            reverse("admin:billing_statement_pdf", args=[obj.pk]),
            reverse("admin:billing_statement_xlsx", args=[obj.pk]),
        )

    def has_issue_permission(self, request):
        return _operator(request)

    def has_mark_paid_permission(self, request):
        return _operator(request)

    @admin.action(description=gettext_lazy("Выставить выбранные акты"), permissions=["issue"])
    def issue(self, request, queryset):
        self._run(request, queryset, lambda pk: statement_issue(actor=request.user, statement_id=pk).issued)

    @admin.action(description=gettext_lazy("Отметить выбранные акты оплаченными"), permissions=["mark_paid"])
    def mark_paid(self, request, queryset):
        self._run(request, queryset, lambda pk: statement_mark_paid(actor=request.user, statement_id=pk).changed)

    def _run(self, request, queryset, change) -> None:
        changed = 0
        for statement in queryset.order_by("pk"):
            try:
                changed += bool(change(statement.pk))
            except DomainError as error:
                self.message_user(request, f"{statement}: {error.message}", messages.ERROR)
        self.message_user(request, _("Изменено актов: %(n)s.") % {"n": changed})

    def get_urls(self):
        return [
            path("<int:pk>/pdf/", self.admin_site.admin_view(self.pdf_view), name="billing_statement_pdf"),
            path("<int:pk>/xlsx/", self.admin_site.admin_view(self.xlsx_view), name="billing_statement_xlsx"),
            *super().get_urls(),
        ]

    def _document(self, request, pk: int):
        statement = self.get_queryset(request).filter(pk=pk).first()
        if statement is None or not self.has_view_permission(request, statement):
            raise Http404
        return statement_document(statement=statement)

    def pdf_view(self, request, pk: int):
        document = self._document(request, pk)
        return _download(statement_pdf(document), "application/pdf", statement_filename(document, "pdf"))

    def xlsx_view(self, request, pk: int):
        document = self._document(request, pk)
        return _download(
            statement_xlsx(document),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            statement_filename(document, "xlsx"),
        )


def _download(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


class DisputeDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=gettext_lazy("Решение"),
        choices=[("uphold", gettext_lazy("Удовлетворить: вернуть деньги")), ("reject", gettext_lazy("Отклонить"))],
        widget=forms.RadioSelect,
    )
    resolution = forms.CharField(
        label=gettext_lazy("Причина решения"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3})
    )


@admin.register(Dispute)
class DisputeAdmin(ReadOnlyAdmin):
    """Parents' disputes of charged lessons; an operator of the paying municipality decides an open one
    on its decision page (billing.disputes.dispute_resolve)."""

    municipality_path = "charge__municipality"
    list_display = ["__str__", "charge", "lesson", "raised_by", "status", "created_at", "resolved_at", "decide"]
    list_filter = ["status"]
    list_select_related = ["lesson__group__program", "raised_by", "charge"]

    @admin.display(description=gettext_lazy("решение"))
    def decide(self, obj):
        if obj.status != Dispute.Status.OPEN:
            return obj.resolution
        return format_html(
            '<a href="{}">{}</a>', reverse("admin:billing_dispute_decide", args=[obj.pk]), _("Рассмотреть")
        )

    def get_urls(self):
        return [
            path("<int:pk>/decide/", self.admin_site.admin_view(self.decide_view), name="billing_dispute_decide"),
            *super().get_urls(),
        ]

    def decide_view(self, request, pk: int):
        dispute = self.get_queryset(request).filter(pk=pk).first()
        if dispute is None or not _operator(request):
            raise Http404
        form = DisputeDecisionForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                dispute_resolve(
                    actor=request.user,
                    dispute_id=pk,
                    uphold=form.cleaned_data["decision"] == "uphold",
                    resolution=form.cleaned_data["resolution"],
                )
            except DomainError as error:
                self.message_user(request, error.message, messages.ERROR)
            else:
                self.message_user(request, _("Решение по жалобе принято."))
            return HttpResponseRedirect(reverse("admin:billing_dispute_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Рассмотреть жалобу"),
            "dispute": dispute,
            "form": form,
        }
        return render(request, "admin/billing/dispute_decide.html", context)


@admin.register(StatementLine)
class StatementLineAdmin(ReadOnlyAdmin):
    municipality_path = "statement__municipality"
    list_display = ["statement", "kind", "charge", "reversal", "lessons", "certificate_amount", "copayment"]
    list_filter = ["kind"]
    list_select_related = ["statement__provider", "statement__municipality", "charge", "reversal"]
    raw_id_fields = ["statement", "charge", "reversal"]


@admin.register(BillingNoticeSent)
class BillingNoticeSentAdmin(ReadOnlyAdmin):
    """Technical markers of the billing notices already sent: regional operators only (a row names a
    parent, and parents are not tied to one municipality)."""

    regional_only = True
    list_display = ["user", "kind", "key", "created_at"]
    list_filter = ["kind"]
    list_select_related = ["user"]
