"""Each tracked object's history page («История») lists its audit events: who, when, what changed
(core/audit.py), above the admin's own log. The page is reached through the model admin's own
`get_object`, so it is scoped like the change page (another municipality's object is not found)."""

from django.contrib.admin.utils import unquote

from core.audit import audit_trail


class AuditHistoryMixin:
    """The object's history page («История») shows its audit trail above the admin's own log."""

    object_history_template = "admin/audit_history.html"

    def history_view(self, request, object_id, extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        allowed = obj is not None and self.has_view_or_change_permission(request, obj)
        extra_context = {**(extra_context or {}), "audit_entries": audit_trail(obj) if allowed else []}
        return super().history_view(request, object_id, extra_context=extra_context)
