"""Reads of children, certificates and the ledger as a parent sees them (selectors: reads; see services
for writes).

Every selector here is scoped to one parent: a child, certificate or ledger entry of another family is
simply not in the result, so a view that looks an object up through these answers 404 for it, never
403 (which would confirm that the object exists). A parent's children are those of their confirmed
links (ParentLink holds nothing else); a child they typed in by hand is a claim (parent_open_claims)
and shows them only what they typed.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from certificates.models import Certificate, CertificateAccount, Child, ChildClaim


def accounts_newest_first(lookup: str = "accounts") -> Prefetch:
    """Prefetch a certificate's accounts, newest period first, as `period_accounts` (what
    with_current_account() reads); `lookup` reaches the accounts from another model."""
    return Prefetch(
        lookup,
        queryset=CertificateAccount.objects.select_related("period").order_by("-period__start_date", "-pk"),
        to_attr="period_accounts",
    )


def _with_current_account(certificate: Certificate, on: date) -> Certificate:
    """Sets `certificate.current_account`: the account of the period containing `on`, or None.
    Expects `period_accounts` prefetched by accounts_newest_first()."""
    certificate.current_account = next(
        (a for a in certificate.period_accounts if a.period.start_date <= on <= a.period.end_date), None
    )
    return certificate


def child_certificate(child: Child) -> Certificate | None:
    """The child's certificate or None (the reverse one-to-one raises rather than answering None)."""
    try:
        return child.certificate
    except ObjectDoesNotExist:
        return None


def parent_children(*, parent) -> QuerySet[Child]:
    """The parent's children, alphabetically, with their municipality and certificate (if any)."""
    return (
        Child.objects.filter(parents=parent)
        .select_related("municipality", "certificate")
        .order_by("last_name", "first_name", "middle_name", "pk")
    )


def parent_open_claims(*, parent) -> QuerySet[ChildClaim]:
    """The children the parent typed in by hand that wait for review, oldest first: only what they
    typed (a suspended claim looks exactly like a pending one to its claimant)."""
    return (
        ChildClaim.objects.filter(user=parent, status__in=ChildClaim.OPEN_STATUSES)
        .select_related("municipality")
        .order_by("created_at", "pk")
    )


def parent_children_with_accounts(*, parent, on: date | None = None) -> list[Child]:
    """The parent's children; each certificate carries `period_accounts` (newest period first) and
    `current_account` (the period containing `on`, today by default). Two queries whatever the count."""
    on = on or timezone.localdate()
    children = list(parent_children(parent=parent).prefetch_related(accounts_newest_first("certificate__accounts")))
    for child in children:
        certificate = child_certificate(child)
        if certificate is not None:
            _with_current_account(certificate, on)
    return children


def parent_child(*, parent, child_id: int, on: date | None = None) -> Child | None:
    """One of the parent's children with the certificate's accounts (as above); None when the id is
    not one of theirs, whether or not it exists."""
    on = on or timezone.localdate()
    child = (
        parent_children(parent=parent)
        .prefetch_related(accounts_newest_first("certificate__accounts"))
        .filter(pk=child_id)
        .first()
    )
    if child is not None and (certificate := child_certificate(child)) is not None:
        _with_current_account(certificate, on)
    return child


def parent_certificates(*, parent) -> QuerySet[Certificate]:
    """Certificates of the parent's children, by child name, with the child and municipality; each
    carries `period_accounts` (newest period first) once evaluated, one more query for all of them.
    Pass the result through with_current_account() for `current_account`."""
    return (
        Certificate.objects.filter(child__parents=parent)
        .select_related("child", "municipality")
        .prefetch_related(accounts_newest_first())
        .order_by("child__last_name", "child__first_name", "number")
    )


def with_current_account(certificates: Iterable[Certificate], *, on: date | None = None) -> list[Certificate]:
    """The certificates (with `period_accounts`), each given `current_account`: the account of the
    period containing `on` (today by default), or None."""
    on = on or timezone.localdate()
    return [_with_current_account(c, on) for c in certificates]


def parent_certificates_with_accounts(*, parent, on: date | None = None) -> list[Certificate]:
    """All the parent's certificates with `period_accounts` and `current_account`: two queries."""
    return with_current_account(parent_certificates(parent=parent), on=on)


def parent_certificate(*, parent, number: str, on: date | None = None) -> Certificate | None:
    """One certificate of the parent's children by number, with its accounts; None when the number is
    not one of theirs, whether or not it exists."""
    found = parent_certificates(parent=parent).filter(number=number).first()
    return None if found is None else with_current_account([found], on=on)[0]
