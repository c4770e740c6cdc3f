"""The catalog API (/api/v1/programs/): filters, facets, ranking, typo tolerance, visibility, groups and seats,
amounts, bad input, the OpenAPI schema and the number of queries."""

import datetime
import json
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from catalog.models import Program, Provider
from catalog.services import search_vocabulary_refresh
from enrollments.models import EnrollmentStatus
from search.words import synonym_dictionary
from tests.catalog.factories import (
    GroupFactory,
    MunicipalityFactory,
    ProgramFactory,
    ProviderFactory,
    ScheduleSlotFactory,
    direction,
)
from tests.enrollments.factories import EnrollmentFactory

pytestmark = pytest.mark.django_db

LIST_URL = "/api/v1/programs/"
CYRILLIC = re.compile(r"[а-яё]", re.IGNORECASE)


def today() -> datetime.date:
    return timezone.localdate()


def program(title: str = "Программа", **kwargs) -> Program:
    """A visible program whose text does not mention anything the search tests look for."""
    kwargs.setdefault("description", "")
    kwargs.setdefault("activity_type", "")
    return ProgramFactory(title=title, **kwargs)


def open_group(prog: Program, **kwargs):
    """A group running now with enrollment open (factory dates are a fixed past school year)."""
    kwargs.setdefault("start_date", today() - datetime.timedelta(days=30))
    kwargs.setdefault("end_date", today() + datetime.timedelta(days=200))
    return GroupFactory(program=prog, **kwargs)


def search(client, **params) -> dict:
    response = client.get(LIST_URL, params)
    assert response.status_code == 200, response.content
    return response.json()


def ids(body: dict) -> set[int]:
    return {row["id"] for row in body["results"]}


def titles(body: dict) -> list[str]:
    return [row["title"] for row in body["results"]]


# --- Each filter narrows the results ------------------------------------------------------------


def test_q_keeps_matching_title_only(client):
    kept = program("Шахматы для начинающих")
    dropped = program("Хореография")
    assert ids(search(client, q="шахматы")) == {kept.pk}
    assert dropped.pk in ids(search(client))


def test_municipality(client):
    plavsk, other = MunicipalityFactory(name="Плавский район"), MunicipalityFactory()
    kept = program(provider=ProviderFactory(municipality=plavsk))
    program(provider=ProviderFactory(municipality=other))
    assert ids(search(client, municipality=plavsk.pk)) == {kept.pk}


def test_municipality_repeatable(client):
    a, b, c = MunicipalityFactory(), MunicipalityFactory(), MunicipalityFactory()
    kept = {program(provider=ProviderFactory(municipality=m)).pk for m in (a, b)}
    program(provider=ProviderFactory(municipality=c))
    assert ids(search(client, municipality=[a.pk, b.pk])) == kept


def test_direction(client):
    kept = program(direction=direction("sports"))
    program(direction=direction("arts"))
    assert ids(search(client, direction="sports")) == {kept.pk}


def test_direction_repeatable(client):
    kept = {program(direction=direction(code)).pk for code in ("sports", "arts")}
    program(direction=direction("technical"))
    assert ids(search(client, direction=["sports", "arts"])) == kept


def test_age(client):
    kept = program(age_min=5, age_max=7)
    program(age_min=10, age_max=14)
    assert ids(search(client, age=6)) == {kept.pk}


def test_birth_date_means_the_childs_age_on_the_groups_start(client):
    kept = program(age_min=5, age_max=7)
    too_old = program(age_min=10, age_max=14)
    for prog in (kept, too_old):
        open_group(prog, start_date=today() + datetime.timedelta(days=30))
    six_years_ago = today().replace(year=today().year - 6) if (today().month, today().day) != (2, 29) else None
    six_years_ago = six_years_ago or datetime.date(today().year - 6, 2, 28)
    assert ids(search(client, birth_date=six_years_ago.isoformat())) == {kept.pk}


