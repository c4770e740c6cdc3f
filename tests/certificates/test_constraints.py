"""The database itself keeps certificates and their money right.

Every bad write goes around the ORM's validation (QuerySet.update(), bulk_create or raw SQL). The
ledger triggers (certificates/migrations/sql/) make the ledger append-only and the only writer of an
account's totals, and the account's CHECK constraints refuse an overdraft.
"""

import datetime
from decimal import Decimal

import pytest
from django.db import DataError, connection, transaction
from django.db.models import Sum
from psycopg2 import errorcodes

from certificates.models import (
    Certificate,
    CertificateAccount,
    Child,
    FundedCertificateRequest,
    FundingPeriod,
    LedgerEntry,
)
from tests.catalog.factories import MunicipalityFactory
from tests.certificates.factories import (
    CertificateAccountFactory,
    CertificateFactory,
    ChildFactory,
    FundedCertificateRequestFactory,
    FundingPeriodFactory,
    LedgerEntryFactory,
    funded_account,
)
from tests.db import refused

pytestmark = pytest.mark.django_db

D = Decimal
ZERO = D("0.00")


def entry(account, kind, nominal="0", reserved="0", spent="0", **kwargs) -> LedgerEntry:
    """An unsaved ledger row, for bulk_create (which bypasses the factory's and the model's checks)."""
    return LedgerEntryFactory.build(
        account=account,
        kind=kind,
        nominal_delta=D(nominal),
        reserved_delta=D(reserved),
        spent_delta=D(spent),
        **kwargs,
    )


def totals(account) -> tuple[Decimal, Decimal, Decimal]:
    account.refresh_from_db()
    return account.nominal, account.reserved, account.spent


def ledger_sums(account) -> tuple[Decimal, Decimal, Decimal]:
    sums = account.entries.aggregate(n=Sum("nominal_delta"), r=Sum("reserved_delta"), s=Sum("spent_delta"))
    return tuple(sums[k] or ZERO for k in "nrs")


# Funding periods


@pytest.mark.parametrize("field", ["nominal", "total_budget"])
def test_period_amounts_never_negative(field):
    period = FundingPeriodFactory()
    with refused("period_amounts_not_negative"):
        FundingPeriod.objects.filter(pk=period.pk).update(**{field: D("-1.00")})


@pytest.mark.parametrize("end", [datetime.date(2025, 9, 1), datetime.date(2025, 8, 31)], ids=["same-day", "before"])
def test_period_dates_ordered(end):
    period = FundingPeriodFactory(year=2025)
    with refused("period_dates_ordered"):
        FundingPeriod.objects.filter(pk=period.pk).update(end_date=end)


def test_period_direction_cap_positive():
    period = FundingPeriodFactory()
    with refused("period_direction_cap_positive"):
        FundingPeriod.objects.filter(pk=period.pk).update(direction_cap=0)


def _period(municipality, start, end) -> FundingPeriod:
    return FundingPeriodFactory.build(municipality=municipality, start_date=start, end_date=end)


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (datetime.date(2026, 1, 1), datetime.date(2026, 12, 31)),  # overlaps the second half
        (datetime.date(2024, 9, 1), datetime.date(2025, 9, 1)),  # shares the first day (bounds are inclusive)
        (datetime.date(2026, 8, 31), datetime.date(2027, 8, 31)),  # shares the last day
        (datetime.date(2025, 10, 1), datetime.date(2025, 10, 31)),  # inside
        (datetime.date(2024, 1, 1), datetime.date(2027, 1, 1)),  # around
    ],
    ids=["partial", "first-day", "last-day", "inside", "around"],
)
def test_overlapping_periods_in_one_municipality_refused(start, end):
    existing = FundingPeriodFactory(year=2025)  # 2025-09-01 .. 2026-08-31
    with refused("period_no_overlap", errorcodes.EXCLUSION_VIOLATION):
        FundingPeriod.objects.bulk_create([_period(existing.municipality, start, end)])
    assert FundingPeriod.objects.filter(municipality=existing.municipality).count() == 1


def test_overlap_refused_when_an_existing_period_is_moved():
    first = FundingPeriodFactory(year=2025)
    second = FundingPeriodFactory(municipality=first.municipality, year=2026)
    with refused("period_no_overlap", errorcodes.EXCLUSION_VIOLATION):
        FundingPeriod.objects.filter(pk=second.pk).update(start_date=datetime.date(2026, 8, 1))


