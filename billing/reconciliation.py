"""Reconciliation: proves that the money tables agree with each other, in set-based SQL.

Each check is one query that returns only the rows that are wrong (an empty answer is a pass), so a
clean region of 300,000 accounts costs a few sequential scans and hash aggregates, never a Python loop
over rows. Every check reads one snapshot (REPEATABLE READ, READ ONLY) so that a debit job running
meanwhile cannot make the ledger and the totals look different.

What is proved (DOMAIN.md «Billing», «Money»):
- every certificate account: nominal = available + reserved + spent with none of them negative, and
  nominal, reserved and spent each equal to the sums of its ledger entries;
- every contract: its remaining reserve equals its reserve rows, each row matches its ledger entry;
- every charge and reversal matches its ledger entry (kind, amount, the account of the contract's
  certificate in the period of the service date), no money left a certificate untraced;
- every billed mark has exactly one net (unreversed) charge, of its current version, and no due
  PRESENT mark is left unbilled after the last finished debit run (a note, not an error, if the job has
  never run);
- every statement line equals its charge or reversal and their ledger entries, and an issued statement
  left out nothing of its month (a statement's totals are always the sums of its lines: never stored).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db import connection, transaction
from django.utils import timezone

from billing.models import JobRun

# How many wrong rows of one check are kept (and printed); the count is always exact.
DEFAULT_LIMIT = 1000


@dataclass(frozen=True)
class Check:
    """One proof: `sql` selects the wrong rows only, each as (key, detail...) columns."""

    name: str
    description: str
    sql: str
    params: Callable[[CheckContext], dict] | None = None


@dataclass(frozen=True)
class CheckContext:
    """What a check may need besides the tables: the date the last finished debit run charged up to and
    when it started (None: it never ran)."""

    debited_through: date | None
    debit_started_at: datetime | None = None


@dataclass
class CheckResult:
    name: str
    description: str
    count: int = 0
    columns: list[str] = field(default_factory=list)
    rows: list[tuple] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.count == 0


@dataclass
class Report:
    results: list[CheckResult]
    notes: list[str]
    started_at: datetime
    finished_at: datetime

    @property
    def ok(self) -> bool:
        return all(result.ok for result in self.results)

    @property
    def mismatches(self) -> int:
        return sum(result.count for result in self.results)

    def details(self) -> dict:
        """The JSON kept on the run record: each check's count and its first rows."""
        return {
            "ok": self.ok,
            "mismatches": self.mismatches,
            "notes": self.notes,
            "checks": {
                r.name: {
                    "count": r.count,
                    "seconds": round(r.seconds, 3),
                    "columns": r.columns,
                    "rows": [[_jsonable(v) for v in row] for row in r.rows[:20]],
                }
                for r in self.results
            },
        }


def _jsonable(value):
    if value is None or isinstance(value, bool | int | str):
        return value
    return str(value)


# --- Accounts and the ledger ------------------------------------------------------------------------

ACCOUNT_TOTALS = Check(
    "account_totals",
    "nominal, reserved and spent of each certificate account equal the sums of its ledger entries",
    """
    SELECT a.id AS account, a.nominal, a.reserved, a.spent,
           coalesce(l.nominal, 0) AS ledger_nominal, coalesce(l.reserved, 0) AS ledger_reserved,
           coalesce(l.spent, 0) AS ledger_spent
      FROM certificates_certificateaccount a
      LEFT JOIN (SELECT account_id, sum(nominal_delta) AS nominal, sum(reserved_delta) AS reserved,
                        sum(spent_delta) AS spent
                   FROM certificates_ledgerentry GROUP BY account_id) l ON l.account_id = a.id
     WHERE (a.nominal, a.reserved, a.spent)
           IS DISTINCT FROM (coalesce(l.nominal, 0), coalesce(l.reserved, 0), coalesce(l.spent, 0))
    """,
)

