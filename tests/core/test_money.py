"""Roubles: rounding half up, exact splits, shares and what a certificate covers."""

from decimal import Decimal

import pytest

from core.money import KOPECK, ZERO, certificate_covers, share, split, to_money

D = Decimal


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (D("1.005"), D("1.01")),
        (D("1.004"), D("1.00")),
        (D("2.675"), D("2.68")),
        (D("-1.005"), D("-1.01")),  # half away from zero
        (D("0.125"), D("0.13")),
        (D("0.135"), D("0.14")),  # not banker's rounding
        ("10", D("10.00")),
        ("333.335", D("333.34")),
        (7, D("7.00")),
        (0, D("0.00")),
    ],
)
def test_to_money_rounds_half_up(value, expected):
    result = to_money(value)
    assert result == expected
    assert result.as_tuple().exponent == -2


@pytest.mark.parametrize("value", [1.5, 0.1, 100.0])
def test_to_money_refuses_floats(value):
    with pytest.raises(TypeError):
        to_money(value)


def test_split_into_three():
    parts = split(D("100.00"), 3)
    assert parts == [D("33.34"), D("33.33"), D("33.33")]
    assert sum(parts) == D("100.00")


@pytest.mark.parametrize(
    ("total", "parts"),
    [("100.00", 3), ("0.01", 3), ("0.00", 4), ("1000.00", 7), ("2400.00", 8), ("999.99", 12), ("1.00", 1), ("5", 2)],
)
def test_split_adds_up_exactly_and_differs_by_at_most_a_kopeck(total, parts):
    result = split(D(total), parts)
    assert len(result) == parts
    assert sum(result) == to_money(total)
    assert max(result) - min(result) <= KOPECK
    assert all(p.as_tuple().exponent == -2 for p in result)
    assert result == sorted(result, reverse=True)  # leftover kopecks go to the first parts


def test_split_rounds_the_total_first():
    assert split(D("10.005"), 2) == [D("5.01"), D("5.00")]


@pytest.mark.parametrize("parts", [0, -1])
def test_split_refuses_no_parts(parts):
    with pytest.raises(ValueError):
        split(D("100.00"), parts)


def test_split_refuses_floats():
    with pytest.raises(TypeError):
        split(100.0, 3)


@pytest.mark.parametrize(
    ("total", "numerator", "denominator", "expected"),
    [
        ("100.00", 1, 3, "33.33"),
        ("100.00", 2, 3, "66.66"),  # rounded down: a share never exceeds its whole
        ("100.00", 3, 3, "100.00"),
        ("100.00", 0, 3, "0.00"),
        ("2400.00", 5, 8, "1500.00"),
    ],
)
def test_share_rounds_down(total, numerator, denominator, expected):
    assert share(D(total), numerator, denominator) == D(expected)


@pytest.mark.parametrize(("numerator", "denominator"), [(1, 0), (4, 3), (-1, 3), (0, -1)])
def test_share_refuses_impossible_fractions(numerator, denominator):
    with pytest.raises(ValueError):
        share(D("100.00"), numerator, denominator)


@pytest.mark.parametrize(
    ("price", "normative", "available", "expected"),
    [
        ("250.00", "300.00", "10000.00", "250.00"),  # the price is the smallest
        ("350.00", "300.00", "10000.00", "300.00"),  # the normative price is the smallest
        ("250.00", "300.00", "100.00", "100.00"),  # the balance is the smallest
        ("250.00", "300.00", "0.00", "0.00"),
        ("250.00", "300.00", "-5.00", "0.00"),  # never negative
        ("0.00", "300.00", "1000.00", "0.00"),
    ],
)
def test_certificate_covers_the_smallest(price, normative, available, expected):
    covered = certificate_covers(price=D(price), normative_price=D(normative), available=D(available))
    assert covered == D(expected)
    assert covered >= ZERO


def test_certificate_covers_rounds_and_refuses_floats():
    assert certificate_covers(price=D("100.005"), normative_price=D("200"), available=D("1000")) == D("100.01")
    with pytest.raises(TypeError):
        certificate_covers(price=100.0, normative_price=D("200"), available=D("1000"))


def test_certificate_covers_is_keyword_only():
    with pytest.raises(TypeError):
        certificate_covers(D("1"), D("2"), D("3"))  # type: ignore[misc]


@pytest.mark.parametrize(
    "value",
    [D("NaN"), D("sNaN"), D("Infinity"), D("-Infinity"), "NaN", "inf", "1e20", "abc", "", D("1e30"), "-1e10"],
)
def test_to_money_refuses_what_is_not_an_amount(value):
    with pytest.raises(ValueError, match="money"):
        to_money(value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [("9999999999.99", "9999999999.99"), ("9999999999.994", "9999999999.99"), ("-9999999999.99", "-9999999999.99")],
)
def test_to_money_accepts_the_largest_amount_the_column_holds(value, expected):
    assert to_money(value) == D(expected)


@pytest.mark.parametrize("value", ["9999999999.995", "10000000000", D("-10000000000.00"), 10**10])
def test_to_money_refuses_amounts_the_column_cannot_hold(value):
    with pytest.raises(ValueError, match="numeric"):
        to_money(value)


def test_certificate_covers_without_a_balance_limit():
    assert certificate_covers(price=D("350.00"), normative_price=D("300.00")) == D("300.00")
    assert certificate_covers(price=D("250.00"), normative_price=D("300.00"), available=None) == D("250.00")
