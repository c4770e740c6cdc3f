from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from catalog.models import (
    Direction,
    FacetCell,
    Favourite,
    Group,
    Municipality,
    Program,
    Provider,
    ScheduleSlot,
    SearchSynonym,
    SearchWord,
)
from catalog.programs import program_archive, program_certify, program_reject
from catalog.providers import provider_approve, provider_reject, provider_suspend
from municipal.admin.base import MunicipalityScopedAdmin, ReadOnlyAdmin, ScopedInline, sees_all
from municipal.imports import ProviderImportResource, RegistryImportMixin, ScopedExportMixin
from municipal.resources import ProgramExportResource, ProviderExportResource
from search.models import CatalogIndexFeed, GroupFreeSeats


def _operator(request) -> bool:
    user = request.user
    return sees_all(user) or bool(user.municipality_id)


@admin.register(Municipality)
class MunicipalityAdmin(MunicipalityScopedAdmin):
    municipality_path = "id"
    directory = True  # municipal staff see their own, and change none
    list_display = ["name", "code", "region_code"]
    search_fields = ["name", "code"]


@admin.register(Direction)
class DirectionAdmin(MunicipalityScopedAdmin):
    municipality_path = None
    directory = True
    list_display = ["name", "code", "position"]

    def has_add_permission(self, request):
        return False  # the six directions are fixed

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Provider)
class ProviderAdmin(RegistryImportMixin, ScopedExportMixin, MunicipalityScopedAdmin):
    """Admission is decided by the actions (catalog.providers), which tell the provider's staff."""

    resource_classes = [ProviderExportResource]
    export_filename = "providers"
    import_resource_class = ProviderImportResource
    import_models = ("catalog.provider",)

    municipality_path = "municipality"
    list_display = ["short_name", "inn", "municipality", "status"]
    list_filter = ["status", "kind", "municipality"]
    search_fields = ["short_name", "legal_name", "inn"]
    list_select_related = ["municipality"]
    locked_fields = ("inn", "municipality")
    actions = ["approve", "reject", "suspend"]

    def has_decide_permission(self, request):
        return _operator(request)

    @admin.action(description=_("Допустить выбранные организации"), permissions=["decide"])
    def approve(self, request, queryset):
        return self.reason_action(
            request,
            queryset,
            action="approve",
            title=_("Допустить организации"),
            reason_required=False,
            service=lambda actor, obj, reason: provider_approve(actor=actor, provider_id=obj.pk, reason=reason),
        )

    @admin.action(description=_("Отказать выбранным организациям в допуске"), permissions=["decide"])
    def reject(self, request, queryset):
        return self.reason_action(
            request,
            queryset,
            action="reject",
            title=_("Отказать организациям в допуске"),
            service=lambda actor, obj, reason: provider_reject(actor=actor, provider_id=obj.pk, reason=reason),
        )

    @admin.action(description=_("Приостановить выбранные организации"), permissions=["decide"])
    def suspend(self, request, queryset):
        return self.reason_action(
            request,
            queryset,
            action="suspend",
            title=_("Приостановить организации"),
            service=lambda actor, obj, reason: provider_suspend(actor=actor, provider_id=obj.pk, reason=reason),
        )


class GroupInline(ScopedInline):
    model = Group
    extra = 0
    show_change_link = True
    fields = readonly_fields = ["name", "teacher", "capacity", "start_date", "end_date", "enrollment_open"]
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False  # groups are made by the provider (catalog.groups)


