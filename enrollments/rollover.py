"""Period rollover (services: writes): nothing carries over from one funding period to the next, so a
contract in force whose group runs on into its municipality's next period continues there on that
period's money.

For each such contract: the old period's leftover reserve goes back to its account; the certificate's
account for the new period is opened under that period's funded limit (the acceptance's rule and counter:
account_open, then period_funded_account_take as the last statement; the direction cap is counted as at
acceptance); the contract's period becomes the new one and its reserve is made on the new account for the
lessons the group's calendar plans there (contract_rereserve's rule, from the day of the rollover); the
parents are told. When the certificate cannot cover its share, the parents' co-payment rises, and that is
put to them as new terms (a TermsChange tied to the period) that they accept or decline (declining ends
the contract at once: contract_terms_decline):
- the account has less available than the share: the contract continues and reserves what there is;
- no room in the funded limit: the certificate joins the period's first-come queue; the direction's cap
  is reached, or the certificate is not active: the contract stays on its old period, so the certificate
  pays nothing for the new period's lessons, and each night's run tries again: once room appears (the
  queue served, the limit raised) the contract continues with the certificate paying.

When: a period is rolled into once it has started, never in advance. A contract keeps one reserve
(Enrollment.reserve_remaining), on one account, and its old period's lessons are owed until that period
ends; after it, lessons of the old period marked late are paid from the old account's available balance,
as the debit job does for any date outside the contract's period. The nightly job runs after the old
reserves are released and before the debit job (config/beat.py), so the new period's first lessons are
charged to its accounts and reserves. A lesson is paid from the account of the period its date falls in
(billing.debits), the contract's reserve first when that is its period's.

Lock order (core.locking, rule 2): each contract in its own transaction, the enrollment first
(FOR NO KEY UPDATE SKIP LOCKED: a contract another run holds is that run's to roll), then its certificate's
accounts (the old period's, then the new one's: in id order, the newer account being created later), then
the shared counters (direction, funded accounts) as the very last statements. Idempotent: a rolled
contract's period is the new one, and a proposal already made for the period is not made again.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from datetime import date

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from catalog.calendar import group_lesson_dates
from certificates.models import BillingPolicy, Certificate, CertificateAccount, FundingPeriod
from certificates.services import account_open_created, funding_queue_join, period_funded_account_take
from core.errors import Busy
from core.locking import lock_one, lock_wait_limited
from core.money import ZERO, certificate_covers
from enrollments.contracts import (
    DirectionCapReached,
    TermsFigures,
    _contract_account,
    _count_direction,
    _pending_terms_supersede,
    _reserve_move,
    _terms_lines,
    contract_rereserve,
)
from enrollments.models import ContractFunding, Enrollment, EnrollmentEvent, EnrollmentStatus, TermsChange
from enrollments.services import notify_parents

logger = logging.getLogger(__name__)


class Outcome:
    """What the rollover did to one contract."""

    ROLLED = "rolled"  # continues in the new period, the certificate covering its share
    SHORT = "short"  # continues, the account short of the share: the higher co-payment proposed
    QUEUED = "queued"  # no room in the funded limit: queued, the co-payment proposed
    UNCOVERED = "uncovered"  # the direction's cap reached or the certificate not active: proposed
    UNCHANGED = "unchanged"  # nothing to do (rolled already, or waiting with its proposal made)
    BUSY = "busy"  # held by another run or transaction: the next run looks again


@dataclass
class RolloverTotals:
    rolled: int = 0
    short: int = 0
    queued: int = 0
    uncovered: int = 0
    unchanged: int = 0
    busy: int = 0

    def add(self, outcome: str) -> None:
        setattr(self, outcome, getattr(self, outcome) + 1)

    def merge(self, other: RolloverTotals) -> None:
        for name, count in asdict(other).items():
            setattr(self, name, getattr(self, name) + count)

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


class _NotCovered(Exception):
    """Raised inside a contract's transaction to roll it back when a shared counter refused (the limit
    filled meanwhile, the direction's cap reached): the contract is then taken again on that footing."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


