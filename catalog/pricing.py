"""What one lesson of a program costs and who pays what (shown before a parent applies)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from catalog.models import Program
from core.money import ZERO, certificate_covers, to_money


@dataclass(frozen=True)
class LessonPrice:
    price: Decimal
    certificate_pays: Decimal
    parent_pays: Decimal


def program_lesson_price(program: Program) -> LessonPrice:
    """Per lesson: a free budget place costs nothing; a paid program is paid by the parents; a
    certificate program is paid from the certificate up to the normative price, the rest is the
    parent's co-payment (доплата). The child's balance can lower the certificate's part further."""
    price = to_money(program.lesson_price)
    if program.funding == Program.Funding.FREE:
        return LessonPrice(price=ZERO, certificate_pays=ZERO, parent_pays=ZERO)
    if program.funding == Program.Funding.PAID:
        return LessonPrice(price=price, certificate_pays=ZERO, parent_pays=price)
    covered = certificate_covers(price=price, normative_price=program.normative_lesson_price)
    return LessonPrice(price=price, certificate_pays=covered, parent_pays=price - covered)
