"""The debit job (services: writes): due attendance marks and ended MONTHLY months become charges,
their DEBIT ledger entries and the use of each contract's reserve; a mark or month corrected after
billing gets its reversal (сторно) and, where due, a new charge. Nothing is edited.

Rules (../shared/DOMAIN.md, Billing and Money):
- PER_LESSON: each PRESENT mark of a lesson not cancelled, dated on or before the run date and within
  the contract (starts_on .. ends_on), costs the contract's lesson price (its snapshot).
- MONTHLY: after a month ends, the lessons the group's calendar planned in it from the contract's start
  (catalog.calendar.lesson_dates: one per schedule slot on its weekday), less those the provider
  cancelled (billing.Lesson.cancelled) and less those upheld in a parent's dispute, whatever the
  attendance, each priced as under PER_LESSON. A month is charged in the period its first day falls in.
- The policy is that of the funding period the date falls in (the paying municipality's: the
  certificate's, else the provider's); no period: PER_LESSON.
- The certificate pays min(price, normative price) per lesson when the contract is funded by it, from
  the account of the period the date falls in, taking the contract's reserve first and then what the
  account has available; the rest is the parent's co-payment. No account: all co-payment.
- A charged mark whose current status no longer warrants its charge, or that has a new version, gets a
  ChargeReversal(CORRECTION) and, where due, the next generation of charge. A mark whose charge was
  reversed for an upheld dispute is never charged again by this job. A month whose cancelled lessons
  changed (billing.MonthRecheck, written by a trigger; disputes write one too) is recounted: a
  different count reverses the month's live charge and charges the new count.

How (one transaction per batch, each batch set-based SQL over temporary tables; memory does not
grow with the number of marks):
1. claim up to `batch_size` due marks (billed_version < version, lesson dated <= the run date)
   FOR UPDATE SKIP LOCKED, so two runs at once take different marks, contract by contract (a backlog's
   batch then moves each contract's reserve and account once for all its lessons); `streams` batches
   run at a time, each on its own connection;
2. take the batch's enrollment rows FOR KEY SHARE in id order, then FOR NO KEY UPDATE (id order) those
   whose reserve the batch may spend (the reserve rows' trigger updates them), then the accounts FOR
   NO KEY UPDATE in id order (core/locking.py, rule 3);
3. write the reversals (REFUND entries first, so their money is available to the new charges);
4. work out, with window sums in id order per contract and per account, what each charge takes from
   the contract's reserve and then from the account's available balance, so a short account only
   turns its shortfall into co-payment and never rolls a batch back;
5. insert the DEBIT entries, the reserve rows and the charges (INSERT ... SELECT), and mark the
   claimed marks settled (billed_version = version).
Each mark is charged at most once whatever happens (run twice, two at once, killed and rerun): the
unique keys (mark, generation), (enrollment, month, generation), one reversal per charge and the
ledger's idempotency keys decide, and the triggers of migrations/sql/0005_money_model.sql refuse
anything else. Provider totals are never stored: statements add up charges.
"""

from __future__ import annotations

import logging
import threading
import uuid
from dataclasses import dataclass, field, fields
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from billing.models import JobRun
from certificates.ledger_keys import CHARGE_REFUND_KEY_SQL, LESSON_DEBIT_KEY_SQL, MONTH_DEBIT_KEY_SQL
from certificates.models import BillingPolicy, FundingPeriod
from core.money import ZERO

logger = logging.getLogger(__name__)

BATCH_SIZE = 5000
# Contracts ended longer ago than this are not looked at for uncharged MONTHLY months any more.
MONTH_LOOKBACK_DAYS = 400


@dataclass
class DebitTotals:
    """What a run did, added up batch by batch."""

    batches: int = 0
    marks: int = 0  # marks settled (charged, reversed, or found to owe nothing)
    months: int = 0  # contract months looked at (first charges and re-checks)
    charged: int = 0
    reversed: int = 0
    certificate_total: Decimal = ZERO
    copayment_total: Decimal = ZERO
    refunded_total: Decimal = ZERO  # certificate parts given back by reversals
    copayment_refunded_total: Decimal = ZERO
    lessons_charged: int = 0
    per_kind: dict = field(default_factory=lambda: {"LESSON": 0, "MONTH": 0})

    def add(self, other: DebitTotals) -> None:
        """Add another stream's totals to these (every count and sum; the per-kind counts by kind)."""
        for item in fields(self):
            if item.name != "per_kind":
                setattr(self, item.name, getattr(self, item.name) + getattr(other, item.name))
        for kind, count in other.per_kind.items():
            self.per_kind[kind] = self.per_kind.get(kind, 0) + count

    def as_details(self) -> dict:
        return {
            "batches": self.batches,
            "marks": self.marks,
            "months": self.months,
            "lessons_charged": self.lessons_charged,
            "charges_by_kind": dict(self.per_kind),
            "refunded_total": str(self.refunded_total),
            "copayment_refunded_total": str(self.copayment_refunded_total),
        }


