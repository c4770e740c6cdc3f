"""Monthly statements (акт) of a provider to a paying municipality (services: writes; reads are in
billing.selectors).

A statement is made of lines, one per charge or reversal; each charge and each reversal is a line of
exactly one statement (unique keys on StatementLine), so the statements of a provider add up to its
charges less its reversals, and nothing is counted twice or lost.

Where an item (a charge or a reversal) goes: its home month is the service month of the charge (for a
reversal, of the charge it reverses). It lands in the statement of the first month, from its home month
on, whose statement of that provider and municipality is not issued yet: its own month while that is
open, else the provider's next open statement, as its own line (a correction, a refund, an upheld
dispute or a late charge after the month's statement was issued).

Lines are only ever added, to a DRAFT (a trigger refuses any change to the lines of an issued
statement, and the totals are always sums of the lines). DRAFT → ISSUED (provider staff or municipal
staff) → PAID (municipal staff). Every change of one provider's statements in one municipality runs
under one transaction-level advisory lock of that pair, so that two builds never give an item to two
statements and an issue never misses a line being added.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import connection, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.access import is_municipal_staff, is_provider_staff
from accounts.models import Role
from billing.models import Charge, ChargeReversal, Statement, StatementLine
from core.audit import acting
from core.errors import Conflict, Forbidden, NotFound
from core.locking import lock_one, lock_wait_limited

# How far back the nightly build looks for charges still outside every statement. Charges are made
# within days of their lesson (or of the month's end); older ones, if any, are taken by any build of
# their provider's next open statement, which looks without a limit.
NIGHTLY_LOOKBACK_MONTHS = 3


def month_start(day: date) -> date:
    return day.replace(day=1)


def month_end(month: date) -> date:
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


def next_month(month: date) -> date:
    return month_end(month) + timedelta(days=1)


def _add_months(month: date, months: int) -> date:
    index = month.year * 12 + month.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _lock_pair(provider_id: int, municipality_id: int) -> None:
    """The one lock of a provider's statements in a municipality, held until the transaction ends."""
    with lock_wait_limited(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))",
            [f"billing.statement:{provider_id}:{municipality_id}"],
        )


def _open_from(provider_id: int, municipality_id: int, month: date) -> date:
    """The earliest home month whose items land in `month`'s statement: `month` itself, and every
    earlier month whose statement, like all those after it up to `month`, is already issued."""
    issued = set(
        Statement.objects.filter(provider_id=provider_id, municipality_id=municipality_id, month__lt=month)
        .exclude(status=Statement.Status.DRAFT)
        .values_list("month", flat=True)
    )
    start = month
    while (previous := _add_months(start, -1)) in issued:
        start = previous
    return start


def _pending_charges(provider_id: int, municipality_id: int):
    return Charge.objects.filter(provider_id=provider_id, municipality_id=municipality_id).filter(
        ~Exists(StatementLine.objects.filter(charge_id=OuterRef("pk")))
    )


def _pending_reversals(provider_id: int, municipality_id: int):
    return ChargeReversal.objects.filter(provider_id=provider_id, municipality_id=municipality_id).filter(
        ~Exists(StatementLine.objects.filter(reversal_id=OuterRef("pk")))
    )


def _add_lines(statement: Statement) -> int:
    """Add to a DRAFT statement every item that belongs to it now; how many lines were added. One
    INSERT … SELECT per kind of item: the amounts are copied from the charges and reversals by the
    database (and its trigger checks them again)."""
    first = _open_from(statement.provider_id, statement.municipality_id, statement.month)
    until = month_end(statement.month)
    charges = (
        _pending_charges(statement.provider_id, statement.municipality_id)
        .filter(service_date__gte=first, service_date__lte=until)
        .order_by("service_date", "pk")
        .values_list("pk", "lessons", "certificate_amount", "copayment")
    )
    reversals = (
        _pending_reversals(statement.provider_id, statement.municipality_id)
        .filter(charge__service_date__gte=first, charge__service_date__lte=until)
        .order_by("created_at", "pk")
        .values_list("pk", "charge__lessons", "certificate_amount", "copayment")
    )
    lines = [
        StatementLine(
            statement=statement,
            kind=StatementLine.Kind.CHARGE,
            charge_id=pk,
            lessons=lessons,
            certificate_amount=certificate_amount,
            copayment=copayment,
        )
        for pk, lessons, certificate_amount, copayment in charges
    ]
    lines += [
        StatementLine(
            statement=statement,
            kind=StatementLine.Kind.REVERSAL,
            reversal_id=pk,
            lessons=-lessons,
            certificate_amount=-certificate_amount,
            copayment=-copayment,
        )
        for pk, lessons, certificate_amount, copayment in reversals
    ]
    StatementLine.objects.bulk_create(lines, batch_size=2000)
    return len(lines)


