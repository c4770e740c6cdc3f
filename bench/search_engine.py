"""Benchmark the catalog's search core against an embedded engine: our PostgreSQL search
(search.selectors.catalog_search) and Tantivy (the `tantivy` Python binding) on the same listed
programs, the same 15 queries of bench/catalog_search.py, in one run (issue 14, «A faster search
core»: "show with figures whether an embedded engine kept in step through the outbox is the better
design").

    .venv/bin/python bench/search_engine.py [--database bench_catalog] [--runs 20] [--warmup 3]
        [--updates 200] [--batch 100] [--no-docs]

The database must already be loaded (bench/catalog_search.py creates `bench_catalog`, or
`--scale small` makes `bench_catalog_small` with 400 programs for a quick check); only runs on
`bench_catalog` are written to docs/benchmarks.md («Search engine: PostgreSQL core against Tantivy»).

1. **Documents.** One statement reads every listed program (`catalog_program.listed`, what the catalog
   lists) with what the 15 queries and the birth-date filter need: title, activity type and
   description (Russian stemming and stop words: tantivy's Filter.stemmer/stopword("russian")), the
   direction, the provider's municipality, the funding, ages, special needs, rating, the stored
   `schedule_mask` and `next_start`, and per open group its start date, its free seats and the
   (weekday, part of day) cells it meets in.
   Group-level filters: one document per program; "an open group with a free seat meets then" is a
   multi-valued field of its own (`free_cell`: the cells of the open groups that have a seat), so
   `free_seats` with a weekday or time of day matches one group meeting both, as our core does
   (search.selectors._free_seats: ProgramFreeSeats.free_mask). Two independent fields (`free` and `cell`) would let a
   full group meeting on Saturday and a group with seats meeting on Monday match «Saturday, free
   seats» together: the run counts both ways (table «Group-level matching»). The child's age on each
   group's start date needs no per-group pairing: the program's ages are one pair, so "some open
   group starts while the child is age_min…age_max" is a range over the multi-valued `start` field,
   one clause per distinct (age_min, age_max) pair.
2. **Build** in a temporary directory: seconds (the read from PostgreSQL apart), documents, size.
3. **Search**, in interleaved rounds after warm-up: Tantivy (count, first 20 in our order, three facet
   counts each honouring the other two facet filters, as search.selectors._facets) against our core
   as the API uses it (`catalog_search(CatalogQuery)`: facets, the count from the facets, the first
   page of 20 with its prefetches) and `core_page` of bench/catalog_search.py (validation through
   CatalogFilter and one more COUNT, the issue's figure). Both engines start from the same validated
   CatalogQuery. Tantivy reads the words as typed (stemmed, every word required); a second Tantivy
   column is given the words our plan searches (search.words: synonyms, the other script, typo
   corrections, optional words), to tell the count differences of the text reading from those of
   the filters.
4. **Kept in step**: --updates single-program updates (delete_documents_by_term + add_document +
   commit), the reader's reload after each and the first search after it; batches of --batch
   programs per commit; and reading one program's document from PostgreSQL (what an outbox consumer
   does before writing it).
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field, replace
from datetime import date
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.catalog_search import MUNICIPALITY, QUERIES, core_page, p50, p95  # noqa: E402  (after the path is set)
from bench.docs import DOCS, write_generated_block  # noqa: E402
from bench.machine import machine  # noqa: E402

SETTINGS = "bench.settings"
FULL_DATABASE = "bench_catalog"
SECTION = "Search engine: PostgreSQL core against Tantivy"
PAGE_SIZE = 20
ANALYZER = "ru_stem"
TEXT_FIELDS = ("title", "activity_type", "description")
# ts_rank's default weights for the A (title), B (activity type) and C (description) parts of
# catalog_program.search_vector (catalog/migrations/sql/0003_search.sql), as field boosts.
BOOSTS = {"title": 1.0, "activity_type": 0.4, "description": 0.2}
WORD = re.compile(r"[0-9a-zа-яё]+")
EPOCH = date(1970, 1, 1)
NO_START = (1 << 20) - 1  # a program without an open group sorts last by start date
RANK_BITS = 20  # title ranks below 2**20 (about a million programs)

# Group-level cases, counted (not timed): free seats with a schedule filter, and the child's age on
# each group's start date. `{plavsk}` as in QUERIES.
GROUP_CHECKS: list[str] = [
    "weekday=5&free_seats=true",
    "time_of_day=evening&free_seats=true&direction=sports",
    "weekday=0&weekday=6&time_of_day=morning&free_seats=true",
    "birth_date=2016-03-14",
    "birth_date=2019-11-30&direction=arts",
]


# --- documents from PostgreSQL -----------------------------------------------------------------------

# One row per listed program. schedule_mask and next_start are the stored columns the core reads;
# open groups, seats held and cells follow catalog.selectors.open_groups, enrollments.selectors
# holds_a_seat and catalog_schedule_bit (migrations/sql/0008_listing.sql).
DOCUMENTS_SQL = """
WITH open_group AS (
    SELECT g.id, g.program_id, g.start_date,
           g.capacity > coalesce((SELECT count(*) FROM enrollments_enrollment e
                                   WHERE e.group_id = g.id
                                     AND (e.status IN ('SUBMITTED', 'OFFERED', 'ACTIVE')
                                          OR (e.status = 'TERMINATED' AND e.ends_on >= %(today)s))), 0) AS free
      FROM catalog_group g
     WHERE g.enrollment_open AND g.end_date >= %(today)s {group_condition}
), per_program AS (
    SELECT og.program_id,
           bool_or(og.free) AS free,
           array_agg(DISTINCT og.start_date) AS starts,
           array_agg(DISTINCT s.weekday * 3 + CASE WHEN s.start_time < '12:00' THEN 0
                                                   WHEN s.start_time < '17:00' THEN 1 ELSE 2 END)
               FILTER (WHERE og.free AND s.id IS NOT NULL) AS free_cells
      FROM open_group og LEFT JOIN catalog_scheduleslot s ON s.group_id = og.id
     GROUP BY og.program_id
)
SELECT p.id, p.title, p.activity_type, p.description, d.code, p.municipality_id, p.funding,
       p.special_needs, p.age_min, p.age_max, p.rating, p.rating_count, p.next_start, p.schedule_mask,
       {rank} AS title_rank, coalesce(pp.free, false), coalesce(pp.starts, '{{}}'),
       coalesce(pp.free_cells, '{{}}')
  FROM catalog_program p
  JOIN catalog_direction d ON d.id = p.direction_id
  LEFT JOIN per_program pp ON pp.program_id = p.id
 WHERE p.listed {program_condition}