# Why the certificate cannot pay in the new period (TermsChange proposals say it to the parents).
LIMIT, DIRECTION, CERTIFICATE = "limit", "direction", "certificate"


# --- Which contracts ------------------------------------------------------------------------------------


def _continuing_into(period: FundingPeriod) -> Q:
    """Contracts in force, funded by a certificate of the period's municipality (the paying one, as
    the debit job finds the account), on a period that ended before this one starts, whose group and
    contract run into it."""
    return Q(
        status=EnrollmentStatus.ACTIVE,
        funding=ContractFunding.FUNDED,
        certificate__municipality=period.municipality_id,
        period__end_date__lt=period.start_date,
        group__end_date__gte=period.start_date,
    ) & (Q(ends_on__isnull=True) | Q(ends_on__gte=period.start_date))


def rollover_candidates(*, period: FundingPeriod) -> QuerySet[Enrollment]:
    return Enrollment.objects.filter(_continuing_into(period))


def _lessons_owed(enrollment: Enrollment, period: FundingPeriod, day: date) -> int:
    """The contract's lessons in `period` still owed from `day`, as contract_rereserve counts them
    under the period's policy (a MONTHLY month is charged whole, so from its first day)."""
    start = day
    if period.billing_policy == BillingPolicy.MONTHLY:
        start = max(day.replace(day=1), enrollment.starts_on or day)
    until = min(enrollment.ends_on or enrollment.group.end_date, period.end_date)
    return len(group_lesson_dates(enrollment.group, start=max(start, period.start_date), end=until))


# --- One contract ---------------------------------------------------------------------------------------


def contract_roll_over(*, enrollment_id: int, period_id: int, today: date | None = None) -> str:
    """Continue one contract into the period (see the module's docstring); returns its Outcome. Its own
    transaction; taken again once when a shared counter refused at the end (then on that footing)."""
    today = today or timezone.localdate()
    blocked: str | None = None
    for _attempt in range(2):
        try:
            with transaction.atomic(durable=True):
                return _roll_over(enrollment_id, period_id, today, blocked)
        except _NotCovered as refused:
            blocked = refused.reason
        except Busy:
            return Outcome.BUSY
    return Outcome.BUSY


