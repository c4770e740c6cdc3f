"""The catalog's search core (search.selectors): filters, visibility, facets, text search, typo
correction, sorting, seats left and the suggest list, tested at the selector level."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from catalog.models import DirectionCode, Program, Provider, SearchWord
from catalog.services import search_vocabulary_refresh
from enrollments.models import EnrollmentStatus
from search.selectors import (
    CatalogQuery,
    catalog_search,
    groups_with_seats,
    open_groups,
    program_detail_queryset,
    search_suggest,
    search_words_correct,
    visible_programs,
)
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

FREE, CERTIFICATE, PAID = Program.Funding.FREE, Program.Funding.CERTIFICATE, Program.Funding.PAID
SEAT_HOLDING = [EnrollmentStatus.SUBMITTED, EnrollmentStatus.OFFERED, EnrollmentStatus.ACTIVE]
NOT_SEAT_HOLDING = [EnrollmentStatus.WAITING, EnrollmentStatus.CANCELLED, EnrollmentStatus.REJECTED]


# Helpers


def today() -> datetime.date:
    return timezone.localdate()


def days(n: int) -> datetime.date:
    return today() + datetime.timedelta(days=n)


def program(title: str = "Шахматы", **kwargs) -> Program:
    """A visible program; `direction` may be given as a code."""
    if isinstance(kwargs.get("direction"), str):
        kwargs["direction"] = direction(kwargs["direction"])
    if kwargs.get("funding") == FREE:
        kwargs.setdefault("lesson_price", Decimal("0.00"))
    kwargs.setdefault("description", "Занятия для детей.")
    kwargs.setdefault("activity_type", "")
    return ProgramFactory(title=title, **kwargs)


def open_group(program: Program, **kwargs):
    """A group still taking applications: it starts next week and ends well after today."""
    kwargs.setdefault("start_date", days(7))
    kwargs.setdefault("end_date", days(200))
    return GroupFactory(program=program, **kwargs)


def closed_group(program: Program, **kwargs):
    return open_group(program, enrollment_open=False, **kwargs)


def ended_group(program: Program, **kwargs):
    """Enrollment is formally open, but the group finished yesterday."""
    kwargs.setdefault("start_date", days(-200))
    return open_group(program, end_date=days(-1), **kwargs)


def slot(group, weekday: int = 0, start: str = "16:00", minutes: int = 45):
    start_time = datetime.time.fromisoformat(start)
    end = datetime.datetime.combine(today(), start_time) + datetime.timedelta(minutes=minutes)
    return ScheduleSlotFactory(group=group, weekday=weekday, start_time=start_time, end_time=end.time())


def enroll(group, status: str):
    if status == EnrollmentStatus.ACTIVE:
        return EnrollmentFactory(group=group, active=True)
    if status == EnrollmentStatus.OFFERED:
        return EnrollmentFactory(group=group, offered=True)
    return EnrollmentFactory(group=group, status=status)


def search(**params) -> list[Program]:
    programs, _ = catalog_search(CatalogQuery(**params))
    return list(programs)


def found(**params) -> set[int]:
    return {p.pk for p in search(**params)}


def titles(**params) -> list[str]:
    return [p.title for p in search(**params)]


def facets(**params):
    return catalog_search(CatalogQuery(**params))[1]


def nonzero(counts: dict) -> dict:
    return {key: n for key, n in counts.items() if n}


# Filters: each keeps what it must and drops what it must


def test_no_filters_returns_every_visible_program():
    programs = {program(f"Программа {i}").pk for i in range(3)}
    assert found() == programs


def test_municipality_filter_uses_the_providers_municipality():
    plavsk, kimovsk, tula = MunicipalityFactory(), MunicipalityFactory(), MunicipalityFactory()
    in_plavsk = program(provider=ProviderFactory(municipality=plavsk))
    in_kimovsk = program(provider=ProviderFactory(municipality=kimovsk))
    in_tula = program(provider=ProviderFactory(municipality=tula))

    assert found(municipalities=(plavsk.pk,)) == {in_plavsk.pk}
    assert found(municipalities=(plavsk.pk, kimovsk.pk)) == {in_plavsk.pk, in_kimovsk.pk}
    assert in_tula.pk not in found(municipalities=(plavsk.pk, kimovsk.pk))


def test_direction_filter_is_multi_select_with_or():
    sports = program(direction=DirectionCode.SPORTS)
    arts = program(direction=DirectionCode.ARTS)
    technical = program(direction=DirectionCode.TECHNICAL)

    assert found(directions=("sports",)) == {sports.pk}
    assert found(directions=("sports", "arts")) == {sports.pk, arts.pk}
    assert found(directions=("technical",)) == {technical.pk}
    assert found(directions=("tourism",)) == set()


def test_funding_filter():
    free = program(funding=FREE)
    certificate = program(funding=CERTIFICATE)
    paid = program(funding=PAID)

    assert found(fundings=("FREE",)) == {free.pk}
    assert found(fundings=("CERTIFICATE",)) == {certificate.pk}
    assert found(fundings=("FREE", "PAID")) == {free.pk, paid.pk}


@pytest.mark.parametrize(("age", "is_found"), [(4, False), (5, True), (6, True), (7, True), (8, False)])
def test_age_filter_bounds_are_inclusive(age, is_found):
    five_to_seven = program(age_min=5, age_max=7)
    assert (five_to_seven.pk in found(age=age)) is is_found


def test_weekday_filter_looks_at_open_groups_schedule():
    monday = program("Понедельник")
    slot(open_group(monday), weekday=0)
    wednesday = program("Среда")
    slot(open_group(wednesday), weekday=2)
    closed_monday = program("Закрытый понедельник")
    slot(closed_group(closed_monday), weekday=0)
    slot(open_group(closed_monday), weekday=4)
    ended_monday = program("Закончившийся понедельник")
    slot(ended_group(ended_monday), weekday=0)
    program("Без групп")

    assert found(weekdays=(0,)) == {monday.pk}
    assert found(weekdays=(0, 2)) == {monday.pk, wednesday.pk}
    assert found(weekdays=(4,)) == {closed_monday.pk}
    assert found(weekdays=(6,)) == set()


@pytest.mark.parametrize(
    ("time_of_day", "expected"),
    [
        ("morning", {"08:00", "11:59"}),
        ("afternoon", {"12:00", "16:59"}),
        ("evening", {"17:00", "19:30"}),
    ],
)
def test_time_of_day_filter_by_slot_start_time(time_of_day, expected):
    for start in ("08:00", "11:59", "12:00", "16:59", "17:00", "19:30"):
        slot(open_group(program(start)), start=start)
    closed = program("Закрытая утренняя")
    slot(closed_group(closed), start="09:00")

    assert set(titles(time_of_day=time_of_day)) == expected


def test_weekday_and_time_of_day_are_met_by_one_lesson():
    """«Monday evening» means a lesson on Monday evening, not a Monday morning and a Friday evening."""
    split = program("Понедельник утром, пятница вечером")
    group = open_group(split)
    slot(group, weekday=0, start="10:00")
    slot(group, weekday=4, start="18:00")
    monday_evening = program("Понедельник вечером")
    slot(open_group(monday_evening), weekday=0, start="18:00")

    assert found(weekdays=(0,), time_of_day="evening") == {monday_evening.pk}
    assert found(weekdays=(0, 4), time_of_day="evening") == {split.pk, monday_evening.pk}


def test_special_needs_filter():
    suitable = program(special_needs=True)
    regular = program(special_needs=False)

    assert found(special_needs=True) == {suitable.pk}
    assert found(special_needs=False) == {suitable.pk, regular.pk}


@pytest.mark.parametrize("status", SEAT_HOLDING)
def test_free_seats_drops_a_program_whose_group_is_full(status):
    full = program("Полная")
    group = open_group(full, capacity=2)
    enroll(group, status)
    enroll(group, EnrollmentStatus.SUBMITTED)
    with_seats = program("Свободная")
    enroll(open_group(with_seats, capacity=2), status)

    assert found(free_seats=True) == {with_seats.pk}
    assert found(free_seats=False) == {full.pk, with_seats.pk}


@pytest.mark.parametrize("status", NOT_SEAT_HOLDING)
def test_free_seats_ignores_enrollments_that_hold_no_seat(status):
    group_program = program()
    group = open_group(group_program, capacity=1)
    enroll(group, status)

    assert found(free_seats=True) == {group_program.pk}


@pytest.mark.parametrize(("ends_in_days", "holds"), [(0, True), (30, True), (-1, False)])
def test_free_seats_counts_a_terminated_contract_until_its_effective_date(ends_in_days, holds):
    """Issue 10: a terminated contract holds its seat until (and on) the day the termination takes effect."""
    leaving = program("Футбол")
    group = open_group(leaving, capacity=1)
    slot(group, weekday=0)
    EnrollmentFactory(group=group, active=True, status=EnrollmentStatus.TERMINATED, ends_on=days(ends_in_days))

    for params in ({}, {"q": "футбол"}, {"weekdays": (0,)}):
        assert found(free_seats=True, **params) == (set() if holds else {leaving.pk}), params
        assert facets(free_seats=True, **params).total == (0 if holds else 1), params


def test_free_seats_needs_an_open_group_with_seats():
    closed = program("Набор закрыт")
    closed_group(closed, capacity=20)
    ended = program("Группа закончилась")
    ended_group(ended, capacity=20)
    without_groups = program("Без групп")
    one_of_two = program("Одна полная, одна свободная")
    enroll(open_group(one_of_two, capacity=1), EnrollmentStatus.ACTIVE)
    open_group(one_of_two, capacity=1)

    assert found(free_seats=True) == {one_of_two.pk}
    assert {closed.pk, ended.pk, without_groups.pk} <= found(free_seats=False)


def test_free_seats_and_weekday_are_met_by_one_group():
    """A full Monday group and a free Friday group do not make «free seats on Monday»."""
    mixed = program()
    monday = open_group(mixed, capacity=1)
    slot(monday, weekday=0)
    enroll(monday, EnrollmentStatus.SUBMITTED)
    slot(open_group(mixed, capacity=5), weekday=4)

    assert found(free_seats=True, weekdays=(0,)) == set()
    assert found(free_seats=True, weekdays=(4,)) == {mixed.pk}


def test_filters_combine_with_and():
    plavsk = MunicipalityFactory()
    match = program(
        "Футбол",
        provider=ProviderFactory(municipality=plavsk),
        direction=DirectionCode.SPORTS,
        funding=FREE,
        age_min=6,
        age_max=10,
        special_needs=True,
    )
    slot(open_group(match), weekday=5, start="10:00")
    other_municipality = program("Футбол", direction=DirectionCode.SPORTS, funding=FREE, special_needs=True)
    slot(open_group(other_municipality), weekday=5, start="10:00")
    too_old = program(
        "Футбол", provider=match.provider, direction=DirectionCode.SPORTS, funding=FREE, age_min=12, age_max=16
    )
    slot(open_group(too_old), weekday=5, start="10:00")

    query = {
        "q": "футбол",
        "municipalities": (plavsk.pk,),
        "directions": ("sports",),
        "fundings": ("FREE",),
        "age": 8,
        "weekdays": (5,),
        "time_of_day": "morning",
        "special_needs": True,
        "free_seats": True,
    }
    assert found(**query) == {match.pk}


# Visibility


HIDDEN_PROGRAM_STATUSES = [
    Program.Status.DRAFT,
    Program.Status.ON_REVIEW,
    Program.Status.REJECTED,
    Program.Status.ARCHIVED,
]
HIDDEN_PROVIDER_STATUSES = [
    Provider.Status.NEW,
    Provider.Status.ON_REVIEW,
    Provider.Status.SUSPENDED,
    Provider.Status.REJECTED,
]


def hidden_program(program_status=None, provider_status=None) -> Program:
    provider = ProviderFactory(status=provider_status or Provider.Status.APPROVED)
    hidden = program(
        "Шахматы для всех",
        provider=provider,
        status=program_status or Program.Status.CERTIFIED,
        direction=DirectionCode.ARTS,
        funding=PAID,
    )
    slot(open_group(hidden), weekday=0)
    return hidden


@pytest.mark.parametrize(
    ("program_status", "provider_status"),
    [(s, None) for s in HIDDEN_PROGRAM_STATUSES] + [(None, s) for s in HIDDEN_PROVIDER_STATUSES],
    ids=[f"program-{s}" for s in HIDDEN_PROGRAM_STATUSES] + [f"provider-{s}" for s in HIDDEN_PROVIDER_STATUSES],
)
def test_hidden_programs_never_appear(program_status, provider_status):
    visible = program("Шахматы", direction=DirectionCode.SOCIAL, funding=CERTIFICATE)
    slot(open_group(visible), weekday=0)
    hidden = hidden_program(program_status, provider_status)
    search_vocabulary_refresh()

    for params in ({}, {"q": "шахматы"}, {"q": "шахмоты"}, {"weekdays": (0,)}, {"free_seats": True}):
        results, counts = catalog_search(CatalogQuery(**params))
        assert [p.pk for p in results] == [visible.pk], params
        assert counts.total == 1
        assert nonzero(counts.directions) == {"social": 1}
        assert nonzero(counts.fundings) == {"CERTIFICATE": 1}
        assert nonzero(counts.municipalities) == {visible.provider.municipality_id: 1}
    # Even filtering for exactly what only the hidden program has finds nothing.
    assert found(directions=("arts",)) == set()
    assert found(municipalities=(hidden.provider.municipality_id,)) == set()
    assert search_suggest("Шахматы") == ["Шахматы"]
    assert search_suggest("для всех") == []
    assert not program_detail_queryset().filter(pk=hidden.pk).exists()
    assert list(visible_programs()) == [visible]


# Facets


@pytest.fixture
def facet_catalog():
    """Five programs over three directions, two municipalities and three fundings."""
    plavsk, kimovsk = MunicipalityFactory(), MunicipalityFactory()
    in_plavsk, in_kimovsk = ProviderFactory(municipality=plavsk), ProviderFactory(municipality=kimovsk)
    program("Футбол", provider=in_plavsk, direction=DirectionCode.SPORTS, funding=CERTIFICATE, age_min=5, age_max=6)
    program("Плавание", provider=in_kimovsk, direction=DirectionCode.SPORTS, funding=FREE)
    program("Рисование", provider=in_plavsk, direction=DirectionCode.ARTS, funding=CERTIFICATE)
    program("Керамика", provider=in_plavsk, direction=DirectionCode.ARTS, funding=PAID)
    program("Робототехника", provider=in_kimovsk, direction=DirectionCode.TECHNICAL, funding=CERTIFICATE)
    program("Черновик", provider=in_plavsk, direction=DirectionCode.SPORTS, status=Program.Status.DRAFT)
    return plavsk.pk, kimovsk.pk


def test_facets_without_filters_count_everything(facet_catalog):
    plavsk, kimovsk = facet_catalog
    counts = facets()

    assert counts.directions == {"sports": 2, "arts": 2, "technical": 1}
    assert counts.municipalities == {plavsk: 3, kimovsk: 2}
    assert counts.fundings == {"CERTIFICATE": 3, "FREE": 1, "PAID": 1}
    assert counts.total == 5


def test_a_facet_ignores_its_own_filter_but_honours_the_others(facet_catalog):
    plavsk, kimovsk = facet_catalog
    counts = facets(directions=("sports",))

    # Other directions are still counted, so a parent can widen the choice.
    assert nonzero(counts.directions) == {"sports": 2, "arts": 2, "technical": 1}
    # The other facets count sports programs only.
    assert nonzero(counts.municipalities) == {plavsk: 1, kimovsk: 1}
    assert nonzero(counts.fundings) == {"CERTIFICATE": 1, "FREE": 1}
    assert counts.total == 2


def test_facets_with_two_facet_filters(facet_catalog):
    plavsk, kimovsk = facet_catalog
    counts = facets(directions=("sports",), municipalities=(plavsk,))

    assert nonzero(counts.directions) == {"sports": 1, "arts": 2}  # in Плавск
    assert nonzero(counts.municipalities) == {plavsk: 1, kimovsk: 1}  # sports
    assert nonzero(counts.fundings) == {"CERTIFICATE": 1}  # sports in Плавск
    assert counts.total == 1


def test_funding_facet_keeps_other_fundings(facet_catalog):
    plavsk, _ = facet_catalog
    counts = facets(fundings=("PAID",))

    assert nonzero(counts.fundings) == {"CERTIFICATE": 3, "FREE": 1, "PAID": 1}
    assert nonzero(counts.directions) == {"arts": 1}
    assert nonzero(counts.municipalities) == {plavsk: 1}
    assert counts.total == 1


def test_non_facet_filters_narrow_every_facet(facet_catalog):
    plavsk, _ = facet_catalog

    by_age = facets(age=5)
    assert nonzero(by_age.directions) == {"sports": 1}
    assert nonzero(by_age.municipalities) == {plavsk: 1}
    assert nonzero(by_age.fundings) == {"CERTIFICATE": 1}
    assert by_age.total == 1

    by_text = facets(q="рисование")
    assert nonzero(by_text.directions) == {"arts": 1}
    assert nonzero(by_text.municipalities) == {plavsk: 1}
    assert nonzero(by_text.fundings) == {"CERTIFICATE": 1}
    assert by_text.total == 1


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"directions": ("sports",)},
        {"directions": ("sports", "arts"), "fundings": ("CERTIFICATE",)},
        {"fundings": ("FREE", "PAID")},
        {"age": 5},
        {"age": 12, "directions": ("arts",)},
        {"q": "футбол"},
        {"q": "нет такого"},
        {"special_needs": True},
    ],
)
def test_facet_total_is_the_number_of_results(facet_catalog, params):
    results, counts = catalog_search(CatalogQuery(**params))
    assert counts.total == len(results) == results.count()


def test_facet_total_with_municipality_filter(facet_catalog):
    _, kimovsk = facet_catalog
    results, counts = catalog_search(CatalogQuery(municipalities=(kimovsk,)))
    assert counts.total == len(results) == 2


def test_facets_of_an_empty_result():
    counts = facets(q="шахматы")
    assert (counts.directions, counts.municipalities, counts.fundings, counts.total) == ({}, {}, {}, 0)


# Text search


def test_russian_morphology():
    chess = program("Шахматы")
    program("Футбол")

    assert found(q="шахматам") == {chess.pk}
    assert found(q="ШАХМАТОВ") == {chess.pk}
    search_vocabulary_refresh()  # with the vocabulary the inflected word still finds it
    assert found(q="шахматам") == {chess.pk}


def test_title_ranks_above_activity_type_above_description():
    in_description = program("Развивающие занятия", description="По субботам играем в шахматы.")
    in_activity_type = program("Клуб интеллектуальных игр", activity_type="Шахматы")
    in_title = program("Шахматы", description="Дебюты и эндшпиль.")
    program("Футбол")

    assert [p.pk for p in search(q="шахматы")] == [in_title.pk, in_activity_type.pk, in_description.pk]
    ranks = [p.rank for p in search(q="шахматы")]
    assert ranks[0] > ranks[1] > ranks[2] > 0


def test_many_description_mentions_do_not_outrank_one_title_match():
    program("Развивающие занятия", description=" ".join(["Шахматы, шахматы и ещё раз шахматы."] * 20))
    program("Шахматы", description="Дебюты и эндшпиль.")
    assert titles(q="шахматы") == ["Шахматы", "Развивающие занятия"]


def test_an_exact_title_match_ranks_above_a_description_mention_whatever_the_alphabet():
    program("Аа: развивающие занятия", description="Иногда играем в шахматы.")
    program("Ян: шахматы")
    assert titles(q="шахматы") == ["Ян: шахматы", "Аа: развивающие занятия"]


def test_several_words_must_all_match():
    both = program("Шахматы для начинающих")
    program("Шахматы для мастеров")
    program("Рисование для начинающих")
    search_vocabulary_refresh()

    assert found(q="шахматы начинающих") == {both.pk}
    assert found(q="начинающих шахматы") == {both.pk}
    # No program has both: exactly as typed, nothing; otherwise widened (tests/search/test_words.py).
    assert found(q="шахматы рисование", exact=True) == set()
    assert len(found(q="шахматы")) == 2
    assert len(found(q="начинающих")) == 2


@pytest.fixture
def typo_catalog():
    chess = program("Шахматы", description="Игра для думающих.")
    robots = program("Робототехника", description="Конструируем машины.")
    football = program("Футбол", description="Игра с мячом на поле.")
    search_vocabulary_refresh()
    return {"Шахматы": chess, "Робототехника": robots, "Футбол": football}


@pytest.mark.parametrize(
    ("typed", "title"),
    [("робатотехника", "Робототехника"), ("шахмоты", "Шахматы"), ("футбл", "Футбол"), ("Шахмоты", "Шахматы")],
)
def test_misspelled_words_are_corrected_through_the_vocabulary(typo_catalog, typed, title):
    assert titles(q=typed) == [title]


def test_misspelling_with_a_filter_and_a_correct_word(typo_catalog):
    assert titles(q="футбл на поле") == ["Футбол"]
    assert titles(q="шахмоты", directions=(typo_catalog["Шахматы"].direction.code,)) == ["Шахматы"]


def test_vocabulary_refresh_adds_words_once():
    program("Шахматы", description="Дебюты, миттельшпиль.")
    added = search_vocabulary_refresh()
    words = set(SearchWord.objects.values_list("word", flat=True))
    assert {"шахматы", "дебюты", "миттельшпиль"} <= words
    assert added == len(words)
    assert search_vocabulary_refresh() == 0


def test_search_words_correct_replaces_a_typo_by_the_nearest_word():
    program("Шахматы", description="Шахматный клуб.")
    search_vocabulary_refresh()

    assert search_words_correct("шахмоты") == ["шахматы"]
    assert search_words_correct("шахмотный клуп") == ["шахматный", "клуб"]


def test_search_words_correct_never_replaces_a_vocabulary_word():
    program("Шахматы", description="Шахматный шахматист, шахматная доска.")
    search_vocabulary_refresh()

    for word in ("шахматы", "шахматный", "шахматист", "шахматная"):
        assert search_words_correct(word) == [word]


def test_search_words_correct_leaves_short_and_unknown_words():
    program("Шахматы", description="Шахматный клуб.")
    search_vocabulary_refresh()

    assert search_words_correct("шх") == ["шх"]  # under three letters: no query at all
    assert search_words_correct("3d шахмоты") == ["3d", "шахматы"]
    assert search_words_correct("зоология") == ["зоология"]  # nothing similar: kept as typed


def test_search_words_correct_lower_cases_and_splits():
    assert search_words_correct("  Шахматы,ФУТБОЛ!  ёЛка-3D ") == ["шахматы", "футбол", "ёлка", "3d"]
    assert search_words_correct("") == []
    assert search_words_correct("!!! ... ---") == []
    assert len(search_words_correct(" ".join(f"слово{i}" for i in range(30)))) == 12


def test_short_words_are_searched_as_typed(typo_catalog):
    """«ИЗ» is not turned into «игра»; a query of short words still runs without correction."""
    assert search_words_correct("из") == ["из"]
    assert search(q="шх") == []


def test_trigger_keeps_the_search_vector_current_after_queryset_update():
    renamed = program("Футбол")
    Program.objects.filter(pk=renamed.pk).update(title="Шахматы")  # no Python save(), no signals

    assert found(q="шахматы") == {renamed.pk}
    assert found(q="футбол") == set()
    with connection.cursor() as cursor:
        cursor.execute("SELECT search_vector::text FROM catalog_program WHERE id = %s", [renamed.pk])
        (vector,) = cursor.fetchone()
    assert "'шахмат':1A" in vector
    assert "футбол" not in vector

    Program.objects.filter(pk=renamed.pk).update(activity_type="Настольные игры", description="Турниры.")
    assert found(q="турниры") == {renamed.pk}
    assert found(q="настольные") == {renamed.pk}


@pytest.mark.parametrize(
    "q",
    [
        "'; DROP TABLE catalog_program; --",
        "шахматы' OR '1'='1",
        '") OR 1=1 --',
        "<script>alert('шахматы')</script>",
        '<img src=x onerror="alert(1)">',
        "%",
        "_",
        "\\",
        "'",
        "& | ! :* <->",
        "шахматы & !футбол",
        "%s %(q)s {}",
        "шах\x00маты",
    ],
)
def test_sql_and_html_in_the_query_are_harmless(typo_catalog, q):
    results, counts = catalog_search(CatalogQuery(q=q))
    found_titles = [p.title for p in results]
    assert counts.total == len(found_titles)
    # Only a query without words lists all (or one naming football: widened to programs with some words).
    assert "Футбол" not in found_titles or not search_words_correct(q) or "футбол" in search_words_correct(q)
    search_suggest(q)
    search_words_correct(q)
    assert Program.objects.count() == 3
    assert len(search()) == 3


def test_sql_and_html_find_nothing(typo_catalog):
    for q in ("'; DROP TABLE catalog_program; --", "<script>alert(1)</script>", "' OR 1=1 --"):
        assert search(q=q) == [], q


def test_a_query_without_words_is_the_empty_query(typo_catalog):
    assert titles(q="%") == titles(q="!!! ...") == titles() == ["Робототехника", "Футбол", "Шахматы"]


def test_operators_in_the_query_are_plain_words(typo_catalog):
    """tsquery syntax typed by a user is not interpreted: «!» is no «not», «|» no «or»; words are ANDed
    (and, as no program has both, widened to either unless the search is exact)."""
    assert titles(q="шахматы & !футбол", exact=True) == []
    assert titles(q="шахматы | футбол", exact=True) == []
    assert sorted(titles(q="шахматы & !футбол")) == ["Футбол", "Шахматы"]
    assert titles(q="!шахматы") == titles(q="шахматы:*") == ["Шахматы"]


# Sorting


def test_sort_by_rating_puts_unrated_last():
    program("Б без оценки", rating=None)
    program("Средняя", rating=Decimal("3.50"))
    program("А без оценки", rating=None)
    program("Лучшая", rating=Decimal("4.90"))
    program("Худшая", rating=Decimal("1.20"))

    assert titles(sort="rating") == ["Лучшая", "Средняя", "Худшая", "А без оценки", "Б без оценки"]


def test_sort_by_rating_breaks_ties_by_number_of_ratings():
    program("Мало оценок", rating=Decimal("4.50"), rating_count=2)
    program("Много оценок", rating=Decimal("4.50"), rating_count=40)
    assert titles(sort="rating") == ["Много оценок", "Мало оценок"]


def test_sort_by_start_date_uses_the_nearest_open_group():
    later = program("Позже")
    open_group(later, start_date=days(30))
    open_group(later, start_date=days(60))
    sooner = program("Раньше")
    open_group(sooner, start_date=days(40))
    open_group(sooner, start_date=days(5))
    closed_group(later, start_date=days(1))  # a closed group does not count
    ended_group(later, start_date=days(-100))  # nor an ended one
    program("А без групп")
    no_open = program("Б только закрытые")
    closed_group(no_open, start_date=days(2))

    results = search(sort="start_date")
    assert [p.title for p in results] == ["Раньше", "Позже", "А без групп", "Б только закрытые"]
    assert [p.next_start for p in results] == [days(5), days(30), None, None]


def test_relevance_is_the_default_order_when_a_query_is_given():
    program("А: разное", description="Немного про шахматы.")
    program("Я: шахматы")
    assert titles(q="шахматы") == ["Я: шахматы", "А: разное"]
    assert titles(q="шахматы", sort="relevance") == ["Я: шахматы", "А: разное"]


def test_other_sorts_override_relevance():
    program("А: разное", description="Немного про шахматы.", rating=Decimal("5.00"))
    program("Я: шахматы", rating=Decimal("2.00"))
    assert titles(q="шахматы", sort="rating") == ["А: разное", "Я: шахматы"]


def test_title_order_without_a_query():
    for title in ("Футбол", "Авиамоделирование", "Шахматы", "Керамика"):
        program(title)
    assert titles() == ["Авиамоделирование", "Керамика", "Футбол", "Шахматы"]
    assert titles(sort="relevance") == ["Авиамоделирование", "Керамика", "Футбол", "Шахматы"]


def test_results_carry_provider_and_direction_without_more_queries(django_assert_num_queries):
    for i in range(4):
        program(f"Программа {i}")
    results, _ = catalog_search(CatalogQuery())
    with django_assert_num_queries(3):  # the programs, then their providers (with municipalities), directions
        rows = [(p.title, p.provider.short_name, p.provider.municipality.name, p.direction.name) for p in results]
    assert len(rows) == 4


@pytest.mark.parametrize(
    ("params", "eager_queries", "result_queries"),
    [
        ({}, 1, 3),  # the facets; 4 results
        ({"q": "шх", "directions": ("sports",), "age": 8}, 1, 1),  # short words need no correction; none found
        # no program has both words (an EXISTS tells), so widened to either: the football programs
        ({"q": "шахмоты футбл", "directions": ("sports",), "free_seats": True, "weekdays": (0,)}, 3, 3),
        ({"q": "шахмоты футбл", "directions": ("sports",), "exact": True}, 2, 1),  # exact: none found
        ({"q": "футбл", "directions": ("sports",), "free_seats": True, "weekdays": (0,)}, 2, 3),
    ],
)
def test_catalog_search_query_count(django_assert_num_queries, params, eager_queries, result_queries):
    """Typo correction (one query for all words) and the facets (one scan), then the results: the page of
    programs, and when there are any, their providers with municipalities and their directions. The
    synonym dictionary comes from the cache (loaded once after a change)."""
    for i in range(4):
        slot(open_group(program(f"Футбол {i}", direction=DirectionCode.SPORTS)), weekday=0)
    search_vocabulary_refresh()
    synonym_dictionary()
    with django_assert_num_queries(eager_queries):
        results, _ = catalog_search(CatalogQuery(**params))
    with django_assert_num_queries(result_queries):
        rows = [(p.title, p.provider.municipality.name, p.direction.name, p.next_start) for p in results]
    assert len(rows) == (4 if result_queries == 3 else 0)


# Groups and seats left


def test_seats_left_counts_only_seat_holding_enrollments():
    group = open_group(program(), capacity=10)
    for status in SEAT_HOLDING + NOT_SEAT_HOLDING:
        enroll(group, status)
    enroll(open_group(program(), capacity=10), EnrollmentStatus.ACTIVE)  # another group's pupil

    annotated = groups_with_seats().get(pk=group.pk)
    assert annotated.seats_left == 10 - len(SEAT_HOLDING)


def test_seats_left_of_a_full_and_an_empty_group():
    full = open_group(program(), capacity=2)
    enroll(full, EnrollmentStatus.SUBMITTED)
    enroll(full, EnrollmentStatus.ACTIVE)
    empty = open_group(program(), capacity=7)

    seats = dict(groups_with_seats().filter(pk__in=[full.pk, empty.pk]).values_list("pk", "seats_left"))
    assert seats == {full.pk: 0, empty.pk: 7}


def test_open_groups_excludes_closed_and_ended():
    p = program()
    still_open = open_group(p)
    ends_today = open_group(p, start_date=days(-30), end_date=today())
    closed_group(p)
    ended_group(p)

    assert set(open_groups()) == {still_open, ends_today}


def test_program_detail_has_only_open_groups_with_seats_left_in_start_order():
    p = program()
    later = open_group(p, name="Б", start_date=days(20), capacity=12)
    sooner = open_group(p, name="А", start_date=days(3), capacity=10)
    enroll(sooner, EnrollmentStatus.ACTIVE)
    enroll(sooner, EnrollmentStatus.WAITING)
    closed_group(p)
    ended_group(p)

    detail = program_detail_queryset().get(pk=p.pk)
    assert [(g.pk, g.seats_left) for g in detail.open_groups] == [(sooner.pk, 9), (later.pk, 12)]


@pytest.mark.parametrize("n_groups", [1, 4])
def test_program_detail_prefetches_groups_and_schedules(django_assert_num_queries, n_groups):
    p = program()
    for i in range(n_groups):
        group = open_group(p, capacity=5)
        slot(group, weekday=i % 7, start="10:00")
        slot(group, weekday=(i + 2) % 7, start="15:00")
        enroll(group, EnrollmentStatus.SUBMITTED)

    with django_assert_num_queries(3):  # the program, its groups, their schedules
        detail = program_detail_queryset().get(pk=p.pk)
        rows = [
            (detail.provider.municipality.name, detail.direction.name, g.teacher, g.seats_left, str(s))
            for g in detail.open_groups
            for s in g.schedule.all()
        ]
    assert len(rows) == 2 * n_groups
    assert {seats for *_, seats, _ in rows} == {4}


def test_program_detail_schedule_is_ordered_by_weekday_and_time():
    group = open_group(program())
    slot(group, weekday=3, start="10:00")
    slot(group, weekday=1, start="18:00")
    slot(group, weekday=1, start="09:00")

    detail = program_detail_queryset().get(pk=group.program_id)
    (only,) = detail.open_groups
    assert [(s.weekday, s.start_time.hour) for s in only.schedule.all()] == [(1, 9), (1, 18), (3, 10)]


# Suggest


def test_suggest_puts_prefix_matches_first():
    program("Клуб юных шахматистов")
    program("Шахматы")
    program("Шахматная школа")
    program("Футбол")

    suggestions = search_suggest("шахм")
    assert set(suggestions[:2]) == {"Шахматы", "Шахматная школа"}
    assert suggestions[2:] == ["Клуб юных шахматистов"]


def test_suggest_titles_are_distinct():
    program("Шахматы")
    program("Шахматы")
    program("шахматы")
    assert [s.lower() for s in search_suggest("шах")] == ["шахматы"]


def test_suggest_returns_at_most_limit():
    for i in range(6):
        program(f"Шахматы {i}")
    assert len(search_suggest("шах", limit=3)) == 3
    assert len(search_suggest("шах")) == 6


def test_suggest_finds_misspelled_titles():
    program("Робототехника")
    assert search_suggest("робатотехника") == ["Робототехника"]


@pytest.mark.parametrize("prefix", ["%%", "__", "ш%", "%а", "_а", "\\\\"])
def test_suggest_treats_like_wildcards_literally(prefix):
    program("Шахматы")
    program("Футбол")
    assert search_suggest(prefix) == []


def test_suggest_matches_a_literal_percent():
    program("Скидка 50% на шахматы")
    program("Шахматы")
    assert search_suggest("50%") == ["Скидка 50% на шахматы"]


def test_suggest_ignores_nul_characters():
    """PostgreSQL text cannot hold NUL; the suggest box must not answer 500 to one."""
    program("Шахматы")
    assert search_suggest("ша\x00х") == ["Шахматы"]
    assert search_suggest("\x00\x00") == []
    assert search_suggest("ш\x00") == []


@pytest.mark.parametrize("prefix", ["", " ", "ш", "  ш  "])
def test_suggest_needs_two_characters(prefix):
    program("Шахматы")
    assert search_suggest(prefix) == []