"""


@dataclass
class Row:
    id: int
    title: str
    activity_type: str
    description: str
    direction: str
    municipality: int
    funding: str
    special_needs: bool
    age_min: int
    age_max: int
    rating: float | None
    rating_count: int
    next_start: date | None
    schedule_mask: int
    title_rank: int
    free: bool
    starts: list[date]
    free_cells: list[int]


def read_documents(today: date, program_ids: list[int] | None = None) -> list[Row]:
    """Every listed program, or the listed ones among `program_ids` (an outbox consumer's read: the
    title rank of a single program is not known from its row and comes back as 0)."""
    from django.db import connection

    if program_ids is None:
        sql = DOCUMENTS_SQL.format(
            group_condition="", program_condition="", rank="row_number() OVER (ORDER BY p.title, p.id)"
        )
        params = {"today": today}
    else:
        sql = DOCUMENTS_SQL.format(
            group_condition="AND g.program_id = ANY(%(ids)s)", program_condition="AND p.id = ANY(%(ids)s)", rank="0"
        )
        params = {"today": today, "ids": program_ids}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [
            Row(*row[:10], float(row[10]) if row[10] is not None else None, *row[11:16], list(row[16]), list(row[17]))
            for row in cursor.fetchall()
        ]


# --- the Tantivy index ---------------------------------------------------------------------------------


def cells_of(mask: int) -> list[int]:
    """The (weekday × 3 + part of day) cells set in a schedule mask (search.schedule)."""
    from search.schedule import cells_of as schedule_cells

    return schedule_cells(mask)


def days(day: date) -> int:
    return (day - EPOCH).days


def rating_key(row: Row) -> int:
    """Descending: rating (nulls last), rating count, then title and id ascending."""
    rating = 0 if row.rating is None else round(row.rating * 100) + 1
    return (
        (rating << 40) | (min(row.rating_count, (1 << 20) - 1) << RANK_BITS) | ((1 << RANK_BITS) - 1 - row.title_rank)
    )


def start_key(row: Row) -> int:
    """Ascending: the nearest open group's start (none last), then title and id."""
    start = NO_START if row.next_start is None else days(row.next_start)
    return (start << RANK_BITS) | row.title_rank


def analyzer():
    """The product's analyzer (search.engine): Russian stemming and stop words."""
    from search.engine import analyzer as engine_analyzer

    return engine_analyzer()


def schema():
    import tantivy

    builder = tantivy.SchemaBuilder()
    builder.add_unsigned_field("id", stored=True, indexed=True, fast=True)
    builder.add_text_field("title", stored=True, tokenizer_name=ANALYZER)
    builder.add_text_field("activity_type", tokenizer_name=ANALYZER)
    builder.add_text_field("description", tokenizer_name=ANALYZER)
    builder.add_text_field("direction", fast=True, tokenizer_name="raw")
    builder.add_unsigned_field("municipality", indexed=True, fast=True)
    builder.add_text_field("funding", fast=True, tokenizer_name="raw")
    builder.add_boolean_field("special_needs", indexed=True)
    builder.add_unsigned_field("age_min", indexed=True, fast=True)
    builder.add_unsigned_field("age_max", indexed=True, fast=True)
    builder.add_unsigned_field("cell", indexed=True)  # cells any open group meets in (schedule_mask)
    builder.add_unsigned_field("free_cell", indexed=True)  # cells an open group with a free seat meets in
    builder.add_boolean_field("free", indexed=True)  # some open group has a free seat
    builder.add_unsigned_field("start", indexed=True, fast=True)  # open groups' start dates, days since 1970
    builder.add_unsigned_field("title_rank", fast=True)
    builder.add_unsigned_field("rating_key", fast=True)
    builder.add_unsigned_field("start_key", fast=True)
    return builder.build()


