"""Base classes of every ModelAdmin of the portal (the municipal door).

`MunicipalityScopedAdmin` is the one place where what an operator sees is limited to their
municipality: a model admin names the path from its model to the municipality
(`municipality_path`), and municipal staff see only rows of their own municipality while regional
operators see all. The scope reaches every page: the changelist and its search, the list filters'
choices, the choices of foreign keys (and so autocomplete and raw-id lookups), inlines, actions and
the change, delete and history views, where an object outside the scope is a 404.

A model that belongs to no municipality is either shared (`directory = True`: reference data or the
region-wide job log; everyone with the permission sees it, nobody bound to a municipality changes it) or a technical or personal
table (`regional_only = True`: hidden from municipal staff whatever their group holds).

Admin pages never edit money, statuses or audit rows directly: those are read-only (`ReadOnlyAdmin`,
`locked_fields`), and changes go through the services as admin actions with a confirmation page and a
reason (`reason_action`).
"""

from __future__ import annotations

import secrets
from urllib.parse import urlencode

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.filters import RelatedOnlyFieldListFilter
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.views.main import SEARCH_VAR
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Role
from core.errors import DomainError
from core.fields import MoneyField
from core.validators import normalize_snils, snils_is_valid
from municipal.admin.history import AuditHistoryMixin
from municipal.admin.names import name_accusative, name_genitive

# Status-like fields: moved only by the services (a workflow, an audit row, a notice), never typed in.
STATUS_FIELDS = frozenset({"status", "revision_status", "revision", "review_comment", "rating", "rating_count"})
# The changelist search term that stands for a СНИЛС kept in the session (never in a URL).
SEARCH_TOKEN_PREFIX = "~"
SEARCH_TOKENS_SESSION_KEY = "admin_search_tokens"
SEARCH_TOKENS_KEPT = 20


def operator_municipality_id(user) -> int | None:
    """The municipality a municipal operator is bound to; None for a regional operator or superuser
    (they see every municipality)."""
    if user.is_superuser or user.role == Role.REGIONAL:
        return None
    return user.municipality_id


def sees_all(user) -> bool:
    """A superuser or a regional operator: every municipality."""
    return bool(user.is_active and user.is_staff and (user.is_superuser or user.role == Role.REGIONAL))


class ScopedChoicesMixin:
    """Foreign-key and many-to-many choices limited to what the operator may see: the related model's
    own admin queryset when it is scoped (its validation refuses an object outside it, whatever widget
    posted the id)."""

    def _scoped_related(self, request, model, queryset):
        related_admin = self.admin_site._registry.get(model)
        if isinstance(related_admin, MunicipalityScopedAdmin):
            scoped = related_admin.scope(request, queryset if queryset is not None else model._default_manager.all())
            return scoped
        return queryset

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if field is not None and hasattr(field, "queryset"):
            field.queryset = self._scoped_related(request, db_field.remote_field.model, field.queryset)
        return field

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        if field is not None and hasattr(field, "queryset"):
            field.queryset = self._scoped_related(request, db_field.remote_field.model, field.queryset)
        return field


