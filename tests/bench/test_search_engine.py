"""bench/search_engine.py's Tantivy side answers the catalog's filters as our search core does, on a
few programs built here (no database): group-level free seats with a schedule, the child's age on
each group's start date, the sorts and the facets."""

from datetime import date

import pytest

from bench.search_engine import Row, build_index, engine_search
from search.schedule import schedule_bit
from search.selectors import CatalogQuery

SATURDAY, MONDAY, MORNING = 5, 0, 0


def row(pk: int, **changes) -> Row:
    values = {
        "id": pk,
        "title": f"Программа {pk}",
        "activity_type": "",
        "description": "",
        "direction": "technical",
        "municipality": 1,
        "funding": "CERTIFICATE",
        "special_needs": False,
        "age_min": 5,
        "age_max": 18,
        "rating": None,
        "rating_count": 0,
        "next_start": date(2026, 9, 1),
        "schedule_mask": 0,
        "title_rank": pk,
        "free": True,
        "starts": [date(2026, 9, 1)],
        "free_cells": [],
    }
    values.update(changes)
    return Row(**values)


def cell(weekday: int, part: int) -> int:
    return weekday * 3 + part


def found(engine, **query) -> list[int]:
    return engine_search(engine, CatalogQuery(**query)).ids


@pytest.fixture
def build(tmp_path):
    def build_rows(*rows: Row):
        return build_index(list(rows), str(tmp_path), threads=1)

    return build_rows


def test_free_seats_with_a_schedule_need_one_group_meeting_both(build):
    mask = schedule_bit(SATURDAY, MORNING) | schedule_bit(MONDAY, MORNING)
    engine = build(
        # The Saturday group is full; the one with a seat meets on Monday.
        row(1, schedule_mask=mask, free=True, free_cells=[cell(MONDAY, MORNING)]),
        row(2, schedule_mask=mask, free=True, free_cells=[cell(SATURDAY, MORNING)]),
        row(3, schedule_mask=mask, free=False, free_cells=[]),
    )

    assert found(engine, weekdays=(SATURDAY,), free_seats=True) == [2]
    assert found(engine, weekdays=(SATURDAY,), time_of_day="morning", free_seats=True) == [2]
    assert found(engine, weekdays=(SATURDAY,)) == [1, 2, 3]
    assert found(engine, free_seats=True) == [1, 2]
    # Independent fields would take program 1 too: the difference the benchmark counts.
    query = CatalogQuery(weekdays=(SATURDAY,), free_seats=True)
    assert engine_search(engine, query, independent_groups=True).ids == [1, 2]


def test_the_childs_age_is_taken_on_each_groups_start_date(build):
    engine = build(
        row(1, age_min=7, age_max=9, starts=[date(2026, 9, 1), date(2027, 9, 1)]),
        row(2, age_min=7, age_max=9, starts=[date(2026, 9, 1)]),
        row(3, age_min=10, age_max=10, starts=[date(2026, 2, 28)]),
        row(4, age_min=10, age_max=10, starts=[date(2026, 3, 1)]),
    )

    # 6 on 1 September 2026, 7 on 1 September 2027.
    assert found(engine, birth_date=date(2019, 10, 1)) == [1]
    # Born on 29 February: 10 from 1 March 2026, not on 28 February.
    assert found(engine, birth_date=date(2016, 2, 29)) == [4]


def test_sorts_follow_the_cores_order(build):
    engine = build(
        row(1, title_rank=1, rating=None, next_start=None),
        row(2, title_rank=2, rating=4.5, rating_count=3, next_start=date(2026, 10, 1)),
        row(3, title_rank=3, rating=4.5, rating_count=7, next_start=date(2026, 9, 1)),
        row(4, title_rank=0, rating=4.5, rating_count=3, next_start=date(2026, 9, 1)),
    )

    # rating (nulls last), more ratings first, then title.
    assert found(engine, sort="rating") == [3, 4, 2, 1]
    # the nearest start (none last), then title.
    assert found(engine, sort="start_date") == [4, 3, 2, 1]
    assert found(engine) == [4, 1, 2, 3]


def test_each_facet_honours_the_other_filters_but_not_its_own(build):
    engine = build(
        row(1, direction="arts", municipality=1, funding="FREE"),
        row(2, direction="arts", municipality=2, funding="CERTIFICATE"),
        row(3, direction="sports", municipality=1, funding="CERTIFICATE"),
    )

    result = engine_search(engine, CatalogQuery(directions=("arts",), municipalities=(1,)))

    assert result.count == 1 and result.ids == [1]
    assert result.facets["direction"] == {"arts": 1, "sports": 1}
    assert result.facets["municipality"] == {1: 1, 2: 1}
    assert result.facets["funding"] == {"FREE": 1}


def test_words_are_stemmed_in_russian(build):
    engine = build(
        row(1, title="Шахматы для начинающих"),
        row(2, title="Робототехника", description="Занятия с шахматами и конструктором"),
        row(3, title="Футбол"),
    )

    assert sorted(found(engine, q="шахматами")) == [1, 2]
    assert found(engine, q="шахматы")[0] == 1  # the title weighs more than the description
    assert found(engine, q="шахматы футбол") == []