def document(row: Row):
    import tantivy

    doc = tantivy.Document()
    doc.add_unsigned("id", row.id)
    doc.add_text("title", row.title)
    doc.add_text("activity_type", row.activity_type)
    doc.add_text("description", row.description)
    doc.add_text("direction", row.direction)
    doc.add_unsigned("municipality", row.municipality)
    doc.add_text("funding", row.funding)
    doc.add_boolean("special_needs", row.special_needs)
    doc.add_unsigned("age_min", row.age_min)
    doc.add_unsigned("age_max", row.age_max)
    for cell in cells_of(row.schedule_mask):
        doc.add_unsigned("cell", cell)
    for cell in sorted(set(row.free_cells)):
        doc.add_unsigned("free_cell", cell)
    doc.add_boolean("free", row.free)
    for start in sorted(set(row.starts)):
        doc.add_unsigned("start", days(start))
    doc.add_unsigned("title_rank", row.title_rank)
    doc.add_unsigned("rating_key", rating_key(row))
    doc.add_unsigned("start_key", start_key(row))
    return doc


@dataclass
class Engine:
    index: object
    schema: object
    path: str
    age_pairs: tuple[tuple[int, int], ...]  # distinct (age_min, age_max) of the indexed programs


def build_index(rows: list[Row], path: str, *, threads: int = 2) -> Engine:
    import tantivy

    index = tantivy.Index(schema(), path=path)
    index.register_tokenizer(ANALYZER, analyzer())
    writer = index.writer(heap_size=200_000_000, num_threads=threads)
    for row in rows:
        writer.add_document(document(row))
    writer.commit()
    writer.wait_merging_threads()
    index.reload()
    pairs = tuple(sorted({(row.age_min, row.age_max) for row in rows}))
    return Engine(index=index, schema=index.schema, path=path, age_pairs=pairs)


def index_size(path: str) -> int:
    return sum(f.stat().st_size for f in Path(path).rglob("*") if f.is_file())


# --- searching with Tantivy ----------------------------------------------------------------------------


@dataclass
class EngineResult:
    count: int
    ids: list[int]
    facets: dict[str, dict]


def birthday(birth_date: date, years: int) -> date:
    """The day a child born on `birth_date` turns `years` (29 February counts from 1 March: core.dates)."""
    try:
        return birth_date.replace(year=birth_date.year + years)
    except ValueError:
        return date(birth_date.year + years, 3, 1)


def filter_queries(engine: Engine, query, *, independent_groups: bool = False) -> tuple[list, dict[str, object]]:
    """The non-facet filters and the facet filters (direction, municipality, funding) of a CatalogQuery.
    `independent_groups` matches free seats and the schedule on any groups (not one group both)."""
    import tantivy
    from tantivy import FieldType, Occur, Query

    schema = engine.schema
    filters = []
    if query.age is not None:
        filters.append(Query.range_query(schema, "age_min", FieldType.Unsigned, upper_bound=query.age))
        filters.append(Query.range_query(schema, "age_max", FieldType.Unsigned, lower_bound=query.age))
    if query.birth_date is not None:
        # Some open group starts while the child is age_min…age_max: one range of start dates per
        # (age_min, age_max) pair, the program's ages being one pair for all its groups.
        clauses = []
        for low, high in engine.age_pairs:
            start_from, start_before = birthday(query.birth_date, low), birthday(query.birth_date, high + 1)
            clauses.append(
                (
                    Occur.Should,
                    Query.boolean_query(
                        [
                            (Occur.Must, Query.term_query(schema, "age_min", low)),
                            (Occur.Must, Query.term_query(schema, "age_max", high)),
                            (
                                Occur.Must,
                                Query.range_query(
                                    schema,
                                    "start",
                                    FieldType.Unsigned,
                                    lower_bound=max(days(start_from), 0),
                                    upper_bound=max(days(start_before), 0),
                                    include_upper=False,
                                ),
                            ),
                        ]
                    ),
                )
            )
        filters.append(Query.boolean_query(clauses) if clauses else Query.empty_query())
    if query.special_needs:
        filters.append(Query.term_query(schema, "special_needs", True))
    if query.weekdays or query.time_of_day:
        from search.schedule import schedule_bits

        cells = cells_of(schedule_bits(query.weekdays, query.time_of_day))
        both = query.free_seats and not independent_groups
        filters.append(Query.term_set_query(schema, "free_cell" if both else "cell", cells))
        if query.free_seats and independent_groups:
            filters.append(Query.term_query(schema, "free", True))
    elif query.free_seats:
        filters.append(Query.term_query(schema, "free", True))
    facet_filters: dict[str, tantivy.Query] = {}
    if query.directions:
        facet_filters["direction"] = Query.term_set_query(schema, "direction", list(query.directions))
    if query.municipalities:
        facet_filters["municipality"] = Query.term_set_query(schema, "municipality", list(query.municipalities))
    if query.fundings:
        facet_filters["funding"] = Query.term_set_query(schema, "funding", list(query.fundings))
    return filters, facet_filters


def text_query(engine: Engine, q: str):
    """The words as typed, stemmed, every one required, in title, activity type or description."""
    words = WORD.findall(q.lower())
    if not words:
        return None
    return engine.index.parse_query(
        " ".join(words), list(TEXT_FIELDS), field_boosts=BOOSTS, conjunction_by_default=True
    )