class TitlesMixin:
    """The admin's page titles with the model's name in the right case («Выберите группу для изменения»,
    «Просмотр группы»; Django's Russian puts the nominative there). municipal/admin/names.py."""

    def _title(self, request, page: str, obj=None) -> str:
        accusative = name_accusative(self.model)
        if page == "changelist":
            if self.has_change_permission(request):
                return _("Выберите %(name)s для изменения") % {"name": accusative}
            return _("Выберите %(name)s для просмотра") % {"name": accusative}
        if page == "add":
            return _("Добавить %(name)s") % {"name": accusative}
        if self.has_change_permission(request, obj):
            return _("Изменить %(name)s") % {"name": accusative}
        return _("Просмотр %(name)s") % {"name": name_genitive(self.model)}

    def add_view(self, request, form_url="", extra_context=None):
        extra_context = {"title": self._title(request, "add"), **(extra_context or {})}
        return super().add_view(request, form_url, extra_context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {"title": self._title(request, "change"), **(extra_context or {})}
        return super().change_view(request, object_id, form_url, extra_context)

    def changelist_view(self, request, extra_context=None):
        extra_context = {"title": self._title(request, "changelist"), **(extra_context or {})}
        return super().changelist_view(request, extra_context)


def locked_field_names(model, extra=()) -> list[str]:
    """Money (MoneyField, any decimal) and status fields of the model: read-only in every admin form."""
    names = [
        f.name
        for f in model._meta.concrete_fields
        if isinstance(f, MoneyField | models.DecimalField) or f.name in STATUS_FIELDS
    ]
    return [*names, *(n for n in extra if n not in names)]


class MunicipalityScopedAdmin(AuditHistoryMixin, ScopedChoicesMixin, TitlesMixin, admin.ModelAdmin):
    """An admin whose rows belong to a municipality through `municipality_path` (a lookup such as
    "municipality" or "provider__municipality"). None: the model is not tied to one municipality, and
    then it must say what it is: `directory` (shared reference data, read-only to municipal staff) or
    `regional_only` (technical or personal rows, hidden from municipal staff)."""

    municipality_path: str | None = None
    directory = False
    regional_only = False
    # Fields beyond money and statuses that only a service changes (see locked_field_names).
    locked_fields: tuple[str, ...] = ()
    # A form whose money fields a service validates and saves (the funding period) edits them itself.
    service_form = False
    # The search box posts (templates/admin/search_form.html, search_post_view).
    posts_search = True

    # --- Scope ------------------------------------------------------------------------------------

    def scope(self, request, queryset):
        """The rows of `queryset` this operator may see."""
        user = request.user
        if sees_all(user):
            return queryset
        if self.regional_only:
            return queryset.none()
        if self.municipality_path is None:
            return queryset
        municipality_id = operator_municipality_id(user)
        if municipality_id is None:
            # A staff member bound to no municipality sees nothing rather than everything.
            return queryset.none()
        return queryset.filter(**{self.municipality_path: municipality_id})

    def get_queryset(self, request):
        return self.scope(request, super().get_queryset(request))

    def _bound(self, request) -> bool:
        return not sees_all(request.user)

    def has_module_permission(self, request):
        if self.regional_only and self._bound(request):
            return False
        return super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        if self.regional_only and self._bound(request):
            return False
        return super().has_view_permission(request, obj)

    def has_add_permission(self, request):
        if self.regional_only and self._bound(request):
            return False
        return super().has_add_permission(request)

    def has_change_permission(self, request, obj=None):
        if (self.regional_only or self.directory) and self._bound(request):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if (self.regional_only or self.directory) and self._bound(request):
            return False
        return super().has_delete_permission(request, obj)

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        # Django answers a missing object with a redirect and a message naming the id; an object of
        # another municipality must look exactly like one that does not exist: a 404.
        raise Http404

    def get_list_filter(self, request):
        # A related filter lists only values present in the operator's rows, not every municipality's.
        filters = []
        for item in super().get_list_filter(request):
            if isinstance(item, str):
                try:
                    field = self.model._meta.get_field(item)
                except FieldDoesNotExist:  # a lookup path: left as declared
                    field = None
                if field is not None and field.is_relation:
                    if self._bound(request) and field.related_model._meta.label == "catalog.Municipality":
                        continue  # one municipality: nothing to filter
                    item = (item, RelatedOnlyFieldListFilter)
            filters.append(item)
        return filters

    def get_readonly_fields(self, request, obj=None):
        declared = list(super().get_readonly_fields(request, obj))
        if self.service_form:
            return declared
        return declared + [n for n in locked_field_names(self.model, self.locked_fields) if n not in declared]

    # --- Search: a СНИЛС never in a URL --------------------------------------------------------------

    def get_urls(self):
        info = self.model._meta.app_label, self.model._meta.model_name
        search = self.admin_site.admin_view(self.search_post_view)
        return [path("search/", search, name=f"{info[0]}_{info[1]}_search"), *super().get_urls()]

    def search_post_view(self, request):
        """The search box posts here (templates/admin/search_form.html): a СНИЛС-looking term is kept in
        the session and the changelist URL carries only an opaque token, so the number stays out of the
        access log and the browser history."""
        if request.method != "POST" or not self.has_view_or_change_permission(request):
            raise Http404
        params = [(k, v) for k, v in request.POST.items() if k not in ("csrfmiddlewaretoken", SEARCH_VAR)]
        term = request.POST.get(SEARCH_VAR, "").strip()
        if term:
            params.append((SEARCH_VAR, self._search_token(request, term)))
        return HttpResponseRedirect("../?" + urlencode(params) if params else "../")

    @staticmethod
    def _search_token(request, term: str) -> str:
        digits = normalize_snils(term)
        if not (len(digits) == 11 and digits.isdigit() and snils_is_valid(digits)):
            return term
        tokens = dict(request.session.get(SEARCH_TOKENS_SESSION_KEY, {}))
        for token, kept in tokens.items():
            if kept == digits:
                return SEARCH_TOKEN_PREFIX + token
        token = secrets.token_urlsafe(9)
        tokens[token] = digits
        request.session[SEARCH_TOKENS_SESSION_KEY] = dict(list(tokens.items())[-SEARCH_TOKENS_KEPT:])
        return SEARCH_TOKEN_PREFIX + token

    def changelist_view(self, request, extra_context=None):
        term = request.GET.get(SEARCH_VAR, "")
        if term and not term.startswith(SEARCH_TOKEN_PREFIX):
            token = self._search_token(request, term)
            if token != term:
                # A СНИЛС typed into the URL by hand: from now on only the token.
                query = request.GET.copy()
                query[SEARCH_VAR] = token
                return HttpResponseRedirect(f"{request.path}?{query.urlencode()}")
        return super().changelist_view(request, extra_context)

    def get_search_results(self, request, queryset, search_term):
        if search_term.startswith(SEARCH_TOKEN_PREFIX):
            kept = request.session.get(SEARCH_TOKENS_SESSION_KEY, {}).get(search_term[len(SEARCH_TOKEN_PREFIX) :])
            if kept is None:
                return queryset.none(), False
            search_term = kept
        return super().get_search_results(request, queryset, search_term)

    # --- Actions with a confirmation page and a reason --------------------------------------------

    def reason_action(self, request, queryset, *, action: str, title: str, service, reason_required=True, done=None):
        """An action that asks for confirmation and a reason, then calls `service(actor, obj, reason)` for
        each selected row (under the operator's scope) and logs the change with the reason."""
        if not queryset.exists():
            # Rows outside the operator's scope are not selectable: nothing to confirm.
            self.message_user(request, _("Ни один из выбранных объектов не найден."), messages.WARNING)
            return None
        form = ReasonForm(request.POST if request.POST.get("confirm") else None, reason_required=reason_required)
        if request.POST.get("confirm") and form.is_valid():
            reason = form.cleaned_data["reason"]
            changed = 0
            for obj in queryset.order_by("pk"):
                try:
                    service(request.user, obj, reason)
                except DomainError as error:
                    self.message_user(request, f"{obj}: {error.message}", messages.ERROR)
                    continue
                changed += 1
                self.log_change(request, obj, f"{title}: {reason}" if reason else title)
            self.message_user(request, done or _("Готово: %(n)s.") % {"n": changed})
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "opts": self.model._meta,
            "objects": list(queryset.order_by("pk")[:200]),
            "selected": request.POST.getlist(ACTION_CHECKBOX_NAME),
            "action": action,
            "form": form,
            "action_checkbox_name": ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/municipal/reason_confirm.html", context)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Причина"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, reason_required: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].required = reason_required
        if not reason_required:
            self.fields["reason"].label = gettext_lazy("Комментарий")


class ScopedInline(ScopedChoicesMixin, admin.TabularInline):
    """An inline of a scoped admin: its rows come through the (scoped) parent; its choices are scoped,
    and money and statuses are read-only in it too."""

    def get_readonly_fields(self, request, obj=None):
        declared = list(super().get_readonly_fields(request, obj))
        return declared + [n for n in locked_field_names(self.model) if n not in declared]


class ReadOnlyAdmin(MunicipalityScopedAdmin):
    """Money records and audit rows are written by services only; the admin shows them."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
