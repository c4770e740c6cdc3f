"""The review queue of children added by hand (ChildClaim) in the admin (the municipal door).

Claims are read-only here: an officer of the reviewing municipality confirms the selected claims (the
documents checked) or rejects them (a reason the claimant is told) through an action that asks for a
confirmation and the reason, and calls certificates.claims. Suspended claims (the child is confirmed to
another parent through Gosuslugi) come first.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Case, IntegerField, Value, When
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from certificates.claims import child_claim_confirm, child_claim_reject
from certificates.models import ChildClaim
from core.errors import DomainError
from municipal.admin.base import MunicipalityScopedAdmin


class ClaimDecisionForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Основание или причина"), widget=forms.Textarea({"rows": 3}))


@admin.register(ChildClaim)
class ChildClaimAdmin(MunicipalityScopedAdmin):
    municipality_path = "review_municipality"
    list_display = [
        "__str__",
        "birth_date",
        "snils_masked",
        "municipality",
        "user",
        "child",
        "status",
        "created_at",
        "decided_at",
    ]
    list_filter = ["status"]
    list_select_related = ["municipality", "user", "child"]
    search_fields = ["last_name", "first_name"]
    fields = readonly_fields = [
        "user",
        "last_name",
        "first_name",
        "middle_name",
        "birth_date",
        "sex",
        "snils_masked",
        "municipality",
        "child",
        "review_municipality",
        "status",
        "created_at",
        "suspended_at",
        "decided_at",
        "decided_by",
        "reason",
    ]
    actions = ["confirm_claims", "reject_claims"]

    @admin.display(description=gettext_lazy("СНИЛС"))
    def snils_masked(self, obj: ChildClaim) -> str:
        return obj.snils_masked

    def get_queryset(self, request):
        # Open claims first, suspended ones before pending, oldest first within each.
        order = Case(
            When(status=ChildClaim.Status.SUSPENDED, then=Value(0)),
            When(status=ChildClaim.Status.PENDING, then=Value(1)),
            default=Value(2),
            output_field=IntegerField(),
        )
        return super().get_queryset(request).annotate(review_order=order).order_by("review_order", "created_at", "pk")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        # The actions need the change permission; a claim's own page is view-only (no Save button):
        # a decision is made only through the actions, with their confirmation and reason.
        return obj is None and super().has_change_permission(request)

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=gettext_lazy("Подтвердить: документы проверены"), permissions=["change"])
    def confirm_claims(self, request, queryset):
        return self._decide(
            request,
            queryset,
            service=child_claim_confirm,
            action="confirm_claims",
            title=_("Подтвердить заявки: документы, подтверждающие родство, проверены"),
            reason_help=_("Какие документы проверены (например, свидетельство о рождении)."),
            done=lambda n: ngettext("Подтверждена %(count)d заявка.", "Подтверждено заявок: %(count)d.", n),
        )

    @admin.action(description=gettext_lazy("Отклонить с причиной"), permissions=["change"])
    def reject_claims(self, request, queryset):
        return self._decide(
            request,
            queryset,
            service=child_claim_reject,
            action="reject_claims",
            title=_("Отклонить заявки"),
            reason_help=_("Причину увидит родитель в уведомлении."),
            done=lambda n: ngettext("Отклонена %(count)d заявка.", "Отклонено заявок: %(count)d.", n),
        )

    def _decide(self, request, queryset, *, service, action, title, reason_help, done):
        """GET-like first step: the selected open claims and a reason to give; the confirming POST
        (`apply`) calls the service for each, in its own transaction."""
        claims = list(queryset.filter(status__in=ChildClaim.OPEN_STATUSES))
        if not claims:
            self.message_user(request, _("Среди выбранных нет заявок, ожидающих решения."), messages.WARNING)
            return None
        form = ClaimDecisionForm(request.POST if "apply" in request.POST else None)
        form.fields["reason"].help_text = reason_help
        if "apply" in request.POST and form.is_valid():
            decided = 0
            for claim in claims:
                try:
                    service(officer=request.user, claim_id=claim.pk, reason=form.cleaned_data["reason"])
                except (DomainError, ValidationError) as error:
                    message = error.message if isinstance(error, DomainError) else "; ".join(error.messages)
                    self.message_user(request, f"{claim}: {message}", messages.ERROR)
                else:
                    decided += 1
            if decided:
                self.message_user(request, done(decided) % {"count": decided}, messages.SUCCESS)
            return None
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": title,
            "claims": claims,
            "form": form,
            "action": action,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/certificates/childclaim/decide.html", context)