def test_funding(client):
    kept = program(funding=Program.Funding.FREE, lesson_price=Decimal("0.00"))
    program(funding=Program.Funding.CERTIFICATE)
    assert ids(search(client, funding="FREE")) == {kept.pk}


def test_weekday(client):
    kept, dropped = program(), program()
    ScheduleSlotFactory(group=open_group(kept), weekday=2)
    ScheduleSlotFactory(group=open_group(dropped), weekday=0)
    assert ids(search(client, weekday=2)) == {kept.pk}
    assert ids(search(client, weekday=[0, 2])) == {kept.pk, dropped.pk}


def test_weekday_counts_only_open_groups(client):
    prog = program()
    ScheduleSlotFactory(group=open_group(prog, enrollment_open=False), weekday=2)
    assert ids(search(client, weekday=2)) == set()


def test_time_of_day(client):
    kept, dropped = program(), program()
    ScheduleSlotFactory(group=open_group(kept), start_time=datetime.time(10, 0), end_time=datetime.time(11, 0))
    ScheduleSlotFactory(group=open_group(dropped), start_time=datetime.time(18, 0), end_time=datetime.time(19, 0))
    assert ids(search(client, time_of_day="morning")) == {kept.pk}
    assert ids(search(client, time_of_day="evening")) == {dropped.pk}


def test_special_needs(client):
    kept = program(special_needs=True)
    program(special_needs=False)
    assert ids(search(client, special_needs="true")) == {kept.pk}
    assert len(search(client, special_needs="false")["results"]) == 2


def test_free_seats(client):
    kept, dropped = program(), program()
    EnrollmentFactory(group=open_group(kept, capacity=2))
    EnrollmentFactory(group=open_group(dropped, capacity=1))
    assert ids(search(client, free_seats="true")) == {kept.pk}


def test_sort_by_rating(client):
    program("Б", rating=Decimal("3.00"), rating_count=4)
    program("В")
    program("А", rating=Decimal("4.90"), rating_count=10)
    assert titles(search(client, sort="rating")) == ["А", "Б", "В"]


def test_sort_by_start_date(client):
    late, early, none = program("Поздняя"), program("Ранняя"), program("Без групп")
    open_group(late, start_date=today() + datetime.timedelta(days=20))
    open_group(early, start_date=today() + datetime.timedelta(days=5))
    body = search(client, sort="start_date")
    assert [row["id"] for row in body["results"]] == [early.pk, late.pk, none.pk]
    assert body["results"][0]["next_start"] == (today() + datetime.timedelta(days=5)).isoformat()
    assert body["results"][2]["next_start"] is None


def test_pages_of_twenty(client):
    for n in range(25):
        program(f"Программа {n:02d}")
    first = search(client)
    assert first["count"] == 25
    assert len(first["results"]) == 20
    assert first["previous"] is None
    assert first["next"].endswith("?page=2")
    second = client.get(first["next"]).json()
    assert len(second["results"]) == 5
    assert second["next"] is None
    assert not set(ids(first)) & set(ids(second))


# --- Facets ---------------------------------------------------------------------------------------


@pytest.fixture
def faceted():
    """sports: 2 in A, 1 in B (one of them FREE); arts: 1 in A; technical: 1 in B."""
    a, b = MunicipalityFactory(), MunicipalityFactory()
    in_a, in_b = ProviderFactory(municipality=a), ProviderFactory(municipality=b)
    sports, arts, technical = direction("sports"), direction("arts"), direction("technical")
    program(provider=in_a, direction=sports)
    program(provider=in_a, direction=sports, funding=Program.Funding.FREE, lesson_price=Decimal("0.00"))
    program(provider=in_b, direction=sports)
    program(provider=in_a, direction=arts)
    program(provider=in_b, direction=technical)
    return a, b


def test_facets_without_filters(client, faceted):
    a, b = faceted
    body = search(client)
    assert body["count"] == 5
    assert body["facets"] == {
        "direction": {"sports": 3, "arts": 1, "technical": 1},
        "municipality": {str(a.pk): 3, str(b.pk): 2},
        "funding": {"CERTIFICATE": 4, "FREE": 1},
    }