ACCOUNT_BALANCE = Check(
    "account_balance",
    "nominal = available + reserved + spent with available, reserved and spent not negative",
    """
    SELECT id AS account, nominal, reserved, spent, nominal - reserved - spent AS available
      FROM certificates_certificateaccount
     WHERE nominal < 0 OR reserved < 0 OR spent < 0 OR nominal - reserved - spent < 0
    """,
)

# --- Contracts and their reserves ----------------------------------------------------------------------

CONTRACT_RESERVE = Check(
    "contract_reserve",
    "each contract's remaining reserve equals the sum of its reserve rows",
    """
    SELECT e.id AS enrollment, e.reserve_remaining, coalesce(r.total, 0) AS reserve_rows
      FROM enrollments_enrollment e
      LEFT JOIN (SELECT enrollment_id, sum(amount) AS total
                   FROM enrollments_reserveentry GROUP BY enrollment_id) r ON r.enrollment_id = e.id
     WHERE e.reserve_remaining <> coalesce(r.total, 0)
    """,
)

RESERVE_ROWS_LEDGER = Check(
    "reserve_rows_ledger",
    "each reserve row equals its ledger entry's reserved_delta, on an account of the contract's certificate",
    """
    SELECT r.id AS reserve_row, r.enrollment_id AS enrollment, r.amount, l.kind, l.reserved_delta,
           a.certificate_id AS entry_certificate, e.certificate_id AS contract_certificate
      FROM enrollments_reserveentry r
      JOIN certificates_ledgerentry l ON l.id = r.ledger_entry_id
      JOIN certificates_certificateaccount a ON a.id = l.account_id
      JOIN enrollments_enrollment e ON e.id = r.enrollment_id
     WHERE r.amount <> l.reserved_delta OR a.certificate_id IS DISTINCT FROM e.certificate_id
    """,
)

RESERVE_MOVES_HAVE_CONTRACT = Check(
    "reserve_moves_have_contract",
    "every ledger entry that moves a reserve (RESERVE, RELEASE, a DEBIT paid from the reserve) has its "
    "contract's reserve row",
    """
    SELECT l.id AS ledger_entry, l.kind, l.account_id AS account, l.reserved_delta
      FROM certificates_ledgerentry l
     WHERE l.reserved_delta <> 0
       AND NOT EXISTS (SELECT 1 FROM enrollments_reserveentry r WHERE r.ledger_entry_id = l.id)
    """,
)

# --- Charges, reversals and the ledger -------------------------------------------------------------------

CHARGE_LEDGER = Check(
    "charge_ledger",
    "each charge's certificate part is one DEBIT of that amount on the account of the contract's certificate "
    "in the period of the service date (and a charge the certificate paid nothing of has no entry)",
    """
    SELECT c.id AS charge, c.kind, c.service_date, c.certificate_amount, c.account_id AS account,
           l.id AS ledger_entry, l.kind AS entry_kind, l.account_id AS entry_account, l.spent_delta
      FROM billing_charge c
      JOIN enrollments_enrollment e ON e.id = c.enrollment_id
      LEFT JOIN certificates_ledgerentry l ON l.id = c.ledger_entry_id
      LEFT JOIN certificates_certificateaccount a ON a.id = c.account_id
      LEFT JOIN certificates_fundingperiod p ON p.id = a.period_id
     WHERE CASE WHEN c.certificate_amount = 0 THEN c.ledger_entry_id IS NOT NULL
           ELSE l.id IS NULL OR l.kind <> 'DEBIT' OR l.spent_delta <> c.certificate_amount
                OR l.account_id IS DISTINCT FROM c.account_id
                OR a.certificate_id IS DISTINCT FROM e.certificate_id
                OR c.service_date NOT BETWEEN p.start_date AND p.end_date
           END
    """,
)

CHARGE_RESERVE_ROW = Check(
    "charge_reserve_row",
    "the part of a charge taken from a reserve is taken from its own contract's reserve",
    """
    SELECT c.id AS charge, c.enrollment_id AS enrollment, r.enrollment_id AS reserve_enrollment, r.amount
      FROM billing_charge c
      JOIN enrollments_reserveentry r ON r.ledger_entry_id = c.ledger_entry_id
     WHERE r.enrollment_id <> c.enrollment_id
    """,
)

