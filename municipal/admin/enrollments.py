from django.contrib import admin
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from enrollments.models import Enrollment, EnrollmentEvent, ProgramRating, ReserveEntry, TermsChange
from enrollments.ratings import rating_publish, rating_reject
from enrollments.services import enrollments_expire_due
from municipal.admin.base import ReadOnlyAdmin, ScopedInline, sees_all
from municipal.imports import ScopedExportMixin
from municipal.resources import EnrollmentExportResource


class EnrollmentEventInline(ScopedInline):
    model = EnrollmentEvent
    extra = 0
    can_delete = False
    readonly_fields = ["from_status", "to_status", "actor", "note", "created_at"]

    def has_add_permission(self, request, obj=None):
        return False


class TermsChangeInline(ScopedInline):
    model = TermsChange
    extra = 0
    can_delete = False
    fields = readonly_fields = [
        "status",
        "lesson_price_before",
        "lesson_price_after",
        "copayment_before",
        "copayment_after",
        "proposed_by",
        "created_at",
        "decided_by",
        "decided_at",
    ]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Enrollment)
class EnrollmentAdmin(ScopedExportMixin, ReadOnlyAdmin):
    """Read-only: applications are made, offered, accepted and ended only through the services (the
    parent's and the provider's doors), which take the seat under the group lock, move the money and
    write the audit. What an operator may do here are actions that call those services."""

    municipality_path = "group__program__provider__municipality"
    resource_classes = [EnrollmentExportResource]
    export_filename = "contracts"
    list_display = ["child", "group", "status", "funding", "reserve_remaining", "created_at", "expires_at"]
    list_filter = ["status", "funding"]
    search_fields = ["child__last_name", "group__program__title"]
    list_select_related = ["child", "group__program"]
    inlines = [EnrollmentEventInline, TermsChangeInline]
    actions = ["expire_overdue_now"]

    def has_expire_permission(self, request):
        return sees_all(request.user)  # it runs over the whole region

    @admin.action(description=_("Снять просроченные заявки и оферты сейчас (по всем группам)"), permissions=["expire"])
    def expire_overdue_now(self, request, queryset):
        expired = enrollments_expire_due()
        self.message_user(request, _("Истекло заявок и оферт: %(n)s.") % {"n": expired})


@admin.register(EnrollmentEvent)
class EnrollmentEventAdmin(ReadOnlyAdmin):
    municipality_path = "enrollment__group__program__provider__municipality"
    list_display = ["enrollment", "from_status", "to_status", "actor", "created_at"]
    list_select_related = ["enrollment__child", "enrollment__group__program", "actor"]


@admin.register(ReserveEntry)
class ReserveEntryAdmin(ReadOnlyAdmin):
    municipality_path = "enrollment__group__program__provider__municipality"
    list_display = ["enrollment", "ledger_entry"]
    list_select_related = ["enrollment__child", "enrollment__group__program", "ledger_entry"]


@admin.register(TermsChange)
class TermsChangeAdmin(ReadOnlyAdmin):
    """Read-only: new terms are proposed by contract_terms_change and decided only by a parent
    (contract_terms_accept / contract_terms_decline), which move the reserve and write the audit."""

    municipality_path = "enrollment__group__program__provider__municipality"
    list_display = [
        "enrollment",
        "status",
        "lesson_price_before",
        "lesson_price_after",
        "copayment_before",
        "copayment_after",
        "created_at",
        "decided_at",
    ]
    list_filter = ["status"]
    list_select_related = ["enrollment__child", "enrollment__group__program"]


@admin.register(ProgramRating)
class ProgramRatingAdmin(ReadOnlyAdmin):
    """Parents' ratings wait here for moderation (the filter «На модерации»). Read-only: an operator
    publishes or rejects them with the actions, which keep the program's mean and count and tell the
    parent (enrollments.ratings)."""

    municipality_path = "program__provider__municipality"
    list_display = ["program", "overall", "results", "teachers", "facilities", "short_comment", "status", "created_at"]
    list_filter = ["status"]
    search_fields = ["program__title", "comment"]
    list_select_related = ["program"]
    fields = [
        "program",
        "enrollment",
        "author",
        "results",
        "teachers",
        "facilities",
        "overall",
        "comment",
        "status",
        "created_at",
        "moderated_by",
        "moderated_at",
        "reject_reason",
        "answer",
        "answered_by",
        "answered_at",
    ]
    actions = ["publish", "reject"]

    def has_moderate_permission(self, request):
        user = request.user
        return sees_all(user) or bool(user.municipality_id)

    @admin.display(description=gettext_lazy("комментарий"))
    def short_comment(self, rating):
        return rating.comment if len(rating.comment) <= 80 else f"{rating.comment[:79]}…"

    @admin.action(description=gettext_lazy("Опубликовать выбранные оценки"), permissions=["moderate"])
    def publish(self, request, queryset):
        return self.reason_action(
            request,
            queryset,
            action="publish",
            title=_("Опубликовать оценки"),
            reason_required=False,
            service=lambda actor, obj, reason: rating_publish(actor=actor, rating_id=obj.pk),
        )

    @admin.action(description=gettext_lazy("Отклонить выбранные оценки"), permissions=["moderate"])
    def reject(self, request, queryset):
        return self.reason_action(
            request,
            queryset,
            action="reject",
            title=_("Отклонить оценки"),
            service=lambda actor, obj, reason: rating_reject(actor=actor, rating_id=obj.pk, reason=reason),
        )
