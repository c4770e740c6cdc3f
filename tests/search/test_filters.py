"""The catalog's query parameters (search.filters.CatalogFilter): validation, and the CatalogQuery
that valid parameters become."""

import datetime

import pytest
from django.http import QueryDict
from django.utils import timezone

from catalog.models import DirectionCode, Program
from core.dates import age_on
from search.filters import CatalogFilter
from search.selectors import MAX_QUERY_LENGTH, CatalogQuery
from tests.catalog.factories import GroupFactory, MunicipalityFactory, ProgramFactory, direction

pytestmark = pytest.mark.django_db


def catalog_filter(query_string: str = "", **params) -> CatalogFilter:
    """The filter set as a view builds it, from a query string (repeated keys for multi-select)."""
    data = QueryDict(query_string, mutable=True)
    for key, value in params.items():
        data.setlist(key, value if isinstance(value, list) else [value])
    return CatalogFilter(data=data, queryset=Program.objects.all())


def years_ago(years: int, days: int = 0) -> datetime.date:
    today = timezone.localdate()
    try:
        birthday = today.replace(year=today.year - years)
    except ValueError:  # 29 February
        birthday = datetime.date(today.year - years, 3, 1)
    return birthday + datetime.timedelta(days=days)


# Invalid parameters: invalid, with the error on the right field


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"direction": "cooking"}, "direction"),
        ({"direction": ["sports", "cooking"]}, "direction"),
        ({"age": "-1"}, "age"),
        ({"age": "19"}, "age"),
        ({"age": "сто"}, "age"),
        ({"municipality": "999999"}, "municipality"),
        ({"municipality": "abc"}, "municipality"),
        ({"funding": "CHEAP"}, "funding"),
        ({"weekday": "7"}, "weekday"),
        ({"weekday": "-1"}, "weekday"),
        ({"time_of_day": "night"}, "time_of_day"),
        ({"sort": "price"}, "sort"),
        ({"birth_date": "31.02.2018"}, "birth_date"),
        ({"birth_date": "not-a-date"}, "birth_date"),
        ({"q": "ш" * (MAX_QUERY_LENGTH + 1)}, "q"),
        ({"q": "ш" * 10_000}, "q"),
        ({"q": "шах\x00маты"}, "q"),
        ({"q": "шах\x07маты"}, "q"),
        ({"q": "шах\x1bматы"}, "q"),
        ({"q": "шахматы\nфутбол"}, "q"),
    ],
    ids=lambda value: repr(value)[:40] if not isinstance(value, str) else value,
)
def test_invalid_parameter_is_reported_on_its_field(params, field):
    filterset = catalog_filter(**params)
    assert not filterset.is_valid()
    assert set(filterset.errors) == {field}


def test_unknown_municipality_among_known_ones_is_invalid():
    known = MunicipalityFactory()
    filterset = catalog_filter(municipality=[str(known.pk), "999999"])
    assert not filterset.is_valid()
    assert set(filterset.errors) == {"municipality"}


def test_birth_date_in_the_future_is_invalid():
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    filterset = catalog_filter(birth_date=tomorrow.isoformat())
    assert not filterset.is_valid()
    assert set(filterset.errors) == {"birth_date"}


def test_errors_on_several_fields_are_all_reported():
    filterset = catalog_filter(direction="cooking", age="-3", q="x" * 300)
    assert not filterset.is_valid()
    assert set(filterset.errors) == {"direction", "age", "q"}


def test_error_messages_are_russian():
    filterset = catalog_filter(q="шах\x07маты", age="19")
    assert not filterset.is_valid()
    assert filterset.errors["q"] == ["Запрос содержит недопустимые символы."]
    assert "18" in filterset.errors["age"][0]


@pytest.mark.parametrize(
    "q", ["ш" * MAX_QUERY_LENGTH, "'; DROP TABLE catalog_program; --", "<script>alert(1)</script>"]
)
def test_long_sql_and_html_queries_are_valid_text(q):
    """Only length and control characters are refused; the rest is just text for the search."""
    filterset = catalog_filter(q=q)
    assert filterset.is_valid(), filterset.errors
    assert filterset.catalog_query().q == q


@pytest.mark.parametrize("age", ["0", "5", "18"])
def test_age_bounds_are_valid(age):
    filterset = catalog_filter(age=age)
    assert filterset.is_valid(), filterset.errors
    assert filterset.catalog_query().age == int(age)


# Birth date → the age on each group's start


def test_age_on_counts_completed_years():
    assert age_on(datetime.date(2015, 3, 14), datetime.date(2025, 3, 13)) == 9
    assert age_on(datetime.date(2015, 3, 14), datetime.date(2025, 3, 14)) == 10
    assert age_on(datetime.date(2016, 2, 29), datetime.date(2025, 2, 28)) == 8
    assert age_on(datetime.date(2016, 2, 29), datetime.date(2025, 3, 1)) == 9


def test_birth_date_is_passed_on_not_turned_into_todays_age():
    birth_date = years_ago(8, days=1)
    filterset = catalog_filter(birth_date=birth_date.isoformat())
    assert filterset.is_valid(), filterset.errors
    query = filterset.catalog_query()
    assert (query.age, query.birth_date) == (None, birth_date)