def run_debits(*, day: date | None = None, batch_size: int = BATCH_SIZE, streams: int | None = None) -> JobRun:
    """Charge everything due on `day` (today by default); returns the run's record (JobRun, kind
    DEBIT). Must not be called inside a transaction: each batch commits on its own, so a crash loses
    at most one batch, which the next run does again. Raises whatever stopped the run, after
    recording it on the run (status FAILED, error).

    The marks are charged by `streams` batches at a time (settings.DEBIT_JOB_STREAMS), each on its own
    database connection: a batch is mostly PostgreSQL's work, so one stream keeps one core busy."""
    day = day or timezone.localdate()
    run = JobRun.objects.create(
        key=f"debit:{day:%Y-%m-%d}:{uuid.uuid4().hex[:12]}", kind=JobRun.Kind.DEBIT, for_date=day
    )
    totals = DebitTotals()
    try:
        _requeue_after_contract_end(day)
        _lesson_pass(day, batch_size, totals, streams or settings.DEBIT_JOB_STREAMS)
        after = 0 if _monthly_periods_began(day) else None
        while after is not None:
            after = _month_batch(day, batch_size, totals, after)
        while _recheck_batch(day, batch_size, totals):
            pass
    except Exception as error:
        _finish(run, totals, JobRun.Status.FAILED, error=f"{type(error).__name__}: {error}")
        logger.exception("debit run %s failed", run.key)
        raise
    _finish(run, totals, JobRun.Status.OK)
    logger.info(
        "debit run %s: %s charges (%s from certificates, %s co-payment), %s reversals",
        run.key,
        totals.charged,
        totals.certificate_total,
        totals.copayment_total,
        totals.reversed,
    )
    return run


# Contracts ended lately (a termination sets ends_on, under PER_LESSON the day before it was asked for)
# may have lessons charged after their new last day, a lesson of the termination day charged by an
# earlier run, say: their marks go back to the job, which reverses those charges as corrections. One
# statement, locking only the marks it sends back (no other lock held: outside the lock order's cycles).
_REQUEUE_AFTER_CONTRACT_END = """
UPDATE billing_attendancemark m SET billed_version = 0
  FROM billing_charge ch
  JOIN enrollments_enrollment e ON e.id = ch.enrollment_id
 WHERE ch.mark_id = m.id AND ch.kind = 'LESSON'
   AND e.status = 'TERMINATED' AND e.ends_on >= %(since)s AND ch.service_date > e.ends_on
   AND NOT EXISTS (SELECT 1 FROM billing_chargereversal r WHERE r.charge_id = ch.id)
   AND m.billed_version <> 0
"""
# How far back a termination is looked for: longer than any run is ever missed.
REQUEUE_DAYS = 62


def _requeue_after_contract_end(day: date) -> int:
    with connection.cursor() as cursor:
        cursor.execute(_REQUEUE_AFTER_CONTRACT_END, {"since": day - timedelta(days=REQUEUE_DAYS)})
        return cursor.rowcount


def _finish(run: JobRun, totals: DebitTotals, status: str, *, error: str = "") -> None:
    run.status = status
    run.finished_at = timezone.now()
    run.processed = totals.marks + totals.months
    run.charged = totals.charged
    run.reversed = totals.reversed
    run.certificate_total = totals.certificate_total
    run.copayment_total = totals.copayment_total
    run.details = totals.as_details()
    run.error = error
    run.save(
        update_fields=[
            "status",
            "finished_at",
            "processed",
            "charged",
            "reversed",
            "certificate_total",
            "copayment_total",
            "details",
            "error",
        ]
    )


# --- Temporary tables of one batch (dropped at its commit) --------------------------------------------

