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
from django.db.models import Case, Count, QuerySet, Sum, Value, When
from django.db.models.functions import Coalesce
from django.utils import formats, timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from billing.disputes import charge_dispute_window
from billing.models import Charge, Dispute, Statement
from billing.models import StatementLine as StatementLineRow
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
    charge_id: int | None = None  # the charge paid (DEBIT) or refunded (REFUND)


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
                charge_id=charge.pk if charge else None,
            )
        )
    return lines


# --- Disputes on the parent's statement ---------------------------------------------------------------


@dataclass(frozen=True)
class LineDispute:
    """What the parent's statement shows beside a paid lesson: the dispute raised on it (its status and
    the answer), or whether one may still be raised (and until when)."""

    charge_id: int
    status: str  # "" when there is none
    status_label: str
    resolution: str
    can_dispute: bool
    dispute_until: datetime | None


def statement_line_disputes(lines: Iterable[StatementLine], *, now: datetime | None = None) -> dict[int, LineDispute]:
    """For the DEBIT lines among `lines` (a page of the parent's statement): their disputes, by ledger
    entry id. Two queries, whatever the number of lines."""
    now = now or timezone.now()
    debit_charge_ids = {
        line.id: line.charge_id for line in lines if line.kind == LedgerEntry.Kind.DEBIT and line.charge_id
    }
    if not debit_charge_ids:
        return {}
    charges = {
        charge.pk: charge
        for charge in Charge.objects.filter(pk__in=debit_charge_ids.values()).select_related(
            "reversal", "account__period", "mark"
        )
    }
    disputes: dict[int, Dispute] = {}
    for dispute in Dispute.objects.filter(charge_id__in=charges).order_by("created_at", "pk"):
        disputes.setdefault(dispute.charge_id, dispute)
    result = {}
    for entry_id, charge_id in debit_charge_ids.items():
        charge = charges.get(charge_id)
        if charge is None:
            continue
        dispute = disputes.get(charge_id)
        until = charge_dispute_window(charge)
        reversed_ = hasattr(charge, "reversal")  # a missing reverse one-to-one raises AttributeError
        can = dispute is None and not reversed_ and until is not None and now <= until
        result[entry_id] = LineDispute(
            charge_id=charge_id,
            status=dispute.status if dispute else "",
            status_label=dispute.get_status_display() if dispute else "",
            resolution=dispute.resolution if dispute else "",
            can_dispute=can,
            dispute_until=until,
        )
    return result


# --- Monthly statements (акт) -------------------------------------------------------------------------

ZERO = Decimal("0.00")


def statements_with_totals(queryset: QuerySet[Statement] | None = None) -> QuerySet[Statement]:
    """Statements with their totals summed from their lines (`total_lessons`, `total_certificate`,
    `total_copayment`, `line_count`): a statement has no stored total to drift from its lines."""
    queryset = Statement.objects.all() if queryset is None else queryset
    return queryset.select_related("provider", "municipality").annotate(
        total_lessons=Coalesce(Sum("lines__lessons"), Value(0)),
        total_certificate=Coalesce(Sum("lines__certificate_amount"), Value(ZERO)),
        total_copayment=Coalesce(Sum("lines__copayment"), Value(ZERO)),
        line_count=Count("lines"),
    )


def provider_statements(*, provider_id: int) -> QuerySet[Statement]:
    """A provider's statements, newest month first, with totals (one query)."""
    return statements_with_totals(Statement.objects.filter(provider_id=provider_id)).order_by(
        "-month", "municipality__name", "pk"
    )


def provider_statement(*, provider_id: int, statement_id: int) -> Statement | None:
    """One of the provider's statements, or None (another provider's is not found either)."""
    return provider_statements(provider_id=provider_id).filter(pk=statement_id).first()


@dataclass(frozen=True)
class StatementRow:
    """One line of a statement as the page, the PDF and the spreadsheet show it. Amounts are signed:
    a reversal's are negative."""

    number: int
    kind: str  # StatementLine.Kind
    label: str
    service_label: str
    child_name: str
    certificate_number: str
    program_title: str
    group_name: str
    lessons: int
    certificate_amount: Decimal
    copayment: Decimal
    note: str

    @property
    def total(self) -> Decimal:
        return self.certificate_amount + self.copayment


@dataclass(frozen=True)
class StatementTotals:
    lessons: int
    certificate_amount: Decimal
    copayment: Decimal
    corrections_certificate: Decimal  # the reversals' part of certificate_amount (≤ 0)

    @property
    def total(self) -> Decimal:
        return self.certificate_amount + self.copayment