def test_an_explicit_age_wins_over_the_birth_date():
    filterset = catalog_filter(age="12", birth_date=years_ago(8).isoformat())
    assert filterset.is_valid(), filterset.errors
    assert (filterset.catalog_query().age, filterset.catalog_query().birth_date) == (12, None)


def test_birth_date_fits_the_child_to_programs():
    five_to_seven = ProgramFactory(age_min=5, age_max=7)
    ten_to_fourteen = ProgramFactory(age_min=10, age_max=14)
    start = timezone.localdate() + datetime.timedelta(days=10)
    for program in (five_to_seven, ten_to_fourteen):
        GroupFactory(program=program, start_date=start, end_date=start + datetime.timedelta(days=200))

    assert list(catalog_filter(birth_date=years_ago(6).isoformat()).qs) == [five_to_seven]
    assert list(catalog_filter(birth_date=years_ago(8).isoformat()).qs) == []


def test_birth_date_means_the_age_on_each_groups_start_not_today():
    """A child who is 6 today and turns 7 in 20 days: a 7–9 group starting in a month takes the child,
    one that starts in 10 days does not; a program without an open group is never found."""
    birth_date = years_ago(7, days=20)
    later, sooner, closed = (ProgramFactory(age_min=7, age_max=9) for _ in range(3))
    in_days = lambda n: timezone.localdate() + datetime.timedelta(days=n)  # noqa: E731
    GroupFactory(program=later, start_date=in_days(30), end_date=in_days(250))
    GroupFactory(program=sooner, start_date=in_days(10), end_date=in_days(250))
    GroupFactory(program=closed, start_date=in_days(30), end_date=in_days(250), enrollment_open=False)

    filterset = catalog_filter(birth_date=birth_date.isoformat())

    assert list(filterset.qs) == [later]
    assert filterset.facets.total == 1
    assert sum(filterset.facets.directions.values()) == 1


# Valid parameters → CatalogQuery


def test_no_parameters_is_the_empty_query():
    filterset = catalog_filter()
    assert filterset.is_valid()
    assert filterset.catalog_query() == CatalogQuery()


def test_valid_parameters_map_to_the_catalog_query():
    plavsk, kimovsk = MunicipalityFactory(), MunicipalityFactory()
    filterset = catalog_filter(
        f"q=+%D1%88%D0%B0%D1%85%D0%BC%D0%B0%D1%82%D1%8B+&municipality={plavsk.pk}&municipality={kimovsk.pk}"
        "&direction=sports&direction=arts&funding=FREE&funding=CERTIFICATE&age=9&weekday=0&weekday=5"
        "&time_of_day=evening&special_needs=on&free_seats=true&sort=rating"
    )
    assert filterset.is_valid(), filterset.errors
    assert filterset.catalog_query() == CatalogQuery(
        q="шахматы",
        municipalities=(plavsk.pk, kimovsk.pk),
        directions=("sports", "arts"),
        fundings=("FREE", "CERTIFICATE"),
        age=9,
        weekdays=(0, 5),
        time_of_day="evening",
        special_needs=True,
        free_seats=True,
        sort="rating",
    )


@pytest.mark.parametrize("sort", ["relevance", "rating", "start_date"])
def test_each_sort_is_accepted(sort):
    filterset = catalog_filter(sort=sort)
    assert filterset.is_valid(), filterset.errors
    assert filterset.catalog_query().sort == sort


@pytest.mark.parametrize("value", ["on", "true", "True", "1"])
def test_ticked_checkboxes_are_true(value):
    filterset = catalog_filter(special_needs=value, free_seats=value)
    assert filterset.is_valid(), filterset.errors
    query = filterset.catalog_query()
    assert (query.special_needs, query.free_seats) == (True, True)


@pytest.mark.parametrize("value", ["", "false", "False", "0", "off", "no"])
def test_unchecked_checkboxes_are_false(value):
    """An API client's `free_seats=0` must not switch the filter on (plain CheckboxInput did)."""
    filterset = catalog_filter(special_needs=value, free_seats=value)
    assert filterset.is_valid(), filterset.errors
    query = filterset.catalog_query()
    assert (query.special_needs, query.free_seats) == (False, False)


def test_empty_values_are_ignored():
    filterset = catalog_filter("q=&age=&birth_date=&time_of_day=&sort=")
    assert filterset.is_valid(), filterset.errors
    assert filterset.catalog_query() == CatalogQuery()


def test_unknown_parameters_are_ignored():
    filterset = catalog_filter("page=3&utm_source=vk&direction=sports")
    assert filterset.is_valid(), filterset.errors
    assert filterset.catalog_query() == CatalogQuery(directions=("sports",))


def test_qs_runs_the_search_and_keeps_the_facets():
    sports = ProgramFactory(title="Футбол", direction=direction(DirectionCode.SPORTS))
    ProgramFactory(title="Рисование", direction=direction(DirectionCode.ARTS))

    filterset = catalog_filter(direction="sports")
    assert list(filterset.qs) == [sports]
    assert filterset.facets.total == 1
    assert filterset.facets.directions == {"sports": 1, "arts": 1}