def plan_query(engine: Engine, plan):
    """The words our plan searches (search.words.WordsPlan), as the product's index reads them
    (search.engine: each word any of its alternatives, `stem:*` a prefix of the stemmed term, `a <-> b`
    a phrase; matched words counted first when some are optional or the plan is widened)."""
    from search.engine import _words_query

    return _words_query(engine, plan)


def combine(text, filters: list):
    """Text (scored) and filters (score 0, so that they leave the relevance order alone): search.engine's."""
    from search.engine import _combine

    return _combine(text, filters)


FACET_SIZES = {"direction": 100, "municipality": 10_000, "funding": 100}


def facet_counts(searcher, query, names: list[str]) -> dict[str, dict]:
    aggregation = {name: {"terms": {"field": name, "size": FACET_SIZES[name]}} for name in names}
    answer = searcher.aggregate(query, aggregation)
    return {name: {b["key"]: b["doc_count"] for b in answer[name]["buckets"]} for name in names}


def engine_search(engine: Engine, query, *, text=None, independent_groups: bool = False) -> EngineResult:
    """Count, first page and facet counts for a CatalogQuery; `text` overrides the text query."""
    from tantivy import Order

    searcher = engine.index.searcher()
    if text is None:
        text = text_query(engine, query.q)
    filters, facet_filters = filter_queries(engine, query, independent_groups=independent_groups)
    main = combine(text, filters + list(facet_filters.values()))
    if query.sort == "rating":
        found = searcher.search(main, PAGE_SIZE, count=True, order_by_field="rating_key", order=Order.Desc)
    elif query.sort == "start_date":
        found = searcher.search(main, PAGE_SIZE, count=True, order_by_field="start_key", order=Order.Asc)
    elif text is not None:
        found = searcher.search(main, PAGE_SIZE, count=True)
    else:
        found = searcher.search(main, PAGE_SIZE, count=True, order_by_field="title_rank", order=Order.Asc)
    ids = []
    for _, address in found.hits:
        doc = searcher.doc(address)
        ids.append(doc.get_first("id"))
        doc.get_first("title")  # what a result card shows
    # Each facet honours the other two facet filters, not its own (search.selectors._facets).
    plain = [name for name in FACET_SIZES if name not in facet_filters]
    facets = facet_counts(searcher, main, plain)
    for name in facet_filters:
        others = [f for other, f in facet_filters.items() if other != name]
        facets.update(facet_counts(searcher, combine(text, filters + others), [name]))
    return EngineResult(count=found.count, ids=ids, facets=facets)


# --- our core ----------------------------------------------------------------------------------------------


def catalog_query(query_string: str):
    """The validated CatalogQuery both engines start from (search.filters)."""
    from django.http import QueryDict

    from search.filters import CatalogFilter

    filterset = CatalogFilter(data=QueryDict(query_string))
    if not filterset.is_valid():
        raise SystemExit(f"invalid benchmark query {query_string!r}: {filterset.errors}")
    return filterset.catalog_query()


def postgres_search(query) -> EngineResult:
    """What the API computed before the search index (api/public/catalog.py): the search with its
    facets, the count from the facets (FacetedPagination) and the first page with its prefetches, all in
    PostgreSQL."""
    from django.conf import settings

    index_dir, settings.SEARCH_INDEX_DIR = settings.SEARCH_INDEX_DIR, ""
    try:
        return index_search(query)
    finally:
        settings.SEARCH_INDEX_DIR = index_dir


def index_core(query) -> int:
    """The index's part of catalog_search, what the Tantivy columns measure: the words plan, then count,
    facets and the first 20 ids from search.engine (no rows from PostgreSQL)."""
    from search.engine import engine_answer
    from search.selectors import _words

    plan = _words(query)
    answer = engine_answer(query, plan)
    if plan is not None and plan.can_widen and not answer.cells:
        answer = engine_answer(query, plan.widen())
    return len(answer.ids(0, PAGE_SIZE))


def index_search(query) -> EngineResult:
    """What the API computes now: catalog_search with the catalog's search index (search.engine) when
    built: the words plan, the index's count, facets and page ids, the page's rows from PostgreSQL."""
    from search.selectors import catalog_search

    results, facets = catalog_search(query)
    page = list(results[:PAGE_SIZE])
    return EngineResult(
        count=facets.total,
        ids=[p.pk for p in page],
        facets={"direction": facets.directions, "municipality": facets.municipalities, "funding": facets.fundings},
    )


def page_rows(ids: list[int]) -> list:
    """The result cards of a page by primary key, with what a card shows (catalog.selectors)."""
    from catalog.selectors import visible_programs

    by_id = {
        p.pk: p for p in visible_programs().filter(pk__in=ids).select_related("provider__municipality", "direction")
    }
    return [by_id[i] for i in ids if i in by_id]


def searched_words(query) -> str:
    """What our plan searches for the query's words (search.words), for the tables."""
    from search.words import words_plan

    plan = words_plan(query.q, exact=query.exact) if query.q else None
    if plan is None:
        return ""
    return " & ".join(("?" if w.optional else "") + w.tsquery for w in plan.words)


# --- measuring --------------------------------------------------------------------------------------------


def timed(function, *args, **kwargs):
    started = time.perf_counter()
    value = function(*args, **kwargs)
    return (time.perf_counter() - started) * 1000, value


