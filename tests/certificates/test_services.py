import datetime
import threading
from decimal import Decimal

import pytest
from django.db import connection

from certificates.models import Certificate, CertificateAccount
from certificates.services import certificate_issue, certificate_number, certificate_valid_until
from tests.catalog.factories import MunicipalityFactory
from tests.certificates.factories import CertificateFactory, ChildFactory, FundingPeriodFactory


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
def test_a_certificate_gets_its_number_at_once_and_no_money_yet():
    """Funding is decided per period when a contract that needs money is accepted
    (tests/enrollments/test_contracts.py); issuing only numbers the certificate."""
    period = FundingPeriodFactory(year=2026, nominal=Decimal("12000.00"), max_funded_certificates=2)
    child = ChildFactory(municipality=period.municipality)

    certificate = certificate_issue(child=child)

    assert certificate.number == f"71{period.municipality.code}000001"
    assert not CertificateAccount.objects.filter(certificate=certificate).exists()
    assert certificate.kind == Certificate.Kind.ACCOUNTING  # no account in the current period


@pytest.mark.django_db
def test_issuing_twice_returns_the_same_certificate():
    child = ChildFactory()

    first = certificate_issue(child=child)
    second = certificate_issue(child=child)

    assert first.pk == second.pk
    assert Certificate.objects.filter(child=child).count() == 1


@pytest.mark.django_db
def test_numbers_continue_after_the_highest_one_issued_before():
    """A municipality whose certificates were loaded in bulk: its sequence starts after them."""
    earlier = CertificateFactory(number="7199000041", child=ChildFactory(municipality=MunicipalityFactory(code="99")))

    later = certificate_issue(child=ChildFactory(municipality=earlier.municipality))

    assert later.number == "7199000042"


@pytest.mark.django_db(transaction=True)
def test_thirty_first_applications_at_once_get_thirty_distinct_numbers():
    """No shared row is locked: each number comes from the municipality's sequence."""
    municipality = MunicipalityFactory()
    children = [ChildFactory(municipality=municipality) for _ in range(30)]
    barrier = threading.Barrier(len(children))
    errors = []

    def issue(child):
        try:
            barrier.wait()
            certificate_issue(child=child)
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
    numbers = list(Certificate.objects.values_list("number", flat=True))
    assert len(numbers) == len(set(numbers)) == 30
    assert all(number.startswith(f"71{municipality.code}") for number in numbers)
