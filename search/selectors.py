"""Catalog search (selectors: reads only). It sits above enrollments: the program page counts the seats
held (enrollments.selectors), and «only groups with free seats» reads the rows the database keeps from
that count (search.models.GroupFreeSeats).

Full-text search with PostgreSQL's `russian` configuration over a trigger-maintained, weighted
document (title A, activity type B, description C); how the query's words are read (synonyms, the
other script, typo correction, optional words, widening when no program has them all) is
search.words. Filters, facet counts that honour the other active filters,
sorting and the seats left in each group are all computed here, for the pages and the API alike.

Searches read catalog_program: whether a program is listed, its municipality, the weekdays and parts of
day of its open groups and their start dates are columns kept by triggers (catalog/migrations/sql/0008_listing.sql,
0022_program_open_starts.sql), and a search without text or schedule filters counts its facets from the
trigger-kept FacetCell table; free seats are the one join (search/migrations/sql/0001_group_free_seats.sql).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.contrib.postgres.search import SearchQuery
from django.db import connection
from django.db.models import (
    Count,
    Exists,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Sum,
)
from django.db.models.lookups import GreaterThan

from catalog.models import FacetCell, Program, Provider
from catalog.selectors import open_groups, visible_programs
from enrollments.selectors import groups_with_seats
from search.child import fits_child
from search.distance import distance_km
from search.engine import EngineAnswer, engine_answer
from search.models import ANY_FREE_GROUP, GroupFreeSeats
from search.schedule import schedule_bits
from search.words import WordsNotice, WordsPlan, corrected_words, words_plan

MAX_QUERY_LENGTH = 200

SORTS = ("relevance", "rating", "start_date", "distance")


@dataclass(frozen=True)
class CatalogQuery:
    """Validated search parameters (see search.filters.CatalogFilter for where they come from)."""

    q: str = ""
    municipalities: tuple[int, ...] = ()
    directions: tuple[str, ...] = ()
    fundings: tuple[str, ...] = ()
    age: int | None = None
    # The child's birth date: programs with an open group the child is the right age for when it starts.
    birth_date: date | None = None
    weekdays: tuple[int, ...] = ()
    time_of_day: str = ""
    special_needs: bool = False
    free_seats: bool = False
    sort: str = "relevance"
    exact: bool = False  # search the words as typed: no typo correction, no widening
    # (latitude, longitude) the parent is at or picked on the map: each result gets `distance_km`, and
    # sort "distance" orders by it (search.filters requires the point for that sort).
    point: tuple[float, float] | None = None


@dataclass
class Facets:
    directions: dict[str, int] = field(default_factory=dict)
    municipalities: dict[int, int] = field(default_factory=dict)
    fundings: dict[str, int] = field(default_factory=dict)
    total: int = 0
    # Told with the results: the query was corrected or widened (search.words).
    notice: WordsNotice | None = None


def _meets(bit_or_mask, query: CatalogQuery) -> GreaterThan:
    """The bits (a program's mask or a slot's bit) include a wanted (weekday, part of day)."""
    return GreaterThan(bit_or_mask.bitand(schedule_bits(query.weekdays, query.time_of_day)), 0)


def search_words_correct(q: str) -> list[str]:
    """Lower-case query words, each replaced by the nearest vocabulary word when it is not one (and not
    a dictionary or optional word: search.words)."""
    return corrected_words(q)


def _without_facet_filters(query: CatalogQuery) -> Q:
    """Every filter except direction, municipality and funding (those are the facets)."""
    conditions = Q()
    if query.age is not None:
        conditions &= Q(age_min__lte=query.age, age_max__gte=query.age)
    if query.birth_date is not None:
        conditions &= Q(fits_child(query.birth_date))
    if query.special_needs:
        conditions &= Q(special_needs=True)
    if _filters_schedule(query):
        # An open group meets in one of the wanted (weekday, part of day) cells.
        conditions &= Q(_meets(F("schedule_mask"), query))
    if query.free_seats:
        conditions &= Q(_free_seats(query))
    return conditions


def _free_seats(query: CatalogQuery) -> Exists:
    """The program has an open group with a seat left, meeting when asked: one group meets both (a full
    Monday group and a free Friday group are not «free seats on Monday»).

    Read from GroupFreeSeats, which the database keeps in the transaction of every seat change
    (search/migrations/sql/0001_group_free_seats.sql): counting each candidate group's seats here cost
    100–330 ms on a region's catalog (docs/benchmarks.md, «Catalog search»).
    """
    wanted = schedule_bits(query.weekdays, query.time_of_day) if _filters_schedule(query) else ANY_FREE_GROUP
    rows = GroupFreeSeats.objects.filter(program=OuterRef("pk"))
    return Exists(rows.filter(GreaterThan(F("free_bits").bitand(wanted), 0)))


def _filters_schedule(query: CatalogQuery) -> bool:
    return bool(query.weekdays or query.time_of_day)


def _facet_filters(query: CatalogQuery) -> dict[str, Q]:
    return {
        "direction": Q(direction__code__in=query.directions) if query.directions else Q(),
        "municipality": Q(municipality_id__in=query.municipalities) if query.municipalities else Q(),
        "funding": Q(funding__in=query.fundings) if query.fundings else Q(),
    }


def _words(query: CatalogQuery) -> WordsPlan | None:
    return words_plan(query.q, exact=query.exact) if query.q else None


def catalog_base(query: CatalogQuery, text: SearchQuery | None) -> QuerySet[Program]:
    """Visible programs matching the text and every non-facet filter."""
    programs = visible_programs().filter(_without_facet_filters(query))
    if text is not None:
        programs = programs.filter(search_vector=text)
    return programs


def catalog_search(query: CatalogQuery) -> tuple[QuerySet[Program] | IndexedResults, Facets]:
    """The ordered result set (not yet paged: a QuerySet, or the index's IndexedResults) and the facet
    counts for the same query. The search index answers when one is built (search.engine), for every
    sort but distance; PostgreSQL otherwise, and for the page's rows either way."""
    plan = _words(query)
    if query.sort != "distance":
        answer = engine_answer(query, plan)
        if answer is not None:
            if plan is not None and plan.can_widen and not answer.cells:
                plan = plan.widen()  # no program has every required word: those with any of them
                answer = engine_answer(query, plan)
            if answer is not None:
                facets = _roll_up(answer.cells, query)
                facets.notice = plan.notice if plan is not None else None
                return IndexedResults(answer, facets.total, query.point), facets
    if plan is not None and plan.can_widen and not catalog_base(query, plan.filter).exists():
        plan = plan.widen()
    text = plan.filter if plan is not None else None
    base = catalog_base(query, text)
    # (FacetCell rows know a program's ages, not its groups' start dates: a birth date counts from `base`.)
    per_program = text is not None or _filters_schedule(query) or query.free_seats or query.birth_date is not None
    facets = _facets(base if per_program else None, query)
    facets.notice = plan.notice if plan is not None else None
    results = base
    for condition in _facet_filters(query).values():
        results = results.filter(condition)
    # Providers and directions of the page's rows by primary key, after the sort and the LIMIT: joined
    # here, they would be joined to every matching row before a relevance sort (docs/benchmarks.md).
    results = results.prefetch_related(
        Prefetch("provider", queryset=Provider.objects.select_related("municipality")), "direction"
    )
    if query.point is not None:
        results = results.annotate(distance_km=distance_km(*query.point))
    if query.sort == "rating":
        ordering = [F("rating").desc(nulls_last=True), "-rating_count", "title", "pk"]
    elif query.sort == "distance" and query.point is not None:
        ordering = [F("distance_km").asc(nulls_last=True), "title", "pk"]
    elif query.sort == "start_date":
        # The stored next_start (kept by triggers, refreshed nightly), read from program_catalog_next_start.
        ordering = [F("next_start").asc(nulls_last=True), "title", "pk"]
    elif plan is not None:
        results = results.annotate(rank=plan.rank)
        ordering = ["-rank", "title", "pk"]
    else:
        ordering = ["title", "pk"]
    return results.order_by(*ordering), facets


class IndexedResults:
    """The results of a search the index answered, as the paginators take them: the count is the
    index's; a slice asks the index for that page's ids and reads those programs from PostgreSQL, in
    the index's order. A program unlisted since the index last heard of it is left out of its page
    (the outbox brings the change within seconds)."""

    ordered = True  # for django.core.paginator

    def __init__(self, answer: EngineAnswer, total: int, point: tuple[float, float] | None):
        self.answer, self.total, self.point = answer, total, point

    def count(self) -> int:
        return self.total

    def __len__(self) -> int:
        return self.total

    def __iter__(self):
        return iter(self[0 : self.total])

    def __getitem__(self, key):
        if isinstance(key, int):
            rows = self[key : key + 1]
            if not rows:
                raise IndexError(key)
            return rows[0]
        start, stop, _ = key.indices(self.total)
        ids = self.answer.ids(start, stop - start) if stop > start else []
        # By primary key, so joined in one statement (the prefetches above are for a sorted search).
        programs = visible_programs().filter(pk__in=ids).select_related("provider__municipality", "direction")
        if self.point is not None:
            programs = programs.annotate(distance_km=distance_km(*self.point))
        by_id = {p.pk: p for p in programs}
        return [by_id[pk] for pk in ids if pk in by_id]


def _facets(base: QuerySet[Program] | None, query: CatalogQuery) -> Facets:
    """Facet counts, each honouring the *other* two facet filters but not its own.

    One GROUP BY over (direction, municipality, funding) — at most 6 × municipalities × 3 rows —
    rolled up here: of the programs matching the text and schedule filters (`base`), or, without
    those (`base` None), of the trigger-kept FacetCell counts, which hold every other filter's
    columns. Not cached on its own: the result count that paging uses comes from here and must match
    the results (whole anonymous pages are cached instead, see core.cache).
    """
    if base is None:
        cells = FacetCell.objects.filter(programs__gt=0)  # a cell whose programs all went stays, at 0
        if query.age is not None:
            cells = cells.filter(age_min__lte=query.age, age_max__gte=query.age)
        if query.special_needs:
            cells = cells.filter(special_needs=True)
        cells = cells.values_list("direction__code", "municipality_id", "funding").annotate(n=Sum("programs"))
    else:
        cells = base.order_by().values_list("direction__code", "municipality_id", "funding").annotate(n=Count("pk"))
    return _roll_up(cells, query)


def _roll_up(cells, query: CatalogQuery) -> Facets:
    """Facets from (direction, municipality, funding, programs) rows of the programs matching every
    filter but the facets' own: each facet counts under the other two facet filters."""
    facets = Facets()
    for direction, municipality, funding, n in cells:
        d_ok = not query.directions or direction in query.directions
        m_ok = not query.municipalities or municipality in query.municipalities
        f_ok = not query.fundings or funding in query.fundings
        facets.directions[direction] = facets.directions.get(direction, 0) + (n if m_ok and f_ok else 0)
        facets.municipalities[municipality] = facets.municipalities.get(municipality, 0) + (n if d_ok and f_ok else 0)
        facets.fundings[funding] = facets.fundings.get(funding, 0) + (n if d_ok and m_ok else 0)
        facets.total += n if d_ok and m_ok and f_ok else 0
    return facets


def program_detail_queryset() -> QuerySet[Program]:
    """A visible program with its provider, direction, and open groups with schedules and seats left."""
    groups = groups_with_seats(open_groups()).prefetch_related("schedule").order_by("start_date", "name")
    return (
        visible_programs()
        .select_related("provider__municipality", "direction")
        .prefetch_related(Prefetch("groups", queryset=groups, to_attr="open_groups"))
    )


def search_suggest(prefix: str, *, limit: int = 8) -> list[str]:
    """Distinct titles of visible programs for the search box: prefix matches first, then similar."""
    # PostgreSQL text cannot hold NUL: psycopg2 would refuse the parameter with a ValueError (a 500).
    prefix = prefix.replace("\x00", "").strip()[:MAX_QUERY_LENGTH]
    if len(prefix) < 2:
        return []
    prefix = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")  # LIKE wildcards are literal
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT title FROM (
                SELECT DISTINCT ON (lower(p.title)) p.title,
                       (lower(p.title) LIKE lower(%s) || '%%') AS starts,
                       similarity(lower(p.title), lower(%s)) AS score
                  FROM catalog_program p
                 WHERE p.listed
                   AND (lower(p.title) LIKE '%%' || lower(%s) || '%%' OR lower(p.title) %% lower(%s))
                 ORDER BY lower(p.title)
            ) t ORDER BY starts DESC, score DESC, title LIMIT %s
            """,
            [prefix, prefix, prefix, prefix, limit],
        )
        return [row[0] for row in cursor.fetchall()]