def _roll_over(enrollment_id: int, period_id: int, today: date, blocked: str | None) -> str:
    enrollment = (
        Enrollment.objects.select_for_update(no_key=True, skip_locked=True, of=("self",))
        .select_related("child", "group__program", "certificate", "period")
        .prefetch_related("group__schedule", "child__parents")
        .filter(pk=enrollment_id)
        .first()
    )
    if enrollment is None:
        return Outcome.BUSY
    # Read after the lock: a concurrent run may have rolled it, a parent ended it, the limit moved.
    period = FundingPeriod.objects.get(pk=period_id)
    if not Enrollment.objects.filter(_continuing_into(period), pk=enrollment.pk).exists():
        return Outcome.UNCHANGED
    _old_reserve_release(enrollment)
    day = max(today, period.start_date)
    certificate = enrollment.certificate
    account = CertificateAccount.objects.filter(certificate=certificate, period=period).first()
    reason = blocked
    if reason is None and certificate.status != Certificate.Status.ACTIVE:
        reason = CERTIFICATE
    if reason is None and account is None and period.funded_accounts >= period.max_funded_certificates:
        reason = LIMIT
    if reason is not None:
        return _not_covered(enrollment, period, reason, day)

    created = False
    if account is None:
        account, created = account_open_created(certificate=certificate, period=period)
    lock_one(CertificateAccount.objects.filter(pk=account.pk))
    price = enrollment.lesson_price
    per_lesson = certificate_covers(price=price, normative_price=enrollment.normative_lesson_price)
    until = enrollment.ends_on or enrollment.group.end_date
    enrollment.period = period
    enrollment.billing_policy = period.billing_policy
    enrollment.certificate_per_lesson = per_lesson
    enrollment.planned_lessons = _lessons_owed(enrollment, period, period.start_date)
    enrollment.save(update_fields=["period", "billing_policy", "certificate_per_lesson", "planned_lessons"])
    reserve = contract_rereserve(enrollment=enrollment, until=until, today=day)
    lessons = _lessons_owed(enrollment, period, day)
    before = TermsFigures(price, per_lesson, lessons, (price - per_lesson) * lessons)
    after = TermsFigures(price, per_lesson, lessons, max(ZERO, price * lessons - reserve))
    short = after.copayment > before.copayment
    # Until the parents accept the higher figure, the contract shows the co-payment of its terms.
    enrollment.copayment_shown = before.copayment
    enrollment.save(update_fields=["copayment_shown"])
    _pending_terms_supersede(enrollment)  # priced on the old period's account: stale now
    EnrollmentEvent.objects.create(
        enrollment=enrollment,
        from_status=EnrollmentStatus.ACTIVE,
        to_status=EnrollmentStatus.ACTIVE,
        actor=None,
        note=f"Договор продолжен в периоде финансирования «{period.name}»"[:500],
    )
    with translation.override(settings.LANGUAGE_CODE):  # notices are stored in the portal's language
        rolled = _(
            "Договор продолжается в периоде финансирования «%(period)s»: занятия этого периода оплачиваются "
            "со счёта сертификата на этот период, на них зарезервировано %(reserve)s ₽."
        ) % {"period": period.name, "reserve": reserve}
        if short:
            body = "\n".join(
                (
                    rolled,
                    _(
                        "На счёте сертификата не хватает средств на все занятия периода: сертификат оплатит "
                        "%(reserve)s ₽ из %(share)s ₽, остальное — доплата родителей."
                    )
                    % {"reserve": reserve, "share": per_lesson * lessons},
                    _terms_lines(before, after),
                    _decide(),
                )
            )
        else:
            body = "\n".join((rolled, _("Доплата до конца периода: %(amount)s ₽.") % {"amount": after.copayment}))
    if short:
        _propose(enrollment, period, before, after)
        notify_parents([enrollment], lambda e: _("Новые условия договора ждут вашего решения"), body)
    else:
        notify_parents([enrollment], lambda e: _("Договор продолжен в новом периоде финансирования"), body)
    # Last, the shared counters: their rows are locked only while this transaction commits.
    with lock_wait_limited():
        try:
            _count_direction(enrollment, period)
        except DirectionCapReached:
            raise _NotCovered(DIRECTION) from None
        if created and not period_funded_account_take(period=period):
            raise _NotCovered(LIMIT)
    return Outcome.SHORT if short else Outcome.ROLLED


def _old_reserve_release(enrollment: Enrollment) -> None:
    """Money does not carry over: what is left of the contract's reserve on its old period's account
    goes back there (reserves_release_after_period_end does so for every ended period each night; here
    it must be done first, as the contract is about to hold its reserve on another account)."""
    if enrollment.reserve_remaining <= 0:
        return
    account = _contract_account(enrollment)
    _reserve_move(
        enrollment,
        account,
        -enrollment.reserve_remaining,
        f"Резерв по договору № {enrollment.pk} возвращён: период закончился",
    )