@dataclass
class Measured:
    label: str
    query_string: str
    query: object
    plan: object = None
    results: dict[str, EngineResult] = field(default_factory=dict)
    times: dict[str, list[float]] = field(default_factory=dict)


def searched_plan(query):
    """The words plan the search uses (search.selectors: widened when no program has every word)."""
    from search.selectors import _words, catalog_base

    plan = _words(query)
    if plan is not None and plan.can_widen and not catalog_base(query, plan.filter).exists():
        plan = plan.widen()
    return plan


def measure_search(engine: Engine, queries: list[tuple[str, str]], runs: int, warmup: int) -> list[Measured]:
    from search.words import words_plan

    measured = []
    for label, qs in queries:
        query = catalog_query(qs)
        item = Measured(label, qs, query, plan=searched_plan(query) if query.q else None)
        measured.append(item)
    calls = {
        "tantivy": lambda m: engine_search(engine, m.query),
        "tantivy_plan": lambda m: engine_search(
            engine, m.query, text=plan_query(engine, m.plan) if m.plan is not None else None
        ),
        # The page's cards from PostgreSQL by the ids Tantivy found (if the index kept ids only).
        "rows": lambda m: page_rows(m.results["tantivy"].ids),
        # Reading the words (search.words: a vocabulary look-up in PostgreSQL), which the Tantivy
        # column of our words would still need; only text queries.
        "words": lambda m: words_plan(m.query.q, exact=m.query.exact) if m.query.q else None,
        "postgres": lambda m: postgres_search(m.query),
        # The product: catalog_search answered by search.engine's index (built at the start of the run).
        "index": lambda m: index_search(m.query),
        "index_core": lambda m: index_core(m.query),
        "core_page": lambda m: core_page(m.query_string),
    }
    for item in measured:
        item.times = {name: [] for name in calls}
    for round_number in range(warmup + runs):
        for item in measured:
            for name, call in calls.items():
                milliseconds, value = timed(call, item)
                if name == "words" and not item.query.q:
                    continue
                if round_number < warmup:
                    if name in ("tantivy", "tantivy_plan", "postgres", "index"):
                        item.results[name] = value
                    continue
                item.times[name].append(milliseconds)
        if round_number % 5 == 4 or round_number == warmup + runs - 1:
            print(f"  search round {round_number + 1}/{warmup + runs}", file=sys.stderr, flush=True)
    return measured


@dataclass
class Upkeep:
    single_ms: list[float] = field(default_factory=list)  # delete + add + commit, one program
    reload_ms: list[float] = field(default_factory=list)
    first_search_ms: list[float] = field(default_factory=list)
    batch_ms: list[float] = field(default_factory=list)  # delete + add of a batch, one commit
    batch_reload_ms: list[float] = field(default_factory=list)
    read_ms: list[float] = field(default_factory=list)  # one program's document read from PostgreSQL
    segments_after: int = 0
    size_after: int = 0
    steady_search_ms: list[float] = field(default_factory=list)


def measure_upkeep(engine: Engine, rows: list[Row], probe, *, updates: int, batch: int, today: date) -> Upkeep:
    """Keeping the index current: what the outbox consumer would do for a seat taken or freed (the
    program's document again, with its free-seat facts changed), one program per commit and a batch per
    commit, the reader reloaded after each and a search right after; the search again when settled."""
    upkeep = Upkeep()
    chooser = random.Random(14)
    writer = engine.index.writer(heap_size=50_000_000, num_threads=1)

    def changed(row: Row) -> Row:
        # A seat taken or given back: the free-seat facts flip (the worst case for the filters).
        free = not row.free
        return replace(row, free=free, free_cells=list(cells_of(row.schedule_mask)) if free else [])

    for _ in range(updates):
        row = changed(chooser.choice(rows))
        started = time.perf_counter()
        writer.delete_documents_by_term("id", row.id)
        writer.add_document(document(row))
        writer.commit()
        committed = time.perf_counter()
        engine.index.reload()
        reloaded = time.perf_counter()
        engine_search(engine, probe)
        searched = time.perf_counter()
        upkeep.single_ms.append((committed - started) * 1000)
        upkeep.reload_ms.append((reloaded - committed) * 1000)
        upkeep.first_search_ms.append((searched - reloaded) * 1000)
    for _ in range(5):
        chosen = [changed(r) for r in chooser.sample(rows, min(batch, len(rows)))]
        started = time.perf_counter()
        for row in chosen:
            writer.delete_documents_by_term("id", row.id)
            writer.add_document(document(row))
        writer.commit()
        committed = time.perf_counter()
        engine.index.reload()
        upkeep.batch_ms.append((committed - started) * 1000)
        upkeep.batch_reload_ms.append((time.perf_counter() - committed) * 1000)
    upkeep.segments_after = engine.index.searcher().num_segments
    upkeep.size_after = index_size(engine.path)
    for _ in range(20):
        upkeep.steady_search_ms.append(timed(engine_search, engine, probe)[0])
    for _ in range(50):
        upkeep.read_ms.append(timed(read_documents, today, [chooser.choice(rows).id])[0])
    writer.wait_merging_threads()
    return upkeep


# --- the report ------------------------------------------------------------------------------------------


def overlap(a: list[int], b: list[int]) -> str:
    if a == b:
        return "same"
    return f"{len(set(a) & set(b))}/{max(len(a), len(b))}"


