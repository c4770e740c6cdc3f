"""The audit rows themselves are listed read-only, scoped to the
operator's municipality like every other admin. Nobody edits or deletes an audit row here (and the
database refuses it anyway: pghistory's append-only triggers)."""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db.models import BigIntegerField, OuterRef, Subquery
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast
from django.utils.translation import gettext_lazy as _

from billing.models import StatementHistory
from catalog.models import GroupHistory, ProgramHistory, ProviderHistory
from certificates.models import (
    CertificateAccountHistory,
    CertificateHistory,
    FundingPeriodHistory,
    ParentLinkHistory,
)
from core.audit import ACTIONS
from enrollments.models import EnrollmentHistory, ProgramRatingHistory
from municipal.admin.base import ReadOnlyAdmin


class AuditRowAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "event", "object_id", "actor"]
    list_filter = ["pgh_label"]
    list_select_related = ["pgh_context"]
    date_hierarchy = "pgh_created_at"

    def get_queryset(self, request):
        # The author's login in the same query (the context keeps only the user's id).
        users = get_user_model().objects.filter(pk=OuterRef("actor_id")).values("username")[:1]
        return (
            super()
            .get_queryset(request)
            .annotate(actor_id=Cast(KeyTextTransform("user", "pgh_context__metadata"), BigIntegerField()))
            .annotate(actor_name=Subquery(users))
        )

    @admin.display(description=_("когда"), ordering="pgh_created_at")
    def created_at(self, event):
        return event.pgh_created_at

    @admin.display(description=_("событие"), ordering="pgh_label")
    def event(self, event):
        return ACTIONS.get(event.pgh_label, event.pgh_label)

    @admin.display(description=_("объект"), ordering="pgh_obj_id")
    def object_id(self, event):
        return event.pgh_obj_id

    @admin.display(description=_("кто"))
    def actor(self, event):
        return event.actor_name or _("система")


# The snapshot's own columns give the municipality, so listing needs no join to the live row.
SCOPES = {
    ProviderHistory: "municipality",
    ProgramHistory: "provider__municipality",
    GroupHistory: "program__provider__municipality",
    FundingPeriodHistory: "municipality",
    CertificateHistory: "municipality",
    CertificateAccountHistory: "certificate__municipality",
    ParentLinkHistory: "child__municipality",
    EnrollmentHistory: "group__program__provider__municipality",
    ProgramRatingHistory: "program__provider__municipality",
    StatementHistory: "municipality",
}

for _model, _path in SCOPES.items():
    admin.site.register(_model, type(f"{_model.__name__}Admin", (AuditRowAdmin,), {"municipality_path": _path}))