REVERSAL_LEDGER = Check(
    "reversal_ledger",
    "each reversal gives back at most what its charge took, the certificate part as one REFUND of that amount "
    "on the charge's account",
    """
    SELECT v.id AS reversal, v.charge_id AS charge, v.certificate_amount, v.copayment,
           c.certificate_amount AS charge_certificate_amount, c.copayment AS charge_copayment,
           l.id AS ledger_entry, l.kind AS entry_kind, l.spent_delta
      FROM billing_chargereversal v
      JOIN billing_charge c ON c.id = v.charge_id
      LEFT JOIN certificates_ledgerentry l ON l.id = v.ledger_entry_id
     WHERE v.certificate_amount > c.certificate_amount OR v.copayment > c.copayment
        OR CASE WHEN v.certificate_amount = 0 THEN v.ledger_entry_id IS NOT NULL
           ELSE l.id IS NULL OR l.kind <> 'REFUND' OR l.spent_delta <> -v.certificate_amount
                OR l.account_id IS DISTINCT FROM c.account_id
           END
    """,
)

LEDGER_TRACED = Check(
    "ledger_traced",
    "no money leaves or returns to a certificate untraced: every DEBIT is a charge's, every REFUND a reversal's",
    """
    SELECT l.id AS ledger_entry, l.kind, l.account_id AS account, l.spent_delta
      FROM certificates_ledgerentry l
     WHERE (l.kind = 'DEBIT' AND NOT EXISTS (SELECT 1 FROM billing_charge c WHERE c.ledger_entry_id = l.id))
        OR (l.kind = 'REFUND'
            AND NOT EXISTS (SELECT 1 FROM billing_chargereversal v WHERE v.ledger_entry_id = l.id))
    """,
)

# --- Marks and months: charged exactly once -------------------------------------------------------------

MARK_ONE_LIVE_CHARGE = Check(
    "mark_one_live_charge",
    "no mark has more than one live (unreversed) charge",
    """
    SELECT c.mark_id AS mark, count(*) AS live_charges, array_agg(c.id ORDER BY c.id) AS charges
      FROM billing_charge c
     WHERE c.kind = 'LESSON'
       AND NOT EXISTS (SELECT 1 FROM billing_chargereversal v WHERE v.charge_id = c.id)
     GROUP BY c.mark_id
    HAVING count(*) > 1
    """,
)

MONTH_ONE_LIVE_CHARGE = Check(
    "month_one_live_charge",
    "no contract month has more than one live (unreversed) charge",
    """
    SELECT c.enrollment_id AS enrollment, c.month, count(*) AS live_charges, array_agg(c.id ORDER BY c.id) AS charges
      FROM billing_charge c
     WHERE c.kind = 'MONTH'
       AND NOT EXISTS (SELECT 1 FROM billing_chargereversal v WHERE v.charge_id = c.id)
     GROUP BY c.enrollment_id, c.month
    HAVING count(*) > 1
    """,
)

LIVE_CHARGE_MATCHES_MARK = Check(
    "live_charge_matches_mark",
    "a live charge is for its own contract's mark, dated within the contract; once the job has settled the "
    "mark, for its current version, PRESENT, of a lesson that took place",
    """
    SELECT c.id AS charge, m.id AS mark, m.status, m.version, c.mark_version, m.billed_version, s.cancelled,
           c.service_date, e.starts_on, e.ends_on, c.enrollment_id AS charge_enrollment,
           m.enrollment_id AS mark_enrollment
      FROM billing_charge c
      JOIN billing_attendancemark m ON m.id = c.mark_id
      JOIN billing_lesson s ON s.id = m.lesson_id
      JOIN enrollments_enrollment e ON e.id = c.enrollment_id
     WHERE c.kind = 'LESSON'
       AND NOT EXISTS (SELECT 1 FROM billing_chargereversal v WHERE v.charge_id = c.id)
       AND (c.enrollment_id <> m.enrollment_id
            OR c.service_date < e.starts_on OR c.service_date > coalesce(e.ends_on, c.service_date)
            OR (m.billed_version >= m.version
                AND (m.status <> 'PRESENT' OR s.cancelled OR c.mark_version <> m.version)))
    """,
)

