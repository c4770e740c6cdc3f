"""Contracts and their money (services: writes): the quote shown before anything is sent, acceptance
with its reserve, re-reserving when terms change, termination, and serving the funding queue.

Lock order (core.locking): acceptance and money changes lock the enrollment, then the certificate
account, never the group; the period's funded-account counter and the direction counter are raised as
the very last statements, so those shared rows stay locked only while the transaction commits.
Termination frees a seat, so it locks the group first, like every seat change (and so does declining new
terms, which ends the contract). New terms awaiting the parents (TermsChange) are read and written only
under their contract's lock, so their rows are never locked themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from catalog.calendar import CalendarChanges, group_lesson_dates, month_last_day
from catalog.models import Group, Program
from certificates.ledger_keys import reserve_key
from certificates.models import (
    BillingPolicy,
    Certificate,
    CertificateAccount,
    DirectionChild,
    DirectionCount,
    FundedCertificateRequest,
    FundingPeriod,
    LedgerEntry,
)
from certificates.services import account_open_created, funding_queue_join, period_funded_account_take
from core.errors import Conflict
from core.locking import lock_all, lock_one, lock_wait_limited
from core.money import ZERO, certificate_covers, to_money
from enrollments.eligibility import (
    CertificateNotActive,
    PeriodClosed,
    contract_period,
    contract_start,
    require_confirmed_link,
)
from enrollments.models import (
    ContractFunding,
    Enrollment,
    EnrollmentEvent,
    EnrollmentStatus,
    ReserveEntry,
    TermsChange,
    TermsChangeStatus,
)
from enrollments.services import (
    TransitionNotAllowed,
    _lock_group,
    _parent_enrollment_group,
    notify_parents,
    transition,
    waiting_list_promote,
)
from enrollments.terms import ContractQuote, contract_quote


class NoFundedRoom(Conflict):
    """The period's funded accounts are all taken: the parent may accept as a paid contract or wait."""

    code = "no_funded_room"


class DirectionCapReached(Conflict):
    code = "direction_cap_reached"


class OfferExpired(Conflict):
    code = "offer_expired"


# --- The quote --------------------------------------------------------------------------------------


def _period_end(group: Group, period: FundingPeriod | None) -> date:
    return min(group.end_date, period.end_date) if period else group.end_date


def _account(certificate: Certificate | None, period: FundingPeriod | None) -> CertificateAccount | None:
    if certificate is None or period is None:
        return None
    return CertificateAccount.objects.filter(certificate=certificate, period=period).first()


def _available(account: CertificateAccount | None, period: FundingPeriod | None) -> Decimal | None:
    """What the certificate could pay from in the period: its account's available balance, or the
    nominal of an account that acceptance would open while the limit has room; None: nothing."""
    if account is not None:
        return account.available
    if period is not None and period.funded_accounts < period.max_funded_certificates:
        return period.nominal
    return None


def quote_for(*, child, group: Group, today: date | None = None) -> ContractQuote:
    """What a contract for this child in this group would cost from today, and who would pay what."""
    today = today or timezone.localdate()
    period = contract_period(child=child, group=group, today=today)
    start = contract_start(group, today)
    planned = len(group_lesson_dates(group, start=start, end=_period_end(group, period)))
    certificate = Certificate.objects.filter(child=child).first()
    program = group.program
    return contract_quote(
        program_funding=program.funding,
        lesson_price=program.lesson_price,
        normative_lesson_price=program.normative_lesson_price,
        lessons_per_month=program.lessons_per_month,
        planned_lessons=planned,
        available=_available(_account(certificate, period), period),
    )


# --- Reserves -------------------------------------------------------------------------------------------


def _reserve_move(enrollment: Enrollment, account: CertificateAccount, amount: Decimal, description: str) -> None:
    """One RESERVE (+) or RELEASE (−) on the account for the locked contract, and its reserve row."""
    if amount == 0:
        return
    step = ReserveEntry.objects.filter(enrollment=enrollment).count() + 1
    entry = LedgerEntry.objects.create(
        account=account,
        kind=LedgerEntry.Kind.RESERVE if amount > 0 else LedgerEntry.Kind.RELEASE,
        reserved_delta=amount,
        idempotency_key=reserve_key(enrollment.pk, step),
        description=description,
    )
    ReserveEntry.objects.create(enrollment=enrollment, ledger_entry=entry, amount=amount)
    enrollment.refresh_from_db(fields=["reserve_remaining"])


