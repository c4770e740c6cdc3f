"""What one lesson of a program costs and who pays what (shown before a parent applies), and a month of
lessons priced the same way."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
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


@dataclass(frozen=True)
class MonthCost:
    """What a month of a group costs: its planned lessons, each priced as `per_lesson`."""

    month: date  # the first day of the month
    lessons: int
    whole: bool  # False: the group ends within the month (catalog.groups.MonthLessons)
    per_lesson: LessonPrice
    price: Decimal
    certificate_pays: Decimal
    parent_pays: Decimal


def month_cost(
    per_lesson: LessonPrice, *, month: date, lessons: int, whole: bool = True, certificate_limit: Decimal | None = None
) -> MonthCost:
    """The month's lessons priced per lesson (whole lessons, so nothing is split and kopecks add up).
    `certificate_limit`: at most what the child's certificate has for these lessons (the reserve a contract
    would make, enrollments.terms.contract_quote); the rest is the parents' co-payment. None: the general
    split, as if the balance were enough."""
    price = per_lesson.price * lessons
    certificate = per_lesson.certificate_pays * lessons
    if certificate_limit is not None:
        certificate = min(certificate, max(ZERO, to_money(certificate_limit)))
    return MonthCost(
        month=month,
        lessons=lessons,
        whole=whole,
        per_lesson=per_lesson,
        price=price,
        certificate_pays=certificate,
        parent_pays=price - certificate,
    )
