"""Checksums of Russian identifiers: ИНН (taxpayer number), ОГРН/ОГРНИП (state registration number)
and СНИЛС (insurance number).

Digits are matched as [0-9], not \\d: \\d also matches other scripts' digits, which the database's
CHECK constraints (and every other system) refuse.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_INN10_WEIGHTS = (2, 4, 10, 3, 5, 9, 4, 6, 8)
_INN12_WEIGHTS_1 = (7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
_INN12_WEIGHTS_2 = (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)


def _inn_digit(digits: str, weights: tuple[int, ...]) -> int:
    return sum(int(d) * w for d, w in zip(digits, weights, strict=False)) % 11 % 10


def inn_is_valid(inn: str) -> bool:
    if not re.fullmatch(r"[0-9]{10}|[0-9]{12}", inn or ""):
        return False
    if len(inn) == 10:
        return _inn_digit(inn, _INN10_WEIGHTS) == int(inn[9])
    return _inn_digit(inn, _INN12_WEIGHTS_1) == int(inn[10]) and _inn_digit(inn, _INN12_WEIGHTS_2) == int(inn[11])


def inn_with_checksum(body: str) -> str:
    """Complete 9 (legal entity) or 10 (individual) digits into a valid ИНН; used by demo data."""
    if len(body) == 9:
        return body + str(_inn_digit(body, _INN10_WEIGHTS))
    if len(body) == 10:
        first = body + str(_inn_digit(body, _INN12_WEIGHTS_1))
        return first + str(_inn_digit(first, _INN12_WEIGHTS_2))
    raise ValueError("an ИНН body has 9 or 10 digits")


def validate_inn(value: str) -> None:
    if not inn_is_valid(value):
        raise ValidationError(_("Неверный ИНН: 10 или 12 цифр с верной контрольной суммой."), code="invalid_inn")


def ogrn_is_valid(ogrn: str) -> bool:
    """ОГРН of a legal entity (13 digits: the 12-digit body mod 11, last digit) or ОГРНИП of an
    individual entrepreneur (15 digits: the 14-digit body mod 13, last digit)."""
    if not re.fullmatch(r"[0-9]{13}|[0-9]{15}", ogrn or ""):
        return False
    body, check = ogrn[:-1], int(ogrn[-1])
    return int(body) % (11 if len(ogrn) == 13 else 13) % 10 == check


def ogrn_with_checksum(body: str) -> str:
    """Complete 12 (legal entity) or 14 (individual) digits into a valid ОГРН; used by demo data and tests."""
    if not re.fullmatch(r"[0-9]{12}|[0-9]{14}", body):
        raise ValueError("an ОГРН body has 12 or 14 digits")
    return body + str(int(body) % (11 if len(body) == 12 else 13) % 10)


def validate_ogrn(value: str) -> None:
    if not ogrn_is_valid(value):
        raise ValidationError(_("Неверный ОГРН: 13 цифр (15 у ИП) с верной контрольной суммой."), code="invalid_ogrn")


def normalize_snils(value: str) -> str:
    """Keep only the digits: «123-456-789 45» → «12345678945»."""
    return re.sub(r"[^0-9]", "", value or "")


def snils_checksum(body: str) -> int:
    total = sum(int(d) * (9 - i) for i, d in enumerate(body))
    if total < 100:
        return total
    if total in (100, 101):
        return 0
    total %= 101
    return 0 if total == 100 else total


def snils_is_valid(value: str) -> bool:
    digits = normalize_snils(value)
    if len(digits) != 11:
        return False
    body, check = digits[:9], int(digits[9:])
    # Numbers up to 001-001-998 were issued before checksums existed.
    if int(body) <= 1001998:
        return True
    return snils_checksum(body) == check


def snils_with_checksum(body: str) -> str:
    if not re.fullmatch(r"[0-9]{9}", body):
        raise ValueError("a СНИЛС body has 9 digits")
    return f"{body}{snils_checksum(body):02d}"


def format_snils(value: str) -> str:
    d = normalize_snils(value)
    return f"{d[0:3]}-{d[3:6]}-{d[6:9]} {d[9:11]}" if len(d) == 11 else value


def mask_snils(value: str) -> str:
    """«***-***-*** 45»: only the check digits are shown."""
    d = normalize_snils(value)
    return f"***-***-*** {d[9:11]}" if len(d) == 11 else "***"


def validate_snils(value: str) -> None:
    if not snils_is_valid(value):
        raise ValidationError(_("Неверный СНИЛС: 11 цифр с верной контрольной суммой."), code="invalid_snils")
