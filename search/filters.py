"""The catalog's query parameters, parsed and validated once for the pages and the API (django-filter).

`CatalogFilter.qs` runs the search (search.selectors) and keeps the facet counts on `.facets`.
"""

from __future__ import annotations

import django_filters
from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field

from catalog.models import AGE_MAX, DirectionCode, Municipality, Program, ScheduleSlot
from search.selectors import MAX_QUERY_LENGTH, CatalogQuery, catalog_search


def no_control_characters(value: str) -> None:
    if any(ord(ch) < 32 for ch in value):
        raise forms.ValidationError(_("Запрос содержит недопустимые символы."), code="invalid_characters")


class IntegerFilter(django_filters.NumberFilter):
    """A whole number («7.5» years is not an age)."""

    field_class = forms.IntegerField


# Multiple-choice parameters whose empty value means "any" (the page's «Все …» options send `name=`).
MULTIPLE_CHOICE_PARAMETERS = ("municipality", "direction", "funding", "weekday")


class _Checkbox(forms.CheckboxInput):
    """A checkbox for the page (the browser sends "on") that also reads an API client's "0", "false",
    "off" or "no" as unticked; plain CheckboxInput takes any non-empty string but "false" as ticked."""

    def value_from_datadict(self, data, files, name):
        value = data.get(name)
        if isinstance(value, str) and value.strip().lower() in {"0", "false", "off", "no"}:
            return False
        return super().value_from_datadict(data, files, name)


class CatalogFilterForm(forms.Form):
    def clean(self):
        cleaned = super().clean()
        _clean_point(self, cleaned)
        birth_date = cleaned.get("birth_date")
        if birth_date and cleaned.get("age") is None and birth_date > timezone.localdate():
            self.add_error("birth_date", _("Дата рождения не может быть в будущем."))
        return cleaned


def _clean_point(form: forms.Form, cleaned: dict) -> None:
    """`lat` and `lon` come together; sorting by distance needs them."""
    lat, lon = cleaned.get("lat"), cleaned.get("lon")
    if (lat is None) != (lon is None) and not form.has_error("lat") and not form.has_error("lon"):
        form.add_error("lat" if lat is None else "lon", _("Укажите широту и долготу вместе."))
    elif cleaned.get("sort") == "distance" and (lat is None or lon is None) and not form.errors:
        form.add_error(
            "sort",
            _("Чтобы сортировать по расстоянию, разрешите определить ваше местоположение или отметьте точку на карте."),
        )


class CatalogFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Что ищем"),
        method="_keep",
        max_length=MAX_QUERY_LENGTH,
        validators=[no_control_characters],
    )
    # extend_schema_field: types for the OpenAPI schema (drf-spectacular), which cannot guess them here
    # because these filters are not model fields of Program.
    municipality = extend_schema_field({"type": "integer", "description": "Муниципалитет (id)"})(
        django_filters.ModelMultipleChoiceFilter(
            label=_("Муниципалитет"), queryset=Municipality.objects.all(), method="_keep"
        )
    )
    direction = extend_schema_field({"type": "string", "enum": DirectionCode.values, "description": "Направленность"})(
        django_filters.MultipleChoiceFilter(label=_("Направленность"), choices=DirectionCode.choices, method="_keep")
    )
    age = extend_schema_field({"type": "integer", "description": "Возраст ребёнка, лет"})(
        IntegerFilter(
            label=_("Возраст ребёнка"),
            method="_keep",
            validators=[MinValueValidator(0), MaxValueValidator(AGE_MAX)],
        )
    )
    # Not today's age: the child's age on the start date of each open group (search.child.fits_child).
    birth_date = django_filters.DateFilter(label=_("Дата рождения ребёнка"), method="_keep")
    funding = django_filters.MultipleChoiceFilter(
        label=_("Финансирование"), choices=Program.Funding.choices, method="_keep"
    )
    weekday = django_filters.MultipleChoiceFilter(
        label=_("День недели"), choices=ScheduleSlot.Weekday.choices, method="_keep"
    )
    time_of_day = django_filters.ChoiceFilter(
        label=_("Время занятий"),
        choices=[
            ("morning", _("утро (до 12:00)")),
            ("afternoon", _("день (12–17)")),
            ("evening", _("вечер (после 17)")),
        ],
        method="_keep",
    )
    special_needs = django_filters.BooleanFilter(label=_("Подходит детям с ОВЗ"), method="_keep", widget=_Checkbox)
    free_seats = django_filters.BooleanFilter(label=_("Только со свободными местами"), method="_keep", widget=_Checkbox)
    exact = django_filters.BooleanFilter(
        label=_("Искать точно как введено"),
        help_text=_("Без исправления опечаток и без поиска по части слов."),
        method="_keep",
        widget=_Checkbox,
    )
    sort = django_filters.ChoiceFilter(
        label=_("Сортировка"),
        choices=[
            ("relevance", _("по релевантности")),
            ("rating", _("по рейтингу")),
            ("start_date", _("по дате начала")),
            ("distance", _("по расстоянию")),
        ],
        method="_keep",
        empty_label=None,
    )
    # The point distances are measured from (the parent's location or a point picked on the map).
    lat = extend_schema_field({"type": "number", "description": "Широта точки для расстояния (−90…90)"})(
        django_filters.NumberFilter(
            label=_("Широта"), method="_keep", validators=[MinValueValidator(-90), MaxValueValidator(90)]
        )
    )
    lon = extend_schema_field({"type": "number", "description": "Долгота точки для расстояния (−180…180)"})(
        django_filters.NumberFilter(
            label=_("Долгота"), method="_keep", validators=[MinValueValidator(-180), MaxValueValidator(180)]
        )
    )

    class Meta:
        model = Program
        fields: list[str] = []
        form = CatalogFilterForm

    def __init__(self, data=None, *args, **kwargs):
        if data is not None:
            data = data.copy()
            for name in MULTIPLE_CHOICE_PARAMETERS:
                if name in data:
                    data.setlist(name, [value for value in data.getlist(name) if value.strip()])
        super().__init__(data, *args, **kwargs)

    def _keep(self, queryset, name, value):
        return queryset  # every parameter is applied together in catalog_search()

    def catalog_query(self) -> CatalogQuery:
        data = self.form.cleaned_data
        return CatalogQuery(
            q=(data.get("q") or "").strip(),
            municipalities=tuple(m.pk for m in data.get("municipality") or ()),
            directions=tuple(data.get("direction") or ()),
            fundings=tuple(data.get("funding") or ()),
            age=int(data["age"]) if data.get("age") is not None else None,
            # The child's age on each group's start date (search.child); an explicit age wins.
            birth_date=data.get("birth_date") if data.get("age") is None else None,
            weekdays=tuple(int(w) for w in data.get("weekday") or ()),
            time_of_day=data.get("time_of_day") or "",
            special_needs=bool(data.get("special_needs")),
            free_seats=bool(data.get("free_seats")),
            sort=data.get("sort") or "relevance",
            exact=bool(data.get("exact")),
            point=(float(data["lat"]), float(data["lon"])) if data.get("lat") is not None else None,
        )

    def filter_queryset(self, queryset):
        results, self.facets = catalog_search(self.catalog_query())
        return results