def facets_agree(a: EngineResult, b: EngineResult) -> bool:
    def clean(facets):
        return {name: {str(k): v for k, v in counts.items() if v} for name, counts in facets.items()}

    return clean(a.facets) == clean(b.facets)


def search_table(measured: list[Measured]) -> tuple[list[str], dict[str, float]]:
    lines = [
        "| # | kind | query | PostgreSQL results | index results | Tantivy results | Tantivy, our words | our words | "
        "PostgreSQL p50 | p95 | index p50 | p95 | core_page p50 | Tantivy p50 | p95 | PostgreSQL / Tantivy (p50) | "
        "index / Tantivy (p50) | first 20 | facets |",
        "|---:|---|---|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    for number, m in enumerate(measured, 1):
        pg, tv, tp = m.results["postgres"], m.results["tantivy"], m.results["tantivy_plan"]
        ix = m.results["index"]
        words = searched_words(m.query).replace("|", "\\|")
        lines.append(
            f"| {number} | {m.label} | `{m.query_string or '(empty)'}` | {pg.count} | {ix.count} | {tv.count} "
            f"| {tp.count} | {f'`{words}`' if words else ''} "
            f"| {p50(m.times['postgres']):.1f} | {p95(m.times['postgres']):.1f} "
            f"| {p50(m.times['index']):.1f} | {p95(m.times['index']):.1f} | {p50(m.times['core_page']):.1f} "
            f"| {p50(m.times['tantivy']):.2f} | {p95(m.times['tantivy']):.2f} "
            f"| {p50(m.times['postgres']) / p50(m.times['tantivy']):.0f}× "
            f"| {p50(m.times['index']) / p50(m.times['tantivy']):.1f}× "
            f"| {overlap(pg.ids, tv.ids if not m.query.q else tp.ids)} "
            f"| {'same' if facets_agree(pg, tv if not m.query.q else tp) else 'differ'} |"
        )
    every = {name: [t for m in measured for t in m.times[name]] for name in measured[0].times}
    overall = {
        f"{name}_{stat}": f(values) for name, values in every.items() for stat, f in (("p50", p50), ("p95", p95))
    }
    lines.append(
        f"| | **all** | {len(measured)} queries × {len(every['tantivy']) // len(measured)} | | | | | "
        f"| **{overall['postgres_p50']:.1f}** | **{overall['postgres_p95']:.1f}** "
        f"| **{overall['index_p50']:.1f}** | **{overall['index_p95']:.1f}** | {overall['core_page_p50']:.1f} "
        f"| **{overall['tantivy_p50']:.2f}** | **{overall['tantivy_p95']:.2f}** "
        f"| **{overall['postgres_p50'] / overall['tantivy_p50']:.0f}×** (p95 "
        f"{overall['postgres_p95'] / overall['tantivy_p95']:.0f}×) "
        f"| **{overall['index_p50'] / overall['tantivy_p50']:.1f}×** (p95 "
        f"{overall['index_p95'] / overall['tantivy_p95']:.1f}×) | | |"
    )
    return lines, overall


def group_table(engine: Engine, rows: list[Row], checks: list[str], runs: int) -> list[str]:
    # Where the two representations can differ at all: a program whose open groups with a free seat
    # meet in fewer cells than all its open groups do (some group meeting then is full).
    split = sum(1 for r in rows if r.free and set(r.free_cells) != set(cells_of(r.schedule_mask)))
    with_free = sum(1 for r in rows if r.free)
    lines = [
        f"Programs with an open group with a free seat: {with_free} of {len(rows)}; of these, {split} have "
        "a (weekday, part of day) in which only full groups meet: only those can match «free seats» with a "
        "schedule filter wrongly when the group facts are independent fields. The birth date is "
        f"{len(engine.age_pairs)} clauses, one per (age_min, age_max) pair of the indexed programs.",
        "",
        "| query | PostgreSQL | Tantivy, one group meets both (chosen) | Tantivy, any groups (independent fields) "
        "| PostgreSQL p50, ms | Tantivy p50, ms |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for qs in checks:
        query = catalog_query(qs)
        pg = postgres_search(query).count
        exact = engine_search(engine, query).count
        loose = engine_search(engine, query, independent_groups=True).count
        pg_ms = [timed(postgres_search, query)[0] for _ in range(runs)]
        engine_ms = [timed(engine_search, engine, query)[0] for _ in range(runs)]
        lines.append(f"| `{qs}` | {pg} | {exact} | {loose} | {p50(pg_ms):.1f} | {p50(engine_ms):.2f} |")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--database", default=FULL_DATABASE, help=f"a loaded catalog database (default {FULL_DATABASE})"
    )
    parser.add_argument("--runs", type=int, default=20, help="timed repetitions of every query (default 20)")
    parser.add_argument("--warmup", type=int, default=3, help="untimed rounds first (default 3)")
    parser.add_argument(
        "--updates", type=int, default=200, help="single-program updates, one commit each (default 200)"
    )
    parser.add_argument("--batch", type=int, default=100, help="programs per commit in the batch updates (default 100)")
    parser.add_argument("--threads", type=int, default=2, help="tantivy writer threads for the build (default 2)")
    parser.add_argument("--no-docs", action="store_true", help=f"do not write {DOCS.relative_to(ROOT)}")
    args = parser.parse_args()
    if args.runs < 2:
        parser.error("--runs must be at least 2")

    started = time.time()
    os.environ["DJANGO_SETTINGS_MODULE"] = SETTINGS
    os.environ["BENCH_DATABASE_NAME"] = args.database
    os.environ["BENCH_CACHE_PREFIX"] = f"navigator-bench-engine-{os.getpid()}-{int(started)}"
    import django

    django.setup()
    import tantivy
    from django.conf import settings
    from django.db import connection
    from django.utils import timezone

    from catalog.models import Municipality

    assert not settings.DEBUG and connection.settings_dict["NAME"] == args.database
    machine_line = machine(with_load=True)
    print(f"# Search engine benchmark, {date.today()}\n# machine: {machine_line}", flush=True)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT count(*) FROM catalog_program), (SELECT count(*) FROM catalog_group), "
            "current_setting('server_version')"
        )
        programs, groups, version = cursor.fetchone()
    plavsk = Municipality.objects.get(name=MUNICIPALITY).pk
    queries = [(label, qs.format(plavsk=plavsk)) for label, qs in QUERIES]
    today = timezone.localdate()

    read_seconds, rows = timed(read_documents, today)
    read_seconds /= 1000
    directory = tempfile.mkdtemp(prefix="navigator-tantivy-")
    # A commit syncs its files: what it costs depends on what the directory is on.
    filesystem = subprocess.run(["stat", "-f", "-c", "%T", directory], capture_output=True, text=True).stdout.strip()
    try:
        build_ms, engine = timed(build_index, rows, directory, threads=args.threads)
        # The product's index (search.engine, bench.settings' SEARCH_INDEX_DIR), which catalog_search uses.
        from search.engine import index_rebuild

        product_ms, product_documents = timed(index_rebuild)
        print(f"# search.engine index: {product_documents} programs in {product_ms / 1000:.1f} s", flush=True)
        size = index_size(directory)
        documents = engine.index.searcher().num_docs
        print(
            f"# {args.database}: {programs} programs ({len(rows)} listed), {groups} groups; read {read_seconds:.1f} s, "
            f"index built in {build_ms / 1000:.1f} s, {size / 2**20:.1f} MiB, {documents} documents",
            flush=True,
        )
        print(f"# search: {len(queries)} queries × {args.runs} runs after {args.warmup} warm-up rounds", flush=True)
        measured = measure_search(engine, queries, args.runs, args.warmup)
        groups_lines = group_table(engine, rows, [qs.format(plavsk=plavsk) for qs in GROUP_CHECKS], args.runs)
        print(f"# upkeep: {args.updates} single updates, 5 batches of {args.batch}", flush=True)
        probe = catalog_query("q=футбол")
        upkeep = measure_upkeep(engine, rows, probe, updates=args.updates, batch=args.batch, today=today)
    finally:
        shutil.rmtree(directory, ignore_errors=True)

    table, overall = search_table(measured)
    steady = [t for m in measured if m.query_string == "q=футбол" for t in m.times["tantivy"]]
    lines = [
        f"- **Date**: {date.today():%d %B %Y}",
        f"- **Machine**: {machine_line}",
        f"- **Database**: `{args.database}` ({programs} programs, {groups} groups; PostgreSQL {version}), embedded "
        "PostgreSQL on a Unix socket; the same listed programs in both engines.",
        f"- **Tantivy**: the `tantivy` Python binding {metadata.version('tantivy')} ({tantivy.__version__}), index in a temporary directory ({filesystem}), built with {args.threads} writer threads.",
        f"- **Command**: `{' '.join(['.venv/bin/python', 'bench/search_engine.py', *sys.argv[1:]])}`",
        "",
        "### Index",
        "",
        "| documents | read from PostgreSQL | build (add + commit + merges) | size on disk |",
        "|---:|---:|---:|---:|",
        f"| {documents} | {read_seconds:.1f} s | {build_ms / 1000:.1f} s | {size / 2**20:.1f} MiB |",
        "",
        f"The product's index (search.engine, `manage.py search_index_rebuild`: read, build, swap): "
        f"{product_documents} programs in {product_ms / 1000:.1f} s. *index* below is `catalog_search` "
        "answered by it: the words plan (PostgreSQL), count, facets and the page's ids (Tantivy), the "
        "page's 20 programs (PostgreSQL).",
        "",
        "### Search: count + first 20 + three facet counts, ms",
        "",
        f"{args.warmup} warm-up rounds, then {args.runs} interleaved rounds of every query on every side, in "
        "process. *PostgreSQL*: `catalog_search(CatalogQuery)` as the API uses it (facets, the count from "
        "the facets, the first page of 20 with its prefetches); *core_page*: bench/catalog_search.py's "
        "(parameters through CatalogFilter, one more COUNT). *Tantivy*: the same CatalogQuery, the words as "
        "typed (stemmed, every word required; BM25 with title 1.0, activity type 0.4, description 0.2), "
        "the first 20 as stored documents (id, title), three `terms` aggregations; a facet whose filter is "
        "active is counted in a query without it. *Tantivy, our words*: given what our plan searches "
        "(column *our words*: `?` optional, `:*` a prefix of the stem); its first 20 and facets are the "
        "ones compared for text queries. *first 20*: the ids against ours (`same`: the same order; for "
        "relevance, ts_rank and BM25 order differently).",
        "",
        *table,
        "",
        "### Group-level matching (counts; p50 of the runs, one query at a time)",
        "",
        "One document per program. *Chosen*: `free_cell` holds the cells of the open groups with a free "
        "seat, so «free seats» with a weekday or time of day needs one group meeting both, as our core "
        "(the birth date: a range over open groups' `start` per (age_min, age_max) pair). *Independent*: "
        "`free` and `cell` on their own, as plain multi-valued fields would be.",
        "",
        *groups_lines,
        "",
        "### Keeping the index in step, ms",
        "",
        "| operation | p50 | p95 |",
        "|---|---:|---:|",
        f"| one program: delete_documents_by_term + add_document + commit ({len(upkeep.single_ms)} updates) "
        f"| {p50(upkeep.single_ms):.1f} | {p95(upkeep.single_ms):.1f} |",
        f"| reader reload after it (`index.reload()`) | {p50(upkeep.reload_ms):.2f} | {p95(upkeep.reload_ms):.2f} |",
        f"| first search after the reload (`q=футбол`, count + 20 + facets) "
        f"| {p50(upkeep.first_search_ms):.2f} | {p95(upkeep.first_search_ms):.2f} |",
        f"| the same search, settled after the updates | {p50(upkeep.steady_search_ms):.2f} "
        f"| {p95(upkeep.steady_search_ms):.2f} |",
        f"| the same search before any update (the rounds above) | {p50(steady):.2f} | {p95(steady):.2f} |",
        f"| {args.batch} programs, one commit ({len(upkeep.batch_ms)} batches) | {p50(upkeep.batch_ms):.1f} "
        f"| {p95(upkeep.batch_ms):.1f} |",
        f"| reader reload after a batch | {p50(upkeep.batch_reload_ms):.2f} | {p95(upkeep.batch_reload_ms):.2f} |",
        f"| one program's document read from PostgreSQL ({len(upkeep.read_ms)} reads) | {p50(upkeep.read_ms):.1f} "
        f"| {p95(upkeep.read_ms):.1f} |",
        "",
        f"After the updates: {upkeep.segments_after} segments, {upkeep.size_after / 2**20:.1f} MiB.",
        "",
        "### Summary",
        "",
        "| | p50 | p95 |",
        "|---|---:|---:|",
        f"| PostgreSQL core (API's computation), all queries | {overall['postgres_p50']:.1f} ms "
        f"| {overall['postgres_p95']:.1f} ms |",
        f"| **catalog_search with the search index (search.engine), all queries** | **{overall['index_p50']:.1f} ms** "
        f"| **{overall['index_p95']:.1f} ms** |",
        f"| search.engine's part of it: words plan, count, facets, first 20 ids | {overall['index_core_p50']:.1f} ms "
        f"| {overall['index_core_p95']:.1f} ms |",
        f"| core_page (bench/catalog_search.py, with the index), all queries | {overall['core_page_p50']:.1f} ms "
        f"| {overall['core_page_p95']:.1f} ms |",
        f"| Tantivy, words as typed, all queries | {overall['tantivy_p50']:.2f} ms | {overall['tantivy_p95']:.2f} ms |",
        f"| Tantivy, our words, all queries | {overall['tantivy_plan_p50']:.2f} ms "
        f"| {overall['tantivy_plan_p95']:.2f} ms |",
        f"| the page's 20 rows from PostgreSQL by Tantivy's ids | {overall['rows_p50']:.1f} ms "
        f"| {overall['rows_p95']:.1f} ms |",
        f"| reading the words (search.words, PostgreSQL), text queries | {overall['words_p50']:.1f} ms "
        f"| {overall['words_p95']:.1f} ms |",
        f"| PostgreSQL / Tantivy | {overall['postgres_p50'] / overall['tantivy_p50']:.0f}× "
        f"| {overall['postgres_p95'] / overall['tantivy_p95']:.0f}× |",
        f"| search.engine's part / Tantivy | {overall['index_core_p50'] / overall['tantivy_p50']:.1f}× "
        f"| {overall['index_core_p95'] / overall['tantivy_p95']:.1f}× |",
        f"| catalog_search with the index / Tantivy | {overall['index_p50'] / overall['tantivy_p50']:.1f}× "
        f"| {overall['index_p95'] / overall['tantivy_p95']:.1f}× |",
        f"| PostgreSQL core / catalog_search with the index | {overall['postgres_p50'] / overall['index_p50']:.1f}× "
        f"| {overall['postgres_p95'] / overall['index_p95']:.1f}× |",
        f"| one program kept in step (commit + reload) | {p50(upkeep.single_ms) + p50(upkeep.reload_ms):.1f} ms "
        f"| {p95(upkeep.single_ms) + p95(upkeep.reload_ms):.1f} ms |",
        "",
        f"Wall clock of the run: {(time.time() - started) / 60:.1f} min.",
        "",
    ]
    block = "\n".join(lines)
    print("\n" + block)
    if not args.no_docs and args.database == FULL_DATABASE:  # docs keep the full-scale figures only
        write_generated_block(script="bench/search_engine.py", section=SECTION, block=block)
        print(f"# written to {DOCS.relative_to(ROOT)}", file=sys.stderr)


if __name__ == "__main__":
    main()
