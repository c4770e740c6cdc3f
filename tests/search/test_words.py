"""The words parents type (search.words through search.selectors): every seeded synonym group, the names
in both scripts, the optional words, the widening to programs with most of the words, and the notice
of a correction or a widening on the results page and in the API. Against the real PostgreSQL search."""

import html as html_lib
import importlib
import re

import pytest
from django.urls import reverse

from catalog.models import SearchSynonym
from catalog.services import search_vocabulary_refresh
from search.selectors import CatalogQuery, catalog_search
from search.words import OPTIONAL_WORDS, synonym_dictionary, words_plan
from tests.catalog.factories import ProgramFactory

pytestmark = pytest.mark.django_db

SEED = importlib.import_module("catalog.migrations.0017_search_synonyms")
CATALOG = "/catalog/"
API = "/api/v1/programs/"


def program(title: str, **kwargs):
    kwargs.setdefault("activity_type", "")
    kwargs.setdefault("description", "Подробности у педагога.")
    return ProgramFactory(title=title, **kwargs)


def search(q: str, **params):
    results, facets = catalog_search(CatalogQuery(q=q, **params))
    return list(results), facets.notice


def found(q: str, **params) -> set[int]:
    return {p.pk for p in search(q, **params)[0]}


def titles(q: str, **params) -> list[str]:
    return [p.title for p in search(q, **params)[0]]


def entries(words: str) -> list[str]:
    return [part.strip() for part in words.split(",")]


# The seeded dictionary: every group, every word of it finds every program named by another


def test_the_migration_seeded_every_group():
    assert set(SearchSynonym.objects.values_list("words", flat=True)) == set(SEED.SYNONYMS + SEED.TRANSLITERATIONS)


@pytest.mark.parametrize("words", SEED.SYNONYMS, ids=lambda words: entries(words)[0])
def test_every_word_of_a_synonym_group_finds_the_programs_named_by_the_others(words):
    group = {entry: program(entry[:1].upper() + entry[1:]) for entry in entries(words)}
    unrelated = program("Настольный теннис")
    search_vocabulary_refresh()

    for entry in group:
        assert found(entry) == {p.pk for p in group.values()}, entry
        assert search(entry)[1] is None, entry  # a synonym is no correction and no widening
    assert unrelated.pk not in found(entries(words)[0])


@pytest.mark.parametrize("words", SEED.TRANSLITERATIONS, ids=lambda words: entries(words)[0])
def test_every_name_finds_its_programs_in_the_other_script(words):
    group = {entry: program(f"Курс {entry}") for entry in entries(words)}
    program("Настольный теннис")
    search_vocabulary_refresh()

    for entry in group:
        assert found(entry) == {p.pk for p in group.values()}, entry
        assert found(entry.lower()) == found(entry.upper()) == {p.pk for p in group.values()}


def test_an_inflected_word_finds_its_synonyms():
    izo = program("ИЗО-студия")
    painting = program("Живопись маслом")
    search_vocabulary_refresh()
    assert found("рисованием") == found("рисования") == {izo.pk, painting.pk}


def test_drawing_finds_izo_and_painting_programs():
    izo = program("ИЗО для малышей")
    painting = program("Основы живописи")
    fine_arts = program("Юный художник", activity_type="Изобразительное искусство")
    program("Шахматы")
    search_vocabulary_refresh()

    assert found("рисование") == {izo.pk, painting.pk, fine_arts.pk}
    assert found("ИЗО") == {izo.pk, painting.pk, fine_arts.pk}
    assert found("изобразительное искусство") == {izo.pk, painting.pk, fine_arts.pk}  # an expression of the group


def test_lego_finds_robotics_on_lego_spike():
    spike = program("Робототехника на LEGO SPIKE")
    program("Шахматы")
    search_vocabulary_refresh()
    assert titles("лего") == ["Робототехника на LEGO SPIKE"]
    assert found("Лего робототехника") == {spike.pk}


def test_a_word_missing_from_the_catalog_is_searched_in_the_other_script():
    """Not in the dictionary: «робот» letter by letter is «robot», a word of the catalog."""
    club = program("Клуб Robot")
    cyrillic = program("Робот-конструктор")
    program("Шахматы")
    search_vocabulary_refresh()
    assert found("робот") == {club.pk, cyrillic.pk}
    assert found("robot") == {club.pk, cyrillic.pk}


