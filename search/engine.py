"""The catalog's embedded search engine: a Tantivy index of the listed programs, kept in step through
the outbox, answering the catalog's count, facets and page ids (docs/benchmarks.md, «Search engine»:
the same 15 queries take p50 26.7 ms in our PostgreSQL core and about 4 ms here).

PostgreSQL stays the record: the index holds what the search filters, sorts and counts by, and the
page's programs are read from PostgreSQL by the ids the index returns. search.selectors uses the index
when one is built (SEARCH_INDEX_DIR set and built by `manage.py search_index_rebuild`), for every sort
but distance, and falls back to its own SQL otherwise.

Kept in step: database triggers (search/migrations/sql/0002_catalog_index_feed.sql) write an outbox
message `search.index_programs` in the transaction of every change of a program's searched columns
and of its groups' free seats, once the feed is switched on (CatalogIndexFeed, by the first build).
The task rewrites those programs' documents; the nightly rebuild covers what no trigger sees (a
direction's code) and compacts. Writers take one PostgreSQL advisory lock, so one writes at a time and
each reads the programs after the previous one committed.

Directory layout: SEARCH_INDEX_DIR/current is a symbolic link to the build in use; a rebuild writes
a new build beside it and swaps the link at once, and each process reopens the index when the link
moves or reloads it when the build's meta.json changes.
"""

from __future__ import annotations

import functools
import logging
import os
import re
import shutil
import threading
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from core.outbox import outbox_merge_id_lists
from search.child import nth_birthday
from search.schedule import cells_of, schedule_bits

logger = logging.getLogger("search.engine")

SCHEMA_VERSION = 1
ANALYZER = "ru_stem"
TEXT_FIELDS = ("title", "activity_type", "description")
# ts_rank's default weights of the A (title), B (activity type) and C (description) parts of
# catalog_program.search_vector (catalog/migrations/sql/0003_search.sql), as field boosts.
BOOSTS = {"title": 1.0, "activity_type": 0.4, "description": 0.2}
EPOCH = date(1970, 1, 1)
# The score of one matched word when matched words are counted (far above a BM25 text score).
WORD_MATCHED = 1000.0
# Facet buckets: direction × municipality × funding, rolled up as search.selectors does.
FACET_BUCKETS = 100_000
# pg_advisory_lock key of the index writer ("search" in ASCII).
WRITER_LOCK = 0x736561726368
WRITER_HEAP = 50_000_000
KEEP_BUILDS = 2  # the build in use and the one before it (a process may still read it)
INDEX_TASK = "search.index_programs"
# The messages of one busy moment (opening day, the nightly refresh) go out as one task.
outbox_merge_id_lists(INDEX_TASK)

# One row per listed program: its searched columns, the open groups' start days (from the kept
# multirange) and the cells of its open groups with a seat left (from GroupFreeSeats).
DOCUMENTS_SQL = """
SELECT p.id, p.title, p.activity_type, p.description, d.code, p.municipality_id, p.funding,
       p.special_needs, p.age_min, p.age_max, p.rating, p.rating_count, p.next_start, p.schedule_mask,
       ARRAY(SELECT day::date FROM unnest(p.open_starts) r,
                    generate_series(lower(r), upper(r) - 1, interval '1 day') day),
       f.free_bits
  FROM catalog_program p
  JOIN catalog_direction d ON d.id = p.direction_id
  LEFT JOIN LATERAL (SELECT bit_or(free_bits) AS free_bits FROM search_groupfreeseats g
                      WHERE g.program_id = p.id) f ON true
 WHERE p.listed {condition}
"""


@dataclass(frozen=True)
class ProgramDocument:
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
    starts: tuple[date, ...]
    free_bits: int | None  # bit_or of the program's GroupFreeSeats rows; None: no group with a seat


def read_documents(program_ids: list[int] | None = None) -> list[ProgramDocument]:
    """Every listed program's document, or those of the listed programs among `program_ids`."""
    condition, params = ("", []) if program_ids is None else ("AND p.id = ANY(%s)", [list(program_ids)])
    with connection.cursor() as cursor:
        cursor.execute(DOCUMENTS_SQL.format(condition=condition), params)
        return [
            ProgramDocument(
                *row[:10],
                float(row[10]) if row[10] is not None else None,
                row[11],
                row[12],
                row[13],
                tuple(row[14]),
                row[15],
            )
            for row in cursor.fetchall()
        ]