def test_adjacent_periods_in_one_municipality_allowed():
    existing = FundingPeriodFactory(year=2025)
    FundingPeriod.objects.bulk_create(
        [
            _period(existing.municipality, datetime.date(2024, 9, 1), datetime.date(2025, 8, 31)),
            _period(existing.municipality, datetime.date(2026, 9, 1), datetime.date(2027, 8, 31)),
        ]
    )
    assert FundingPeriod.objects.filter(municipality=existing.municipality).count() == 3


def test_overlapping_periods_in_different_municipalities_allowed():
    existing = FundingPeriodFactory(year=2025)
    FundingPeriod.objects.bulk_create([_period(MunicipalityFactory(), existing.start_date, existing.end_date)])
    assert FundingPeriod.objects.filter(start_date=existing.start_date, end_date=existing.end_date).count() == 2


# Children


def test_child_snils_unique():
    child = ChildFactory()
    with refused("snils", errorcodes.UNIQUE_VIOLATION):
        Child.objects.bulk_create([ChildFactory.build(snils=child.snils, municipality=child.municipality)])


@pytest.mark.parametrize(
    "snils",
    ["1122334459", "1122334459a", "112 233 445", "１１２２３３４４５９５"],
    ids=["10-digits", "letter", "spaces", "fullwidth-digits"],
)
def test_child_snils_eleven_digits(snils):
    child = ChildFactory()
    with refused("child_snils_digits"):
        with connection.cursor() as cursor:
            cursor.execute("UPDATE certificates_child SET snils = %s WHERE id = %s", [snils, child.pk])


def test_child_birth_date_plausible():
    child = ChildFactory()
    with refused("child_birth_date_plausible"):
        Child.objects.filter(pk=child.pk).update(birth_date=datetime.date(1989, 12, 31))


# Certificates


def test_certificate_number_unique():
    certificate = CertificateFactory()
    other = ChildFactory(municipality=certificate.municipality)
    with refused("number", errorcodes.UNIQUE_VIOLATION):
        Certificate.objects.bulk_create([CertificateFactory.build(child=other, number=certificate.number)])


@pytest.mark.parametrize(
    "number",
    ["710100001", "71O1000001", "71-0100001", "７１０１０００００１"],
    ids=["9-digits", "letter-O", "dash", "fullwidth-digits"],
)
def test_certificate_number_ten_digits(number):
    certificate = CertificateFactory()
    with refused("certificate_number_ten_digits"):
        with connection.cursor() as cursor:
            cursor.execute("UPDATE certificates_certificate SET number = %s WHERE id = %s", [number, certificate.pk])


def test_one_certificate_per_child():
    certificate = CertificateFactory()
    with refused("child_id", errorcodes.UNIQUE_VIOLATION):
        Certificate.objects.bulk_create([CertificateFactory.build(child=certificate.child)])
    assert Certificate.objects.filter(child=certificate.child).count() == 1


def test_certificate_numbers_stop_at_six_digits():
    """The municipality's number sequence refuses a seventh digit rather than wrapping around."""
    municipality = CertificateFactory().municipality
    with connection.cursor() as cursor:
        cursor.execute("SELECT certificates_next_number(%s)", [municipality.pk])
        cursor.execute(f"SELECT setval('certificates_number_{municipality.pk}', 999999)")
        with pytest.raises(DataError, match="reached maximum value"), transaction.atomic():
            cursor.execute("SELECT certificates_next_number(%s)", [municipality.pk])


