"""The catalog's child filter (search.child.fits_child) reads the open groups' start dates the database
keeps on the program (Program.open_starts, catalog/migrations/sql/0022_program_open_starts.sql) and
the child's birthdays computed here; it must find exactly the programs that the rule over the groups
finds (search.child.child_fits: PostgreSQL's age() on each open group's start date), leap days included."""

import datetime

import pytest
from django.db import connection
from django.utils import timezone

from catalog.models import Group
from search.child import child_fits, nth_birthday
from search.selectors import CatalogQuery, catalog_search
from tests.catalog.factories import GroupFactory, ProgramFactory

pytestmark = pytest.mark.django_db


def in_days(n: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)


def open_starts(program) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT open_starts::text FROM catalog_program WHERE id = %s", [program.pk])
        return cursor.fetchone()[0]


@pytest.mark.parametrize(
    ("birth_date", "years", "birthday"),
    [
        (datetime.date(2016, 2, 29), 7, datetime.date(2023, 3, 1)),
        (datetime.date(2016, 2, 29), 8, datetime.date(2024, 2, 29)),
        (datetime.date(2015, 3, 1), 9, datetime.date(2024, 3, 1)),
        (datetime.date(2017, 12, 31), 0, datetime.date(2017, 12, 31)),
    ],
)
def test_the_nth_birthday_is_the_first_day_of_that_age(birth_date, years, birthday):
    assert nth_birthday(birth_date, years) == birthday


@pytest.mark.parametrize(
    "birth_date",
    [
        datetime.date(2016, 2, 29),
        datetime.date(2015, 3, 1),
        datetime.date(2016, 3, 1),
        datetime.date(2017, 2, 28),
        in_days(20).replace(year=in_days(20).year - 7),
        in_days(-1).replace(year=in_days(-1).year - 9),
    ],
    ids=[
        "leap-day",
        "march-first-before-a-leap-year",
        "march-first-leap-year",
        "feb-28",
        "seven-in-20-days",
        "nine-yesterday",
    ],
)
def test_the_search_fits_the_child_as_the_rule_over_the_groups_does(birth_date):
    starts = [
        datetime.date(2024, 2, 28),
        datetime.date(2024, 2, 29),
        datetime.date(2024, 3, 1),
        datetime.date(2025, 2, 28),
        datetime.date(2025, 3, 1),
        in_days(0),
        in_days(10),
        in_days(30),
    ]
    programs = []
    for age_min, age_max in ((5, 6), (7, 7), (7, 9), (8, 8), (8, 10), (9, 12), (12, 18)):
        for start in starts:  # one program per (ages, start): each fits on its own
            program = ProgramFactory(title=f"{age_min}–{age_max} с {start}", age_min=age_min, age_max=age_max)
            GroupFactory(program=program, start_date=start, end_date=in_days(200))
            programs.append(program.pk)

    found, facets = catalog_search(CatalogQuery(birth_date=birth_date))

    expected = set(child_fits(birth_date=birth_date, program_ids=programs))
    assert {p.pk for p in found} == expected
    assert facets.total == len(expected)
    assert 0 < len(expected) < len(programs)


def test_the_start_dates_follow_the_open_groups():
    program = ProgramFactory()
    assert open_starts(program) is None  # no group yet: NULL, which no range overlaps
    september = GroupFactory(program=program, start_date=in_days(10), end_date=in_days(200))
    GroupFactory(program=program, start_date=in_days(40), end_date=in_days(200))
    GroupFactory(program=program, start_date=in_days(40), end_date=in_days(300))
    assert open_starts(program) == f"{{[{in_days(10)},{in_days(11)}),[{in_days(40)},{in_days(41)})}}"

    Group.objects.filter(pk=september.pk).update(enrollment_open=False)
    assert open_starts(program) == f"{{[{in_days(40)},{in_days(41)})}}"
    Group.objects.filter(program=program, enrollment_open=True).update(start_date=in_days(20))
    assert open_starts(program) == f"{{[{in_days(20)},{in_days(21)})}}"
    Group.objects.filter(program=program).delete()
    assert open_starts(program) == "{}"
