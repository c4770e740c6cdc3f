"""What a contract costs and who pays what: pure functions returning frozen values (no database).

The certificate pays, per lesson, min(price, normative price) (core.money.certificate_covers), and over
the contract only as much as the period's account has available: the reserve made at acceptance. The
rest is the parent's co-payment (доплата), shown before they accept. Every amount is a whole number of
lessons priced per lesson, so nothing is split and kopecks add up exactly.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from catalog.models import Program
from core.money import ZERO, certificate_covers, to_money
from enrollments.models import ContractFunding


@dataclass(frozen=True)
class ContractQuote:
    funding: str  # ContractFunding
    lesson_price: Decimal
    certificate_per_lesson: Decimal
    copayment_per_lesson: Decimal
    lessons_per_month: int
    planned_lessons: int  # from the contract's start to the end of the period (or of the group)
    reserve: Decimal  # what the certificate sets aside now: its share of the planned lessons, within what is available
    copayment_total: Decimal  # what the parents pay over the planned lessons

    @property
    def month_price(self) -> Decimal:
        return self.lesson_price * self.lessons_per_month

    @property
    def month_certificate(self) -> Decimal:
        return self.certificate_per_lesson * self.lessons_per_month

    @property
    def month_copayment(self) -> Decimal:
        return self.copayment_per_lesson * self.lessons_per_month

    @property
    def total_price(self) -> Decimal:
        return self.lesson_price * self.planned_lessons


def contract_quote(
    *,
    program_funding: str,
    lesson_price: Decimal,
    normative_lesson_price: Decimal,
    lessons_per_month: int,
    planned_lessons: int,
    available: Decimal | None,
) -> ContractQuote:
    """The terms of a contract. `available` is what the certificate's account for the period has
    available (None: the certificate has no account there and none can be opened, so it pays nothing)."""
    price = to_money(lesson_price)
    if program_funding == Program.Funding.FREE:
        return ContractQuote(ContractFunding.FREE, ZERO, ZERO, ZERO, lessons_per_month, planned_lessons, ZERO, ZERO)
    if program_funding == Program.Funding.PAID or available is None:
        return ContractQuote(
            ContractFunding.PAID, price, ZERO, price, lessons_per_month, planned_lessons, ZERO, price * planned_lessons
        )
    per_lesson = certificate_covers(price=price, normative_price=normative_lesson_price)
    reserve = min(per_lesson * planned_lessons, max(ZERO, to_money(available)))
    return ContractQuote(
        funding=ContractFunding.FUNDED,
        lesson_price=price,
        certificate_per_lesson=per_lesson,
        copayment_per_lesson=price - per_lesson,
        lessons_per_month=lessons_per_month,
        planned_lessons=planned_lessons,
        reserve=reserve,
        copayment_total=price * planned_lessons - reserve,
    )
