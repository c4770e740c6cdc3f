"""What the search reads from catalog_program alone, kept by the database (catalog/migrations/sql/0008_listing.sql):
`listed` and `municipality` follow the program's status and its provider; `schedule_mask` follows the
open groups' schedule slots; the FacetCell counts follow every write to programs; and Django's save()
never writes a stale copy of any of them back."""

import datetime
import random

import pytest
from django.db import connection

from catalog.models import FacetCell, Group, Program, Provider, ScheduleSlot
from search.schedule import schedule_bit, schedule_bits
from search.selectors import CatalogQuery, _facets, catalog_base
from tests.catalog.factories import MunicipalityFactory, ProgramFactory, ProviderFactory
from tests.search.test_search import closed_group, days, direction, open_group, slot

pytestmark = pytest.mark.django_db


def stored(program: Program, *fields: str):
    return Program.objects.values_list(*fields).get(pk=program.pk)


def cells() -> dict[tuple, int]:
    return {
        (c.direction_id, c.municipality_id, c.funding, c.special_needs, c.age_min, c.age_max): c.programs
        for c in FacetCell.objects.filter(programs__gt=0)
    }


def rebuilt_cells() -> dict[tuple, int]:
    """The cells counted again from the programs (the database's own rebuild function)."""
    kept = cells()
    with connection.cursor() as cursor:
        cursor.execute("SELECT catalog_facetcells_rebuild()")
    fresh = cells()
    assert FacetCell.objects.filter(programs=0).count() == 0
    return kept, fresh


# listed and municipality


@pytest.mark.parametrize(
    ("program_status", "provider_status", "listed"),
    [
        (Program.Status.CERTIFIED, Provider.Status.APPROVED, True),
        (Program.Status.ARCHIVED, Provider.Status.APPROVED, False),
        (Program.Status.ON_REVIEW, Provider.Status.APPROVED, False),
        (Program.Status.CERTIFIED, Provider.Status.NEW, False),
    ],
)
def test_listed_on_insert(program_status, provider_status, listed):
    program = ProgramFactory(status=program_status, provider=ProviderFactory(status=provider_status))
    assert stored(program, "listed", "municipality") == (listed, program.provider.municipality_id)


def test_listed_follows_the_status_whatever_the_statement_sets():
    program = ProgramFactory()
    Program.objects.filter(pk=program.pk).update(status=Program.Status.ARCHIVED)
    assert stored(program, "listed") == (False,)
    Program.objects.filter(pk=program.pk).update(listed=True)  # nobody can list it by hand
    assert stored(program, "listed") == (False,)
    Program.objects.filter(pk=program.pk).update(status=Program.Status.CERTIFIED)
    assert stored(program, "listed") == (True,)


def test_provider_suspension_and_move_reach_its_programs():
    provider = ProviderFactory()
    programs = [ProgramFactory(provider=provider) for _ in range(3)]
    other = ProgramFactory()

    provider.status = Provider.Status.SUSPENDED
    provider.save()
    assert [stored(p, "listed")[0] for p in programs] == [False, False, False]
    assert stored(other, "listed") == (True,)

    Provider.objects.filter(pk=provider.pk).update(status=Provider.Status.APPROVED)
    assert [stored(p, "listed")[0] for p in programs] == [True, True, True]

    elsewhere = MunicipalityFactory()
    Provider.objects.filter(pk=provider.pk).update(municipality=elsewhere)
    assert {stored(p, "municipality")[0] for p in programs} == {elsewhere.pk}


def test_save_of_a_stale_instance_keeps_what_the_database_keeps():
    program = ProgramFactory(title="Шахматы")
    stale = Program.objects.get(pk=program.pk)  # loaded before the group exists
    slot(open_group(program, start_date=days(9)), weekday=2, start="18:00")
    before = stored(program, "next_start", "schedule_mask", "listed", "municipality", "search_vector")

    stale.title = "Шахматы для начинающих"
    stale.save()

    after = stored(program, "next_start", "schedule_mask", "listed", "municipality")
    assert after == before[:4]
    assert after[:2] == (days(9), schedule_bit(2, 2))
    assert stored(program, "search_vector")[0] != before[4]  # the title change still reaches the search