def test_facets_reflect_the_other_filters(client, faceted):
    a, b = faceted
    body = search(client, direction="sports")
    assert body["count"] == 3
    # the direction facet ignores the direction filter: the other directions keep their counts
    assert body["facets"]["direction"] == {"sports": 3, "arts": 1, "technical": 1}
    # while the municipality and funding facets count sports programs only
    assert body["facets"]["municipality"] == {str(a.pk): 2, str(b.pk): 1}
    assert body["facets"]["funding"] == {"CERTIFICATE": 2, "FREE": 1}


def test_facets_with_two_facet_filters(client, faceted):
    a, b = faceted
    body = search(client, direction="sports", municipality=a.pk)
    assert body["count"] == 2
    # technical exists (in B) but not in A: listed with 0
    assert body["facets"]["direction"] == {"sports": 2, "arts": 1, "technical": 0}
    assert body["facets"]["municipality"] == {str(a.pk): 2, str(b.pk): 1}
    assert body["facets"]["funding"] == {"CERTIFICATE": 1, "FREE": 1}


def test_facets_follow_non_facet_filters(client, faceted):
    Program.objects.filter(direction__code="arts").update(age_min=15, age_max=18)
    body = search(client, age=10)
    assert body["count"] == 4
    assert "arts" not in body["facets"]["direction"]


# --- Ranking and typos --------------------------------------------------------------------------


def test_title_match_ranks_above_description_mention(client):
    mention = program("Конструирование", description="Занятия по робототехника и моделированию для школьников.")
    title = program("Робототехника", description="Собираем и программируем.")
    body = search(client, q="робототехника")
    assert [row["id"] for row in body["results"]] == [title.pk, mention.pk]


@pytest.mark.parametrize(
    ("typed", "found"),
    [("робатотехника", "Робототехника"), ("шахмоты", "Шахматы")],
)
def test_typo_tolerance(client, typed, found):
    for name in ("Робототехника", "Шахматы", "Хореография"):
        program(name, description=f"Кружок: {name.lower()}.")
    search_vocabulary_refresh()
    assert titles(search(client, q=typed)) == [found]


# --- Visibility -----------------------------------------------------------------------------------


@pytest.fixture
def hidden():
    return [
        program("Черновик", status=Program.Status.DRAFT),
        program("На сертификации", status=Program.Status.ON_REVIEW),
        program("Архивная", status=Program.Status.ARCHIVED),
        program("Без допуска", provider=ProviderFactory(status=Provider.Status.ON_REVIEW)),
        program("Приостановлена", provider=ProviderFactory(status=Provider.Status.SUSPENDED)),
    ]


def test_hidden_programs_are_never_listed(client, hidden):
    visible = program("Видимая")
    body = search(client)
    assert ids(body) == {visible.pk}
    assert body["count"] == 1
    assert sum(body["facets"]["direction"].values()) == 1
    assert search(client, q="черновик")["results"] == []


def test_hidden_programs_are_404_in_the_error_format(client, hidden):
    for prog in hidden:
        response = client.get(f"/api/v1/programs/{prog.pk}/")
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"
        assert CYRILLIC.search(response.json()["error"]["message"])


@pytest.mark.parametrize("path", ["/api/v1/programs/abc/", "/api/v1/programs/99999999999999999999/", "/api/v1/nope/"])
def test_unknown_api_paths_are_404_in_the_error_format(client, path):
    response = client.get(path)
    assert response.status_code == 404
    # the same answer as for a program that does not exist
    assert response.json() == client.get("/api/v1/programs/123456789/").json()
    assert response.json()["error"]["code"] == "not_found"


def test_hidden_programs_are_not_suggested(client, hidden):
    program("Шахматный клуб")
    response = client.get("/api/v1/programs/suggest/", {"q": "ш"})
    assert response.json() == {"suggestions": []}  # too short
    assert client.get("/api/v1/programs/suggest/", {"q": "шах"}).json() == {"suggestions": ["Шахматный клуб"]}
    assert client.get("/api/v1/programs/suggest/", {"q": "черн"}).json() == {"suggestions": []}