def _not_covered(enrollment: Enrollment, period: FundingPeriod, reason: str, day: date) -> str:
    """The certificate cannot pay for the new period's lessons: the contract stays on its old period
    (the certificate pays nothing in the new one) and the parents are asked to accept paying in full,
    once per period; the certificate queues for the funded limit."""
    if reason == LIMIT:
        funding_queue_join(certificate=enrollment.certificate, period=period)
    if TermsChange.objects.filter(enrollment=enrollment, period=period).exists():
        return Outcome.UNCHANGED
    price = enrollment.lesson_price
    per_lesson = certificate_covers(price=price, normative_price=enrollment.normative_lesson_price)
    lessons = _lessons_owed(enrollment, period, day)
    before = TermsFigures(price, per_lesson, lessons, (price - per_lesson) * lessons)
    after = TermsFigures(price, ZERO, lessons, price * lessons)
    _pending_terms_supersede(enrollment)
    _propose(enrollment, period, before, after)
    with translation.override(settings.LANGUAGE_CODE):
        why = {
            LIMIT: _(
                "Сертификаты финансирования на период «%(period)s» закончились: сертификат поставлен в очередь. "
                "Пока место не освободится, сертификат не оплачивает занятия этого периода."
            ),
            DIRECTION: _(
                "В период «%(period)s» места по сертификатам в этой направленности заняты: сертификат не "
                "оплачивает занятия этого периода, пока место не освободится."
            ),
            CERTIFICATE: _("Сертификат не действует: в период «%(period)s» он не оплачивает занятия."),
        }[reason] % {"period": period.name}
        body = "\n".join((why, _terms_lines(before, after), _decide()))
    notify_parents([enrollment], lambda e: _("Новые условия договора ждут вашего решения"), body)
    return Outcome.QUEUED if reason == LIMIT else Outcome.UNCOVERED


def _propose(enrollment: Enrollment, period: FundingPeriod, before: TermsFigures, after: TermsFigures) -> None:
    TermsChange.objects.create(
        enrollment=enrollment,
        period=period,
        lesson_price_before=before.lesson_price,
        lesson_price_after=after.lesson_price,
        certificate_per_lesson_before=before.certificate_per_lesson,
        certificate_per_lesson_after=after.certificate_per_lesson,
        lessons=after.lessons,
        copayment_before=before.copayment,
        copayment_after=after.copayment,
        proposed_by=None,
    )


def _decide() -> str:
    return _(
        "Примите новые условия или откажитесь от них на странице договора в личном кабинете; при отказе "
        "договор расторгается сразу."
    )


# --- Periods --------------------------------------------------------------------------------------------


def contracts_roll_over(*, period_id: int, today: date | None = None) -> RolloverTotals:
    """Continue into this period every contract that runs into it (once the period has started; before
    that, nothing). Each contract in its own transaction; a contract held elsewhere is tried once more at
    the end, and otherwise left to the next run. Idempotent; two runs at once share the contracts out."""
    today = today or timezone.localdate()
    totals = RolloverTotals()
    period = FundingPeriod.objects.get(pk=period_id)
    if period.start_date > today:
        return totals
    ids = list(rollover_candidates(period=period).order_by("pk").values_list("pk", flat=True))
    busy = []
    for enrollment_id in ids:
        outcome = contract_roll_over(enrollment_id=enrollment_id, period_id=period.pk, today=today)
        if outcome == Outcome.BUSY:
            busy.append(enrollment_id)
        else:
            totals.add(outcome)
    for enrollment_id in busy:
        totals.add(contract_roll_over(enrollment_id=enrollment_id, period_id=period.pk, today=today))
    if totals.busy:
        logger.warning("rollover into period %s: %s contracts busy, left to the next run", period.pk, totals.busy)
    return totals


def contracts_roll_over_due(*, today: date | None = None) -> RolloverTotals:
    """Roll into every period running today (the nightly job): a contract left behind by an earlier run
    (the queue since served, a limit raised) is taken again."""
    today = today or timezone.localdate()
    totals = RolloverTotals()
    periods = FundingPeriod.objects.filter(start_date__lte=today, end_date__gte=today).order_by("pk")
    for period_id in periods.values_list("pk", flat=True):
        totals.merge(contracts_roll_over(period_id=period_id, today=today))
    return totals
