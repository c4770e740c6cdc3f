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

from django.db import connection
from django.utils import timezone

from core.dates import age_on
from search.child import Fit

# Open groups as catalog.selectors.open_groups(): enrollment open and not yet over.
_OVERLAY_SQL = """
SELECT 'favourite', f.program_id, NULL, NULL
  FROM catalog_favourite f
 WHERE f.user_id = %(user)s AND f.program_id = ANY(%(programs)s)
UNION ALL
SELECT 'child', c.id, c.first_name, c.birth_date
  FROM certificates_parentlink l JOIN certificates_child c ON c.id = l.child_id
 WHERE l.user_id = %(user)s
UNION ALL
SELECT 'fit', g.program_id, NULL, min(g.start_date)
  FROM certificates_parentlink l
  JOIN certificates_child c ON c.id = l.child_id
  JOIN catalog_group g ON g.program_id = ANY(%(programs)s)
  JOIN catalog_program p ON p.id = g.program_id
 WHERE l.user_id = %(user)s AND l.child_id = %(child)s
   AND g.enrollment_open AND g.end_date >= %(today)s
   AND CAST(EXTRACT(YEAR FROM age(g.start_date, c.birth_date)) AS integer) BETWEEN p.age_min AND p.age_max
 GROUP BY g.program_id
"""


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
        cursor.execute(
            _OVERLAY_SQL,
            {"user": user_id, "programs": list(program_ids), "child": chosen_child_id, "today": timezone.localdate()},
        )
        rows = cursor.fetchall()
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