def _owed_from(enrollment: Enrollment, today: date) -> date:
    """The first day whose lessons the contract still owes: today, or under the MONTHLY policy (a month
    is charged whole after it ends) the first day of the current month or the contract's start."""
    if enrollment.billing_policy == BillingPolicy.MONTHLY:
        return max(today.replace(day=1), enrollment.starts_on or today)
    return today


def _reserve_target(
    enrollment: Enrollment,
    account: CertificateAccount,
    *,
    per_lesson: Decimal,
    until: date,
    today: date,
    changes: CalendarChanges | None = None,
) -> Decimal:
    """What the contract's reserve should be with the certificate paying `per_lesson`: its share of the
    lessons owed from `today` to `until` (the calendar with `changes`), within what the account has
    available (on top of the reserve)."""
    start = _owed_from(enrollment, today)
    end = min(until, enrollment.period.end_date)
    lessons = len(group_lesson_dates(enrollment.group, start=start, end=end, changes=changes))
    return min(per_lesson * lessons, enrollment.reserve_remaining + account.available)


def _contract_account(enrollment: Enrollment) -> CertificateAccount | None:
    """The locked contract's account, locked after it (the lock order); None: the certificate pays nothing."""
    if enrollment.funding != ContractFunding.FUNDED or enrollment.period_id is None:
        return None
    return lock_one(
        CertificateAccount.objects.filter(certificate=enrollment.certificate_id, period=enrollment.period_id)
    )


def contract_rereserve(
    *, enrollment: Enrollment, until: date, today: date | None = None, changes: CalendarChanges | None = None
) -> Decimal:
    """Bring the locked contract's reserve to the certificate's share of the lessons still owed from
    `today` to `until` (within what the account has available): a RESERVE tops it up, a RELEASE gives
    the rest back. Returns the new reserve. The account is locked after the enrollment (the lock order).

    Under the MONTHLY policy a month is charged whole after it ends, so the lessons owed start on the
    first day of the current month (or the contract's start)."""
    today = today or timezone.localdate()
    account = _contract_account(enrollment)
    if account is None:
        return enrollment.reserve_remaining
    wanted = _reserve_target(
        enrollment, account, per_lesson=enrollment.certificate_per_lesson, until=until, today=today, changes=changes
    )
    _reserve_move(enrollment, account, wanted - enrollment.reserve_remaining, f"Резерв по договору № {enrollment.pk}")
    return enrollment.reserve_remaining


@transaction.atomic
def group_contracts_rereserve(*, group_id: int, changes: CalendarChanges, today: date | None = None) -> int:
    """The group's lesson calendar changed (a lesson cancelled, moved or added, billing.lessons): every
    contract in force in the group re-reserves the certificate's share of the lessons it still owes on
    the changed calendar (`changes`: all of the group's single-lesson changes). Returns how many
    reserves moved.

    Lock order (core.locking, rule 5): the caller holds the changed lesson rows; here the contracts in
    id order, then each one's account (rule 2)."""
    today = today or timezone.localdate()
    contracts = lock_all(
        Enrollment.objects.select_related("group", "period")
        .filter(group_id=group_id, status=EnrollmentStatus.ACTIVE)
        .order_by("pk")
    )
    moved = 0
    for enrollment in contracts:
        before = enrollment.reserve_remaining
        until = enrollment.ends_on or enrollment.group.end_date
        if contract_rereserve(enrollment=enrollment, until=until, today=today, changes=changes) != before:
            moved += 1
    return moved


# --- Acceptance -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AcceptancePlan:
    """What accepting an offer today would do, read before any lock: the period, the contract's start and
    planned lessons, whether the certificate pays (a program paid by certificate, not taken as paid, in a
    funding period), the account it would pay from, and whether the funded limit leaves no room for an
    account it has not got. enrollment_accept() acts on it under its locks; the offer page shows it."""

    enrollment: Enrollment
    period: FundingPeriod | None
    start: date
    planned_lessons: int
    certificate_pays: bool
    account: CertificateAccount | None
    no_funded_room: bool

    def quote(self, available: Decimal | None) -> ContractQuote:
        """The terms, the certificate paying from `available` (None: it pays nothing)."""
        enrollment = self.enrollment
        return contract_quote(
            program_funding=enrollment.group.program.funding,
            lesson_price=enrollment.lesson_price,
            normative_lesson_price=enrollment.normative_lesson_price,
            lessons_per_month=enrollment.lessons_per_month,
            planned_lessons=self.planned_lessons,
            available=available if self.certificate_pays else None,
        )

    @property
    def expected_quote(self) -> ContractQuote:
        """The terms as they stand now (the account's balance, or a new account's nominal)."""
        return self.quote(None if self.no_funded_room else _available(self.account, self.period))


