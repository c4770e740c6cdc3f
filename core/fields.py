from decimal import Decimal

from django.db import models

from core.money import DECIMAL_PLACES, MAX_DIGITS


class MoneyField(models.DecimalField):
    """Roubles as numeric(12,2)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_digits", MAX_DIGITS)
        kwargs.setdefault("decimal_places", DECIMAL_PLACES)
        kwargs.setdefault("default", Decimal("0.00"))
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, _path, args, kwargs = super().deconstruct()
        return name, "core.fields.MoneyField", args, kwargs


class DateMultiRangeField(models.Field):
    """A PostgreSQL `datemultirange` kept by the database (Django has no multirange field; psycopg2
    reads one as its text). Written by triggers and filtered in SQL, never edited in Python."""

    description = "A set of date ranges (PostgreSQL datemultirange)"

    def db_type(self, connection):
        return "datemultirange"
