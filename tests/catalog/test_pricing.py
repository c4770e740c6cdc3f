"""What one lesson costs and who pays what (catalog.pricing.program_lesson_price)."""

from decimal import Decimal

import pytest

from catalog.models import Program
from catalog.pricing import LessonPrice, program_lesson_price
from core.money import certificate_covers


def lesson(funding: str, price: str, normative: str = "300.00") -> LessonPrice:
    return program_lesson_price(
        Program(funding=funding, lesson_price=Decimal(price), normative_lesson_price=Decimal(normative))
    )


def test_free_program_costs_nobody_anything():
    assert lesson(Program.Funding.FREE, "0.00") == LessonPrice(Decimal("0.00"), Decimal("0.00"), Decimal("0.00"))


def test_paid_program_is_paid_by_the_parents_in_full():
    assert lesson(Program.Funding.PAID, "450.00") == LessonPrice(
        price=Decimal("450.00"), certificate_pays=Decimal("0.00"), parent_pays=Decimal("450.00")
    )


@pytest.mark.parametrize(
    ("price", "normative", "certificate_pays", "parent_pays"),
    [
        ("250.00", "300.00", "250.00", "0.00"),  # below the normative price: the certificate pays it all
        ("300.00", "300.00", "300.00", "0.00"),  # exactly the normative price
        ("450.00", "300.00", "300.00", "150.00"),  # above: the parent's co-payment is the difference
        ("300.01", "300.00", "300.00", "0.01"),
        ("120.50", "0.00", "0.00", "120.50"),  # no normative price: the parent pays everything
    ],
)
def test_certificate_pays_up_to_the_normative_price(price, normative, certificate_pays, parent_pays):
    result = lesson(Program.Funding.CERTIFICATE, price, normative)
    assert result == LessonPrice(Decimal(price), Decimal(certificate_pays), Decimal(parent_pays))
    assert result.certificate_pays + result.parent_pays == result.price


def test_amounts_are_rounded_to_kopecks():
    result = lesson(Program.Funding.CERTIFICATE, "333.335", "300")
    assert result == LessonPrice(Decimal("333.34"), Decimal("300.00"), Decimal("33.34"))
    assert all(value.as_tuple().exponent == -2 for value in (result.price, result.certificate_pays, result.parent_pays))


@pytest.mark.parametrize(
    ("price", "normative"),
    [("250.00", "300.00"), ("300.00", "300.00"), ("450.00", "300.00"), ("120.50", "0.00"), ("333.335", "300")],
)
def test_certificate_part_is_what_certificate_covers_says(price, normative):
    """The catalog shows the same certificate part that the money rule computes (one rule, not two)."""
    result = lesson(Program.Funding.CERTIFICATE, price, normative)
    assert result.certificate_pays == certificate_covers(price=Decimal(price), normative_price=Decimal(normative))
    # With a balance large enough, the limit changes nothing.
    assert result.certificate_pays == certificate_covers(
        price=Decimal(price), normative_price=Decimal(normative), available=Decimal("1000000.00")
    )
