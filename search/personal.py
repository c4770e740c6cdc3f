"""What one signed-in user's marks on a results page need, read in one statement.

A signed-in parent's results page is the shared copy plus their marks (navigator/personal.py), and it
must cost little more than the shared copy: one round trip here instead of three queries (the page's
favourites, the parent's confirmed children, the page's programs that fit the chosen child). The fit is
the rule of search.child (the child's full years on an open group's start date within the program's
ages); tests/search/test_personal.py checks that both agree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from threading import Lock
from weakref import WeakSet

from django.db import DatabaseError, connection
from django.utils import timezone

from core.dates import age_on
from search.child import Fit

# Open groups as catalog.selectors.open_groups(): enrollment open and not yet over. $1 the user, $2 the
# page's program ids, $3 the chosen child (or NULL), $4 today.
_OVERLAY_SQL = """
SELECT 'favourite', f.program_id, NULL, NULL
  FROM catalog_favourite f
 WHERE f.user_id = $1 AND f.program_id = ANY($2)
UNION ALL
SELECT 'child', c.id, c.first_name, c.birth_date
  FROM certificates_parentlink l JOIN certificates_child c ON c.id = l.child_id
 WHERE l.user_id = $1
UNION ALL
SELECT 'fit', g.program_id, NULL, min(g.start_date)
  FROM certificates_parentlink l
  JOIN certificates_child c ON c.id = l.child_id
  JOIN catalog_group g ON g.program_id = ANY($2)
  JOIN catalog_program p ON p.id = g.program_id
 WHERE l.user_id = $1 AND l.child_id = $3
   AND g.enrollment_open AND g.end_date >= $4
   AND CAST(EXTRACT(YEAR FROM age(g.start_date, c.birth_date)) AS integer) BETWEEN p.age_min AND p.age_max
 GROUP BY g.program_id
"""


# The statement is on every signed-in results page, and planning its three branches costs PostgreSQL about
# three times what running it does (0.7 ms against 0.2 ms at full scale): it is prepared once on each
# database connection and then only executed. The first use on a connection sends both in one round trip.
_STATEMENT = "search_user_overlay"
_PREPARE = f"PREPARE {_STATEMENT} (bigint, bigint[], bigint, date) AS {_OVERLAY_SQL};"
_EXECUTE = f"EXECUTE {_STATEMENT} (%s, %s, %s, %s)"
# The driver's connections the statement is prepared on (a new connection, after a close or a failure,
# is not in it and prepares again).
_prepared_on: WeakSet = WeakSet()
_prepared_lock = Lock()
# PostgreSQL's error codes: duplicate_prepared_statement, invalid_sql_statement_name.
_ALREADY_PREPARED, _NOT_PREPARED = "42P05", "26000"


def _run_overlay(cursor, parameters: tuple) -> list[tuple]:
    raw = connection.connection
    with _prepared_lock:
        prepared = raw in _prepared_on
    try:
        cursor.execute(_EXECUTE if prepared else _PREPARE + _EXECUTE, parameters)
    except DatabaseError as error:
        code = getattr(error.__cause__, "pgcode", None)
        # Never stuck: a statement gone from the session (DISCARD ALL, say) is prepared again, and one
        # that outlived a failed EXECUTE is known from now on. Outside a transaction the request retries
        # at once; inside one the transaction is spoilt and the next request gets it right.
        if code not in (_ALREADY_PREPARED, _NOT_PREPARED):
            raise
        with _prepared_lock:
            if code == _ALREADY_PREPARED:
                _prepared_on.add(raw)
            else:
                _prepared_on.discard(raw)
        if connection.in_atomic_block:
            raise
        cursor.execute(_EXECUTE if code == _ALREADY_PREPARED else _PREPARE + _EXECUTE, parameters)
        prepared = False
    if not prepared:
        with _prepared_lock:
            _prepared_on.add(raw)
    return cursor.fetchall()


@dataclass(frozen=True)
class ChildRow:
    pk: int
    first_name: str
    birth_date: date


@dataclass
class OverlayRows:
    favourites: set[int] = field(default_factory=set)
    children: list[ChildRow] = field(default_factory=list)
    # Programs that fit the chosen child (when it is one of the user's children): the first fitting start.
    fits: dict[int, Fit] = field(default_factory=dict)


def user_overlay(*, user_id: int, program_ids: list[int], chosen_child_id: int | None) -> OverlayRows:
    """The user's favourites among `program_ids`, their confirmed children (by first name), and which of
    `program_ids` fit the chosen child, if that child is one of theirs. One statement."""
    with connection.cursor() as cursor:
        rows = _run_overlay(cursor, (user_id, list(program_ids), chosen_child_id, timezone.localdate()))
    overlay = OverlayRows()
    fits: list[tuple[int, date]] = []
    for kind, pk, name, day in rows:
        if kind == "favourite":
            overlay.favourites.add(pk)
        elif kind == "child":
            overlay.children.append(ChildRow(pk, name, day))
        else:
            fits.append((pk, day))
    overlay.children.sort(key=lambda child: (child.first_name, child.birth_date, child.pk))
    chosen = next((child for child in overlay.children if child.pk == chosen_child_id), None)
    if chosen is not None:
        overlay.fits = {pk: Fit(start, age_on(chosen.birth_date, start)) for pk, start in fits}
    return overlay