# A mark the register says is owed under PER_LESSON (the policy of the period its date falls in, the
# certificate's municipality's, else the provider's; none: PER_LESSON): PRESENT, the lesson held, within a
# contract that was accepted, not refunded after an upheld dispute.
_MARK_OWED = """
    m.status = 'PRESENT' AND NOT s.cancelled
    AND e.status IN ('ACTIVE', 'TERMINATED') AND e.starts_on IS NOT NULL
    AND s.date >= e.starts_on AND s.date <= coalesce(e.ends_on, s.date)
    AND coalesce((SELECT fp.billing_policy FROM certificates_fundingperiod fp
                   WHERE fp.municipality_id = coalesce(cert.municipality_id, pr.municipality_id)
                     AND s.date BETWEEN fp.start_date AND fp.end_date), 'PER_LESSON') = 'PER_LESSON'
    AND NOT EXISTS (SELECT 1 FROM billing_charge dc JOIN billing_chargereversal dr ON dr.charge_id = dc.id
                     WHERE dc.kind = 'LESSON' AND dc.mark_id = m.id AND dr.reason = 'DISPUTE')
"""

_MARK_JOINS = """
      JOIN billing_lesson s ON s.id = m.lesson_id
      JOIN enrollments_enrollment e ON e.id = m.enrollment_id
      JOIN catalog_group g ON g.id = e.group_id
      JOIN catalog_program p ON p.id = g.program_id
      JOIN catalog_provider pr ON pr.id = p.provider_id
      LEFT JOIN certificates_certificate cert ON cert.id = e.certificate_id
"""

MARK_SETTLED_UNCHARGED = Check(
    "mark_settled_uncharged",
    "every owed mark the debit job has settled has its live charge",
    f"""
    SELECT m.id AS mark, m.enrollment_id AS enrollment, s.date, m.status, m.version, m.billed_version
      FROM billing_attendancemark m
      {_MARK_JOINS}
     WHERE m.billed_version >= m.version AND {_MARK_OWED}
       AND NOT EXISTS (SELECT 1 FROM billing_charge c
                        WHERE c.kind = 'LESSON' AND c.mark_id = m.id
                          AND NOT EXISTS (SELECT 1 FROM billing_chargereversal v WHERE v.charge_id = c.id))
    """,
)

MARK_LEFT_UNBILLED = Check(
    "mark_left_unbilled",
    "no mark changed before the last finished debit run and dated up to its date is still awaiting billing "
    "(a lesson cancelled or restored since, which re-opens its marks, is left to the next run)",
    f"""
    SELECT m.id AS mark, m.enrollment_id AS enrollment, s.date, m.status, m.version, m.billed_version,
           m.updated_at
      FROM billing_attendancemark m
      {_MARK_JOINS}
     WHERE %(debited_through)s::date IS NOT NULL
       AND m.billed_version < m.version
       AND s.date <= %(debited_through)s::date AND m.updated_at < %(debit_started_at)s::timestamptz
       AND NOT EXISTS (SELECT 1 FROM billing_monthrecheck r
                        WHERE r.group_id = s.group_id AND r.month = date_trunc('month', s.date)::date)
    """,
    params=lambda context: {
        "debited_through": context.debited_through,
        "debit_started_at": context.debit_started_at,
    },
)