# schedule_mask


@pytest.mark.parametrize(
    ("start", "part"),
    [("00:00", 0), ("08:30", 0), ("11:59", 0), ("12:00", 1), ("16:59", 1), ("17:00", 2), ("21:15", 2), ("23:59", 2)],
)
@pytest.mark.parametrize("weekday", [0, 3, 6])
def test_python_and_sql_agree_on_the_schedule_bit(weekday, start, part):
    start_time = datetime.time.fromisoformat(start)
    with connection.cursor() as cursor:
        cursor.execute("SELECT catalog_schedule_bit(%s, %s)", [weekday, start_time])
        assert cursor.fetchone()[0] == schedule_bit(weekday, part)


def test_schedule_bits_of_the_filters():
    assert schedule_bits((5,), "") == schedule_bit(5, 0) | schedule_bit(5, 1) | schedule_bit(5, 2)
    assert schedule_bits((), "evening") == sum(schedule_bit(day, 2) for day in range(7))
    assert schedule_bits((0, 2), "morning") == schedule_bit(0, 0) | schedule_bit(2, 0)


def test_schedule_mask_follows_slots_and_open_groups():
    program = ProgramFactory()
    group = open_group(program)
    monday = slot(group, weekday=0, start="10:00")
    saturday = slot(group, weekday=5, start="17:30")
    assert stored(program, "schedule_mask") == (schedule_bit(0, 0) | schedule_bit(5, 2),)

    ScheduleSlot.objects.filter(pk=monday.pk).update(start_time=datetime.time(13, 0), end_time=datetime.time(13, 45))
    assert stored(program, "schedule_mask") == (schedule_bit(0, 1) | schedule_bit(5, 2),)

    saturday.delete()
    assert stored(program, "schedule_mask") == (schedule_bit(0, 1),)

    slot(closed_group(program), weekday=3, start="09:00")  # closed groups do not count
    assert stored(program, "schedule_mask") == (schedule_bit(0, 1),)

    Group.objects.filter(pk=group.pk).update(enrollment_open=False)
    assert stored(program, "schedule_mask") == (0,)


def test_refresh_drops_the_slots_of_a_group_that_ended():
    from catalog.services import program_open_groups_refresh

    program = ProgramFactory()
    group = open_group(program, start_date=days(-100), end_date=days(10))
    slot(group, weekday=1, start="15:00")
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # ALTER TABLE refuses pending (deferred) FK checks
        cursor.execute("ALTER TABLE catalog_group DISABLE TRIGGER catalog_group_open_groups_update")
    Group.objects.filter(pk=group.pk).update(end_date=days(-1))  # time passes, no trigger notices
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE catalog_group ENABLE TRIGGER catalog_group_open_groups_update")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    assert stored(program, "schedule_mask") == (schedule_bit(1, 1),)

    assert program_open_groups_refresh() == 1
    assert stored(program, "schedule_mask", "next_start") == (0, None)


# The facet cells


