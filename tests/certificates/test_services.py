import datetime
import threading
from decimal import Decimal

import pytest
from django.db import connection

from certificates.models import Certificate, CertificateAccount, FundedCertificateRequest, LedgerEntry
from certificates.services import certificate_issue, certificate_number, certificate_valid_until
from tests.catalog.factories import MunicipalityFactory
from tests.certificates.factories import ChildFactory, FundingPeriodFactory

TODAY = datetime.date(2026, 11, 27)


def test_certificate_number_is_region_municipality_sequence():
    assert certificate_number(region_code="71", municipality_code="26", sequence=42) == "7126000042"
    with pytest.raises(ValueError):
        certificate_number(region_code="71", municipality_code="26", sequence=1_000_000)


@pytest.mark.parametrize(
    ("birth", "until"),
    [
        (datetime.date(2015, 3, 14), datetime.date(2033, 3, 13)),
        (datetime.date(2016, 2, 29), datetime.date(2034, 2, 28)),
    ],
)
def test_certificate_is_valid_until_the_child_turns_18(birth, until):
    assert certificate_valid_until(birth) == until


@pytest.mark.django_db
def test_first_certificates_are_funded_and_credited_with_the_nominal():
    period = FundingPeriodFactory(year=2026, nominal=Decimal("12000.00"), max_funded_certificates=2)
    child = ChildFactory(municipality=period.municipality)

    certificate = certificate_issue(child=child, on=TODAY)

    assert certificate.kind == Certificate.Kind.FUNDED
    assert certificate.number == f"71{period.municipality.code}000001"
    account = CertificateAccount.objects.get(certificate=certificate, period=period)
    assert (account.nominal, account.reserved, account.spent, account.available) == (
        Decimal("12000.00"),
        Decimal("0.00"),
        Decimal("0.00"),
        Decimal("12000.00"),
    )
    assert list(account.entries.values_list("kind", flat=True)) == [LedgerEntry.Kind.OPEN]


@pytest.mark.django_db
def test_issuing_twice_returns_the_same_certificate():
    period = FundingPeriodFactory(year=2026)
    child = ChildFactory(municipality=period.municipality)

    first = certificate_issue(child=child, on=TODAY)
    second = certificate_issue(child=child, on=TODAY)

    assert first.pk == second.pk
    assert LedgerEntry.objects.filter(account__certificate=first).count() == 1


@pytest.mark.django_db
def test_past_the_limit_an_accounting_certificate_joins_the_queue():
    period = FundingPeriodFactory(year=2026, max_funded_certificates=1)
    certificate_issue(child=ChildFactory(municipality=period.municipality), on=TODAY)

    late = certificate_issue(child=ChildFactory(municipality=period.municipality), on=TODAY)

    assert late.kind == Certificate.Kind.ACCOUNTING
    assert not CertificateAccount.objects.filter(certificate=late).exists()
    assert FundedCertificateRequest.objects.filter(certificate=late, period=period, granted_at=None).exists()
    assert late.number.endswith("000002")


@pytest.mark.django_db
def test_without_a_current_period_the_certificate_is_for_accounting_only():
    child = ChildFactory(municipality=MunicipalityFactory())

    certificate = certificate_issue(child=child, on=TODAY)

    assert certificate.kind == Certificate.Kind.ACCOUNTING
    assert not FundedCertificateRequest.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_concurrent_issuances_never_exceed_the_funded_limit():
    period = FundingPeriodFactory(year=2026, max_funded_certificates=3)
    children = [ChildFactory(municipality=period.municipality) for _ in range(8)]
    barrier = threading.Barrier(len(children))
    errors = []

    def issue(child):
        try:
            barrier.wait()
            certificate_issue(child=child, on=TODAY)
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=issue, args=(child,)) for child in children]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert Certificate.objects.filter(kind=Certificate.Kind.FUNDED).count() == 3
    assert CertificateAccount.objects.filter(period=period).count() == 3
    assert FundedCertificateRequest.objects.count() == 5
    numbers = sorted(Certificate.objects.values_list("number", flat=True))
    assert numbers == [f"71{period.municipality.code}{n:06d}" for n in range(1, 9)]
