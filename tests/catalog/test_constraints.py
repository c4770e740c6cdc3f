"""The database itself refuses impossible catalog rows, whatever the ORM's validation would say.

Every bad write goes around model validation (QuerySet.update(), bulk_create or raw SQL).
"""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from psycopg2 import errorcodes

from catalog.models import Direction, Group, Program, Provider, ScheduleSlot
from core.validators import inn_with_checksum
from tests.catalog.factories import (
    GroupFactory,
    MunicipalityFactory,
    ProgramFactory,
    ProviderFactory,
    ScheduleSlotFactory,
)
from tests.db import refused

pytestmark = pytest.mark.django_db


# Program: prices, age range


@pytest.mark.parametrize("field", ["lesson_price", "normative_lesson_price"])
def test_program_price_never_negative(field):
    program = ProgramFactory()
    with refused("program_prices_not_negative"):
        Program.objects.filter(pk=program.pk).update(**{field: Decimal("-0.01")})

    Program.objects.filter(pk=program.pk).update(**{field: Decimal("0.00")})
    program.refresh_from_db()
    assert getattr(program, field) == 0


@pytest.mark.parametrize(
    ("age_min", "age_max"),
    [(4, 10), (7, 19), (12, 8), (5, 4)],
    ids=["below-5", "above-18", "min-over-max", "max-below-5"],
)
def test_program_age_range_refused(age_min, age_max):
    program = ProgramFactory()
    with refused("program_age_range"):
        Program.objects.filter(pk=program.pk).update(age_min=age_min, age_max=age_max)


@pytest.mark.parametrize(("age_min", "age_max"), [(5, 18), (10, 10)])
def test_program_age_range_allowed(age_min, age_max):
    program = ProgramFactory()
    Program.objects.filter(pk=program.pk).update(age_min=age_min, age_max=age_max)
    program.refresh_from_db()
    assert (program.age_min, program.age_max) == (age_min, age_max)


def test_program_age_range_refused_on_bulk_insert():
    provider = ProviderFactory()
    template = ProgramFactory.build(provider=provider, age_min=3, age_max=6)
    with refused("program_age_range"):
        Program.objects.bulk_create([template])
    assert not Program.objects.filter(provider=provider).exists()


def test_free_program_costs_nothing():
    program = ProgramFactory()
    with refused("program_free_costs_nothing"):
        Program.objects.filter(pk=program.pk).update(funding=Program.Funding.FREE)
    Program.objects.filter(pk=program.pk).update(funding=Program.Funding.FREE, lesson_price=0)


def test_program_lessons_per_month_positive():
    program = ProgramFactory()
    with refused("program_lessons_per_month_positive"):
        Program.objects.filter(pk=program.pk).update(lessons_per_month=0)


@pytest.mark.parametrize("rating", [Decimal("0.99"), Decimal("5.01")])
def test_program_rating_range(rating):
    program = ProgramFactory()
    with refused("program_rating_range"):
        Program.objects.filter(pk=program.pk).update(rating=rating)


# Group and schedule


def test_group_capacity_positive():
    group = GroupFactory()
    with refused("group_capacity_positive"):
        Group.objects.filter(pk=group.pk).update(capacity=0)
    Group.objects.filter(pk=group.pk).update(capacity=1)


def test_group_dates_ordered():
    group = GroupFactory(start_date=datetime.date(2025, 9, 1), end_date=datetime.date(2026, 5, 31))
    with refused("group_dates_ordered"):
        Group.objects.filter(pk=group.pk).update(end_date=datetime.date(2025, 8, 31))
    # A one-day group is allowed.
    Group.objects.filter(pk=group.pk).update(end_date=datetime.date(2025, 9, 1))


@pytest.mark.parametrize(
    ("start", "end"),
    [(datetime.time(17, 0), datetime.time(16, 0)), (datetime.time(16, 0), datetime.time(16, 0))],
    ids=["end-before-start", "zero-length"],
)
def test_slot_times_ordered(start, end):
    slot = ScheduleSlotFactory()
    with refused("slot_times_ordered"):
        ScheduleSlot.objects.filter(pk=slot.pk).update(start_time=start, end_time=end)


def test_slot_weekday_range():
    slot = ScheduleSlotFactory()
    with refused("slot_weekday_range"):
        ScheduleSlot.objects.filter(pk=slot.pk).update(weekday=7)


# Provider


def test_provider_inn_unique():
    provider = ProviderFactory()
    with refused("inn", errorcodes.UNIQUE_VIOLATION):
        Provider.objects.bulk_create([ProviderFactory.build(inn=provider.inn, municipality=provider.municipality)])
    assert Provider.objects.filter(inn=provider.inn).count() == 1


@pytest.mark.parametrize(
    "inn",
    ["123456789", "12345678901", "771234567a", "７７０７０８３８９３"],
    ids=["9-digits", "11-digits", "letter", "fullwidth-digits"],
)
def test_provider_inn_ten_or_twelve_digits(inn):
    provider = ProviderFactory()
    with refused("provider_inn_digits"):
        with connection.cursor() as cursor:
            cursor.execute("UPDATE catalog_provider SET inn = %s WHERE id = %s", [inn, provider.pk])


def test_provider_inn_digits_allow_both_lengths():
    provider = ProviderFactory()
    Provider.objects.filter(pk=provider.pk).update(inn=inn_with_checksum("500100732"))
    Provider.objects.filter(pk=provider.pk).update(inn=inn_with_checksum("5001007322"))


def test_organization_needs_a_licence_but_an_individual_does_not():
    provider = ProviderFactory()
    with refused("provider_organization_has_licence"):
        Provider.objects.filter(pk=provider.pk).update(licence_number="")
    Provider.objects.filter(pk=provider.pk).update(licence_number="", kind=Provider.Kind.INDIVIDUAL)


# Municipality and directions


def test_municipality_code_two_digits_and_unique():
    municipality = MunicipalityFactory(code="34")
    with refused("municipality_code_two_digits"):
        type(municipality).objects.filter(pk=municipality.pk).update(code="3a")
    with refused("municipality_code_unique", errorcodes.UNIQUE_VIOLATION):
        MunicipalityFactory(code="34", region_code=municipality.region_code)
    MunicipalityFactory(code="34", region_code="50")


def test_six_fixed_directions():
    assert Direction.objects.count() == 6
    with refused("direction_code_fixed"):
        with connection.cursor() as cursor:
            cursor.execute("INSERT INTO catalog_direction (code, name, position) VALUES ('music', 'Музыкальная', 7)")
    with refused("direction_code_fixed"):
        Direction.objects.filter(code="arts").update(code="music")
    with refused("code", errorcodes.UNIQUE_VIOLATION):
        Direction.objects.bulk_create([Direction(code="arts", name="Художественная-2", position=7)])
    assert Direction.objects.count() == 6
