"""The one place where roubles are rounded and split.

Amounts are `Decimal` with two places (`numeric(12,2)` in the database), rounded half up, never
float. A split returns parts that add up to the whole exactly.
"""

from __future__ import annotations

from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, InvalidOperation

KOPECK = Decimal("0.01")
ZERO = Decimal("0.00")
MAX_DIGITS = 12
DECIMAL_PLACES = 2
# The smallest amount a numeric(MAX_DIGITS, DECIMAL_PLACES) column cannot hold.
LIMIT = Decimal(10) ** (MAX_DIGITS - DECIMAL_PLACES)


def to_money(value: Decimal | int | str) -> Decimal:
    """Round to kopecks, half up. Floats are refused: they cannot hold roubles exactly.

    NaN, infinities, unparsable strings and amounts the database column cannot hold raise
    ValueError here rather than surfacing later as a failed comparison or a database error.
    """
    if isinstance(value, float):
        raise TypeError("money must not be a float")
    try:
        amount = Decimal(value)
    except InvalidOperation:
        raise ValueError(f"not an amount of money: {value!r}") from None
    if not amount.is_finite():
        raise ValueError(f"money must be a finite amount, got {value!r}")
    # Compared before rounding as well: quantizing a huge exponent would exceed the context precision.
    rounded = amount.quantize(KOPECK, rounding=ROUND_HALF_UP) if abs(amount) < LIMIT else amount
    if abs(rounded) >= LIMIT:
        raise ValueError(f"money must be below {LIMIT} in absolute value to fit numeric(12,2), got {value!r}")
    return rounded


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


def certificate_covers(*, price: Decimal, normative_price: Decimal, available: Decimal | None = None) -> Decimal:
    """What the certificate pays for one unit: min(price, normative price, available balance).

    `available=None` means no balance limit (a program's advertised price, before any child is chosen).
    """
    covered = min(to_money(price), to_money(normative_price))
    if available is not None:
        covered = min(covered, to_money(available))
    return max(ZERO, covered)