def acceptance_plan(*, enrollment: Enrollment, as_paid: bool = False, today: date | None = None) -> AcceptancePlan:
    """Prices of the application (its snapshot of the program's), lessons from the group's calendar.
    Expects the enrollment's child (with municipality), group (with program and schedule) and certificate."""
    today = today or timezone.localdate()
    group = enrollment.group
    period = contract_period(child=enrollment.child, group=group, today=today)
    start = contract_start(group, today)
    certificate_pays = group.program.funding == Program.Funding.CERTIFICATE and not as_paid and period is not None
    account = _account(enrollment.certificate, period)
    return AcceptancePlan(
        enrollment=enrollment,
        period=period,
        start=start,
        planned_lessons=len(group_lesson_dates(group, start=start, end=_period_end(group, period))),
        certificate_pays=certificate_pays,
        account=account,
        no_funded_room=certificate_pays
        and account is None
        and period.funded_accounts >= period.max_funded_certificates,
    )


@dataclass(frozen=True)
class AcceptResult:
    enrollment: Enrollment
    changed: bool  # False: it was already accepted (a repeat changes nothing)


def _count_direction(enrollment: Enrollment, period: FundingPeriod) -> None:
    """Count the child against the period's cap in the program's direction (once per child)."""
    if period.direction_cap is None:
        return
    direction_id = enrollment.group.program.direction_id
    _link, new = DirectionChild.objects.get_or_create(period=period, direction_id=direction_id, child=enrollment.child)
    if not new:
        return
    DirectionCount.objects.get_or_create(period=period, direction_id=direction_id)
    raised = DirectionCount.objects.filter(
        period=period, direction_id=direction_id, children__lt=period.direction_cap
    ).update(children=F("children") + 1)
    if not raised:
        raise DirectionCapReached(
            _("В этой направленности в период «%(period)s» уже занято %(cap)s мест по сертификатам.")
            % {"period": period.name, "cap": period.direction_cap}
        )


