"""Factories for the catalog. Directions are never created: the six rows come from a data migration."""

import datetime
from decimal import Decimal

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from catalog.models import (
    Direction,
    DirectionCode,
    Favourite,
    Group,
    Municipality,
    Program,
    Provider,
    ScheduleSlot,
    SearchSynonym,
    SearchWord,
)
from core.validators import inn_with_checksum


def direction(code: str = DirectionCode.TECHNICAL) -> Direction:
    """One of the six existing directions, by code."""
    return Direction.objects.get(code=code)


class MunicipalityFactory(DjangoModelFactory):
    """A municipality of Тульская область (region 71); codes cycle through 00..99."""

    class Meta:
        model = Municipality

    name = factory.Sequence(lambda n: f"Муниципальный район №{n}")
    code = factory.Sequence(lambda n: f"{n % 100:02d}")
    region_code = "71"


class ProviderFactory(DjangoModelFactory):
    """An approved organisation with a licence and a valid 10-digit ИНН."""

    class Meta:
        model = Provider

    class Params:
        individual = factory.Trait(
            kind=Provider.Kind.INDIVIDUAL,
            licence_number="",
            inn=factory.Sequence(lambda n: inn_with_checksum(f"71{n % 10**8:08d}")),
        )

    kind = Provider.Kind.ORGANIZATION
    legal_name = factory.LazyAttribute(lambda o: f"МБУ ДО «{o.short_name}»")
    short_name = factory.Sequence(lambda n: f"Дом детского творчества №{n}")
    inn = factory.Sequence(lambda n: inn_with_checksum(f"71{n % 10**7:07d}"))
    licence_number = factory.Sequence(lambda n: f"Л035-01271-71/{n:08d}")
    municipality = factory.SubFactory(MunicipalityFactory)
    address = "г. Плавск, ул. Октябрьская, д. 1"
    phone = "+7 (48752) 2-11-11"
    email = factory.Sequence(lambda n: f"provider{n}@example.ru")
    status = Provider.Status.APPROVED


class ProgramFactory(DjangoModelFactory):
    """A certified program paid by certificate, for ages 7..14; directions cycle through the six."""

    class Meta:
        model = Program

    provider = factory.SubFactory(ProviderFactory)
    title = factory.Sequence(lambda n: f"Робототехника {n}")
    description = "Конструирование и программирование роботов."
    direction = factory.Sequence(lambda n: Direction.objects.order_by("position")[n % len(DirectionCode.values)])
    activity_type = "Робототехника"
    age_min = 7
    age_max = 14
    lesson_price = Decimal("250.00")
    normative_lesson_price = Decimal("300.00")
    lessons_per_month = 8
    funding = Program.Funding.CERTIFICATE
    status = Program.Status.CERTIFIED


def _school_year() -> int:
    today = timezone.localdate()
    return today.year if today.month >= 9 else today.year - 1


class GroupFactory(DjangoModelFactory):
    """A group of the current school year (relative to today, so that it is open) with open enrollment."""

    class Meta:
        model = Group

    program = factory.SubFactory(ProgramFactory)
    name = factory.Sequence(lambda n: f"Группа {n}")
    teacher = factory.Faker("name", locale="ru_RU")
    capacity = 15
    start_date = factory.LazyFunction(lambda: datetime.date(_school_year(), 9, 1))
    end_date = factory.LazyFunction(lambda: datetime.date(_school_year() + 1, 5, 31))
    enrollment_open = True


class ScheduleSlotFactory(DjangoModelFactory):
    class Meta:
        model = ScheduleSlot

    group = factory.SubFactory(GroupFactory)
    weekday = ScheduleSlot.Weekday.MONDAY
    start_time = datetime.time(16, 0)
    end_time = datetime.time(17, 30)
    room = "каб. 12"


class SearchWordFactory(DjangoModelFactory):
    class Meta:
        model = SearchWord
        django_get_or_create = ("word",)

    word = factory.Sequence(lambda n: f"слово{n}")


class SearchSynonymFactory(DjangoModelFactory):
    class Meta:
        model = SearchSynonym

    words = factory.Sequence(lambda n: f"синоним{n}а, синоним{n}б")


class FavouriteFactory(DjangoModelFactory):
    class Meta:
        model = Favourite

    user = factory.SubFactory("tests.accounts.factories.ParentFactory")
    program = factory.SubFactory(ProgramFactory)