def test_cells_count_listed_programs_through_every_kind_of_write():
    rng = random.Random(5)
    providers = [ProviderFactory() for _ in range(3)]
    directions = [direction(code) for code in ("sports", "arts", "technical")]
    programs = []
    for _ in range(30):
        age_min = rng.randint(5, 12)
        programs.append(
            ProgramFactory(
                provider=rng.choice(providers),
                direction=rng.choice(directions),
                funding=rng.choice([Program.Funding.CERTIFICATE, Program.Funding.PAID]),
                special_needs=rng.random() < 0.3,
                age_min=age_min,
                age_max=rng.randint(age_min, 18),
            )
        )
    kept, fresh = rebuilt_cells()
    assert kept == fresh and sum(fresh.values()) == 30

    # Single edits through save(), bulk updates, status changes, provider changes, deletions.
    for program in programs[:5]:
        program.age_max = 18
        program.save()
    Program.objects.filter(pk__in=[p.pk for p in programs[5:12]]).update(special_needs=True, age_min=6)
    Program.objects.filter(pk__in=[p.pk for p in programs[12:15]]).update(status=Program.Status.ARCHIVED)
    Program.objects.filter(pk__in=[p.pk for p in programs[15:18]]).update(direction=directions[0])
    Provider.objects.filter(pk=providers[0].pk).update(status=Provider.Status.SUSPENDED)
    Provider.objects.filter(pk=providers[1].pk).update(municipality=MunicipalityFactory())
    Program.objects.filter(pk__in=[p.pk for p in programs[18:20]]).delete()
    Program.objects.filter(pk=programs[13].pk).update(status=Program.Status.CERTIFIED)  # back again

    kept, fresh = rebuilt_cells()
    assert kept == fresh
    assert sum(fresh.values()) == Program.objects.filter(listed=True).count()


@pytest.mark.parametrize(
    "query",
    [
        CatalogQuery(),
        CatalogQuery(age=8),
        CatalogQuery(age=16, special_needs=True),
        CatalogQuery(directions=("sports",), fundings=("PAID",)),
    ],
    ids=["empty", "age", "age-special-needs", "facet-filters"],
)
def test_facets_from_cells_equal_facets_from_programs(query):
    rng = random.Random(11)
    providers = [ProviderFactory() for _ in range(3)]
    for _ in range(40):
        age_min = rng.randint(5, 14)
        ProgramFactory(
            provider=rng.choice(providers),
            direction=direction(rng.choice(["sports", "arts", "technical", "science"])),
            funding=rng.choice([Program.Funding.CERTIFICATE, Program.Funding.PAID]),
            special_needs=rng.random() < 0.4,
            age_min=age_min,
            age_max=rng.randint(age_min, 18),
        )
    ProgramFactory(status=Program.Status.ARCHIVED)  # counted nowhere

    from_cells = _facets(None, query)
    from_programs = _facets(catalog_base(query, None), query)
    assert from_cells == from_programs
    assert from_cells.total > 0


def test_free_seats_with_a_schedule_filter_need_one_group_with_both():
    """The mask is per program; with free seats asked too, the group with the seats must meet then."""
    from search.selectors import catalog_search
    from tests.search.test_search import enroll

    program = ProgramFactory(title="Футбол")
    full_on_monday = open_group(program, capacity=1)
    slot(full_on_monday, weekday=0, start="16:00")
    enroll(full_on_monday, "ACTIVE")
    slot(open_group(program, capacity=10), weekday=5, start="11:00")

    def found(**params) -> bool:
        results, facets = catalog_search(CatalogQuery(free_seats=True, **params))
        return [p.pk for p in results] == [program.pk] and facets.total == 1

    assert not found(weekdays=(0,))
    assert found(weekdays=(5,))
    assert found(weekdays=(5,), time_of_day="morning")
    assert not found(weekdays=(5,), time_of_day="afternoon")
    assert found(time_of_day="morning") and not found(time_of_day="evening")


def test_the_cells_are_read_only_in_the_admin(client):
    from django.urls import reverse

    from tests.accounts.factories import UserFactory

    ProgramFactory()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    cell = FacetCell.objects.get()
    assert client.get(reverse("admin:catalog_facetcell_changelist")).status_code == 200
    assert client.get(reverse("admin:catalog_facetcell_change", args=[cell.pk])).status_code == 200
    assert client.post(reverse("admin:catalog_facetcell_change", args=[cell.pk]), {"programs": 99}).status_code == 403
    assert FacetCell.objects.get().programs == 1