@transaction.atomic(durable=True)
def enrollment_accept(*, parent, enrollment_id: int, as_paid: bool = False, today: date | None = None) -> AcceptResult:
    """The parent accepts the provider's offer: the contract comes into force with its terms frozen, and
    the certificate's share of the lessons the group's calendar plans from the contract's start to the
    end of the period is reserved on the period's account (opened now, if the certificate has none there
    and the municipality's funded limit has room). `as_paid`: the parent takes the contract paid by
    themselves (the certificate pays nothing).

    Raises EnrollmentNotFound, LinkNotConfirmed, TransitionNotAllowed, OfferExpired, NoFundedRoom (the
    limit is reached: the door offers «paid» or the queue), DirectionCapReached, Busy."""
    today = today or timezone.localdate()
    _parent_enrollment_group(parent=parent, enrollment_id=enrollment_id)
    enrollment = lock_one(
        Enrollment.objects.select_related("child__municipality", "group__program", "certificate").filter(
            pk=enrollment_id
        )
    )
    require_confirmed_link(parent=parent, child=enrollment.child)
    if enrollment.status == EnrollmentStatus.ACTIVE:
        return AcceptResult(enrollment, changed=False)
    if enrollment.status != EnrollmentStatus.OFFERED:
        raise TransitionNotAllowed(
            _("Принять можно только оферту; заявка в статусе «%(status)s».")
            % {"status": enrollment.get_status_display()}
        )
    if enrollment.expires_at is not None and enrollment.expires_at < timezone.now():
        raise OfferExpired(_("Срок оферты истёк."))
    certificate = enrollment.certificate
    if certificate is not None and not as_paid and certificate.status != Certificate.Status.ACTIVE:
        # A certificate frozen by the municipality after the application pays for no new contract.
        raise CertificateNotActive(
            _("Сертификат № %(number)s %(status)s: договор по нему заключить нельзя.")
            % {"number": certificate.number, "status": certificate.get_status_display().lower()}
        )
    plan = acceptance_plan(enrollment=enrollment, as_paid=as_paid, today=today)
    period, group = plan.period, enrollment.group
    if period is not None and not period.accepting_contracts:
        raise PeriodClosed(_("Период финансирования закрыт для новых договоров."))
    if plan.no_funded_room:
        raise NoFundedRoom(
            _(
                "Сертификаты финансирования на период «%(period)s» закончились. Можно заключить договор "
                "за счёт родителей или встать в очередь на сертификат финансирования."
            )
            % {"period": period.name}
        )
    account, opening, available = plan.account, False, None
    if plan.certificate_pays:
        if account is None:
            # Only the call that created the account counts it against the limit: two contracts of one
            # child accepted at once wait on the account's unique key, and the second finds it made.
            account, opening = account_open_created(certificate=enrollment.certificate, period=period)
        account = lock_one(CertificateAccount.objects.filter(pk=account.pk))
        available = account.available
    start, planned = plan.start, plan.planned_lessons
    quote = plan.quote(available)
    enrollment.funding = quote.funding
    enrollment.period = period if quote.funding == ContractFunding.FUNDED else None
    enrollment.billing_policy = period.billing_policy if period else BillingPolicy.PER_LESSON
    enrollment.certificate_per_lesson = quote.certificate_per_lesson
    enrollment.planned_lessons = planned
    enrollment.copayment_shown = quote.copayment_total
    enrollment.accepted_at, enrollment.accepted_by = timezone.now(), parent
    enrollment.starts_on, enrollment.ends_on = start, group.end_date
    enrollment.expires_at = None
    transition(
        enrollment,
        EnrollmentStatus.ACTIVE,
        actor=parent,
        note="Договор заключён",
        fields=[
            "funding",
            "period",
            "billing_policy",
            "certificate_per_lesson",
            "planned_lessons",
            "copayment_shown",
            "accepted_at",
            "accepted_by",
            "starts_on",
            "ends_on",
            "expires_at",
        ],
    )
    notify_parents([enrollment], lambda e: _("Договор заключён"))
    # Last, the shared counters: their rows are locked only while this transaction commits. A wait on them
    # past the lock timeout is «busy, try again», like any other lock.
    with lock_wait_limited():
        if quote.funding == ContractFunding.FUNDED:
            _reserve_move(enrollment, account, quote.reserve, f"Резерв по договору № {enrollment.pk}")
            _count_direction(enrollment, period)
        taken = not opening or period_funded_account_take(period=period)
    if not taken:
        raise NoFundedRoom(_("Сертификаты финансирования на этот период только что закончились."))
    return AcceptResult(enrollment, changed=True)


def enrollment_accept_or_queue(*, parent, enrollment_id: int, as_paid: bool = False) -> AcceptResult | None:
    """Accept; when the funded limit is reached, put the certificate in the period's first-come queue
    (the offer stays open) and raise NoFundedRoom saying so."""
    try:
        return enrollment_accept(parent=parent, enrollment_id=enrollment_id, as_paid=as_paid)
    except NoFundedRoom as refused:
        enrollment = Enrollment.objects.select_related("child__municipality", "group", "certificate").get(
            pk=enrollment_id
        )
        period = contract_period(child=enrollment.child, group=enrollment.group)
        with transaction.atomic(durable=True):
            funding_queue_join(certificate=enrollment.certificate, period=period)
        # The parent is told what just happened: the certificate is in the queue, the offer still open.
        raise NoFundedRoom(
            _(
                "Сертификаты финансирования на период «%(period)s» закончились. Сертификат поставлен в очередь "
                "на финансирование: когда место освободится, придёт уведомление, и оферту можно будет принять "
                "за счёт сертификата. Можно и сейчас заключить договор за счёт родителей."
            )
            % {"period": period.name}
        ) from refused


# --- Termination --------------------------------------------------------------------------------------


def termination_date(enrollment: Enrollment, today: date | None = None) -> date:
    """The contract's last day if terminated today: the end of the month under the MONTHLY policy
    (the month is charged whole), yesterday under PER_LESSON (at once: today's lesson is not owed)."""
    today = today or timezone.localdate()
    if enrollment.billing_policy == BillingPolicy.MONTHLY:
        return min(month_last_day(today), enrollment.ends_on or month_last_day(today))
    return today - timedelta(days=1)


