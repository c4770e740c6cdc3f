"""Reads of billing as a parent sees it (selectors: reads).

The certificate statement (выписка) lives here rather than in certificates: each ledger line is
explained by the rows above the ledger that point down to it (a contract's reserve row, a charge, a
reversal), and the ledger never points up to them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import QuerySet

from billing.models import Charge
from certificates.models import Certificate, LedgerEntry
from enrollments.models import Enrollment

# --- The statement (выписка) ---------------------------------------------------------------------


def certificate_statement(*, certificate: Certificate) -> QuerySet[LedgerEntry]:
    """Every ledger entry of the certificate, newest first, with what a statement line shows: the
    period, the contract's program (through the reserve row, the charge or the reversed charge that
    points to the entry) and the lesson or month paid for. One query per page."""
    return (
        LedgerEntry.objects.filter(account__certificate=certificate)
        .select_related(
            "account__period",
            "reserve_entry__enrollment__group__program",
            "charge__enrollment__group__program",
            "reversal__charge__enrollment__group__program",
        )
        .order_by("-created_at", "-pk")
    )


@dataclass(frozen=True)
class StatementLine:
    """One ledger entry as the parent reads it.

    `amount` is signed from the certificate's side: the nominal credited (+), money set aside for a
    contract (−) or given back from the reserve (+), a lesson paid (−), a payment refunded (+).
    `service_date` is the lesson date (`service_kind` LESSON) or the first day of the month paid for
    (MONTH); both are None for entries not tied to a charge.
    """

    id: int
    created_at: datetime
    kind: str
    kind_label: str
    amount: Decimal
    nominal_delta: Decimal
    reserved_delta: Decimal
    spent_delta: Decimal
    period_id: int
    period_name: str
    program_id: int | None
    program_title: str
    group_name: str
    service_kind: str | None
    service_date: date | None
    description: str


_SIGNED_AMOUNT = {
    LedgerEntry.Kind.OPEN: lambda e: e.nominal_delta,
    LedgerEntry.Kind.RESERVE: lambda e: -e.reserved_delta,
    LedgerEntry.Kind.RELEASE: lambda e: -e.reserved_delta,
    LedgerEntry.Kind.DEBIT: lambda e: -e.spent_delta,
    LedgerEntry.Kind.REFUND: lambda e: -e.spent_delta,
}


def _follow(entry: LedgerEntry, path: tuple[str, ...]):
    """The object at the end of a path of one-to-one relations, or None where a link is missing."""
    obj = entry
    try:
        for name in path:
            obj = getattr(obj, name)
    except ObjectDoesNotExist:
        return None
    return obj


def _paid_charge(entry: LedgerEntry) -> Charge | None:
    """The charge a DEBIT entry pays, or the one a REFUND entry reverses."""
    return _follow(entry, ("charge",)) or _follow(entry, ("reversal", "charge"))


def _contract(entry: LedgerEntry, charge: Charge | None) -> Enrollment | None:
    """The contract the entry moves money for: through its charge, or its reserve row."""
    if charge is not None:
        return charge.enrollment
    reserve = _follow(entry, ("reserve_entry",))
    return reserve.enrollment if reserve is not None else None


def statement_lines(entries: Iterable[LedgerEntry]) -> list[StatementLine]:
    """Statement lines for entries fetched by certificate_statement() (no further queries)."""
    kind_labels = dict(LedgerEntry.Kind.choices)
    lines = []
    for entry in entries:
        charge = _paid_charge(entry)
        contract = _contract(entry, charge)
        program = contract.group.program if contract is not None else None
        lines.append(
            StatementLine(
                id=entry.pk,
                created_at=entry.created_at,
                kind=entry.kind,
                kind_label=str(kind_labels.get(entry.kind, entry.kind)),
                amount=_SIGNED_AMOUNT[entry.kind](entry),
                nominal_delta=entry.nominal_delta,
                reserved_delta=entry.reserved_delta,
                spent_delta=entry.spent_delta,
                period_id=entry.account.period_id,
                period_name=entry.account.period.name,
                program_id=program.pk if program else None,
                program_title=program.title if program else "",
                group_name=contract.group.name if contract is not None else "",
                service_kind=charge.kind if charge else None,
                service_date=charge.service_date if charge else None,
                description=entry.description,
            )
        )
    return lines