# --- schema and documents ------------------------------------------------------------------------------


@functools.cache
def analyzer():
    """Russian stemming and stop words; one per process (the reader registers it, and every text query
    reads its words through it)."""
    import tantivy

    return (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
        .filter(tantivy.Filter.remove_long(40))
        .filter(tantivy.Filter.lowercase())
        .filter(tantivy.Filter.stopword("russian"))
        .filter(tantivy.Filter.stemmer("russian"))
        .build()
    )


def schema():
    import tantivy

    builder = tantivy.SchemaBuilder()
    builder.add_unsigned_field("id", stored=True, indexed=True, fast=True)
    for name in TEXT_FIELDS:
        builder.add_text_field(name, tokenizer_name=ANALYZER)
    builder.add_text_field("direction", fast=True, tokenizer_name="raw")
    builder.add_unsigned_field("municipality", indexed=True, fast=True)
    builder.add_text_field("funding", fast=True, tokenizer_name="raw")
    builder.add_text_field("facet_cell", fast=True, tokenizer_name="raw")  # direction|municipality|funding
    builder.add_boolean_field("special_needs", indexed=True)
    builder.add_unsigned_field("age_min", indexed=True, fast=True)
    builder.add_unsigned_field("age_max", indexed=True, fast=True)
    builder.add_unsigned_field("cell", indexed=True)  # cells an open group meets in (schedule_mask)
    builder.add_unsigned_field("free_cell", indexed=True)  # cells an open group with a seat left meets in
    builder.add_boolean_field("free", indexed=True)  # an open group has a seat left
    builder.add_unsigned_field("start", indexed=True)  # open groups' start days since 1970
    # Sort keys, ascending as text: PostgreSQL's ORDER BY in search.selectors under the C collation.
    builder.add_text_field("title_key", fast=True, tokenizer_name="raw")
    builder.add_text_field("rating_key", fast=True, tokenizer_name="raw")
    builder.add_text_field("start_key", fast=True, tokenizer_name="raw")
    return builder.build()


def _days(day: date) -> int:
    return (day - EPOCH).days


def title_key(title: str, pk: int) -> str:
    """ORDER BY title, pk (code point order: the catalog's database collates as C.UTF-8)."""
    return f"{title}\x01{pk:012d}"


def rating_key(doc: ProgramDocument) -> str:
    """ORDER BY rating DESC NULLS LAST, rating_count DESC, title, pk."""
    rating = 999 if doc.rating is None else 500 - round(doc.rating * 100)
    return f"{rating:04d}{9_999_999 - min(doc.rating_count, 9_999_999):07d}{title_key(doc.title, doc.id)}"


def start_key(doc: ProgramDocument) -> str:
    """ORDER BY next_start NULLS LAST, title, pk."""
    start = 999_999 if doc.next_start is None else _days(doc.next_start)
    return f"{start:06d}{title_key(doc.title, doc.id)}"


def document(doc: ProgramDocument):
    import tantivy

    d = tantivy.Document()
    d.add_unsigned("id", doc.id)
    d.add_text("title", doc.title)
    d.add_text("activity_type", doc.activity_type)
    d.add_text("description", doc.description)
    d.add_text("direction", doc.direction)
    d.add_unsigned("municipality", doc.municipality)
    d.add_text("funding", doc.funding)
    d.add_text("facet_cell", f"{doc.direction}|{doc.municipality}|{doc.funding}")
    d.add_boolean("special_needs", doc.special_needs)
    d.add_unsigned("age_min", doc.age_min)
    d.add_unsigned("age_max", doc.age_max)
    for cell in cells_of(doc.schedule_mask):
        d.add_unsigned("cell", cell)
    for cell in cells_of(doc.free_bits or 0):
        d.add_unsigned("free_cell", cell)
    d.add_boolean("free", doc.free_bits is not None)
    for start in sorted(set(doc.starts)):
        d.add_unsigned("start", max(_days(start), 0))
    d.add_text("title_key", title_key(doc.title, doc.id))
    d.add_text("rating_key", rating_key(doc))
    d.add_text("start_key", start_key(doc))
    return d


# --- the index on disk ---------------------------------------------------------------------------------


def index_root() -> Path | None:
    root = getattr(settings, "SEARCH_INDEX_DIR", "")
    return Path(root) / f"v{SCHEMA_VERSION}" if root else None