# Dropped first as well: inside an outer transaction (a test's) a batch's commit is only a savepoint.
_STAGE_TABLES = """
DROP TABLE IF EXISTS pg_temp.billing_debit_claim, pg_temp.billing_debit_stage, pg_temp.billing_debit_reserve,
                     pg_temp.billing_debit_recheck;
-- The claimed marks carry the columns the batch needs (the lesson pass), so no later statement of the
-- batch joins the marks table again; the month passes fill `id` (a contract) only.
CREATE TEMP TABLE billing_debit_claim (
    id bigint PRIMARY KEY,
    enrollment_id bigint,
    version integer,
    status varchar(8),
    lesson_id bigint,
    date date,
    cancelled boolean
) ON COMMIT DROP;
CREATE TEMP TABLE billing_debit_reserve (id bigint PRIMARY KEY) ON COMMIT DROP;
CREATE TEMP TABLE billing_debit_recheck (group_id bigint NOT NULL, month date NOT NULL) ON COMMIT DROP;
CREATE TEMP TABLE billing_debit_stage (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind varchar(8) NOT NULL,
    enrollment_id bigint NOT NULL,
    mark_id bigint,
    mark_version integer,
    month date,
    service_date date NOT NULL,
    lessons integer NOT NULL,
    generation integer NOT NULL,
    price numeric(12, 2) NOT NULL,
    want numeric(12, 2) NOT NULL,            -- what the certificate would pay with money enough
    provider_id bigint NOT NULL,
    municipality_id bigint NOT NULL,
    account_id bigint,                       -- the account of the period the date falls in
    contract_period_id bigint,
    live_charge_id bigint,
    do_reverse boolean NOT NULL,
    do_charge boolean NOT NULL,
    reserve_ok boolean NOT NULL DEFAULT false,
    from_reserve numeric(12, 2) NOT NULL DEFAULT 0,
    cert numeric(12, 2) NOT NULL DEFAULT 0,
    key text,
    ledger_id bigint,                        -- its DEBIT entry (from the ledger insert's RETURNING)
    refund_ledger_id bigint                  -- the REFUND entry of the live charge it reverses
) ON COMMIT DROP;
"""

# The lessons of enrollment `e` (with its group `g`) in the month starting `month`: the calendar's (one
# per schedule slot on its weekday, as catalog.calendar.lesson_dates) from the contract's start to its
# end within the group's dates, less the dates the provider cancelled, less the dates upheld in disputes
# of the month's charges. A disputed date the provider cancelled later, or that falls outside the
# contract's part of the month after a termination, is already left out of the calendar's count: it is
# not subtracted again (as billing/reconciliation.py's _MONTH_OWED counts it).
_MONTH_LESSONS = """
greatest(0,
    (SELECT count(*)
       FROM generate_series(
                greatest({month}, e.starts_on, g.start_date)::timestamp,
                least(({month} + interval '1 month' - interval '1 day')::date,
                      coalesce(e.ends_on, 'infinity'::date), g.end_date)::timestamp,
                interval '1 day') AS d(day)
       JOIN catalog_scheduleslot slot ON slot.group_id = e.group_id AND slot.weekday = extract(isodow FROM d.day) - 1
      WHERE NOT EXISTS (SELECT 1 FROM billing_lesson cl
                         WHERE cl.group_id = e.group_id AND cl.date = d.day::date AND cl.cancelled))
  - (SELECT count(DISTINCT dl.date) FROM billing_dispute d
       JOIN billing_charge dc ON dc.id = d.charge_id
       JOIN billing_lesson dl ON dl.id = d.lesson_id
      WHERE d.status = 'UPHELD' AND dc.kind = 'MONTH' AND dc.enrollment_id = e.id AND dc.month = {month}
        AND NOT dl.cancelled
        AND dl.date BETWEEN greatest({month}, e.starts_on, g.start_date)
                        AND least(({month} + interval '1 month' - interval '1 day')::date,
                                  coalesce(e.ends_on, 'infinity'::date), g.end_date)
        AND EXISTS (SELECT 1 FROM catalog_scheduleslot sl
                     WHERE sl.group_id = e.group_id AND sl.weekday = extract(isodow FROM dl.date) - 1)))
"""

# What the certificate pays per lesson of a contract funded by it, before the balance is looked at.
_WANT_PER_LESSON = (
    "CASE WHEN e.funding = 'FUNDED' AND a.id IS NOT NULL "
    "THEN greatest(0, least(e.lesson_price, e.normative_lesson_price)) ELSE 0 END"
)

# The contract, its provider, the paying municipality, and the funding period the date falls in.
_CONTRACT_JOINS = """
  JOIN catalog_group g ON g.id = e.group_id
  JOIN catalog_program p ON p.id = g.program_id
  JOIN catalog_provider pr ON pr.id = p.provider_id
  LEFT JOIN certificates_certificate cert ON cert.id = e.certificate_id
  LEFT JOIN certificates_fundingperiod fp
         ON fp.municipality_id = coalesce(cert.municipality_id, pr.municipality_id)
        AND {date} BETWEEN fp.start_date AND fp.end_date
  LEFT JOIN certificates_certificateaccount a ON a.certificate_id = e.certificate_id AND a.period_id = fp.id
"""


