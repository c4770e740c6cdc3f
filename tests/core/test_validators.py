"""ИНН and СНИЛС checksums, completion and masking."""

import pytest
from django.core.exceptions import ValidationError

from core.validators import (
    format_snils,
    inn_is_valid,
    inn_with_checksum,
    mask_snils,
    normalize_snils,
    snils_checksum,
    snils_is_valid,
    snils_with_checksum,
    validate_inn,
    validate_snils,
)

# ИНН


@pytest.mark.parametrize(
    "inn",
    ["7707083893", "500100732259", "7830002293"],
    ids=["sberbank", "individual", "legal-entity"],
)
def test_valid_inn(inn):
    assert inn_is_valid(inn)
    validate_inn(inn)


@pytest.mark.parametrize(
    "inn",
    [
        "7707083894",  # wrong check digit
        "500100732258",  # wrong second check digit
        "500100732269",  # wrong first check digit
        "770708389",  # 9 digits
        "77070838931",  # 11 digits
        "7707 083893",
        "770708389a",
        "",
        None,
    ],
)
def test_invalid_inn(inn):
    assert not inn_is_valid(inn)
    with pytest.raises(ValidationError) as excinfo:
        validate_inn(inn)
    assert excinfo.value.code == "invalid_inn"


@pytest.mark.parametrize(("body", "inn"), [("770708389", "7707083893"), ("5001007322", "500100732259")])
def test_inn_with_checksum_completes_a_body(body, inn):
    assert inn_with_checksum(body) == inn


@pytest.mark.parametrize("body", [f"{n:09d}" for n in range(123_456_000, 123_456_050)])
def test_completed_inn_is_valid(body):
    assert inn_is_valid(inn_with_checksum(body))
    assert inn_is_valid(inn_with_checksum("7" + body))


@pytest.mark.parametrize("body", ["12345678", "12345678901", ""])
def test_inn_with_checksum_refuses_a_wrong_length(body):
    with pytest.raises(ValueError):
        inn_with_checksum(body)


# СНИЛС


@pytest.mark.parametrize("snils", ["112-233-445 95", "11223344595", " 112 233 445 95 "])
def test_valid_snils(snils):
    assert snils_is_valid(snils)
    validate_snils(snils)


@pytest.mark.parametrize(
    "snils",
    ["112-233-445 96", "112-233-445 9", "112-233-445 950", "", None, "abc-def-ghi jk"],
)
def test_invalid_snils(snils):
    assert not snils_is_valid(snils)
    with pytest.raises(ValidationError) as excinfo:
        validate_snils(snils)
    assert excinfo.value.code == "invalid_snils"


def test_old_snils_before_checksums_accepted():
    # Numbers up to 001-001-998 were issued before checksums existed.
    assert snils_is_valid("001-001-998 00")
    assert snils_is_valid("001-001-998 42")
    assert not snils_is_valid("001-001-999 42")


@pytest.mark.parametrize(
    ("body", "check"),
    [
        ("112233445", 95),  # weighted sum 95, below 100: the sum itself
        ("001019997", 0),  # sum 100 → 00
        ("001029888", 0),  # sum 101 → 00
        ("001029986", 1),  # sum 102 → 102 mod 101
        ("002999989", 0),  # sum 201 → 201 mod 101 = 100 → 00
        ("999999999", 1),  # sum 405 → 405 mod 101
    ],
)
def test_snils_checksum(body, check):
    assert snils_checksum(body) == check
    assert snils_is_valid(f"{body}{check:02d}")


def test_snils_with_checksum_round_trip():
    assert snils_with_checksum("112233445") == "11223344595"
    for n in range(200_000_000, 200_000_300):
        assert snils_is_valid(snils_with_checksum(f"{n:09d}"))


@pytest.mark.parametrize("body", ["12345678", "1234567890", "12345678a"])
def test_snils_with_checksum_refuses_a_bad_body(body):
    with pytest.raises(ValueError):
        snils_with_checksum(body)


def test_normalize_and_format_snils():
    assert normalize_snils("112-233-445 95") == "11223344595"
    assert normalize_snils(None) == ""
    assert format_snils("11223344595") == "112-233-445 95"
    assert format_snils("123") == "123"


@pytest.mark.parametrize("snils", ["11223344595", "112-233-445 95"])
def test_mask_snils_shows_only_the_check_digits(snils):
    assert mask_snils(snils) == "***-***-*** 95"


def test_mask_snils_of_a_malformed_value_shows_nothing():
    assert mask_snils("12345") == "***"
    assert mask_snils("") == "***"


@pytest.mark.parametrize("value", ["７７０７０８３８９３", "١١٢٢٣٣٤٤٥٩٥"], ids=["fullwidth-inn", "arabic-indic-snils"])
def test_non_ascii_digits_refused(value):
    assert not (inn_is_valid(value) or snils_is_valid(value))
