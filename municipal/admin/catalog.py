from django.contrib import admin

from catalog.models import (
    Direction,
    FacetCell,
    Favourite,
    Group,
    Municipality,
    Program,
    ProgramReview,
    Provider,
    ScheduleSlot,
    SearchWord,
)
from municipal.admin.base import MunicipalityScopedAdmin, ReadOnlyAdmin
from municipal.imports import ProviderImportResource, RegistryImportMixin, ScopedExportMixin
from municipal.resources import ProgramExportResource, ProviderExportResource


@admin.register(Municipality)
class MunicipalityAdmin(MunicipalityScopedAdmin):
    municipality_path = "id"
    list_display = ["name", "code", "region_code"]
    search_fields = ["name", "code"]


@admin.register(Direction)
class DirectionAdmin(MunicipalityScopedAdmin):
    municipality_path = None
    list_display = ["name", "code", "position"]

    def has_add_permission(self, request):
        return False  # the six directions are fixed

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Provider)
class ProviderAdmin(RegistryImportMixin, ScopedExportMixin, MunicipalityScopedAdmin):
    resource_classes = [ProviderExportResource]
    export_filename = "providers"
    import_resource_class = ProviderImportResource
    import_models = ("catalog.provider",)
    municipality_path = "municipality"
    list_display = ["short_name", "inn", "municipality", "status"]
    list_filter = ["status", "kind", "municipality"]
    search_fields = ["short_name", "legal_name", "inn"]
    list_select_related = ["municipality"]


class GroupInline(admin.TabularInline):
    model = Group
    extra = 0
    show_change_link = True


@admin.register(Program)
class ProgramAdmin(ScopedExportMixin, MunicipalityScopedAdmin):
    resource_classes = [ProgramExportResource]
    export_filename = "programs"
    municipality_path = "provider__municipality"
    list_display = ["title", "provider", "direction", "age_min", "age_max", "funding", "status"]
    list_filter = ["status", "direction", "funding", "form", "special_needs"]
    search_fields = ["title", "provider__short_name"]
    list_select_related = ["provider", "direction"]
    autocomplete_fields = ["provider"]
    inlines = [GroupInline]


class ScheduleSlotInline(admin.TabularInline):
    model = ScheduleSlot
    extra = 0


@admin.register(Group)
class GroupAdmin(MunicipalityScopedAdmin):
    municipality_path = "program__provider__municipality"
    list_display = ["name", "program", "teacher", "capacity", "start_date", "end_date", "enrollment_open"]
    list_filter = ["enrollment_open"]
    search_fields = ["name", "program__title", "teacher"]
    list_select_related = ["program"]
    autocomplete_fields = ["program"]
    inlines = [ScheduleSlotInline]


@admin.register(ProgramReview)
class ProgramReviewAdmin(MunicipalityScopedAdmin):
    municipality_path = "program__provider__municipality"
    list_display = ["program", "author", "score", "created_at"]
    list_select_related = ["program", "author"]
    raw_id_fields = ["program", "author"]


@admin.register(ScheduleSlot)
class ScheduleSlotAdmin(MunicipalityScopedAdmin):
    municipality_path = "group__program__provider__municipality"
    list_display = ["group", "weekday", "start_time", "end_time", "room"]
    list_filter = ["weekday"]
    list_select_related = ["group__program"]
    raw_id_fields = ["group"]


@admin.register(SearchWord)
class SearchWordAdmin(MunicipalityScopedAdmin):
    """The typo vocabulary is rebuilt from the catalog (nightly task); the admin shows it."""

    municipality_path = None

    search_fields = ["word"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(FacetCell)
class FacetCellAdmin(ReadOnlyAdmin):
    """The catalog's filter counts, kept by database triggers (catalog/migrations/sql/0008_listing.sql); read-only."""

    municipality_path = None

    list_display = ["direction", "municipality", "funding", "special_needs", "age_min", "age_max", "programs"]
    list_filter = ["direction", "municipality", "funding"]
    list_select_related = ["direction", "municipality"]


@admin.register(Favourite)
class FavouriteAdmin(ReadOnlyAdmin):
    municipality_path = None  # a person's bookmark
    list_display = ["user", "program", "created_at"]
    list_select_related = ["user", "program"]
