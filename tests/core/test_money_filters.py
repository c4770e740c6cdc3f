"""The money template library ({% load money %}): roubles as a parent reads them."""

from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation

from core.templatetags.money import rub, signed_rub

D = Decimal


@pytest.mark.parametrize(
    ("value", "expected"),
    [(D("250.00"), "250\u00a0₽"), (D("1250.50"), "1\u00a0250,50\u00a0₽"), (D("0.00"), "0\u00a0₽"), (None, "")],
)
def test_rub(value, expected):
    with translation.override("ru"):
        assert rub(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [(D("10000.00"), "+10\u00a0000\u00a0₽"), (D("-250.00"), "\u2212250\u00a0₽"), (D("0.00"), "0\u00a0₽"), (None, "")],
)
def test_signed_rub(value, expected):
    with translation.override("ru"):
        assert signed_rub(value) == expected


def test_templates_load_the_money_library():
    with translation.override("ru"):
        html = Template("{% load money %}{{ a|rub }} {{ b|signed_rub }}").render(Context({"a": D("5"), "b": D("-5")}))
    assert html == "5\u00a0₽ \u22125\u00a0₽"