@admin.register(Program)
class ProgramAdmin(ScopedExportMixin, MunicipalityScopedAdmin):
    """Certification is decided by the actions (catalog.programs); the status and prices are read-only."""

    resource_classes = [ProgramExportResource]
    export_filename = "programs"

    municipality_path = "provider__municipality"
    list_display = ["title", "provider", "direction", "age_min", "age_max", "funding", "status"]
    list_filter = ["status", "direction", "funding", "form", "special_needs"]
    search_fields = ["title", "provider__short_name"]
    list_select_related = ["provider", "direction"]
    autocomplete_fields = ["provider"]
    locked_fields = ("provider", "funding")
    inlines = [GroupInline]
    actions = ["certify", "reject", "archive"]

    def has_certify_permission(self, request):
        return _operator(request)

    @admin.action(description=_("Сертифицировать выбранные программы"), permissions=["certify"])
    def certify(self, request, queryset):
        return self.reason_action(
            request,
            queryset,
            action="certify",
            title=_("Сертифицировать программы"),
            reason_required=False,
            service=lambda actor, obj, reason: program_certify(actor=actor, program_id=obj.pk),
        )

    @admin.action(description=_("Отклонить выбранные программы"), permissions=["certify"])
    def reject(self, request, queryset):
        return self.reason_action(
            request,
            queryset,
            action="reject",
            title=_("Отклонить программы"),
            service=lambda actor, obj, reason: program_reject(actor=actor, program_id=obj.pk, reason=reason),
        )

    @admin.action(description=_("Отправить выбранные программы в архив"), permissions=["certify"])
    def archive(self, request, queryset):
        return self.reason_action(
            request,
            queryset,
            action="archive",
            title=_("Отправить программы в архив"),
            service=lambda actor, obj, reason: program_archive(actor=actor, program_id=obj.pk, reason=reason),
        )


class ScheduleSlotInline(ScopedInline):
    model = ScheduleSlot
    extra = 0
    can_delete = False
    fields = readonly_fields = ["weekday", "start_time", "end_time", "room"]

    def has_add_permission(self, request, obj=None):
        return False  # the schedule is the provider's (catalog.groups checks clashes and moves lessons)


@admin.register(Group)
class GroupAdmin(MunicipalityScopedAdmin):
    """Seats, dates and the schedule move reserves and lessons: they change in the provider's
    workplace through the services; here an operator corrects names only."""

    municipality_path = "program__provider__municipality"
    list_display = ["name", "program", "teacher", "capacity", "start_date", "end_date", "enrollment_open"]
    list_filter = ["enrollment_open"]
    search_fields = ["name", "program__title", "teacher"]
    list_select_related = ["program"]
    locked_fields = ("program", "teacher_user", "capacity", "start_date", "end_date", "enrollment_open")
    inlines = [ScheduleSlotInline]


@admin.register(ScheduleSlot)
class ScheduleSlotAdmin(ReadOnlyAdmin):
    municipality_path = "group__program__provider__municipality"
    list_display = ["group", "weekday", "start_time", "end_time", "room"]
    list_filter = ["weekday"]
    list_select_related = ["group__program"]


@admin.register(SearchWord)
class SearchWordAdmin(ReadOnlyAdmin):
    """The typo vocabulary is rebuilt from the catalog (nightly task); the admin shows it."""

    regional_only = True
    search_fields = ["word"]


@admin.register(SearchSynonym)
class SearchSynonymAdmin(MunicipalityScopedAdmin):
    """The search's synonym dictionary (search.words): regional staff keep it, municipal staff read it.
    A save or delete drops the search's cached copy (catalog.services.search_synonyms_changed)."""

    municipality_path = None
    directory = True  # one dictionary for the whole region
    list_display = ["words"]
    search_fields = ["words"]


@admin.register(FacetCell)
class FacetCellAdmin(ReadOnlyAdmin):
    """The catalog's filter counts, kept by database triggers (catalog/migrations/sql/0008_listing.sql); read-only."""

    regional_only = True
    list_display = ["direction", "municipality", "funding", "special_needs", "age_min", "age_max", "programs"]
    list_filter = ["direction", "municipality", "funding"]
    list_select_related = ["direction", "municipality"]


@admin.register(GroupFreeSeats)
class GroupFreeSeatsAdmin(ReadOnlyAdmin):
    """The search's «only groups with free seats», kept by database triggers from the seats count
    (search/migrations/sql/0001_group_free_seats.sql); read-only."""

    regional_only = True
    list_display = ["group", "program", "free_bits"]
    list_select_related = ["group", "program"]


@admin.register(CatalogIndexFeed)
class CatalogIndexFeedAdmin(ReadOnlyAdmin):
    """Since when the database feeds the catalog's search index through the outbox (search.engine);
    read-only: the index build switches it on."""

    regional_only = True
    list_display = ["switched_on_at"]


@admin.register(Favourite)
class FavouriteAdmin(ReadOnlyAdmin):
    regional_only = True  # a person's bookmark
    list_display = ["user", "program", "created_at"]
    list_select_related = ["user", "program"]