@transaction.atomic(durable=True)
def enrollment_terminate(*, parent, enrollment_id: int, today: date | None = None) -> Enrollment:
    """The parent ends a contract. It takes effect on termination_date(); the certificate keeps the
    reserve only for lessons still owed until then and gets the rest back; the seat goes to the waiting
    list on that date (at once under PER_LESSON). Idempotent."""
    today = today or timezone.localdate()
    group, enrollment = _lock_parent_contract(parent=parent, enrollment_id=enrollment_id)
    if enrollment.status == EnrollmentStatus.TERMINATED:
        return enrollment
    if enrollment.status != EnrollmentStatus.ACTIVE:
        raise TransitionNotAllowed(_("Расторгнуть можно только действующий договор."))
    last_day = termination_date(enrollment, today)
    _contract_end(group, enrollment, actor=parent, last_day=last_day, today=today, note="Расторгнут родителем")
    return enrollment


def _lock_parent_contract(*, parent, enrollment_id: int) -> tuple[Group, Enrollment]:
    """The group and the parent's contract in it, locked in the seat changes' order (group, then
    enrollment), after checking the parent may act on it: another family's is not found; an unconfirmed
    link is refused."""
    group_id = _parent_enrollment_group(parent=parent, enrollment_id=enrollment_id)
    group = _lock_group(group_id)
    enrollment = lock_one(
        Enrollment.objects.select_related("child", "group__program", "period").filter(pk=enrollment_id)
    )
    require_confirmed_link(parent=parent, child=enrollment.child)
    return group, enrollment


def _contract_end(
    group: Group, enrollment: Enrollment, *, actor, last_day: date, today: date, note: str, extra: str = ""
) -> None:
    """End the locked ACTIVE contract on `last_day`, under its group's lock: the certificate keeps the
    reserve only for lessons still owed until then; new terms awaiting the parents lapse; the parents are
    told; a seat freed already (the last day has passed) goes to the waiting list at once."""
    enrollment.ends_on = last_day
    transition(enrollment, EnrollmentStatus.TERMINATED, actor=actor, note=note, fields=["ends_on"])
    # Owed from today: under PER_LESSON (last day yesterday) nothing is; under MONTHLY the current month's
    # lessons up to the last day are, as the month is charged whole (contract_rereserve counts from its 1st).
    contract_rereserve(enrollment=enrollment, until=last_day, today=today)
    _uncount_direction(enrollment)
    _pending_terms_supersede(enrollment)
    with translation.override(settings.LANGUAGE_CODE):  # notices are stored in the portal's language
        last = _("Последний день договора: %(day)s.") % {"day": last_day.strftime("%d.%m.%Y")}
    notify_parents([enrollment], lambda e: _("Договор расторгнут"), f"{extra}\n{last}" if extra else last)
    if last_day < today:
        waiting_list_promote(group=group, today=today)


def _uncount_direction(enrollment: Enrollment) -> None:
    """The child leaves the direction's count when no other contract of theirs there is in force."""
    period = enrollment.period
    if period is None or period.direction_cap is None:
        return
    direction_id = enrollment.group.program.direction_id
    others = Enrollment.objects.filter(
        child=enrollment.child_id,
        period=period,
        status=EnrollmentStatus.ACTIVE,
        group__program__direction_id=direction_id,
    ).exclude(pk=enrollment.pk)
    if others.exists():
        return
    deleted, _rows = DirectionChild.objects.filter(
        period=period, direction_id=direction_id, child=enrollment.child_id
    ).delete()
    if deleted:
        DirectionCount.objects.filter(period=period, direction_id=direction_id).update(children=F("children") - 1)


def reserves_release_after_period_end(*, today: date | None = None) -> int:
    """Money does not carry over: a contract's reserve left when its funding period has ended is given
    back to that period's account (nightly job). Returns how many contracts were released."""
    today = today or timezone.localdate()
    released = 0
    ids = Enrollment.objects.filter(period__end_date__lt=today, reserve_remaining__gt=0).values_list("pk", flat=True)
    for enrollment_id in ids.order_by("pk"):
        with transaction.atomic(durable=True):
            enrollment = lock_one(Enrollment.objects.select_related("group", "period").filter(pk=enrollment_id))
            contract_rereserve(enrollment=enrollment, until=enrollment.period.end_date, today=today)
            released += 1
    return released