def test_a_dictionary_word_is_not_corrected_to_a_vocabulary_word():
    program("Хореография")
    program("Хоровая студия")
    search_vocabulary_refresh()
    assert search("танцы")[1] is None
    assert titles("танцы") == ["Хореография"]


# Optional words


@pytest.mark.parametrize("word", sorted(OPTIONAL_WORDS))
def test_every_optional_word_leaves_the_program_found(word):
    robotics = program("Робототехника")
    program("Шахматы")
    search_vocabulary_refresh()

    results, notice = search(f"{word} робототехника")
    assert [p.pk for p in results] == [robotics.pk]
    assert notice is None  # optional words are no widening


def test_numbers_are_optional():
    chess = program("Шахматы")
    search_vocabulary_refresh()
    assert found("шахматы для детей 7 лет") == {chess.pk}


def test_robotics_club_and_football_section_find_their_programs():
    robotics = program("Робототехника")
    football = program("Футбол")
    program("Шахматы")
    search_vocabulary_refresh()

    assert found("кружок робототехники") == {robotics.pk}
    assert found("футбольная секция") == {football.pk}
    assert found("секция футбола") == {football.pk}


def test_a_program_with_the_optional_word_ranks_first():
    plain = program("Робототехника для начинающих")
    club = program("Кружок робототехники")
    search_vocabulary_refresh()
    assert [p.pk for p in search("кружок робототехники")[0]] == [club.pk, plain.pk]


def test_a_query_of_optional_words_only_needs_one_of_them():
    club = program("Кружок юных техников")
    program("Шахматы")
    search_vocabulary_refresh()
    assert found("кружок для детей") == {club.pk}


# Widening: when no program has every word, the programs with most of them, ranked


@pytest.fixture
def mixed_catalog():
    programs = {
        "three": program("Шахматы и LEGO", description="Играем в шахматы, собираем LEGO, рисуем комиксы."),
        "two": program("Шахматы", description="Шахматы и комиксы по выходным."),
        "one": program("Комиксы"),
        "none": program("Футбол"),
    }
    search_vocabulary_refresh()
    return programs


def test_when_no_program_has_every_word_those_with_most_words_come_first(mixed_catalog):
    results, notice = search("шахматы комиксы хоккей")
    assert [p.pk for p in results] == [mixed_catalog[k].pk for k in ("two", "three", "one")] or [
        p.pk for p in results
    ] == [mixed_catalog[k].pk for k in ("three", "two", "one")]
    assert {p.pk for p in results[:2]} == {mixed_catalog["three"].pk, mixed_catalog["two"].pk}  # two words each
    assert results[2].pk == mixed_catalog["one"].pk
    assert mixed_catalog["none"].pk not in {p.pk for p in results}
    assert notice is not None and notice.widened and not notice.corrected


def test_more_matched_words_outrank_a_title_match(mixed_catalog):
    results, _ = search("лего комиксы хоккей")
    assert [p.pk for p in results][:1] == [mixed_catalog["three"].pk]  # two words beat one in a title
    assert sorted(p.title for p in results[1:]) == ["Комиксы", "Шахматы"]  # one word each


def test_no_widening_when_every_word_matches_or_the_search_is_exact(mixed_catalog):
    results, notice = search("шахматы комиксы")
    assert {p.pk for p in results} == {mixed_catalog["three"].pk, mixed_catalog["two"].pk}
    assert notice is None
    results, notice = search("шахматы комиксы хоккей", exact=True)
    assert results == [] and notice is None


def test_widening_honours_the_filters(mixed_catalog):
    chess = mixed_catalog["two"]
    results, _ = search("шахматы хоккей", municipalities=(chess.provider.municipality_id,))
    assert [p.pk for p in results] == [chess.pk]


# Corrections


def test_a_misspelling_is_corrected_and_told():
    program("Шахматы")
    search_vocabulary_refresh()
    results, notice = search("шахмоты")
    assert [p.title for p in results] == ["Шахматы"]
    assert (notice.typed, notice.searched, notice.corrected, notice.widened) == ("шахмоты", "шахматы", True, False)


