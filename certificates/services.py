"""Parents' confirmed links, certificate issuance and account opening (services: writes; see selectors for
reads; children added by hand are claims, in claims.py)."""

from __future__ import annotations

from datetime import date

from django.db import connection
from django.db.models import F
from django.utils import timezone

from catalog.models import Municipality
from certificates.ledger_keys import account_open_key
from certificates.models import (
    CHILD_MAX_AGE,
    Certificate,
    CertificateAccount,
    Child,
    FundedCertificateRequest,
    FundingPeriod,
    LedgerEntry,
    ParentLink,
)


def certificate_number(*, region_code: str, municipality_code: str, sequence: int) -> str:
    """10 digits: region (2) + municipality (2) + sequence (6)."""
    if not 0 < sequence <= 999_999:
        raise ValueError("certificate sequence must be 1..999999")
    return f"{region_code}{municipality_code}{sequence:06d}"


def certificate_valid_until(birth_date: date) -> date:
    """The day before the 18th birthday (29 February births end on 28 February)."""
    try:
        eighteenth = birth_date.replace(year=birth_date.year + CHILD_MAX_AGE)
    except ValueError:
        eighteenth = date(birth_date.year + CHILD_MAX_AGE, 3, 1)
    return date.fromordinal(eighteenth.toordinal() - 1)


def period_current(*, municipality: Municipality, on: date | None = None) -> FundingPeriod | None:
    on = on or timezone.localdate()
    return FundingPeriod.objects.filter(municipality=municipality, start_date__lte=on, end_date__gte=on).first()


def _next_number(municipality: Municipality) -> str:
    """The next number of the municipality's own PostgreSQL sequence (certificates_next_number in
    migrations/sql/0007_period_funding_and_numbers.sql): no shared row is locked, and a number taken by a
    transaction that rolls back is simply skipped (gaps are allowed)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT certificates_next_number(%s)", [municipality.pk])
        sequence = cursor.fetchone()[0]
    return certificate_number(
        region_code=municipality.region_code, municipality_code=municipality.code, sequence=sequence
    )


def account_open(*, certificate: Certificate, period: FundingPeriod) -> CertificateAccount:
    """Open the certificate's account for a period and credit the nominal (idempotent). The funded
    limit is the caller's: enrollments.contracts counts the account against it as it accepts."""
    return account_open_created(certificate=certificate, period=period)[0]


def account_open_created(*, certificate: Certificate, period: FundingPeriod) -> tuple[CertificateAccount, bool]:
    """account_open, and whether this call created the account. False also when a concurrent transaction
    created it and committed first (the unique (certificate, period) key made this one wait, then find
    it): only the creator counts the account against the period's funded limit."""
    account, created = CertificateAccount.objects.get_or_create(certificate=certificate, period=period)
    if period.nominal > 0:
        LedgerEntry.objects.get_or_create(
            idempotency_key=account_open_key(account.pk),
            defaults={
                "account": account,
                "kind": LedgerEntry.Kind.OPEN,
                "nominal_delta": period.nominal,
                "description": f"Номинал на период «{period.name}»",
            },
        )
        account.refresh_from_db()
    return account, created


def period_funded_account_take(*, period: FundingPeriod) -> bool:
    """Count one more funded account against the period's limit: the last statement of an acceptance,
    so that the period row is locked only while the transaction commits. False when there is no room
    (the transaction must then be rolled back: the account it opened would be over the limit)."""
    return bool(
        FundingPeriod.objects.filter(pk=period.pk, funded_accounts__lt=F("max_funded_certificates")).update(
            funded_accounts=F("funded_accounts") + 1
        )
    )


def certificate_issue(*, child: Child) -> Certificate:
    """Issue the child's one certificate, or return the one it already has. The number comes at once
    from the municipality's sequence; whether the certificate is funded is decided per period, when a
    contract that needs money is accepted (enrollments.contracts)."""
    # One query in the common case (every application but the child's first).
    existing = Certificate.objects.filter(child=child).first()
    return existing if existing is not None else certificate_issue_first(child=child)


# Two first requests for the same child (a double click, two applications at once) issue one
# certificate: the second INSERT waits on the unique child_id until the first commits and then does
# nothing (the number it took is a gap, allowed). No row is locked and no savepoint is needed.
ISSUE_SQL = """
INSERT INTO certificates_certificate (child_id, number, municipality_id, status, issued_at, valid_until)
VALUES (%s, %s, %s, %s, %s, %s)
ON CONFLICT (child_id) DO NOTHING
RETURNING id, issued_at
"""


def certificate_issue_first(*, child: Child) -> Certificate:
    """Issue a certificate to a child that had none when the caller looked (`child.municipality`
    loaded: its codes make the number); returns the one a concurrent request issued if it won."""
    municipality = child.municipality
    certificate = Certificate(
        child=child,
        number=_next_number(municipality),
        municipality=municipality,
        status=Certificate.Status.ACTIVE,
        issued_at=timezone.now(),
        valid_until=certificate_valid_until(child.birth_date),
    )
    with connection.cursor() as cursor:
        cursor.execute(
            ISSUE_SQL,
            [
                child.pk,
                certificate.number,
                municipality.pk,
                certificate.status,
                certificate.issued_at,
                certificate.valid_until,
            ],
        )
        row = cursor.fetchone()
    if row is None:
        return Certificate.objects.get(child=child)
    certificate.pk = row[0]
    certificate._state.adding, certificate._state.db = False, "default"
    return certificate


def funding_queue_join(*, certificate: Certificate, period: FundingPeriod) -> FundedCertificateRequest:
    """A place in the period's first-come queue for a funded account (kept if already there)."""
    request, _created = FundedCertificateRequest.objects.get_or_create(period=period, certificate=certificate)
    return request


# --- Parents' links to children ------------------------------------------------------------------


def parent_link_confirmed(*, parent, child_id: int) -> bool:
    """Whether the parent's link to the child is confirmed (by Gosuslugi or by municipal staff)."""
    return ParentLink.objects.filter(user=parent, child_id=child_id).exclude(confirmation="").exists()


def parent_link_confirm(*, parent, child: Child, confirmation: str) -> ParentLink:
    """Link the parent to the child as confirmed (Gosuslugi import, municipal review of a claim); a link
    the parent has already keeps its first confirmation. Idempotent."""
    link, _created = ParentLink.objects.get_or_create(
        user=parent, child=child, defaults={"confirmation": confirmation, "confirmed_at": timezone.now()}
    )
    return link