class CatalogIndex:
    """This process's reader of the index in use (thread-safe): reopened when a rebuild moved the link,
    reloaded when a writer committed."""

    def __init__(self, root: Path):
        self.root = root
        self._lock = threading.Lock()
        self._build: Path | None = None
        self._meta_mtime = 0
        self._index = None
        self.age_pairs: tuple[tuple[int, int], ...] = ()

    def searcher(self):
        """The index's current searcher, or None when no index is built."""
        try:
            build = (self.root / "current").resolve(strict=True)
            meta_mtime = (build / "meta.json").stat().st_mtime_ns
        except (FileNotFoundError, NotADirectoryError):
            return None
        with self._lock:
            if build != self._build:
                index = _opened(build)
                self._index, self._build, self._meta_mtime = index, build, meta_mtime
                self.age_pairs = _read_age_pairs(build)
            elif meta_mtime != self._meta_mtime:
                self._index.reload()
                self._meta_mtime = meta_mtime
                self.age_pairs = _read_age_pairs(build)
            return self._index.searcher()

    @property
    def schema(self):
        return self._index.schema


def _opened(build: Path, new_schema=None):
    """The index in a build directory (a new one with `new_schema`), with its analyzer registered."""
    import tantivy

    index = tantivy.Index(new_schema, path=str(build)) if new_schema is not None else tantivy.Index.open(str(build))
    index.register_tokenizer(ANALYZER, analyzer())
    return index


def _read_age_pairs(build: Path) -> tuple[tuple[int, int], ...]:
    """The distinct (age_min, age_max) of the indexed programs, written beside the index by the writers
    (the birth-date filter asks one range of start days per pair)."""
    try:
        text = (build / "age_pairs.txt").read_text()
    except FileNotFoundError:
        return ()
    return tuple(tuple(int(n) for n in line.split()) for line in text.splitlines() if line.strip())


def index_built() -> bool:
    root = index_root()
    return root is not None and (root / "current").exists()


_readers: dict[Path, CatalogIndex] = {}
_readers_lock = threading.Lock()


def catalog_index() -> CatalogIndex | None:
    """This process's reader of SEARCH_INDEX_DIR's index, or None when none is configured."""
    root = index_root()
    if root is None:
        return None
    with _readers_lock:
        reader = _readers.get(root)
        if reader is None:
            reader = _readers[root] = CatalogIndex(root)
    return reader


# --- searching ---------------------------------------------------------------------------------------------


@dataclass
class EngineAnswer:
    """What the index answered for a query: the facet rows (direction, municipality, funding, n) for
    the facet roll-up, and the query that pages through the results."""

    cells: list[tuple[str, int, str, int]]
    searcher: object
    paged: object
    sort: str
    scored: bool

    def ids(self, offset: int, limit: int) -> list[int]:
        """The ids of results offset…offset+limit in the query's order."""
        from tantivy import Order

        if limit <= 0:
            return []
        options = {"limit": limit, "offset": offset, "count": False}
        if not self.scored:
            options.update(order_by_field=f"{self.sort}_key", order=Order.Asc)
        found = self.searcher.search(self.paged, **options)
        return [self.searcher.doc(address).get_first("id") for _, address in found.hits]


def _filters(index: CatalogIndex, query) -> list:
    """The query's non-facet filters, as search.selectors._without_facet_filters reads them."""
    from tantivy import FieldType, Occur, Query

    schema = index.schema
    filters = []
    if query.age is not None:
        filters.append(Query.range_query(schema, "age_min", FieldType.Unsigned, upper_bound=query.age))
        filters.append(Query.range_query(schema, "age_max", FieldType.Unsigned, lower_bound=query.age))
    if query.birth_date is not None:
        # search.child.fits_child: an open group starts on or after the age_min-th birthday and before
        # the (age_max + 1)-th; the ages are the program's, one range of start days per pair.
        clauses = []
        for low, high in index.age_pairs:
            first = max(_days(nth_birthday(query.birth_date, low)), 0)
            before = max(_days(nth_birthday(query.birth_date, high + 1)), 0)
            pair = [
                (Occur.Must, Query.term_query(schema, "age_min", low)),
                (Occur.Must, Query.term_query(schema, "age_max", high)),
                (
                    Occur.Must,
                    Query.range_query(
                        schema, "start", FieldType.Unsigned, lower_bound=first, upper_bound=before, include_upper=False
                    ),
                ),
            ]
            clauses.append((Occur.Should, Query.boolean_query(pair)))
        filters.append(Query.boolean_query(clauses) if clauses else Query.empty_query())
    if query.special_needs:
        filters.append(Query.term_query(schema, "special_needs", True))
    if query.weekdays or query.time_of_day:
        cells = cells_of(schedule_bits(query.weekdays, query.time_of_day))
        # With free seats, one group both meets then and has a seat (search.selectors._free_seats).
        filters.append(Query.term_set_query(schema, "free_cell" if query.free_seats else "cell", cells))
    elif query.free_seats:
        filters.append(Query.term_query(schema, "free", True))
    return filters