@dataclass(frozen=True)
class BuildResult:
    statement: Statement
    added: int


def statement_build(*, provider_id: int, municipality_id: int, month: date) -> BuildResult:
    """Make (or bring up to date) the statement of a provider to a municipality for a month: every
    charge and reversal that belongs to it and is in no statement yet becomes its line. Idempotent; an
    issued statement is returned as it is."""
    month = month_start(month)
    with transaction.atomic():
        _lock_pair(provider_id, municipality_id)
        statement, _created = Statement.objects.get_or_create(
            provider_id=provider_id, municipality_id=municipality_id, month=month
        )
        if statement.status != Statement.Status.DRAFT:
            return BuildResult(statement, 0)
        return BuildResult(statement, _add_lines(statement))


# The nightly build, set-based: one statement for every provider and municipality at once (the rules of
# statement_build and _add_lines, in SQL). %(since)s and %(current)s bound the home months looked at.
_DUE_HOMES = """
SELECT ch.provider_id, ch.municipality_id, date_trunc('month', ch.service_date)::date AS home
  FROM billing_charge ch
 WHERE ch.service_date >= %(since)s AND ch.service_date < %(current)s
   AND NOT EXISTS (SELECT 1 FROM billing_statementline sl WHERE sl.charge_id = ch.id)
 UNION
SELECT r.provider_id, r.municipality_id, date_trunc('month', ch.service_date)::date
  FROM billing_chargereversal r JOIN billing_charge ch ON ch.id = r.charge_id
 WHERE NOT EXISTS (SELECT 1 FROM billing_statementline sl WHERE sl.reversal_id = r.id)
"""

# Per home month, its target (_target_month): the first month from the home on whose statement is not
# issued. It is the home itself or the month right after an issued one, so those are the candidates.
# Per target, the first home month whose items land in it (_open_from): the month after the latest
# earlier month whose statement is not issued (the month before the target, or before an issued one).
_DUE_TARGETS = (
    """
CREATE TEMP TABLE billing_statement_due ON COMMIT DROP AS
SELECT t.provider_id, t.municipality_id, t.month,
       (SELECT (max(c.month) + interval '1 month')::date
          FROM (SELECT (t.month - interval '1 month')::date AS month
                UNION ALL
                SELECT (s.month - interval '1 month')::date
                  FROM billing_statement s
                 WHERE s.provider_id = t.provider_id AND s.municipality_id = t.municipality_id
                   AND s.month < t.month AND s.status <> 'DRAFT') c
         WHERE NOT EXISTS (SELECT 1 FROM billing_statement s
                            WHERE s.provider_id = t.provider_id AND s.municipality_id = t.municipality_id
                              AND s.month = c.month AND s.status <> 'DRAFT')) AS first_home,
       NULL::bigint AS statement_id
  FROM (SELECT DISTINCT h.provider_id, h.municipality_id,
               (SELECT min(c.month)
                  FROM (SELECT h.home AS month
                        UNION ALL
                        SELECT (s.month + interval '1 month')::date
                          FROM billing_statement s
                         WHERE s.provider_id = h.provider_id AND s.municipality_id = h.municipality_id
                           AND s.month >= h.home AND s.status <> 'DRAFT') c
                 WHERE NOT EXISTS (SELECT 1 FROM billing_statement s
                                    WHERE s.provider_id = h.provider_id AND s.municipality_id = h.municipality_id
                                      AND s.month = c.month AND s.status <> 'DRAFT')) AS month
          FROM ("""
    + _DUE_HOMES
    + """) h
          JOIN unnest(%(providers)s::bigint[], %(municipalities)s::bigint[]) AS locked(provider_id, municipality_id)
            ON locked.provider_id = h.provider_id AND locked.municipality_id = h.municipality_id) t
"""
)