# --- The detail: groups, seats, amounts -------------------------------------------------------------


def test_detail(client):
    prog = program(
        "Робототехника",
        description="Собираем роботов.",
        venue_address="г. Плавск, ул. Советская, д. 5",
        lesson_price=Decimal("350.00"),
        normative_lesson_price=Decimal("300.00"),
        direction=direction("technical"),
    )
    group = open_group(prog, name="Группа 1", teacher="Иванова Анна Петровна", capacity=12)
    ScheduleSlotFactory(group=group, weekday=4, start_time=datetime.time(16, 0), end_time=datetime.time(17, 30))
    ScheduleSlotFactory(group=group, weekday=1, start_time=datetime.time(16, 0), end_time=datetime.time(17, 30))
    response = client.get(f"/api/v1/programs/{prog.pk}/")
    assert response.status_code == 200
    body = response.json()
    assert body["title"] == "Робототехника"
    assert body["url"] == f"http://testserver/api/v1/programs/{prog.pk}/"
    assert body["provider"] == {"id": prog.provider.pk, "short_name": prog.provider.short_name}
    assert body["municipality"] == {"id": prog.provider.municipality.pk, "name": prog.provider.municipality.name}
    assert body["direction"] == {"code": "technical", "name": "Техническая"}
    assert body["description"] == "Собираем роботов."
    assert body["venue_address"] == "г. Плавск, ул. Советская, д. 5"
    assert body["lessons_per_month"] == 8
    assert body["next_start"] == group.start_date.isoformat()
    [g] = body["groups"]
    assert g["name"] == "Группа 1"
    assert g["teacher"] == "Иванова Анна Петровна"
    assert (g["capacity"], g["seats_left"], g["enrollment_open"]) == (12, 12, True)
    assert g["schedule"] == [
        {"weekday": 1, "weekday_name": "вторник", "start_time": "16:00:00", "end_time": "17:30:00", "room": "каб. 12"},
        {"weekday": 4, "weekday_name": "пятница", "start_time": "16:00:00", "end_time": "17:30:00", "room": "каб. 12"},
    ]


def test_amounts_are_strings_with_two_decimals(client):
    prog = program(lesson_price=Decimal("350"), normative_lesson_price=Decimal("300"))
    free = program(funding=Program.Funding.FREE, lesson_price=Decimal("0"))
    paid = program(funding=Program.Funding.PAID, lesson_price=Decimal("400.5"))
    rows = {row["id"]: row for row in search(client)["results"]}
    pick = ("lesson_price", "certificate_pays", "parent_pays")
    assert [rows[prog.pk][k] for k in pick] == ["350.00", "300.00", "50.00"]
    assert [rows[free.pk][k] for k in pick] == ["0.00", "0.00", "0.00"]
    assert [rows[paid.pk][k] for k in pick] == ["400.50", "0.00", "400.50"]
    detail = client.get(f"/api/v1/programs/{prog.pk}/").json()
    assert detail["normative_lesson_price"] == "300.00"
    assert detail["lesson_price"] == "350.00"


def test_list_rows_are_what_the_declared_fields_give(client, monkeypatch):
    """ProgramListSerializer builds its rows directly for speed: they must equal the generic
    ModelSerializer output of its declared fields (which are also the OpenAPI schema)."""
    from rest_framework import serializers

    from api.public.catalog import ProgramListSerializer

    program(lesson_price=Decimal("350"), normative_lesson_price=Decimal("300"), rating=Decimal("4.5"), rating_count=3)
    program(funding=Program.Funding.FREE, lesson_price=Decimal("0"), special_needs=True)
    open_group(program(funding=Program.Funding.PAID, lesson_price=Decimal("400.5")))
    fast = client.get(LIST_URL, {"sort": "rating"}).json()
    monkeypatch.setattr(ProgramListSerializer, "to_representation", serializers.ModelSerializer.to_representation)
    generic = client.get(LIST_URL, {"sort": "rating"}).json()
    assert len(fast["results"]) == 3
    assert any(row["next_start"] for row in fast["results"])
    assert fast == generic