def _facet_filters(index: CatalogIndex, query) -> list:
    from tantivy import Query

    schema, filters = index.schema, []
    if query.directions:
        filters.append(Query.term_set_query(schema, "direction", list(query.directions)))
    if query.municipalities:
        filters.append(Query.term_set_query(schema, "municipality", list(query.municipalities)))
    if query.fundings:
        filters.append(Query.term_set_query(schema, "funding", list(query.fundings)))
    return filters


def _words_query(index: CatalogIndex, plan):
    """search.words' plan in the index: each word any of its alternatives (`stem:*` a prefix of the
    stemmed word, `a <-> b` a phrase), in the title, activity type or description; every required word
    (any, when widened), the optional ones for the rank."""
    from tantivy import Occur, Query

    schema, tokenizer = index.schema, analyzer()

    def field_query(name: str, alternative: str):
        parts = [p.strip() for p in alternative.split("<->")]
        if len(parts) == 1 and parts[0].endswith(":*"):
            stems = tokenizer.analyze(parts[0][:-2])
            return Query.regex_query(schema, name, re.escape(stems[0]) + ".*") if stems else None
        terms = [t for p in parts for t in tokenizer.analyze(p.removesuffix(":*"))]
        if not terms:
            return None
        return Query.term_query(schema, name, terms[0]) if len(terms) == 1 else Query.phrase_query(schema, name, terms)

    def operand(alternative: str):
        clauses = [
            (Occur.Should, Query.boost_query(q, BOOSTS[name]))
            for name in TEXT_FIELDS
            if (q := field_query(name, alternative)) is not None
        ]
        return Query.boolean_query(clauses) if clauses else None

    # As search.words.WordsPlan.rank: with optional words or widened, the number of the query's words a
    # program has comes first (each matched word scores far above any text score), then the text score.
    counted = plan.widened or any(word.optional for word in plan.words)
    words = []
    for word in plan.words:
        alternatives = [q for q in (operand(a) for a in word.alternatives) if q is not None]
        if alternatives:
            matched = Query.boolean_query([(Occur.Should, q) for q in alternatives])
            if counted:
                matched = Query.boolean_query(
                    [(Occur.Should, Query.const_score_query(matched, WORD_MATCHED)), (Occur.Should, matched)]
                )
            words.append((word.optional, matched))
    required = [q for optional, q in words if not optional]
    optional = [q for is_optional, q in words if is_optional]
    if not words:
        return Query.empty_query()
    if not required or plan.widened:
        return Query.boolean_query([(Occur.Should, q) for q in required + optional])
    return Query.boolean_query([(Occur.Must, q) for q in required] + [(Occur.Should, q) for q in optional])


def _combine(text, filters: list):
    """Text (scored) and filters (scoring nothing, so that they leave the relevance order alone)."""
    from tantivy import Occur, Query

    clauses = [(Occur.Must, text)] if text is not None else []
    clauses += [(Occur.Must, Query.const_score_query(f, 0.0)) for f in filters]
    return Query.boolean_query(clauses) if clauses else Query.all_query()


def engine_answer(query, plan) -> EngineAnswer | None:
    """The index's answer for a CatalogQuery and its words plan (None without text), or None when no
    index is built or it cannot be read (logged: PostgreSQL answers meanwhile)."""
    index = catalog_index()
    if index is None:
        return None
    try:
        return _answer(index, query, plan)
    except Exception:  # a broken or half-copied index must not take the catalog down
        logger.exception("the catalog's search index could not answer; searching in PostgreSQL")
        return None