_DUE_STATEMENTS = """
INSERT INTO billing_statement (provider_id, municipality_id, month, status)
SELECT provider_id, municipality_id, month, 'DRAFT' FROM billing_statement_due ORDER BY 1, 2, 3
    ON CONFLICT (provider_id, municipality_id, month) DO NOTHING;
UPDATE billing_statement_due d SET statement_id = s.id
  FROM billing_statement s
 WHERE s.provider_id = d.provider_id AND s.municipality_id = d.municipality_id AND s.month = d.month;
ANALYZE billing_statement_due;
"""

# Every item outside every statement whose home month lies from the target's first home month to the
# target: charges first in service order, then reversals in the order they were made (as _add_lines).
_DUE_LINES = """
INSERT INTO billing_statementline (statement_id, kind, charge_id, reversal_id, lessons, certificate_amount, copayment)
SELECT statement_id, kind, charge_id, reversal_id, lessons, certificate_amount, copayment
  FROM (
    SELECT d.statement_id, 'CHARGE' AS kind, ch.id AS charge_id, NULL::bigint AS reversal_id, ch.lessons,
           ch.certificate_amount, ch.copayment, 0 AS part, ch.service_date::timestamptz AS at, ch.id AS item
      FROM billing_statement_due d
      JOIN billing_charge ch
        ON ch.provider_id = d.provider_id AND ch.municipality_id = d.municipality_id
       AND ch.service_date >= d.first_home
       AND ch.service_date < d.month + interval '1 month'
     WHERE NOT EXISTS (SELECT 1 FROM billing_statementline sl WHERE sl.charge_id = ch.id)
    UNION ALL
    SELECT d.statement_id, 'REVERSAL', NULL, r.id, -ch.lessons, -r.certificate_amount, -r.copayment, 1,
           r.created_at, r.id
      FROM billing_statement_due d
      JOIN billing_chargereversal r ON r.provider_id = d.provider_id AND r.municipality_id = d.municipality_id
      JOIN billing_charge ch ON ch.id = r.charge_id
       AND ch.service_date >= d.first_home
       AND ch.service_date < d.month + interval '1 month'
     WHERE NOT EXISTS (SELECT 1 FROM billing_statementline sl WHERE sl.reversal_id = r.id)
  ) items
 ORDER BY statement_id, part, at, item
"""


def statements_build_due(*, today: date | None = None) -> int:
    """The nightly build: every item outside every statement whose home month has ended (within the
    lookback) goes to its statement, made if missing; the month's other pending items of the same
    statements go with them, as statement_build adds them. Returns how many lines were added.

    Set-based, in one transaction: the pairs (provider, municipality) with something due are locked in
    order (the advisory lock of each pair, as statement_build takes it, so a build and an issue never
    interleave), then each target statement is made and its lines are added by one INSERT … SELECT for
    every provider at once. Issued statements are never touched: the targets are months not issued,
    and the trigger refuses lines for an issued statement anyway."""
    today = today or timezone.localdate()
    current = month_start(today)
    params = {"since": _add_months(current, -NIGHTLY_LOOKBACK_MONTHS), "current": current}
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"SELECT DISTINCT provider_id, municipality_id FROM ({_DUE_HOMES}) h ORDER BY 1, 2", params)
        pairs = cursor.fetchall()
        if not pairs:
            return 0
        providers = [provider for provider, _municipality in pairs]
        municipalities = [municipality for _provider, municipality in pairs]
        # In (provider, municipality) order, so two builds at once queue up rather than deadlock.
        with lock_wait_limited():
            cursor.execute(
                """
                SELECT count(pg_advisory_xact_lock(hashtextextended(
                           'billing.statement:' || provider_id || ':' || municipality_id, 0)))
                  FROM unnest(%s::bigint[], %s::bigint[]) AS pair(provider_id, municipality_id)
                """,
                [providers, municipalities],
            )
        # What is due is read again under the locks (a build or an issue may have just finished).
        params |= {"providers": providers, "municipalities": municipalities}
        cursor.execute("DROP TABLE IF EXISTS pg_temp.billing_statement_due")
        cursor.execute(_DUE_TARGETS, params)
        cursor.execute(_DUE_STATEMENTS)
        cursor.execute(_DUE_LINES)
        return cursor.rowcount