def test_a_certificate_number_opens_no_subtransaction():
    """PL/pgSQL opens a subtransaction for every entry into a block with an EXCEPTION clause: the number
    function, called for every certificate issued, has none (migration 0015)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT prosrc FROM pg_proc WHERE proname = 'certificates_next_number'")
        (source,) = cursor.fetchone()
    assert "EXCEPTION" not in source.upper()


def test_a_period_never_counts_more_funded_accounts_than_its_limit():
    period = FundingPeriodFactory(max_funded_certificates=2)
    FundingPeriod.objects.filter(pk=period.pk).update(funded_accounts=2)
    with refused("period_funded_within_limit"):
        FundingPeriod.objects.filter(pk=period.pk).update(funded_accounts=3)
    with refused("period_funded_within_limit"):
        FundingPeriod.objects.filter(pk=period.pk).update(max_funded_certificates=1)


def test_funding_request_once_per_period():
    request = FundedCertificateRequestFactory()
    with refused("funding_request_once_per_period", errorcodes.UNIQUE_VIOLATION):
        FundedCertificateRequest.objects.bulk_create(
            [FundedCertificateRequest(period=request.period, certificate=request.certificate)]
        )


# Accounts: created empty, one per period, totals written only by the ledger


@pytest.mark.parametrize("field", ["nominal", "reserved", "spent"])
def test_account_inserted_with_nonzero_totals_refused(field):
    certificate = CertificateFactory()
    period = FundingPeriodFactory(municipality=certificate.municipality)
    with refused("starts at zero"):
        CertificateAccount.objects.bulk_create(
            [CertificateAccount(certificate=certificate, period=period, **{field: D("100.00")})]
        )
    with refused("starts at zero"):
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO certificates_certificateaccount (certificate_id, period_id, nominal, reserved, spent)"
                " VALUES (%s, %s, 10000, 0, 0)",
                [certificate.pk, period.pk],
            )
    assert not CertificateAccount.objects.filter(certificate=certificate).exists()


def test_account_one_per_period():
    account = CertificateAccountFactory()
    with refused("account_one_per_period", errorcodes.UNIQUE_VIOLATION):
        CertificateAccountFactory(certificate=account.certificate, period=account.period)


@pytest.mark.parametrize(
    "change",
    [{"spent": D("100.00")}, {"reserved": D("100.00")}, {"nominal": D("20000.00")}, {"nominal": ZERO}],
    ids=["spent", "reserved", "nominal-up", "nominal-down"],
)
def test_direct_update_of_account_totals_refused(change):
    account = funded_account(D("10000.00"))
    with refused("totals change only through the ledger", errorcodes.RESTRICT_VIOLATION):
        CertificateAccount.objects.filter(pk=account.pk).update(**change)
    assert totals(account) == (D("10000.00"), ZERO, ZERO)


def test_direct_sql_update_of_account_totals_refused():
    account = funded_account(D("10000.00"))
    with refused("totals change only through the ledger", errorcodes.RESTRICT_VIOLATION):
        with connection.cursor() as cursor:
            cursor.execute("UPDATE certificates_certificateaccount SET spent = spent + 1 WHERE id = %s", [account.pk])
    assert totals(account) == (D("10000.00"), ZERO, ZERO)


def test_account_update_without_total_change_allowed():
    account = funded_account(D("10000.00"))
    assert CertificateAccount.objects.filter(pk=account.pk).update(spent=account.spent) == 1


# The ledger: kind and sign of each row


@pytest.mark.parametrize(
    ("kind", "nominal", "reserved", "spent"),
    [
        ("OPEN", "-100", "0", "0"),
        ("OPEN", "0", "0", "0"),
        ("OPEN", "100", "0", "50"),
        ("RESERVE", "0", "-100", "0"),
        ("RESERVE", "100", "100", "0"),
        ("RELEASE", "0", "100", "0"),
        ("DEBIT", "0", "0", "0"),
        ("DEBIT", "0", "0", "-100"),
        ("DEBIT", "0", "100", "100"),
        ("DEBIT", "-100", "0", "100"),
        ("REFUND", "0", "0", "100"),
        ("REFUND", "100", "0", "-100"),
        ("CASHOUT", "0", "0", "100"),
    ],
)
def test_ledger_kind_signs_refused(kind, nominal, reserved, spent):
    account = funded_account(D("10000.00"))
    LedgerEntryFactory(account=account, kind="DEBIT", nominal_delta=0, spent_delta=D("500.00"))
    with refused("ledger_kind_signs"):
        LedgerEntry.objects.bulk_create([entry(account, kind, nominal, reserved, spent)])
    assert account.entries.count() == 2


def test_ledger_idempotency_key_unique():
    first = LedgerEntryFactory()
    with refused("idempotency_key", errorcodes.UNIQUE_VIOLATION):
        LedgerEntry.objects.bulk_create([entry(first.account, "OPEN", "1", idempotency_key=first.idempotency_key)])
    assert totals(first.account)[0] == first.nominal_delta


# The ledger: the trigger applies each row and the account's CHECKs refuse an overdraft


def test_debit_bigger_than_available_refused_and_not_left_behind():
    account = funded_account(D("1000.00"))
    LedgerEntry.objects.bulk_create([entry(account, "RESERVE", reserved="300")])

    with refused("account_available_not_negative"):
        LedgerEntry.objects.bulk_create([entry(account, "DEBIT", spent="700.01")])

    assert account.entries.count() == 2
    assert totals(account) == (D("1000.00"), D("300.00"), ZERO)
    # Exactly the available balance may still be spent.
    LedgerEntry.objects.bulk_create([entry(account, "DEBIT", spent="700.00")])
    assert totals(account) == (D("1000.00"), D("300.00"), D("700.00"))


def test_debit_refused_by_raw_sql_too():
    account = funded_account(D("100.00"))
    with refused("account_available_not_negative"):
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO certificates_ledgerentry"
                " (account_id, kind, nominal_delta, reserved_delta, spent_delta, idempotency_key, description,"
                " created_at) VALUES (%s, 'DEBIT', 0, 0, 100.01, 'raw-debit', '', now())",
                [account.pk],
            )
    assert not LedgerEntry.objects.filter(idempotency_key="raw-debit").exists()
    assert totals(account) == (D("100.00"), ZERO, ZERO)


def test_reserve_bigger_than_available_refused():
    account = funded_account(D("1000.00"))
    with refused("account_available_not_negative"):
        LedgerEntry.objects.bulk_create([entry(account, "RESERVE", reserved="1000.01")])
    assert account.entries.count() == 1


def test_debit_on_an_empty_account_refused():
    account = CertificateAccountFactory()
    with refused("account_available_not_negative"):
        LedgerEntryFactory(account=account, kind="DEBIT", nominal_delta=0, spent_delta=D("0.01"))
    assert not account.entries.exists()


@pytest.mark.parametrize(
    ("kind", "reserved", "spent"),
    [("RELEASE", "-300.01", "0"), ("REFUND", "0", "-100.01"), ("DEBIT", "-300.01", "1")],
    ids=["release-more-than-reserved", "refund-more-than-spent", "debit-consumes-more-reserve"],
)
def test_totals_never_negative(kind, reserved, spent):
    account = funded_account(D("1000.00"))
    LedgerEntry.objects.bulk_create([entry(account, "RESERVE", reserved="300"), entry(account, "DEBIT", spent="100")])
    with refused("account_totals_not_negative"):
        LedgerEntry.objects.bulk_create([entry(account, kind, reserved=reserved, spent=spent)])
    assert totals(account) == (D("1000.00"), D("300.00"), D("100.00"))


def test_one_bad_row_refuses_the_whole_batch():
    account = funded_account(D("1000.00"))
    batch = [entry(account, "DEBIT", spent="600"), entry(account, "DEBIT", spent="600")]
    with refused("account_available_not_negative"):
        LedgerEntry.objects.bulk_create(batch)
    assert account.entries.count() == 1
    assert totals(account) == (D("1000.00"), ZERO, ZERO)


# The ledger is append-only


def test_ledger_update_refused():
    opening = LedgerEntryFactory(nominal_delta=D("1000.00"))
    with refused("append-only: UPDATE refused", errorcodes.RESTRICT_VIOLATION):
        LedgerEntry.objects.filter(pk=opening.pk).update(nominal_delta=D("5000.00"))
    with refused("append-only: UPDATE refused", errorcodes.RESTRICT_VIOLATION):
        LedgerEntry.objects.filter(pk=opening.pk).update(description="исправлено")
    opening.refresh_from_db()
    assert opening.nominal_delta == D("1000.00")
    assert totals(opening.account)[0] == D("1000.00")


def test_ledger_delete_refused():
    opening = LedgerEntryFactory()
    with refused("append-only: DELETE refused", errorcodes.RESTRICT_VIOLATION):
        LedgerEntry.objects.filter(pk=opening.pk).delete()
    with refused("append-only: DELETE refused", errorcodes.RESTRICT_VIOLATION):
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM certificates_ledgerentry WHERE id = %s", [opening.pk])
    assert LedgerEntry.objects.filter(pk=opening.pk).exists()


# A valid sequence keeps the totals equal to the ledger sums


def test_valid_ledger_sequence_keeps_totals_equal_to_the_ledger():
    account = CertificateAccountFactory()
    steps = [
        (entry(account, "OPEN", nominal="1000"), (D("1000"), ZERO, ZERO)),
        (entry(account, "RESERVE", reserved="300"), (D("1000"), D("300"), ZERO)),
        (entry(account, "DEBIT", reserved="-100", spent="100"), (D("1000"), D("200"), D("100"))),
        (entry(account, "REFUND", spent="-100"), (D("1000"), D("200"), ZERO)),
    ]
    for row, expected in steps:
        row.save()
        assert totals(account) == expected
        assert ledger_sums(account) == expected

    assert account.available == D("800.00")


def test_account_cannot_move_to_another_certificate_or_period():
    account = funded_account(D("10000.00"))
    other = funded_account(D("5000.00"))
    with refused("cannot move to another certificate or period", errorcodes.RESTRICT_VIOLATION):
        CertificateAccount.objects.filter(pk=account.pk).update(certificate=CertificateFactory())
    with refused("cannot move to another certificate or period", errorcodes.RESTRICT_VIOLATION):
        CertificateAccount.objects.filter(pk=account.pk).update(period=other.period)
    account.refresh_from_db()
    assert (account.certificate_id, account.period_id) != (None, other.period_id)