def test_an_exact_search_is_not_corrected():
    program("Шахматы")
    search_vocabulary_refresh()
    assert search("шахмоты", exact=True) == ([], None)


# The dictionary: staff changes apply at once, and it is read without a query per word


def test_a_group_added_by_staff_applies_to_the_next_search():
    kite = program("Воздушные змеи")
    search_vocabulary_refresh()
    assert found("кайты", exact=True) == set()
    SearchSynonym.objects.create(words="воздушные змеи, кайты")  # the cache is dropped on save
    assert found("кайты") == {kite.pk}
    SearchSynonym.objects.filter(words="воздушные змеи, кайты").delete()
    assert found("кайты", exact=True) == set()


def test_the_dictionary_comes_from_the_cache(django_assert_num_queries):
    synonym_dictionary()
    with django_assert_num_queries(1):  # the vocabulary look-up, for every word at once
        plan = words_plan("рисование танцы борьба пение лего питон кружок")
    assert len(plan.words) == 7
    assert plan.words[-1].optional
    with django_assert_num_queries(0):
        words_plan("из 3d")  # short words: no look-up at all


def test_staff_must_give_two_words():
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        SearchSynonym(words="рисование").full_clean()
    group = SearchSynonym(words=" рисование ,ИЗО,, живопись ")
    group.full_clean()
    assert group.words == "рисование, ИЗО, живопись"
    assert group.entries() == ["рисование", "изо", "живопись"]


# The results page and the API tell it


def page(client, **params) -> str:
    return client.get(CATALOG, params).content.decode()


def exact_link(body: str) -> str:
    match = re.search(r'<a class="catalog-notice__exact" href="([^"]+)"', body)
    assert match, "no link to search exactly as typed"
    return html_lib.unescape(match.group(1))


def test_the_page_tells_a_widened_query_and_links_to_the_exact_search(client, mixed_catalog):
    body = page(client, q="шахматы комиксы хоккей", direction=mixed_catalog["two"].direction.code)
    assert "Показаны результаты по запросу" in body
    assert "Ни одна программа не подходит под все слова запроса" in body
    link = exact_link(body)
    assert "exact=1" in link and "q=" in link and "direction=" in link

    exact = client.get(CATALOG + link).content.decode()
    assert "Показаны результаты по запросу" not in exact
    assert "По вашему запросу ничего не найдено." in exact
    assert '<input type="hidden" name="exact" value="1" form="catalog-form">' in exact  # kept by the form


def test_the_page_tells_a_misspelling(client):
    program("Шахматы")
    search_vocabulary_refresh()
    body = page(client, q="шахмоты")
    assert "Показаны результаты по запросу «<strong>шахматы</strong>»." in body
    assert "Искать точно «шахмоты»" in body
    assert "exact=1" in exact_link(body)
    assert "Показаны результаты" not in page(client, q="шахматы")


def test_the_htmx_fragment_carries_the_notice(client):
    program("Шахматы")
    search_vocabulary_refresh()
    body = client.get(CATALOG, {"q": "шахмоты"}, headers={"HX-Request": "true"}).content.decode()
    assert "Показаны результаты по запросу" in body
    assert 'id="errors-exact"' in body


def test_the_api_tells_a_correction_and_a_widening(client, mixed_catalog):
    program("Шахматы для всех")
    search_vocabulary_refresh()
    body = client.get(API, {"q": "шахмоты"}).json()
    assert body["notice"] == {"query": "шахмоты", "searched": "шахматы", "corrected": True, "widened": False}
    assert client.get(API, {"q": "шахматы"}).json()["notice"] is None
    widened = client.get(API, {"q": "шахматы комиксы хоккей"}).json()
    assert widened["notice"]["widened"] is True and widened["count"] == 4
    exact = client.get(API, {"q": "шахматы комиксы хоккей", "exact": "true"}).json()
    assert exact["notice"] is None and exact["count"] == 0


def test_the_admin_lists_the_dictionary(admin_client):
    response = admin_client.get(reverse("admin:catalog_searchsynonym_changelist"))
    assert response.status_code == 200
    assert "рисование, ИЗО, живопись, рисунок" in response.content.decode()