# --- Who may do what ----------------------------------------------------------------------------------


def operator_scope(user) -> tuple[bool, int | None]:
    """(whether the user is a municipal or regional operator, the one municipality they are bound to or
    None for all). The same rule as the admin's scoping (municipal/admin/base.py)."""
    if user.is_superuser:
        return True, None
    if not is_municipal_staff(user):
        return False, None
    if user.role == Role.REGIONAL:
        return True, None
    return True, user.municipality_id


def _visible_to(actor, statement: Statement) -> bool:
    if is_provider_staff(actor):
        return actor.provider_id == statement.provider_id
    operator, municipality_id = operator_scope(actor)
    return operator and municipality_id in (None, statement.municipality_id)


def _locked_statement(actor, statement_id: int) -> Statement:
    """The statement, with its provider-municipality pair locked; NotFound when the actor may not see it."""
    statement = Statement.objects.filter(pk=statement_id).first()
    if statement is None or not _visible_to(actor, statement):
        raise NotFound(_("Акт не найден."))
    _lock_pair(statement.provider_id, statement.municipality_id)
    return lock_one(Statement.objects.filter(pk=statement_id))


# --- Status changes -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class IssueResult:
    statement: Statement
    issued: bool  # it became ISSUED now (False: it already was, or it changed since it was shown)
    added: int  # lines added on the way (then, with `lines_seen` given, it is not issued yet)


def statement_issue(
    *, actor, statement_id: int, lines_seen: int | None = None, today: date | None = None
) -> IssueResult:
    """Issue (выставить) a DRAFT statement once its month has ended: first every item that belongs to
    it is added, then it is frozen with its lines. When the caller showed the statement with
    `lines_seen` lines and it has a different number now, nothing is issued (the lines added stay in
    the draft): people issue what they saw. Idempotent: an issued statement is left as it is."""
    today = today or timezone.localdate()
    with transaction.atomic():
        statement = _locked_statement(actor, statement_id)
        if statement.status != Statement.Status.DRAFT:
            return IssueResult(statement, False, 0)
        if month_end(statement.month) >= today:
            raise Conflict(
                _("Акт за месяц выставляется после его окончания: с %(day)s.")
                % {"day": (month_end(statement.month) + timedelta(days=1)).strftime("%d.%m.%Y")},
                code="month_not_over",
            )
        added = _add_lines(statement)
        count = statement.lines.count()
        if lines_seen is not None and count != lines_seen:
            return IssueResult(statement, False, added)
        if count == 0:
            raise Conflict(_("В акте нет ни одной строки: выставлять нечего."), code="statement_empty")
        statement.status = Statement.Status.ISSUED
        statement.issued_at = timezone.now()
        statement.issued_by = actor
        with acting(actor):
            statement.save(update_fields=["status", "issued_at", "issued_by"])
        return IssueResult(statement, True, added)


@dataclass(frozen=True)
class PaidResult:
    statement: Statement
    changed: bool


def statement_mark_paid(*, actor, statement_id: int) -> PaidResult:
    """Record that the municipality paid an issued statement (municipal staff only). Idempotent."""
    operator, _municipality = operator_scope(actor)
    with transaction.atomic():
        statement = _locked_statement(actor, statement_id)
        if not operator:
            raise Forbidden(_("Оплату акта отмечает муниципальный оператор."), code="operator_only")
        if statement.status == Statement.Status.PAID:
            return PaidResult(statement, False)
        if statement.status != Statement.Status.ISSUED:
            raise Conflict(_("Оплатить можно только выставленный акт."), code="statement_not_issued")
        statement.status = Statement.Status.PAID
        statement.paid_at = timezone.now()
        statement.paid_by = actor
        with acting(actor):
            statement.save(update_fields=["status", "paid_at", "paid_by"])
        return PaidResult(statement, True)


def month_statement_issued(*, provider_id: int, municipality_id: int, month: date) -> bool:
    """Whether the provider's statement to the municipality for the month is issued (or paid): marks of
    that month are then final, and later changes land in the next open statement."""
    return (
        Statement.objects.filter(provider_id=provider_id, municipality_id=municipality_id, month=month_start(month))
        .exclude(status=Statement.Status.DRAFT)
        .exists()
    )