def test_closed_groups_are_not_offered(client):
    prog = program()
    offered = open_group(prog)
    open_group(prog, enrollment_open=False)
    open_group(prog, start_date=today() - datetime.timedelta(days=300), end_date=today() - datetime.timedelta(days=1))
    ends_today = open_group(prog, end_date=today())
    body = client.get(f"/api/v1/programs/{prog.pk}/").json()
    assert {g["id"] for g in body["groups"]} == {offered.pk, ends_today.pk}


def test_seats_left_counts_seat_holding_enrollments_only(client):
    prog = program()
    group = open_group(prog, capacity=10)
    EnrollmentFactory(group=group)  # SUBMITTED
    EnrollmentFactory(group=group, active=True)
    EnrollmentFactory(group=group, status=EnrollmentStatus.WAITING)
    EnrollmentFactory(group=group, cancelled=True)
    [g] = client.get(f"/api/v1/programs/{prog.pk}/").json()["groups"]
    assert g["seats_left"] == 8


# --- Bad input ------------------------------------------------------------------------------------

BAD_INPUT = [
    ("direction", "unknown"),
    ("direction", "<script>alert(1)</script>"),
    ("age", "-1"),
    ("age", "19"),
    ("age", "abc"),
    ("age", "NaN"),
    ("municipality", "999999"),
    ("municipality", "abc"),
    ("municipality", "99999999999999999999"),
    ("funding", "GRANT"),
    ("weekday", "7"),
    ("time_of_day", "night"),
    ("sort", "price"),
    ("birth_date", "yesterday"),
    ("birth_date", "2999-01-01"),
    ("page", "abc"),
    ("page", "0"),
    ("page", "-1"),
    ("q", "ш" * 10_000),
    ("q", "шахматы\x00"),
    ("q", "шах\x01маты"),
    ("q", "\x1b[31m"),
]


