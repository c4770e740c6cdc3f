"""Factories for the ESIA stand-in's registry (esia_standin): people as Gosuslugi knows them."""

import datetime

import factory
from factory.django import DjangoModelFactory

from core.validators import snils_with_checksum
from esia_standin.models import Kid, Person


class PersonFactory(DjangoModelFactory):
    """A mother of Плавский район with a verified e-mail and mobile phone."""

    class Meta:
        model = Person

    oid = factory.Sequence(lambda n: f"{1_000_500_000 + n}")
    last_name = "Кузнецова"
    first_name = factory.Sequence(lambda n: ("Анна", "Ольга", "Мария", "Елена")[n % 4])
    middle_name = "Сергеевна"
    birth_date = datetime.date(1988, 5, 17)
    gender = Person.Gender.FEMALE
    # Bodies far from the certificates factories' СНИЛС (200 000 000 + n).
    snils = factory.Sequence(lambda n: snils_with_checksum(f"{400_000_000 + n:09d}"))
    email = factory.Sequence(lambda n: f"Mother{n}@Example.ru")
    mobile = "+7 (953) 421-17-05"


class KidFactory(DjangoModelFactory):
    class Meta:
        model = Kid

    person = factory.SubFactory(PersonFactory)
    last_name = "Кузнецов"
    first_name = factory.Sequence(lambda n: ("Иван", "Пётр", "Фёдор", "Лев")[n % 4])
    middle_name = "Андреевич"
    birth_date = datetime.date(2016, 3, 14)
    gender = Person.Gender.MALE
    snils = factory.Sequence(lambda n: snils_with_checksum(f"{300_000_000 + n:09d}"))