@dataclass(frozen=True)
class StatementDocument:
    id: int
    provider_id: int
    provider_name: str
    provider_inn: str
    municipality_id: int
    municipality_name: str
    month: date
    status: str
    status_label: str
    issued_at: datetime | None
    paid_at: datetime | None
    rows: tuple[StatementRow, ...]
    totals: StatementTotals

    @property
    def month_label(self) -> str:
        return formats.date_format(self.month, "F Y")

    @property
    def title(self) -> str:
        month = self.month_label
        # Russian writes a month in the middle of a sentence in lower case («за сентябрь 2026»).
        if (get_language() or "").startswith("ru"):
            month = month[:1].lower() + month[1:]
        return _("Акт № %(number)s за %(month)s") % {"number": self.id, "month": month}


def _service_label(charge: Charge) -> str:
    if charge.kind == Charge.Kind.MONTH:
        return formats.date_format(charge.service_date, "F Y")
    return charge.service_date.strftime("%d.%m.%Y")


def _row(number: int, line: StatementLineRow, month: date) -> StatementRow:
    charge = line.charge if line.charge_id else line.reversal.charge
    enrollment = charge.enrollment
    home = charge.service_date.replace(day=1)
    earlier = home < month
    if line.kind == StatementLineRow.Kind.CHARGE:
        label = str(charge.get_kind_display())
        note = _("после выставления акта за %(month)s") % {"month": formats.date_format(home, "F Y")} if earlier else ""
    else:
        label = _("Сторно: %(reason)s") % {"reason": line.reversal.get_reason_display()}
        note = _("к акту за %(month)s") % {"month": formats.date_format(home, "F Y")} if earlier else ""
    if charge.kind == Charge.Kind.MONTH:
        label = _("%(label)s (занятий: %(n)s)") % {"label": label, "n": charge.lessons}
    return StatementRow(
        number=number,
        kind=line.kind,
        label=label,
        service_label=_service_label(charge),
        child_name=enrollment.child.full_name,
        certificate_number=enrollment.certificate.number if enrollment.certificate_id else "",
        program_title=enrollment.group.program.title,
        group_name=enrollment.group.name,
        lessons=line.lessons,
        certificate_amount=line.certificate_amount,
        copayment=line.copayment,
        note=note,
    )


def statement_document(*, statement: Statement) -> StatementDocument:
    """The statement and its lines as one frozen read (two queries): charges in service order, then
    the reversals in the order they came."""
    related = ("enrollment__child", "enrollment__certificate", "enrollment__group__program")
    lines = list(
        StatementLineRow.objects.filter(statement=statement)
        .select_related(*(f"charge__{r}" for r in related), "reversal", *(f"reversal__charge__{r}" for r in related))
        .order_by("kind", "pk")
    )
    rows = tuple(_row(number, line, statement.month) for number, line in enumerate(lines, start=1))
    totals = StatementTotals(
        lessons=sum(row.lessons for row in rows),
        certificate_amount=sum((row.certificate_amount for row in rows), ZERO),
        copayment=sum((row.copayment for row in rows), ZERO),
        corrections_certificate=sum(
            (row.certificate_amount for row in rows if row.kind == StatementLineRow.Kind.REVERSAL), ZERO
        ),
    )
    provider, municipality = statement.provider, statement.municipality
    return StatementDocument(
        id=statement.pk,
        provider_id=provider.pk,
        provider_name=provider.legal_name or provider.short_name,
        provider_inn=provider.inn,
        municipality_id=municipality.pk,
        municipality_name=municipality.name,
        month=statement.month,
        status=statement.status,
        status_label=str(statement.get_status_display()),
        issued_at=statement.issued_at,
        paid_at=statement.paid_at,
        rows=rows,
        totals=totals,
    )


# --- Disputes as the provider sees them ----------------------------------------------------------------


def provider_disputes(*, provider_id: int) -> QuerySet[Dispute]:
    """Disputes of the provider's charges, open ones first, then newest first (one query per page)."""
    return (
        Dispute.objects.filter(charge__provider_id=provider_id)
        .select_related(
            "lesson", "charge__enrollment__child", "charge__enrollment__group__program", "raised_by", "reversal"
        )
        .order_by(Case(When(status=Dispute.Status.OPEN, then=Value(0)), default=Value(1)), "-created_at", "-pk")
    )


def provider_dispute(*, provider_id: int, dispute_id: int) -> Dispute | None:
    return provider_disputes(provider_id=provider_id).filter(pk=dispute_id).first()


def provider_open_dispute_count(*, provider_id: int) -> int:
    return Dispute.objects.filter(charge__provider_id=provider_id, status=Dispute.Status.OPEN).count()