@pytest.mark.parametrize(("name", "value"), BAD_INPUT, ids=lambda v: v[:20] if isinstance(v, str) else v)
def test_bad_input_is_a_400_in_russian_naming_the_parameter(client, name, value):
    program("Шахматы")
    response = client.get(LIST_URL, {name: value}, HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert list(error["fields"]) == [name]
    assert all(CYRILLIC.search(message) for message in error["fields"][name])
    assert CYRILLIC.search(error["message"])
    # the rejected value is never repeated back
    assert value.encode() not in response.content or len(value) < 3


@pytest.mark.parametrize("value", ["ш" * 201, "шах\x00", "шах\x07"], ids=["long", "nul", "bell"])
def test_bad_suggest_query_is_a_400(client, value):
    response = client.get("/api/v1/programs/suggest/", {"q": value})
    assert response.status_code == 400
    error = response.json()["error"]
    assert list(error["fields"]) == ["q"]
    assert all(CYRILLIC.search(message) for message in error["fields"]["q"])


def test_query_of_200_characters_is_accepted(client):
    assert search(client, q="ш" * 200)["results"] == []


@pytest.mark.parametrize("page", ["2", "999", "999999999999999999999999"])
def test_page_past_the_end_is_an_empty_page(client, page):
    for n in range(3):
        program(f"Программа {n}")
    body = search(client, page=page)
    assert body["results"] == []
    assert body["count"] == 3
    assert body["next"] is None
    assert body["previous"] == "http://testserver/api/v1/programs/"


def test_page_past_the_end_of_nothing(client):
    body = search(client, q="несуществующее", page=3)
    assert (body["count"], body["results"], body["next"]) == (0, [], None)


def test_sql_in_the_query_is_only_a_search(client):
    program("Шахматы")
    body = search(client, q="'; DROP TABLE catalog_program; --")
    assert body["results"] == []
    assert body["count"] == 0
    assert "catalog_program" in connection.introspection.table_names()
    assert Program.objects.count() == 1


def test_html_in_the_query_is_never_echoed_raw(client):
    program("Шахматы")
    response = client.get(LIST_URL, {"q": "<script>alert(1)</script>"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert b"<script>" not in response.content
    assert json.loads(response.content)["results"] == []


def test_empty_parameters_mean_no_filter(client):
    program("Шахматы")
    body = search(client, q="", page="", sort="relevance")
    assert body["count"] == 1


# --- The OpenAPI schema ---------------------------------------------------------------------------


def test_schema_lists_the_catalog_with_typed_parameters(client):
    response = client.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    schema = json.loads(response.content)
    operation = schema["paths"]["/api/v1/programs/"]["get"]
    params = {p["name"]: p["schema"] for p in operation["parameters"]}
    assert params["q"] == {"type": "string"}
    assert params["age"] == {"type": "integer"}
    assert params["direction"]["type"] == "array"
    assert set(params["direction"]["items"]["enum"]) == {"technical", "science", "sports", "arts", "tourism", "social"}
    assert params["municipality"] == {"type": "array", "items": {"type": "integer"}}
    assert set(params["funding"]["items"]["enum"]) == {"FREE", "CERTIFICATE", "PAID"}
    assert params["weekday"]["items"]["enum"] == [0, 1, 2, 3, 4, 5, 6]
    assert set(params["time_of_day"]["enum"]) == {"morning", "afternoon", "evening"}
    assert set(params["sort"]["enum"]) == {"relevance", "rating", "start_date", "distance"}
    assert params["lat"]["type"] == params["lon"]["type"] == "number"
    assert params["page"] == {"type": "integer"}
    assert {"special_needs", "free_seats", "birth_date"} <= set(params)
    page_schema = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    assert "facets" in schema["components"]["schemas"][page_schema]["properties"]
    assert "/api/v1/programs/{id}/" in schema["paths"]
    assert "/api/v1/programs/suggest/" in schema["paths"]


# --- Number of queries ------------------------------------------------------------------------------


@pytest.mark.parametrize("n", [3, 15])
def test_list_queries_do_not_grow_with_results(client, django_assert_num_queries, n):
    for i in range(n):
        prog = program(f"Робототехника {i}", provider=ProviderFactory(), direction=direction("technical"))
        ScheduleSlotFactory(group=open_group(prog))
    # facets with the count (1), the page (1), its providers with municipalities (1), directions (1)
    with django_assert_num_queries(4):
        assert len(search(client)["results"]) == n
    # plus the typo correction of the query words (1); the synonym dictionary is cached (search.words)
    synonym_dictionary()
    with django_assert_num_queries(5):
        assert len(search(client, q="робототехника", direction="technical", free_seats="true")["results"]) == n


@pytest.mark.parametrize("n", [1, 5])
def test_detail_queries_do_not_grow_with_groups(client, django_assert_num_queries, n):
    prog = program()
    for _ in range(n):
        group = open_group(prog)
        ScheduleSlotFactory(group=group, weekday=0)
        ScheduleSlotFactory(group=group, weekday=3)
        EnrollmentFactory(group=group)
    # the program (1), its open groups with seats left (1), their schedules (1)
    with django_assert_num_queries(3):
        body = client.get(f"/api/v1/programs/{prog.pk}/").json()
    assert len(body["groups"]) == n
    assert all(g["seats_left"] == 14 for g in body["groups"])


@pytest.mark.django_db
def test_an_empty_multiple_choice_value_means_any(client):
    response = client.get("/api/v1/programs/?municipality=&direction=&funding=&weekday=")

    assert response.status_code == 200


@pytest.mark.django_db
def test_a_fractional_age_is_refused(client):
    response = client.get("/api/v1/programs/?age=7.5")

    assert response.status_code == 400
    assert "age" in response.json()["error"]["fields"]