# The lessons a MONTHLY contract owes for month `mm.month` (DOMAIN.md: the lessons the group's calendar
# planned in the month from the contract's start, less those the provider cancelled; less those an upheld
# dispute found did not take place): per schedule slot, the days of its weekday in the contract's part of
# the month, counted arithmetically (no row per day), less the cancelled lesson dates there, less the
# disputed dates that are not cancelled too (a lesson that did not take place is not owed, once).
_MONTH_OWED = """
    (SELECT coalesce(sum(CASE WHEN w.first_day <= w.last_day
                              THEN (w.last_day - w.first_day) / 7 + 1 ELSE 0 END), 0)
       FROM (SELECT win.first + ((slot.weekday - (extract(isodow FROM win.first)::int - 1) + 7) %% 7) AS first_day,
                    win.last AS last_day
               FROM catalog_scheduleslot slot
              WHERE slot.group_id = e.group_id) w)
    - (SELECT count(*) FROM billing_lesson cl
        WHERE cl.group_id = e.group_id AND cl.cancelled AND cl.date BETWEEN win.first AND win.last
          AND EXISTS (SELECT 1 FROM catalog_scheduleslot sl
                       WHERE sl.group_id = e.group_id AND sl.weekday = extract(isodow FROM cl.date)::int - 1))
    - (SELECT count(DISTINCT dl.date) FROM billing_dispute d
         JOIN billing_charge dc ON dc.id = d.charge_id
         JOIN billing_lesson dl ON dl.id = d.lesson_id
        WHERE d.status = 'UPHELD' AND dc.kind = 'MONTH' AND dc.enrollment_id = e.id AND dc.month = mm.month
          AND NOT dl.cancelled AND dl.date BETWEEN win.first AND win.last
          AND EXISTS (SELECT 1 FROM catalog_scheduleslot sl
                       WHERE sl.group_id = e.group_id AND sl.weekday = extract(isodow FROM dl.date)::int - 1))
"""

MONTH_CHARGED_AS_OWED = Check(
    "month_charged_as_owed",
    "every MONTHLY contract month ended before the last finished debit run has one live charge for the "
    "lessons it owes (none when it owes none); a month whose cancellations changed since waits for the next run",
    f"""
    SELECT e.id AS enrollment, mm.month, owed.lessons AS lessons_owed, live.lessons AS lessons_charged,
           live.id AS charge
      FROM enrollments_enrollment e
      JOIN catalog_group g ON g.id = e.group_id
      JOIN catalog_program p ON p.id = g.program_id
      JOIN catalog_provider pr ON pr.id = p.provider_id
      LEFT JOIN certificates_certificate cert ON cert.id = e.certificate_id
      CROSS JOIN LATERAL (
          SELECT gs::date AS month
            FROM generate_series(date_trunc('month', e.starts_on),
                                 least(date_trunc('month', coalesce(e.ends_on, %(debited_through)s::date)),
                                       date_trunc('month', %(debited_through)s::date) - interval '1 month'),
                                 interval '1 month') gs
      ) mm
      JOIN certificates_fundingperiod fp
        ON fp.municipality_id = coalesce(cert.municipality_id, pr.municipality_id)
       AND fp.billing_policy = 'MONTHLY' AND mm.month BETWEEN fp.start_date AND fp.end_date
      CROSS JOIN LATERAL (
          SELECT greatest(mm.month, e.starts_on, g.start_date) AS first,
                 least((mm.month + interval '1 month' - interval '1 day')::date,
                       coalesce(e.ends_on, 'infinity'::date), g.end_date) AS last
      ) win
      CROSS JOIN LATERAL (SELECT greatest(0, {_MONTH_OWED}) AS lessons) owed
      LEFT JOIN LATERAL (
          SELECT c.id, c.lessons FROM billing_charge c
           WHERE c.kind = 'MONTH' AND c.enrollment_id = e.id AND c.month = mm.month
             AND NOT EXISTS (SELECT 1 FROM billing_chargereversal v WHERE v.charge_id = c.id)
           ORDER BY c.id LIMIT 1
      ) live ON true
     WHERE %(debited_through)s::date IS NOT NULL
       AND e.status IN ('ACTIVE', 'TERMINATED') AND e.starts_on IS NOT NULL
       AND coalesce(live.lessons, 0) <> owed.lessons
       AND NOT EXISTS (SELECT 1 FROM billing_monthrecheck r WHERE r.group_id = e.group_id AND r.month = mm.month)
    """,
    params=lambda context: {"debited_through": context.debited_through},
)

# --- Statements ------------------------------------------------------------------------------------------