def _answer(index: CatalogIndex, query, plan) -> EngineAnswer | None:
    searcher = index.searcher()
    if searcher is None:
        return None
    text = _words_query(index, plan) if plan is not None else None
    filters = _filters(index, query)
    base = _combine(text, filters)
    buckets = searcher.aggregate(base, {"cells": {"terms": {"field": "facet_cell", "size": FACET_BUCKETS}}})
    cells = []
    for bucket in buckets["cells"]["buckets"]:
        direction, municipality, funding = bucket["key"].split("|")
        cells.append((direction, int(municipality), funding, int(bucket["doc_count"])))
    paged = _combine(text, filters + _facet_filters(index, query))
    sort = {"rating": "rating", "start_date": "start"}.get(query.sort, "title")
    return EngineAnswer(
        cells=cells, searcher=searcher, paged=paged, sort=sort, scored=text is not None and query.sort == "relevance"
    )


# --- writing ------------------------------------------------------------------------------------------------


class _WriterLock:
    """pg_advisory_lock around a writer: one writes at a time, and each reads the programs after the
    previous one's commit (a session lock, held outside any transaction)."""

    def __enter__(self):
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [WRITER_LOCK])

    def __exit__(self, *exc):
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [WRITER_LOCK])


def _write_age_pairs(build: Path, pairs: set[tuple[int, int]]) -> None:
    temporary = build / "age_pairs.txt.new"
    temporary.write_text("".join(f"{low} {high}\n" for low, high in sorted(pairs)))
    temporary.replace(build / "age_pairs.txt")


def index_rebuild() -> int:
    """Build the index of every listed program in a new directory and put it in use; switch the feed on
    (the triggers' outbox messages) in the same step. Returns the number of programs indexed."""
    root = index_root()
    if root is None:
        raise RuntimeError("SEARCH_INDEX_DIR is not set")
    root.mkdir(parents=True, exist_ok=True)
    with _WriterLock():
        # The feed is on before the read: a change committed after it is both in the outbox and, maybe,
        # in this build; the message rewrites the same document.
        _switch_feed_on()
        documents = read_documents()
        build = root / f"build-{timezone.now():%Y%m%d%H%M%S%f}"
        build.mkdir()
        index = _opened(build, schema())
        writer = index.writer(heap_size=WRITER_HEAP * 4, num_threads=1)
        for doc in documents:
            writer.add_document(document(doc))
        writer.commit()
        writer.wait_merging_threads()
        _write_age_pairs(build, {(d.age_min, d.age_max) for d in documents})
        link = root / f"current.{os.getpid()}"
        link.unlink(missing_ok=True)
        link.symlink_to(build.name)
        link.replace(root / "current")
        _forget_old_builds(root, build)
    logger.info("catalog index rebuilt: %d programs in %s", len(documents), build)
    return len(documents)


def _switch_feed_on() -> None:
    from search.models import CatalogIndexFeed

    with transaction.atomic():
        CatalogIndexFeed.objects.update_or_create(pk=1, defaults={"switched_on_at": timezone.now()})


def _forget_old_builds(root: Path, current: Path) -> None:
    builds = sorted(p for p in root.glob("build-*") if p.is_dir() and p != current)
    for old in builds[: max(len(builds) - (KEEP_BUILDS - 1), 0)]:
        shutil.rmtree(old, ignore_errors=True)


def index_programs(program_ids: list[int]) -> int:
    """Rewrite these programs' documents (an unlisted or deleted program's is removed); nothing when no
    index is built yet (the first build reads everything). Returns the number of documents written."""
    from tantivy import Query

    root = index_root()
    ids = sorted({int(pk) for pk in program_ids})
    if root is None or not ids:
        return 0
    with _WriterLock():
        try:
            build = (root / "current").resolve(strict=True)
        except FileNotFoundError:
            return 0
        documents = read_documents(ids)
        index = _opened(build)
        writer = index.writer(heap_size=WRITER_HEAP, num_threads=1)
        pairs = set(_read_age_pairs(build))
        if not {(d.age_min, d.age_max) for d in documents} <= pairs:
            # Written before the commit, so no reader sees a program without its pair; a pair no longer
            # used stays listed until the nightly rebuild (an extra clause, never a wrong match).
            _write_age_pairs(build, pairs | {(d.age_min, d.age_max) for d in documents})
        writer.delete_documents_by_query(Query.term_set_query(index.schema, "id", ids))
        for doc in documents:
            writer.add_document(document(doc))
        writer.commit()
        writer.wait_merging_threads()
    return len(documents)