# --- Changes of terms -------------------------------------------------------------------------------------


class NoTermsProposed(Conflict):
    code = "no_terms_proposed"


@dataclass(frozen=True)
class TermsFigures:
    """A contract's terms priced over its remaining lessons: the certificate's share per lesson and the
    parents' co-payment over the lessons from today to the contract's end (as copayment_shown is)."""

    lesson_price: Decimal
    certificate_per_lesson: Decimal
    lessons: int
    copayment: Decimal

    @property
    def copayment_per_lesson(self) -> Decimal:
        return self.lesson_price - self.certificate_per_lesson


def _terms_figures(
    enrollment: Enrollment,
    account: CertificateAccount | None,
    *,
    lesson_price: Decimal,
    per_lesson: Decimal,
    today: date,
) -> TermsFigures:
    """The locked contract's figures if it ran on these prices from today: the reserve it would hold
    (contract_rereserve's rule), and what the parents pay on top of it for the lessons left."""
    until = enrollment.ends_on or enrollment.group.end_date
    reserve = enrollment.reserve_remaining
    if account is not None:
        reserve = _reserve_target(enrollment, account, per_lesson=per_lesson, until=until, today=today)
    lessons = len(group_lesson_dates(enrollment.group, start=today, end=until))
    return TermsFigures(lesson_price, per_lesson, lessons, max(ZERO, lesson_price * lessons - reserve))


def _terms_apply(enrollment: Enrollment, terms: TermsFigures, *, today: date, actor, note: str) -> None:
    """Put the locked contract on these terms: prices, the reserve that follows them (a top-up or a
    release), the co-payment shown; an audit row ACTIVE → ACTIVE says who changed them."""
    enrollment.lesson_price = terms.lesson_price
    enrollment.certificate_per_lesson = terms.certificate_per_lesson
    enrollment.save(update_fields=["lesson_price", "certificate_per_lesson"])
    contract_rereserve(enrollment=enrollment, until=enrollment.ends_on or enrollment.group.end_date, today=today)
    enrollment.copayment_shown = terms.copayment
    enrollment.save(update_fields=["copayment_shown"])
    EnrollmentEvent.objects.create(
        enrollment=enrollment,
        from_status=EnrollmentStatus.ACTIVE,
        to_status=EnrollmentStatus.ACTIVE,
        actor=actor,
        note=note,
    )


def _pending_terms_supersede(enrollment: Enrollment) -> int:
    """New terms still awaiting the parents' decision lapse (a later change, or the contract's end)."""
    return TermsChange.objects.filter(enrollment=enrollment, status=TermsChangeStatus.PROPOSED).update(
        status=TermsChangeStatus.SUPERSEDED, decided_at=timezone.now()
    )


def _terms_lines(before: TermsFigures, after: TermsFigures) -> str:
    """Old and new terms for a notice, in the portal's language (notices are stored in it)."""
    with translation.override(settings.LANGUAGE_CODE):
        return "\n".join(
            (
                _("Стоимость занятия: %(before)s ₽ → %(after)s ₽.")
                % {"before": before.lesson_price, "after": after.lesson_price},
                _("Доплата за занятие: %(before)s ₽ → %(after)s ₽.")
                % {"before": before.copayment_per_lesson, "after": after.copayment_per_lesson},
                _("Доплата до конца периода: %(before)s ₽ → %(after)s ₽.")
                % {"before": before.copayment, "after": after.copayment},
            )
        )


@dataclass(frozen=True)
class TermsChangeResult:
    enrollment: Enrollment
    proposed: TermsChange | None  # the new terms awaiting the parents' decision; None: applied at once