STATEMENT_LINES_MATCH = Check(
    "statement_lines_match",
    "each statement line copies its charge (+) or reversal (−) and their ledger entries, of the statement's "
    "provider and paying municipality, from its month or an earlier one",
    """
    SELECT l.id AS line, l.statement_id AS statement, l.kind, l.lessons, l.certificate_amount, l.copayment,
           coalesce(c.lessons, -rc.lessons) AS item_lessons,
           coalesce(c.certificate_amount, -r.certificate_amount) AS item_certificate_amount,
           coalesce(c.copayment, -r.copayment) AS item_copayment,
           coalesce(le.spent_delta, 0) AS ledger_amount
      FROM billing_statementline l
      JOIN billing_statement st ON st.id = l.statement_id
      LEFT JOIN billing_charge c ON c.id = l.charge_id
      LEFT JOIN billing_chargereversal r ON r.id = l.reversal_id
      LEFT JOIN billing_charge rc ON rc.id = r.charge_id
      LEFT JOIN certificates_ledgerentry le ON le.id = coalesce(c.ledger_entry_id, r.ledger_entry_id)
     WHERE CASE WHEN l.charge_id IS NOT NULL
                THEN (l.lessons, l.certificate_amount, l.copayment)
                     IS DISTINCT FROM (c.lessons, c.certificate_amount, c.copayment)
                     OR l.certificate_amount <> coalesce(le.spent_delta, 0)
                     OR (c.provider_id, c.municipality_id) IS DISTINCT FROM (st.provider_id, st.municipality_id)
                     OR date_trunc('month', c.service_date)::date > st.month
                ELSE (l.certificate_amount, l.copayment) IS DISTINCT FROM (-r.certificate_amount, -r.copayment)
                     OR l.lessons NOT BETWEEN -rc.lessons AND 0
                     OR l.certificate_amount <> coalesce(le.spent_delta, 0)
                     OR (r.provider_id, r.municipality_id) IS DISTINCT FROM (st.provider_id, st.municipality_id)
                     OR date_trunc('month', rc.service_date)::date > st.month
           END
    """,
)

# Items are numbered as they are made: an item of an issued statement's month left out of every statement
# while the statement holds a newer item of the same kind was there when the statement took its lines.
# (Numbers, not timestamps: a row's created_at is its transaction's start, and one transaction may make
# items on both sides of an issue.)
STATEMENT_ISSUED_COMPLETE = Check(
    "statement_issued_complete",
    "an issued statement left out no charge or reversal of its month older than the newest one of its kind "
    "it holds (none is left outside every statement)",
    """
    WITH held AS (
        SELECT l.statement_id, max(l.charge_id) AS charge_id, max(l.reversal_id) AS reversal_id
          FROM billing_statementline l GROUP BY l.statement_id
    )
    SELECT st.id AS statement, st.month, item.kind, item.id AS item
      FROM billing_statement st
      JOIN held ON held.statement_id = st.id
      JOIN (SELECT 'CHARGE' AS kind, c.id, c.provider_id, c.municipality_id, c.service_date
              FROM billing_charge c
             WHERE NOT EXISTS (SELECT 1 FROM billing_statementline l WHERE l.charge_id = c.id)
            UNION ALL
            SELECT 'REVERSAL', r.id, r.provider_id, r.municipality_id, rc.service_date
              FROM billing_chargereversal r JOIN billing_charge rc ON rc.id = r.charge_id
             WHERE NOT EXISTS (SELECT 1 FROM billing_statementline l WHERE l.reversal_id = r.id)) item
        ON item.provider_id = st.provider_id AND item.municipality_id = st.municipality_id
       AND date_trunc('month', item.service_date)::date = st.month
     WHERE st.status <> 'DRAFT'
       AND item.id < CASE item.kind WHEN 'CHARGE' THEN held.charge_id ELSE held.reversal_id END
    """,
)

