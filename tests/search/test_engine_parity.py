"""The catalog's search answered by the index (search.engine): the search tests of test_search.py and
test_words.py run again with the index built from the test's catalog before every search, so that each
filter, facet, sort, visibility rule, typo correction, synonym, optional word and widening is held to
the same expectations as PostgreSQL's search.

Left out: tests of what the index does not do (the suggest list, the program page, the correction
helper, the trigger-kept search vector), and those of PostgreSQL's own plan (query counts, ts_rank
values); the relevance order is BM25's, checked for the same expectations.
"""

import pytest

from search import engine, selectors
from tests.search.test_search import *  # noqa: F403  (the tests, their fixtures and helpers)
from tests.search.test_words import *  # noqa: F403

POSTGRES_ONLY = [
    # PostgreSQL's plan: statement counts and the ts_rank annotation.
    "test_catalog_search_query_count",
    "test_results_carry_provider_and_direction_without_more_queries",
    "test_title_ranks_above_activity_type_above_description",
    "test_trigger_keeps_the_search_vector_current_after_queryset_update",
    "test_vocabulary_refresh_adds_words_once",
    "test_the_migration_seeded_every_group",
]
NOT_SEARCHES = [
    name
    for name in list(globals())
    if name.startswith(("test_suggest", "test_search_words_correct", "test_program_detail", "test_seats_left"))
    or name in ("test_open_groups_excludes_closed_and_ended",)
]
for _name in POSTGRES_ONLY + NOT_SEARCHES:
    globals().pop(_name, None)


@pytest.fixture(autouse=True)
def answered_by_the_index(settings, tmp_path, monkeypatch):
    """Every catalog_search() of the test rebuilds the index from the test's catalog, then asks it."""
    settings.SEARCH_INDEX_DIR = str(tmp_path / "index")

    def rebuilt_then_answered(query, plan):
        engine.index_rebuild()
        answer = engine.engine_answer(query, plan)
        assert answer is not None, "the index did not answer"
        return answer

    monkeypatch.setattr(selectors, "engine_answer", rebuilt_then_answered)