@transaction.atomic(durable=True)
def contract_terms_change(
    *, enrollment_id: int, lesson_price: Decimal | None = None, actor=None, today: date | None = None
) -> TermsChangeResult:
    """A running contract's terms change (a new lesson price agreed; with no price, a schedule change).
    When the parents' co-payment over the lessons left does not rise, the change applies at once: the
    reserve follows with a release or a top-up, and the parents are told. When it rises, the change is
    only proposed (TermsChange): the current terms and reserve stay in force until a parent accepts
    (contract_terms_accept) or declines and so ends the contract at once (contract_terms_decline); the
    parents are told the old and the new terms. Either way a change still awaiting them lapses.

    Without a price the per-lesson terms stay, so the co-payment compares equal and the reserve simply
    follows the group's calendar. Lock order: the enrollment, then the certificate account."""
    today = today or timezone.localdate()
    enrollment = lock_one(
        Enrollment.objects.select_related("child", "group__program", "period").filter(pk=enrollment_id)
    )
    if enrollment.status != EnrollmentStatus.ACTIVE:
        raise TransitionNotAllowed(_("Условия меняются только у действующего договора."))
    account = _contract_account(enrollment)
    before = _terms_figures(
        enrollment,
        account,
        lesson_price=enrollment.lesson_price,
        per_lesson=enrollment.certificate_per_lesson,
        today=today,
    )
    price, per_lesson = enrollment.lesson_price, enrollment.certificate_per_lesson
    if lesson_price is not None:
        price = to_money(lesson_price)
        if enrollment.funding == ContractFunding.FUNDED:
            per_lesson = certificate_covers(price=price, normative_price=enrollment.normative_lesson_price)
    after = _terms_figures(enrollment, account, lesson_price=price, per_lesson=per_lesson, today=today)
    _pending_terms_supersede(enrollment)
    if after.copayment > before.copayment:
        proposed = TermsChange.objects.create(
            enrollment=enrollment,
            lesson_price_before=before.lesson_price,
            lesson_price_after=after.lesson_price,
            certificate_per_lesson_before=before.certificate_per_lesson,
            certificate_per_lesson_after=after.certificate_per_lesson,
            lessons=after.lessons,
            copayment_before=before.copayment,
            copayment_after=after.copayment,
            proposed_by=actor,
        )
        with translation.override(settings.LANGUAGE_CODE):
            decide = _(
                "Пока вы не решили, действуют прежние условия. Примите новые условия или откажитесь от них на "
                "странице договора в личном кабинете; при отказе договор расторгается сразу."
            )
        notify_parents(
            [enrollment],
            lambda e: _("Новые условия договора ждут вашего решения"),
            f"{_terms_lines(before, after)}\n{decide}",
        )
        return TermsChangeResult(enrollment, proposed)
    _terms_apply(enrollment, after, today=today, actor=actor, note="Условия договора изменены")
    with translation.override(settings.LANGUAGE_CODE):
        copayment = _("Доплата до конца периода: %(amount)s ₽ (была %(before)s ₽).") % {
            "amount": enrollment.copayment_shown,
            "before": before.copayment,
        }
    notify_parents([enrollment], lambda e: _("Условия договора изменились"), copayment)
    return TermsChangeResult(enrollment, None)


@dataclass(frozen=True)
class TermsDecision:
    enrollment: Enrollment
    change: TermsChange
    changed: bool  # False: the parents had decided so already (a repeat changes nothing)


def _proposed_terms(enrollment: Enrollment, decided: str) -> tuple[TermsChange, bool]:
    """The locked contract's change awaiting the parents and True; or, when the latest change was
    decided `decided` already, that change and False (a repeat). Read under the contract's lock, which
    every writer of its changes holds, so the change row itself needs no lock."""
    latest = TermsChange.objects.filter(enrollment=enrollment).order_by("-created_at", "-pk").first()
    if latest is not None and latest.status == TermsChangeStatus.PROPOSED:
        return latest, True
    if latest is not None and latest.status == decided:
        return latest, False
    raise NoTermsProposed(_("Новых условий, ожидающих вашего решения, по этому договору нет."))


def _terms_decided(change: TermsChange, status: str, parent) -> None:
    change.status, change.decided_by, change.decided_at = status, parent, timezone.now()
    change.save(update_fields=["status", "decided_by", "decided_at"])


