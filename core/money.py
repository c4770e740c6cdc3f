"""The one place where roubles are rounded and split.

Amounts are `Decimal` with two places (`numeric(12,2)` in the database), rounded half up, never
float. A split returns parts that add up to the whole exactly.
"""

from __future__ import annotations

from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

KOPECK = Decimal("0.01")
ZERO = Decimal("0.00")
MAX_DIGITS = 12
DECIMAL_PLACES = 2


def to_money(value: Decimal | int | str) -> Decimal:
    """Round to kopecks, half up. Floats are refused: they cannot hold roubles exactly."""
    if isinstance(value, float):
        raise TypeError("money must not be a float")
    return Decimal(value).quantize(KOPECK, rounding=ROUND_HALF_UP)


def split(total: Decimal, parts: int) -> list[Decimal]:
    """Split `total` into `parts` amounts that differ by at most a kopeck and sum to `total`.

    The leftover kopecks go to the first parts, so the result is deterministic.
    """
    if parts <= 0:
        raise ValueError("parts must be positive")
    total = to_money(total)
    kopecks = int(total / KOPECK)
    base, remainder = divmod(kopecks, parts)
    return [(Decimal(base + (1 if i < remainder else 0)) * KOPECK).quantize(KOPECK) for i in range(parts)]


def share(total: Decimal, numerator: int, denominator: int) -> Decimal:
    """`total * numerator / denominator`, rounded down to the kopeck (a share never exceeds its whole)."""
    if denominator <= 0 or not 0 <= numerator <= denominator:
        raise ValueError("share needs 0 <= numerator <= denominator and denominator > 0")
    return (to_money(total) * numerator / denominator).quantize(KOPECK, rounding=ROUND_DOWN)


def certificate_covers(*, price: Decimal, normative_price: Decimal, available: Decimal) -> Decimal:
    """What the certificate pays for one unit: min(price, normative price, available balance)."""
    return max(ZERO, min(to_money(price), to_money(normative_price), to_money(available)))
