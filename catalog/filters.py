"""The catalog's query parameters, parsed and validated once for the pages and the API (django-filter).

`CatalogFilter.qs` runs the search (catalog.search) and keeps the facet counts on `.facets`.
"""

from __future__ import annotations

from datetime import date

import django_filters
from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from catalog.models import AGE_MAX, DirectionCode, Municipality, Program, ScheduleSlot
from catalog.search import MAX_QUERY_LENGTH, CatalogQuery, catalog_search


def _no_control_characters(value: str) -> None:
    if any(ord(ch) < 32 for ch in value):
        raise forms.ValidationError(_("Запрос содержит недопустимые символы."), code="invalid_characters")


def age_on(birth_date: date, day: date) -> int:
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


class CatalogFilterForm(forms.Form):
    def clean(self):
        cleaned = super().clean()
        birth_date = cleaned.get("birth_date")
        if birth_date and cleaned.get("age") is None:
            if birth_date > timezone.localdate():
                self.add_error("birth_date", _("Дата рождения не может быть в будущем."))
            else:
                cleaned["age"] = age_on(birth_date, timezone.localdate())
        return cleaned


class CatalogFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Что ищем"),
        method="_keep",
        max_length=MAX_QUERY_LENGTH,
        validators=[_no_control_characters],
    )
    municipality = django_filters.ModelMultipleChoiceFilter(
        label=_("Муниципалитет"), queryset=Municipality.objects.all(), method="_keep"
    )
    direction = django_filters.MultipleChoiceFilter(
        label=_("Направленность"), choices=DirectionCode.choices, method="_keep"
    )
    age = django_filters.NumberFilter(
        label=_("Возраст ребёнка"),
        method="_keep",
        validators=[MinValueValidator(0), MaxValueValidator(AGE_MAX)],
    )
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
    special_needs = django_filters.BooleanFilter(
        label=_("Подходит детям с ОВЗ"), method="_keep", widget=forms.CheckboxInput
    )
    free_seats = django_filters.BooleanFilter(
        label=_("Только со свободными местами"), method="_keep", widget=forms.CheckboxInput
    )
    sort = django_filters.ChoiceFilter(
        label=_("Сортировка"),
        choices=[
            ("relevance", _("по релевантности")),
            ("rating", _("по рейтингу")),
            ("start_date", _("по дате начала")),
        ],
        method="_keep",
        empty_label=None,
    )

    class Meta:
        model = Program
        fields: list[str] = []
        form = CatalogFilterForm

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
            weekdays=tuple(int(w) for w in data.get("weekday") or ()),
            time_of_day=data.get("time_of_day") or "",
            special_needs=bool(data.get("special_needs")),
            free_seats=bool(data.get("free_seats")),
            sort=data.get("sort") or "relevance",
        )

    def filter_queryset(self, queryset):
        results, self.facets = catalog_search(self.catalog_query())
        return results