CHECKS: list[Check] = [
    ACCOUNT_TOTALS,
    ACCOUNT_BALANCE,
    CONTRACT_RESERVE,
    RESERVE_ROWS_LEDGER,
    RESERVE_MOVES_HAVE_CONTRACT,
    CHARGE_LEDGER,
    CHARGE_RESERVE_ROW,
    REVERSAL_LEDGER,
    LEDGER_TRACED,
    MARK_ONE_LIVE_CHARGE,
    MONTH_ONE_LIVE_CHARGE,
    LIVE_CHARGE_MATCHES_MARK,
    MARK_SETTLED_UNCHARGED,
    MARK_LEFT_UNBILLED,
    MONTH_CHARGED_AS_OWED,
    STATEMENT_LINES_MATCH,
    STATEMENT_ISSUED_COMPLETE,
]


def _run_check(cursor, check: Check, context: CheckContext, limit: int) -> CheckResult:
    started = time.perf_counter()
    params = check.params(context) if check.params else {}
    # The count is exact; only `limit` rows travel back (0: all of them).
    sql = f"SELECT *, count(*) OVER () AS _total FROM ({check.sql}) wrong ORDER BY 1"
    if limit:
        sql += f" LIMIT {int(limit)}"
    cursor.execute(sql, params)
    columns = [c.name for c in cursor.description][:-1]
    rows = cursor.fetchall()
    return CheckResult(
        name=check.name,
        description=check.description,
        count=rows[0][-1] if rows else 0,
        columns=columns,
        rows=[tuple(row[:-1]) for row in rows],
        seconds=time.perf_counter() - started,
    )


def reconcile(*, checks: Iterable[Check] | None = None, limit: int = DEFAULT_LIMIT) -> Report:
    """Run every check on one snapshot and return what each found (nothing is written).

    Outside a transaction the checks share one REPEATABLE READ, READ ONLY snapshot; inside one (a test,
    a caller's transaction) they read what that transaction sees."""
    checks = list(CHECKS if checks is None else checks)
    started_at = timezone.now()
    outermost = not connection.in_atomic_block
    with transaction.atomic(), connection.cursor() as cursor:
        if outermost:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        context = _context(cursor)
        results = [_run_check(cursor, check, context, limit) for check in checks]
    notes = []
    if context.debited_through is None:
        notes.append("the debit job has not run yet: marks and months awaiting billing were not checked")
    return Report(results=results, notes=notes, started_at=started_at, finished_at=timezone.now())


def _context(cursor) -> CheckContext:
    cursor.execute(
        """
        SELECT for_date, started_at FROM billing_jobrun
         WHERE kind = 'DEBIT' AND status = 'OK' AND for_date IS NOT NULL
         ORDER BY for_date DESC, started_at DESC LIMIT 1
        """
    )
    row = cursor.fetchone()
    return CheckContext(debited_through=row[0] if row else None, debit_started_at=row[1] if row else None)


# --- The run record -----------------------------------------------------------------------------------


def reconciliation_run(*, limit: int = DEFAULT_LIMIT) -> tuple[JobRun, Report]:
    """Reconcile and keep the run (JobRun kind RECONCILE, OK or FAILED, each check's count and first rows
    in `details`): the admin shows an alert while the last finished run failed."""
    run = JobRun.objects.create(key=f"reconcile:{uuid.uuid4().hex}", kind=JobRun.Kind.RECONCILE)
    try:
        report = reconcile(limit=limit)
    except Exception as error:
        JobRun.objects.filter(pk=run.pk).update(
            status=JobRun.Status.FAILED, finished_at=timezone.now(), error=f"{type(error).__name__}: {error}"
        )
        raise
    run.status = JobRun.Status.OK if report.ok else JobRun.Status.FAILED
    run.finished_at = report.finished_at
    run.processed = len(report.results)
    run.details = report.details()
    run.error = "" if report.ok else f"{report.mismatches} mismatches"
    run.save(update_fields=["status", "finished_at", "processed", "details", "error"])
    return run, report


def last_reconciliation() -> JobRun | None:
    """The latest finished reconciliation run (None: none yet)."""
    return (
        JobRun.objects.filter(kind=JobRun.Kind.RECONCILE, finished_at__isnull=False)
        .order_by("-finished_at", "-pk")
        .first()
    )
