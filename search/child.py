"""A child's fit to programs: the child's age (full years) on each open group's start date, not today.

A child born in October who is 6 today is 7 when a September group starts: what matters is the age
on the day the lessons begin. The catalog's `birth_date` parameter filters with `fits_child()`;
`child_fits()` says which of some programs fit and from when (the signed-in parent's «Подходит» marks
read the same rule in one statement with the rest of the page's marks: search/personal.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.contrib.postgres.fields import ArrayField
from django.db.models import BooleanField, DateField, F, Func, IntegerField, Min, QuerySet, Value

from catalog.models import AGE_MAX, Group
from catalog.selectors import open_groups
from core.dates import age_on


class AgeOn(Func):
    """Full years of a person born on `birth_date` on the date in `day` (PostgreSQL's age(): a 29 February
    birthday counts from 1 March in other years, as core.dates.age_on)."""

    template = "CAST(EXTRACT(YEAR FROM age(%(expressions)s)) AS integer)"
    output_field = IntegerField()

    def __init__(self, day, birth_date: date):
        super().__init__(day, Value(birth_date, output_field=DateField()))


def _fitting_groups(birth_date: date) -> QuerySet[Group]:
    """Open groups whose program's ages include the child's age on the group's start date."""
    return (
        open_groups()
        .annotate(child_age=AgeOn(F("start_date"), birth_date))
        .filter(child_age__gte=F("program__age_min"), child_age__lte=F("program__age_max"))
    )


def nth_birthday(birth_date: date, years: int) -> date:
    """The first day the child is `years` old (core.dates.age_on): a 29 February birthday falls on
    1 March in other years."""
    try:
        return birth_date.replace(year=birth_date.year + years)
    except ValueError:
        return date(birth_date.year + years, 3, 1)


class StartsWhileOfAge(Func):
    """For a Program queryset: an open group starts while the child is of the program's ages, i.e. on a
    day from the age_min-th birthday to the day before the (age_max + 1)-th, read from the trigger-kept
    start dates (Program.open_starts, catalog/migrations/sql/0022_program_open_starts.sql): one
    multirange operator per program instead of a subquery over its groups (docs/benchmarks.md)."""

    output_field = BooleanField()

    def __init__(self, birth_date: date):
        birthdays = [nth_birthday(birth_date, years) for years in range(AGE_MAX + 2)]
        super().__init__(
            F("open_starts"), Value(birthdays, output_field=ArrayField(DateField())), F("age_min"), F("age_max")
        )

    def as_sql(self, compiler, connection, **extra_context):
        (starts, p1), (birthdays, p2), (age_min, p3), (age_max, p4) = (
            compiler.compile(expression) for expression in self.get_source_expressions()
        )
        # PostgreSQL arrays count from 1: birthdays[n + 1] is the n-th birthday.
        sql = f"({starts} && daterange(({birthdays})[{age_min} + 1], ({birthdays})[{age_max} + 2]))"
        return sql, (*p1, *p2, *p2, *p3, *p4)


def fits_child(birth_date: date) -> StartsWhileOfAge:
    """For a Program queryset: the program has an open group the child is the right age for when it starts."""
    return StartsWhileOfAge(birth_date)


@dataclass(frozen=True)
class Fit:
    """The first open group of a program that fits the child: its start and the child's age then."""

    start_date: date
    age: int


def child_fits(*, birth_date: date, program_ids: list[int]) -> dict[int, Fit]:
    """The programs among `program_ids` that fit the child, with the earliest fitting start (one query)."""
    if not program_ids:
        return {}
    rows = (
        _fitting_groups(birth_date)
        .filter(program_id__in=program_ids)
        .values("program_id")
        .annotate(first_start=Min("start_date"))
        .values_list("program_id", "first_start")
    )
    return {program_id: Fit(start, age_on(birth_date, start)) for program_id, start in rows}
