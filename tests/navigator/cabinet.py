"""Helpers shared by the personal-account tests (pages, authorization, API, browser)."""

from __future__ import annotations

from django.test import Client

from enrollments.models import Enrollment
from tests.billing.factories import ChargeFactory
from tests.catalog.factories import GroupFactory, ProgramFactory, ProviderFactory
from tests.enrollments.factories import EnrollmentFactory


def signed_in(user, **kwargs) -> Client:
    client = Client(**kwargs)
    client.force_login(user)
    return client


def lessons_paid(certificate, n: int, *, title: str = "Робототехника", **enrollment) -> Enrollment:
    """An active contract of the certificate's child in a new group of a program called `title`, and
    `n` attended lessons, each paid from the certificate (a DEBIT ledger entry behind each charge)."""
    program = ProgramFactory(title=title, provider=ProviderFactory(municipality=certificate.municipality))
    contract = EnrollmentFactory(
        child=certificate.child, group=GroupFactory(program=program), certificate=certificate, active=True, **enrollment
    )
    for _ in range(n):
        ChargeFactory(mark__enrollment=contract)
    return contract