@transaction.atomic(durable=True)
def contract_terms_accept(*, parent, enrollment_id: int, today: date | None = None) -> TermsDecision:
    """A confirmed parent accepts the new terms awaiting them: the contract's price and the certificate's
    share change, the reserve follows (contract_rereserve: a top-up or a release), the co-payment shown
    is priced over the lessons left. Idempotent. Lock order: the enrollment, then the account.

    Raises EnrollmentNotFound (another family's), LinkNotConfirmed, NoTermsProposed, Busy."""
    today = today or timezone.localdate()
    _parent_enrollment_group(parent=parent, enrollment_id=enrollment_id)
    enrollment = lock_one(
        Enrollment.objects.select_related("child", "group__program", "period").filter(pk=enrollment_id)
    )
    require_confirmed_link(parent=parent, child=enrollment.child)
    change, pending = _proposed_terms(enrollment, TermsChangeStatus.ACCEPTED)
    if not pending:
        return TermsDecision(enrollment, change, changed=False)
    # A change awaits only a contract in force: ending the contract lets it lapse (_contract_end).
    account = _contract_account(enrollment)
    before = _terms_figures(
        enrollment,
        account,
        lesson_price=enrollment.lesson_price,
        per_lesson=enrollment.certificate_per_lesson,
        today=today,
    )
    after = _terms_figures(
        enrollment,
        account,
        lesson_price=change.lesson_price_after,
        per_lesson=change.certificate_per_lesson_after,
        today=today,
    )
    _terms_apply(enrollment, after, today=today, actor=parent, note="Родители приняли новые условия договора")
    _terms_decided(change, TermsChangeStatus.ACCEPTED, parent)
    notify_parents([enrollment], lambda e: _("Новые условия договора приняты"), _terms_lines(before, after))
    return TermsDecision(enrollment, change, changed=True)


@transaction.atomic(durable=True)
def contract_terms_decline(*, parent, enrollment_id: int, today: date | None = None) -> TermsDecision:
    """A confirmed parent declines the new terms awaiting them, and so ends the contract at once whatever
    the billing policy: its last day is yesterday, the certificate gets back the reserve no longer owed,
    the seat goes to the waiting list now. Idempotent. A seat change: the group, then the enrollment.

    Raises EnrollmentNotFound (another family's), LinkNotConfirmed, NoTermsProposed, Busy."""
    today = today or timezone.localdate()
    group, enrollment = _lock_parent_contract(parent=parent, enrollment_id=enrollment_id)
    change, pending = _proposed_terms(enrollment, TermsChangeStatus.DECLINED)
    if not pending:
        return TermsDecision(enrollment, change, changed=False)
    _terms_decided(change, TermsChangeStatus.DECLINED, parent)
    with translation.override(settings.LANGUAGE_CODE):
        declined = _("Новые условия отклонены: договор расторгнут сразу, место в группе освобождено.")
    _contract_end(
        group,
        enrollment,
        actor=parent,
        last_day=today - timedelta(days=1),
        today=today,
        note="Родители отказались от новых условий: договор расторгнут",
        extra=declined,
    )
    return TermsDecision(enrollment, change, changed=True)


# --- The funding queue ----------------------------------------------------------------------------------


def funding_queue_serve(*, period_id: int) -> int:
    """Room appeared in the period (the limit raised, an account closed): open accounts for queued
    certificates in order, each in its own transaction, while there is room; their parents are told
    they can now accept with the certificate. Returns how many were served."""
    served = 0
    while True:
        with transaction.atomic(durable=True):
            period = FundingPeriod.objects.get(pk=period_id)
            request = (
                FundedCertificateRequest.objects.select_for_update(skip_locked=True)
                .select_related("certificate__child")
                .filter(period=period, granted_at__isnull=True)
                .order_by("created_at", "pk")
                .first()
            )
            if request is None or period.funded_accounts >= period.max_funded_certificates:
                return served
            had_account = CertificateAccount.objects.filter(certificate=request.certificate, period=period).exists()
            request.granted_at = timezone.now()
            request.save(update_fields=["granted_at"])
            if had_account:  # funded meanwhile (another contract's acceptance counted it already)
                continue
            _account, created = account_open_created(certificate=request.certificate, period=period)
            if not created:  # opened by an acceptance that committed meanwhile, and counted by it
                continue
            offers = list(
                Enrollment.objects.select_related("child", "group__program")
                .prefetch_related("child__parents")
                .filter(certificate=request.certificate, status=EnrollmentStatus.OFFERED)
            )
            notify_parents(offers, lambda e: _("Сертификат финансирования выделен: можно принять оферту"))
            if not period_funded_account_take(period=period):
                raise IntegrityError("the period's funded limit changed while serving its queue")
            served += 1
