"""Certificate issuance and account opening (services: writes; see selectors for reads)."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils import timezone

from catalog.models import Municipality
from certificates.models import (
    Certificate,
    CertificateAccount,
    CertificateNumberSequence,
    Child,
    FundedCertificateRequest,
    FundingPeriod,
    LedgerEntry,
)


def certificate_number(*, region_code: str, municipality_code: str, sequence: int) -> str:
    """10 digits: region (2) + municipality (2) + sequence (6)."""
    if not 0 < sequence <= 999_999:
        raise ValueError("certificate sequence must be 1..999999")
    return f"{region_code}{municipality_code}{sequence:06d}"


def certificate_valid_until(birth_date: date) -> date:
    """The day before the 18th birthday (29 February births end on 28 February)."""
    try:
        eighteenth = birth_date.replace(year=birth_date.year + 18)
    except ValueError:
        eighteenth = date(birth_date.year + 18, 3, 1)
    return date.fromordinal(eighteenth.toordinal() - 1)


def period_current(*, municipality: Municipality, on: date | None = None) -> FundingPeriod | None:
    on = on or timezone.localdate()
    return FundingPeriod.objects.filter(municipality=municipality, start_date__lte=on, end_date__gte=on).first()


def _next_number(municipality: Municipality) -> str:
    CertificateNumberSequence.objects.get_or_create(municipality=municipality)
    sequence = CertificateNumberSequence.objects.select_for_update().get(municipality=municipality)
    sequence.last_value += 1
    sequence.save(update_fields=["last_value"])
    return certificate_number(
        region_code=municipality.region_code, municipality_code=municipality.code, sequence=sequence.last_value
    )


def account_open(*, certificate: Certificate, period: FundingPeriod) -> CertificateAccount:
    """Open the certificate's account for a period and credit the nominal (idempotent)."""
    account, _created = CertificateAccount.objects.get_or_create(certificate=certificate, period=period)
    if period.nominal > 0:
        LedgerEntry.objects.get_or_create(
            idempotency_key=f"account:{account.pk}:open",
            defaults={
                "account": account,
                "kind": LedgerEntry.Kind.OPEN,
                "nominal_delta": period.nominal,
                "description": f"Номинал на период «{period.name}»",
            },
        )
        account.refresh_from_db()
    return account


@transaction.atomic
def certificate_issue(*, child: Child, on: date | None = None) -> Certificate:
    """Issue the child's one certificate, or return the one it already has.

    Funded while the municipality's limit of funded certificates for the current period is not
    reached, otherwise an accounting certificate plus a place in the first-come queue. The period
    row is locked so that two issuances cannot both take the last funded place.
    """
    existing = Certificate.objects.filter(child=child).first()
    if existing is not None:
        return existing
    municipality = child.municipality
    period = period_current(municipality=municipality, on=on)
    if period is not None:
        period = FundingPeriod.objects.select_for_update().get(pk=period.pk)
    funded = (
        period is not None
        and CertificateAccount.objects.filter(period=period, certificate__kind=Certificate.Kind.FUNDED).count()
        < period.max_funded_certificates
    )
    certificate = Certificate.objects.create(
        child=child,
        number=_next_number(municipality),
        municipality=municipality,
        kind=Certificate.Kind.FUNDED if funded else Certificate.Kind.ACCOUNTING,
        valid_until=certificate_valid_until(child.birth_date),
    )
    if funded:
        account_open(certificate=certificate, period=period)
    elif period is not None:
        FundedCertificateRequest.objects.create(period=period, certificate=certificate)
    return certificate