def _execute(cursor, sql: str, params: dict | None = None) -> int:
    cursor.execute(sql, params or {})
    return cursor.rowcount


# --- PER_LESSON: marks ------------------------------------------------------------------------------


def _lesson_pass(day: date, batch_size: int, totals: DebitTotals, streams: int) -> None:
    """Every due mark, in batches, `streams` batches at a time.

    Concurrent batches are exactly two runs at once: each claims other marks (SKIP LOCKED, in contract
    order, so they mostly take different contracts) and takes its locks in the system's order. The
    streams write no audited rows (a contract's `reserve_remaining` and an account's totals are not
    audited), so the job's audit context, kept per thread, is not needed in them."""
    if streams <= 1 or connection.in_atomic_block:
        # (Inside a caller's transaction, a test's, other connections would not see its rows.)
        while _lesson_batch(day, batch_size, totals):
            pass
        return
    stream_totals = [DebitTotals() for _ in range(streams)]
    errors: list[BaseException] = []

    def stream(own: DebitTotals) -> None:
        try:
            while _lesson_batch(day, batch_size, own):
                pass
        except BaseException as error:  # re-raised by the caller's thread below
            errors.append(error)
        finally:
            connection.close()  # this thread's own connection

    threads = [
        threading.Thread(target=stream, args=(own,), name=f"debit-stream-{number}")
        for number, own in enumerate(stream_totals)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for own in stream_totals:
        totals.add(own)
    if errors:
        raise errors[0]


def _lesson_batch(day: date, batch_size: int, totals: DebitTotals) -> bool:
    """Claim and settle one batch of due marks; False when none was left to claim."""
    params = {"day": day, "limit": batch_size}
    with transaction.atomic(durable=True), connection.cursor() as cursor:
        cursor.execute(_STAGE_TABLES)
        claimed = _execute(
            cursor,
            """
            INSERT INTO billing_debit_claim (id, enrollment_id, version, status, lesson_id, date, cancelled)
            SELECT m.id, m.enrollment_id, m.version, m.status, m.lesson_id, l.date, l.cancelled
              FROM billing_attendancemark m JOIN billing_lesson l ON l.id = m.lesson_id
             WHERE m.billed_version < m.version AND l.date <= %(day)s
             ORDER BY m.enrollment_id, m.id
             LIMIT %(limit)s
               FOR UPDATE OF m SKIP LOCKED
            """,
            params,
        )
        if not claimed:
            return False
        # The temporary table's size for the planner (it has no statistics until analyzed).
        cursor.execute("ANALYZE billing_debit_claim")
        # The contracts, FOR KEY SHARE in id order (the lock order: enrollments before accounts).
        cursor.execute(
            """
            SELECT count(*) FROM (
                SELECT e.id FROM enrollments_enrollment e
                 WHERE e.id IN (SELECT enrollment_id FROM billing_debit_claim)
                 ORDER BY e.id
                   FOR KEY SHARE OF e) locked
            """
        )
        cursor.execute(
            f"""
            INSERT INTO billing_debit_stage (kind, enrollment_id, mark_id, mark_version, service_date, lessons,
                                             generation, price, want, provider_id, municipality_id, account_id,
                                             contract_period_id, live_charge_id, do_reverse, do_charge, key)
            SELECT 'LESSON', x.enrollment_id, x.mark_id, x.version, x.date, 1, x.charges, x.lesson_price, x.want,
                   x.provider_id, x.municipality_id, x.account_id, x.contract_period_id, x.live_id,
                   x.live_id IS NOT NULL AND (NOT x.wanted OR x.live_version <> x.version),
                   x.wanted AND (x.live_id IS NULL OR x.live_version <> x.version),
                   {LESSON_DEBIT_KEY_SQL.format(mark_id="x.mark_id", generation="x.charges")}
              FROM (
                SELECT c.id AS mark_id, c.version, c.enrollment_id, c.date, e.lesson_price,
                       e.period_id AS contract_period_id, p.provider_id,
                       coalesce(cert.municipality_id, pr.municipality_id) AS municipality_id,
                       a.id AS account_id, {_WANT_PER_LESSON} AS want,
                       coalesce(h.charges, 0) AS charges, h.live_id, h.live_version,
                       (c.status = 'PRESENT' AND NOT c.cancelled
                        AND e.status IN ('ACTIVE', 'TERMINATED') AND e.starts_on IS NOT NULL
                        AND c.date >= e.starts_on AND c.date <= coalesce(e.ends_on, c.date)
                        AND coalesce(fp.billing_policy, 'PER_LESSON') = 'PER_LESSON'
                        AND NOT coalesce(h.disputed, false)) AS wanted
                  FROM billing_debit_claim c
                  JOIN enrollments_enrollment e ON e.id = c.enrollment_id
                  {_CONTRACT_JOINS.format(date="c.date")}
                  LEFT JOIN LATERAL (
                      SELECT count(*) AS charges,
                             max(ch.id) FILTER (WHERE r.id IS NULL) AS live_id,
                             max(ch.mark_version) FILTER (WHERE r.id IS NULL) AS live_version,
                             bool_or(r.reason = 'DISPUTE') AS disputed
                        FROM billing_charge ch LEFT JOIN billing_chargereversal r ON r.charge_id = ch.id
                       WHERE ch.kind = 'LESSON' AND ch.mark_id = c.id
                  ) h ON true
              ) x
             ORDER BY x.mark_id  -- the staged rows' ids: what the batch pays first within a day
            """
        )
        _settle(cursor, totals)
        # Every claimed mark is settled at the version it was claimed at, found by its primary key (the
        # claimed ids as an array: an index scan however far apart a batch's contracts put them).
        totals.marks += _execute(
            cursor,
            """
            UPDATE billing_attendancemark m SET billed_version = c.version
              FROM billing_debit_claim c
             WHERE m.id = c.id AND m.id = ANY(ARRAY(SELECT id FROM billing_debit_claim))
            """,
        )
        totals.batches += 1
    return True


# --- MONTHLY: months ---------------------------------------------------------------------------------


def _monthly_periods_began(day: date) -> bool:
    """Whether any MONTHLY period has a month ended by `day` (else the month pass has nothing to do)."""
    return FundingPeriod.objects.filter(
        billing_policy=BillingPolicy.MONTHLY, start_date__lt=day.replace(day=1)
    ).exists()


def _month_batch(day: date, batch_size: int, totals: DebitTotals, after: int) -> int | None:
    """Charge the ended, never charged MONTHLY months of a batch of contracts (ids above `after`, locked
    FOR NO KEY UPDATE SKIP LOCKED: two runs take different contracts). Returns the last contract id
    looked at, or None when no contract is left."""
    params = {"day": day, "limit": batch_size, "after": after, "lookback": MONTH_LOOKBACK_DAYS}
    months = """
        generate_series(date_trunc('month', e.starts_on),
                        least(date_trunc('month', coalesce(e.ends_on, %(day)s::date)),
                              date_trunc('month', %(day)s::date) - interval '1 month'),
                        interval '1 month') AS mm(month)
    """
    with transaction.atomic(durable=True), connection.cursor() as cursor:
        cursor.execute(_STAGE_TABLES)
        # Candidates in id order (keyset paging keeps each batch's scan short); those with a month due
        # are locked, skipping any another run (or a service) holds.
        cursor.execute(
            """
            WITH candidates AS (
                SELECT e.id, coalesce(cert.municipality_id, pr.municipality_id) AS municipality_id, e.starts_on,
                       e.ends_on
                  FROM enrollments_enrollment e
                  JOIN catalog_group g ON g.id = e.group_id
                  JOIN catalog_program p ON p.id = g.program_id
                  JOIN catalog_provider pr ON pr.id = p.provider_id
                  LEFT JOIN certificates_certificate cert ON cert.id = e.certificate_id
                 WHERE e.id > %(after)s
                   AND e.status IN ('ACTIVE', 'TERMINATED') AND e.starts_on IS NOT NULL
                   AND e.starts_on < date_trunc('month', %(day)s::date)
                   AND coalesce(e.ends_on, %(day)s::date) >= %(day)s::date - %(lookback)s
                 ORDER BY e.id
                 LIMIT %(limit)s
            ), due AS (
                SELECT c.id FROM candidates c
                 WHERE EXISTS (
                    SELECT 1
                      FROM generate_series(date_trunc('month', c.starts_on),
                                           least(date_trunc('month', coalesce(c.ends_on, %(day)s::date)),
                                                 date_trunc('month', %(day)s::date) - interval '1 month'),
                                           interval '1 month') AS mm(month)
                      JOIN certificates_fundingperiod fp
                        ON fp.municipality_id = c.municipality_id AND fp.billing_policy = 'MONTHLY'
                       AND mm.month::date BETWEEN fp.start_date AND fp.end_date
                     WHERE NOT EXISTS (SELECT 1 FROM billing_charge ch
                                        WHERE ch.kind = 'MONTH' AND ch.enrollment_id = c.id
                                          AND ch.month = mm.month::date))
            ), locked AS (
                SELECT e.id FROM enrollments_enrollment e
                 WHERE e.id IN (SELECT id FROM due)
                 ORDER BY e.id
                   FOR NO KEY UPDATE OF e SKIP LOCKED
            ), claimed AS (
                INSERT INTO billing_debit_claim (id) SELECT id FROM locked
            )
            SELECT max(id) FROM candidates
            """,
            params,
        )
        (last,) = cursor.fetchone()
        if last is None:
            return None
        cursor.execute(
            f"""
            INSERT INTO billing_debit_stage (kind, enrollment_id, month, service_date, lessons, generation, price,
                                             want, provider_id, municipality_id, account_id, contract_period_id,
                                             do_reverse, do_charge, key)
            SELECT 'MONTH', x.enrollment_id, x.month, x.month, x.lessons, 0, x.lesson_price * x.lessons,
                   x.want * x.lessons, x.provider_id, x.municipality_id, x.account_id, x.contract_period_id,
                   false, true, {MONTH_DEBIT_KEY_SQL.format(enrollment_id="x.enrollment_id", month="x.month", generation="0")}
              FROM (
                SELECT e.id AS enrollment_id, mm.month::date AS month, e.lesson_price, e.period_id AS contract_period_id,
                       p.provider_id, coalesce(cert.municipality_id, pr.municipality_id) AS municipality_id,
                       a.id AS account_id, {_WANT_PER_LESSON} AS want,
                       {_MONTH_LESSONS.format(month="mm.month::date")} AS lessons
                  FROM billing_debit_claim c
                  JOIN enrollments_enrollment e ON e.id = c.id
                  CROSS JOIN LATERAL {months}
                  {_CONTRACT_JOINS.format(date="mm.month::date")}
                 WHERE fp.billing_policy = 'MONTHLY'
                   AND NOT EXISTS (SELECT 1 FROM billing_charge ch
                                    WHERE ch.kind = 'MONTH' AND ch.enrollment_id = e.id AND ch.month = mm.month::date)
              ) x
             WHERE x.lessons > 0
            """,
            params,
        )
        totals.months += cursor.rowcount
        _settle(cursor, totals)
        totals.batches += 1
    return last


def _recheck_batch(day: date, batch_size: int, totals: DebitTotals) -> bool:
    """Recount the MONTHLY months of groups whose cancelled lessons (or upheld disputes) changed, once
    the month has ended; False when no re-check was left to claim."""
    params = {"day": day, "limit": batch_size}
    with transaction.atomic(durable=True), connection.cursor() as cursor:
        cursor.execute(_STAGE_TABLES)
        cursor.execute(
            """
            WITH claimed AS (
                DELETE FROM billing_monthrecheck
                 WHERE id IN (SELECT id FROM billing_monthrecheck
                               WHERE month < date_trunc('month', %(day)s::date)
                               ORDER BY id LIMIT %(limit)s
                                 FOR UPDATE SKIP LOCKED)
                RETURNING group_id, month
            )
            INSERT INTO billing_debit_recheck (group_id, month) SELECT group_id, month FROM claimed
            """,
            params,
        )
        if not cursor.rowcount:
            return False
        # The contracts with charges in those months, locked (waiting) in id order.
        cursor.execute(
            """
            INSERT INTO billing_debit_claim (id)
            SELECT e.id FROM enrollments_enrollment e
             WHERE EXISTS (SELECT 1 FROM billing_debit_recheck r JOIN billing_charge ch
                                   ON ch.kind = 'MONTH' AND ch.month = r.month
                            WHERE r.group_id = e.group_id AND ch.enrollment_id = e.id)
             ORDER BY e.id
               FOR NO KEY UPDATE OF e
            """
        )
        cursor.execute(
            f"""
            INSERT INTO billing_debit_stage (kind, enrollment_id, month, service_date, lessons, generation, price,
                                             want, provider_id, municipality_id, account_id, contract_period_id,
                                             live_charge_id, do_reverse, do_charge, key)
            SELECT 'MONTH', x.enrollment_id, x.month, x.month, x.lessons, x.charges, x.lesson_price * x.lessons,
                   x.want * x.lessons, x.provider_id, x.municipality_id, x.account_id, x.contract_period_id,
                   x.live_id,
                   x.live_id IS NOT NULL AND x.live_lessons <> x.lessons,
                   x.lessons > 0 AND (x.live_id IS NULL OR x.live_lessons <> x.lessons),
                   {MONTH_DEBIT_KEY_SQL.format(enrollment_id="x.enrollment_id", month="x.month", generation="x.charges")}
              FROM (
                SELECT e.id AS enrollment_id, r.month, e.lesson_price, e.period_id AS contract_period_id,
                       p.provider_id, coalesce(cert.municipality_id, pr.municipality_id) AS municipality_id,
                       a.id AS account_id, {_WANT_PER_LESSON} AS want,
                       {_MONTH_LESSONS.format(month="r.month")} AS lessons,
                       h.charges, h.live_id, h.live_lessons
                  FROM billing_debit_claim c
                  JOIN enrollments_enrollment e ON e.id = c.id
                  JOIN billing_debit_recheck r ON r.group_id = e.group_id
                  {_CONTRACT_JOINS.format(date="r.month")}
                  JOIN LATERAL (
                      SELECT count(*) AS charges,
                             max(ch.id) FILTER (WHERE rv.id IS NULL) AS live_id,
                             max(ch.lessons) FILTER (WHERE rv.id IS NULL) AS live_lessons
                        FROM billing_charge ch LEFT JOIN billing_chargereversal rv ON rv.charge_id = ch.id
                       WHERE ch.kind = 'MONTH' AND ch.enrollment_id = e.id AND ch.month = r.month
                  ) h ON h.charges > 0
              ) x
            """
        )
        totals.months += cursor.rowcount
        _settle(cursor, totals)
        totals.batches += 1
    return True


# --- The money: reversals, then what each charge takes, then the rows ----------------------------------


def _settle(cursor, totals: DebitTotals) -> None:
    """Write what the staged rows of this batch decided, under the lock order."""
    cursor.execute("ANALYZE billing_debit_stage")
    # Contracts whose reserve the batch may spend, FOR NO KEY UPDATE in id order (the reserve rows'
    # trigger updates them); a contract held elsewhere is waited for, as services wait for accounts.
    cursor.execute(
        """
        INSERT INTO billing_debit_reserve (id)
        SELECT e.id FROM enrollments_enrollment e
         WHERE e.id IN (SELECT enrollment_id FROM billing_debit_stage WHERE do_charge AND want > 0)
           AND e.reserve_remaining > 0
         ORDER BY e.id
           FOR NO KEY UPDATE OF e
        """
    )
    # The accounts paid from or refunded to, FOR NO KEY UPDATE in id order.
    cursor.execute(
        """
        SELECT count(*) FROM (
            SELECT a.id FROM certificates_certificateaccount a
             WHERE a.id IN (SELECT account_id FROM billing_debit_stage WHERE do_charge AND want > 0
                            UNION
                            SELECT ch.account_id FROM billing_debit_stage s JOIN billing_charge ch
                                ON ch.id = s.live_charge_id
                             WHERE s.do_reverse)
             ORDER BY a.id
               FOR NO KEY UPDATE OF a) locked
        """
    )
    _reverse(cursor, totals)
    # The reserve is spent only from the account of the contract's own period, where it was made, and
    # only by contracts locked above (their reserve is read under the lock).
    cursor.execute(
        """
        UPDATE billing_debit_stage s SET reserve_ok = true
          FROM billing_debit_reserve locked, enrollments_enrollment e, certificates_certificateaccount a
         WHERE locked.id = s.enrollment_id AND e.id = s.enrollment_id AND a.id = s.account_id
           AND s.do_charge AND s.want > 0 AND a.period_id = e.period_id
        """
    )
    # Greedy in (date, id) order: a charge takes from the contract's reserve what the earlier charges of
    # the batch left of it, then from the account's available balance what they left of that. With
    # greedy takes, what the earlier ones left is the start less their running sum (never below 0).
    cursor.execute(
        """
        UPDATE billing_debit_stage s
           SET from_reserve = y.from_reserve, cert = y.from_reserve + y.from_available
          FROM (
            SELECT x.id, x.from_reserve,
                   greatest(0, least(x.want - x.from_reserve,
                       x.available - coalesce(sum(x.want - x.from_reserve) OVER (
                           PARTITION BY x.account_id ORDER BY x.service_date, x.id
                           ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0))) AS from_available
              FROM (
                SELECT t.id, t.account_id, t.service_date, t.want,
                       a.nominal - a.reserved - a.spent AS available,
                       CASE WHEN t.reserve_ok THEN greatest(0, least(t.want,
                           e.reserve_remaining - coalesce(sum(t.want) OVER (
                               PARTITION BY t.enrollment_id, t.reserve_ok ORDER BY t.service_date, t.id
                               ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0)))
                       ELSE 0 END AS from_reserve
                  FROM billing_debit_stage t
                  JOIN enrollments_enrollment e ON e.id = t.enrollment_id
                  JOIN certificates_certificateaccount a ON a.id = t.account_id
                 WHERE t.do_charge AND t.want > 0
              ) x
          ) y
         WHERE y.id = s.id
        """
    )
    # The DEBIT entries' ids come back from the insert (each key is unique to its staged row): no look-up
    # of the ledger by key afterwards.
    cursor.execute(
        """
        WITH debited AS (
            INSERT INTO certificates_ledgerentry (account_id, kind, nominal_delta, reserved_delta, spent_delta,
                                                  idempotency_key, description, created_at)
            SELECT account_id, 'DEBIT', 0, -from_reserve, cert, key,
                   CASE kind WHEN 'LESSON' THEN 'Занятие ' || to_char(service_date, 'DD.MM.YYYY')
                             ELSE 'Месяц ' || to_char(month, 'MM.YYYY') || ', занятий: ' || lessons END,
                   now()
              FROM billing_debit_stage
             WHERE do_charge AND cert > 0
             ORDER BY account_id, id
            RETURNING id, idempotency_key
        )
        UPDATE billing_debit_stage s SET ledger_id = d.id FROM debited d WHERE s.key = d.idempotency_key
        """
    )
    cursor.execute(
        """
        INSERT INTO enrollments_reserveentry (enrollment_id, ledger_entry_id, amount)
        SELECT s.enrollment_id, s.ledger_id, -s.from_reserve
          FROM billing_debit_stage s
         WHERE s.do_charge AND s.from_reserve > 0
         ORDER BY s.enrollment_id, s.id
        """
    )
    cursor.execute(
        """
        WITH charged AS (
            INSERT INTO billing_charge (kind, enrollment_id, mark_id, mark_version, month, generation, service_date,
                                        lessons, price, certificate_amount, copayment, provider_id, municipality_id,
                                        account_id, ledger_entry_id, created_at)
            SELECT s.kind, s.enrollment_id, s.mark_id, s.mark_version, s.month, s.generation, s.service_date,
                   s.lessons, s.price, s.cert, s.price - s.cert, s.provider_id, s.municipality_id,
                   CASE WHEN s.cert > 0 THEN s.account_id END, s.ledger_id, now()
              FROM billing_debit_stage s
             WHERE s.do_charge
             ORDER BY s.id
            RETURNING kind, lessons, certificate_amount, copayment
        )
        SELECT count(*), count(*) FILTER (WHERE kind = 'MONTH'), coalesce(sum(lessons), 0),
               coalesce(sum(certificate_amount), 0), coalesce(sum(copayment), 0)
          FROM charged
        """
    )
    count, months, lessons, certificate, copayment = cursor.fetchone()
    totals.charged += count
    totals.per_kind["MONTH"] += months
    totals.per_kind["LESSON"] += count - months
    totals.lessons_charged += lessons
    totals.certificate_total += certificate
    totals.copayment_total += copayment


def _reverse(cursor, totals: DebitTotals) -> None:
    """Сторно of the staged live charges: the certificate part back through a REFUND entry of the
    charge's account, the co-payment recorded as owed back to the parent."""
    refund_key = CHARGE_REFUND_KEY_SQL.format(charge_id="ch.id")
    cursor.execute(
        f"""
        WITH refunded AS (
            INSERT INTO certificates_ledgerentry (account_id, kind, nominal_delta, reserved_delta, spent_delta,
                                                  idempotency_key, description, created_at)
            SELECT ch.account_id, 'REFUND', 0, 0, -ch.certificate_amount, {refund_key},
                   'Сторно списания № ' || ch.id || ': исправление отметки', now()
              FROM billing_debit_stage s JOIN billing_charge ch ON ch.id = s.live_charge_id
             WHERE s.do_reverse AND ch.certificate_amount > 0
             ORDER BY ch.account_id, ch.id
            RETURNING id, idempotency_key
        )
        UPDATE billing_debit_stage s SET refund_ledger_id = r.id
          FROM refunded r
         WHERE s.do_reverse AND r.idempotency_key = {CHARGE_REFUND_KEY_SQL.format(charge_id="s.live_charge_id")}
        """
    )
    cursor.execute(
        """
        WITH reversed AS (
            INSERT INTO billing_chargereversal (charge_id, reason, certificate_amount, copayment, provider_id,
                                                municipality_id, ledger_entry_id, created_at)
            SELECT ch.id, 'CORRECTION', ch.certificate_amount, ch.copayment, ch.provider_id, ch.municipality_id,
                   s.refund_ledger_id, now()
              FROM billing_debit_stage s
              JOIN billing_charge ch ON ch.id = s.live_charge_id
             WHERE s.do_reverse
             ORDER BY ch.id
            RETURNING certificate_amount, copayment
        )
        SELECT count(*), coalesce(sum(certificate_amount), 0), coalesce(sum(copayment), 0) FROM reversed
        """
    )
    count, certificate, copayment = cursor.fetchone()
    totals.reversed += count
    totals.refunded_total += certificate
    totals.copayment_refunded_total += copayment
