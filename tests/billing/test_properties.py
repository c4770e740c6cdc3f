"""Property-based: random sequences of marks, corrections, lesson cancellations, disputes, statements,
terminations and debit runs, under both billing policies, compared after every step with an independent
model in plain Python.

The model is written from DOMAIN.md («Billing», «Money») and the documented order of the debit job, not
from its code: a lesson or month costs the contract's price; the certificate pays min(price, normative
price) per lesson from the contract's reserve first, then from what the account has left, the rest is
the co-payment; a correction after billing reverses the charge (the certificate part goes back to the
account's available balance) and charges the new version when it is owed; under MONTHLY a month costs
the lessons the calendar planned from the contract's start less those cancelled and less those an upheld
dispute found did not take place, after it ends; an upheld dispute of a lesson refunds it for good; a
termination takes effect at once (PER_LESSON) or at the month's end (MONTHLY), and the reserve keeps only
what the lessons still owed until then need. When an account runs short the job pays in date order; two
contracts of one account charged for the same month in the same pass share what the account has left in
an order the domain does not fix, so there only their sum is the model's.
Statements: a charge or reversal lands in its month's statement while that is not issued, else in the
next open one; once a month's statement is issued, the register refuses changing that month's marks.

After every step: each account's nominal, reserved and spent, each contract's reserve, every live charge
(what the certificate paid and the co-payment, per mark or per month), every statement's lines (count,
lessons, amounts) and which statements are issued equal the model's; no balance is negative; and after
every step that moved money, reconciliation finds nothing.

Each example starts from a clean database: everything it writes is rolled back to a savepoint taken
before it, inside the test's transaction (the services' durable transactions nest in the test's own).
"""

from __future__ import annotations

import datetime
import functools
import os
from dataclasses import dataclass, field
from decimal import Decimal

import pytest
from django.db import transaction
from django.db.models import Count, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test

from billing.attendance import StatementIssued, register_save
from billing.debits import run_debits
from billing.disputes import dispute_raise, dispute_resolve
from billing.models import AttendanceMark, Charge, Dispute, Statement
from billing.reconciliation import reconcile
from billing.statements import statement_issue, statements_build_due
from certificates.models import BillingPolicy, CertificateAccount
from enrollments.contracts import enrollment_accept, enrollment_terminate
from enrollments.models import Enrollment
from tests.accounts.factories import ProviderStaffFactory
from tests.billing import debit_helpers
from tests.catalog.factories import (
    GroupFactory,
    MunicipalityFactory,
    ProgramFactory,
    ProviderFactory,
    ScheduleSlotFactory,
)
from tests.certificates.factories import ChildFactory, FundingPeriodFactory, school_year_of
from tests.enrollments.factories import EnrollmentFactory, parent_of

pytestmark = pytest.mark.django_db

D = Decimal
ZERO = D("0.00")
PRESENT, ABSENT, EXCUSED = "PRESENT", "ABSENT", "EXCUSED"
MON, TUE, WED, THU, FRI = range(5)
GROUP_DAYS = 120  # a short group, so that a contract's reserve does not take the whole nominal
HORIZON_DAYS = 100  # how far the examples' clock runs from the school year's start
CANCEL_REASON = "Педагог заболел"


# --- The model ------------------------------------------------------------------------------------------


def calendar(weekdays: frozenset[int], start: datetime.date, end: datetime.date) -> list[datetime.date]:
    """Lesson dates: every day from start to end whose weekday has a slot (one lesson a day)."""
    days, day = [], start
    while day <= end:
        if day.weekday() in weekdays:
            days.append(day)
        day += datetime.timedelta(days=1)
    return days


def month_end(month: datetime.date) -> datetime.date:
    return (month.replace(day=28) + datetime.timedelta(days=4)).replace(day=1) - datetime.timedelta(days=1)


def previous_month(month: datetime.date) -> datetime.date:
    return (month - datetime.timedelta(days=1)).replace(day=1)


def months_between(first: datetime.date, last: datetime.date) -> list[datetime.date]:
    months, month = [], first.replace(day=1)
    while month <= last:
        months.append(month)
        month = month_end(month) + datetime.timedelta(days=1)
    return months


@dataclass
class Account:
    nominal: Decimal
    reserved: Decimal
    spent: Decimal

    @property
    def available(self) -> Decimal:
        return self.nominal - self.reserved - self.spent


@dataclass
class Contract:
    id: int
    policy: str
    price: Decimal
    normative: Decimal
    group_id: int
    weekdays: frozenset[int]
    group_start: datetime.date
    group_end: datetime.date
    starts_on: datetime.date
    ends_on: datetime.date
    account: int
    municipality: int  # the paying one: the certificate's
    parent: object
    reserve: Decimal
    terminated: bool = False

    @property
    def per_lesson(self) -> Decimal:
        """What the certificate pays for one lesson with money enough."""
        return min(self.price, self.normative)

    def lessons(self, start: datetime.date, end: datetime.date) -> list[datetime.date]:
        return calendar(self.weekdays, max(start, self.group_start), min(end, self.group_end))


@dataclass
class Mark:
    id: int
    contract: Contract
    date: datetime.date
    status: str
    version: int = 1
    settled: int = 0  # the version the debit job last settled (0: never, or re-opened by a cancellation)
    disputed: bool = False  # an upheld dispute found the pupil was not there: never charged again


@dataclass
class Live:
    """A live charge: for a mark's version or a month's lesson count, and who paid what."""

    unit: int  # mark version (LESSON) or lessons (MONTH)
    certificate: Decimal
    copayment: Decimal
    unit_lessons: int = field(default=1, compare=False)  # lessons it counts (for its statement line)
    item: Item | None = field(default=None, compare=False, repr=False)


@dataclass
class Item:
    """A charge (+) or a reversal (−) as a statement counts it: home month, lessons and amounts."""

    municipality: int
    home: datetime.date
    lessons: int
    certificate: Decimal
    copayment: Decimal
    statement: datetime.date | None = None  # the month of the statement it is a line of


@dataclass
class Model:
    accounts: dict[int, Account] = field(default_factory=dict)
    contracts: dict[int, Contract] = field(default_factory=dict)
    marks: dict[tuple[int, datetime.date], Mark] = field(default_factory=dict)
    cancelled: dict[tuple[int, datetime.date], bool] = field(default_factory=dict)
    lesson_charges: dict[int, Live] = field(default_factory=dict)  # mark id -> live charge
    month_charges: dict[tuple[int, datetime.date], Live] = field(default_factory=dict)
    months_ever_charged: set[tuple[int, datetime.date]] = field(default_factory=set)
    # Months of two contracts on one account charged in one pass: which of them the account's available
    # money goes to first is not the domain's to say (only their sum is); the comparison settles them.
    ties: list[list[tuple[int, datetime.date]]] = field(default_factory=list)
    disputed_days: dict[tuple[int, datetime.date], set[datetime.date]] = field(default_factory=dict)
    items: list[Item] = field(default_factory=list)
    issued: set[tuple[int, datetime.date]] = field(default_factory=set)  # (municipality, month)

    # Money moves.

    def refund(self, contract: Contract, live: Live, home: datetime.date) -> None:
        self.accounts[contract.account].spent -= live.certificate
        self.items.append(Item(contract.municipality, home, -live.unit_lessons, -live.certificate, -live.copayment))

    def pay(
        self, contract: Contract, price: Decimal, want: Decimal, unit: int, home: datetime.date, lessons: int
    ) -> Live:
        """The certificate's part from the contract's reserve first, then from what the account has
        available; the rest is the co-payment."""
        account = self.accounts[contract.account]
        from_reserve = min(want, contract.reserve)
        from_available = max(ZERO, min(want - from_reserve, account.available))
        contract.reserve -= from_reserve
        account.reserved -= from_reserve
        account.spent += from_reserve + from_available
        certificate = from_reserve + from_available
        item = Item(contract.municipality, home, lessons, certificate, price - certificate)
        self.items.append(item)
        return Live(unit, certificate, price - certificate, lessons, item)

    # The register.

    def owed(self, mark: Mark) -> bool:
        contract = mark.contract
        return (
            contract.policy == BillingPolicy.PER_LESSON
            and mark.status == PRESENT
            and not self.cancelled.get((contract.group_id, mark.date), False)
            and contract.starts_on <= mark.date <= contract.ends_on
            and not mark.disputed
        )

    def month_days(self, contract: Contract, month: datetime.date, until: datetime.date) -> list[datetime.date]:
        """The month's lessons the contract owes (up to `until`): planned from its start, not cancelled,
        not found by an upheld dispute not to have taken place."""
        days = contract.lessons(max(month, contract.starts_on), min(month_end(month), contract.ends_on, until))
        disputed = self.disputed_days.get((contract.id, month), set())
        return [d for d in days if not self.cancelled.get((contract.group_id, d), False) and d not in disputed]

    def month_owes(self, contract: Contract, month: datetime.date) -> int:
        return len(self.month_days(contract, month, month_end(month)))

    # The debit job on `day`.

    def run(self, day: datetime.date) -> None:
        due = sorted((m for m in self.marks.values() if m.version > m.settled and m.date <= day), key=lambda m: m.id)
        to_charge = []
        for mark in due:  # reversals first: their money is available to the new charges
            live = self.lesson_charges.get(mark.id)
            if live is not None and (not self.owed(mark) or live.unit != mark.version):
                self.refund(mark.contract, live, mark.date.replace(day=1))
                del self.lesson_charges[mark.id]
            if self.owed(mark) and mark.id not in self.lesson_charges:
                to_charge.append(mark)
            mark.settled = mark.version
        for mark in sorted(to_charge, key=lambda m: (m.date, m.id)):
            contract = mark.contract
            self.lesson_charges[mark.id] = self.pay(
                contract, contract.price, contract.per_lesson, mark.version, mark.date.replace(day=1), 1
            )

        ended = day.replace(day=1) - datetime.timedelta(days=1)
        monthly = [c for c in self.contracts.values() if c.policy == BillingPolicy.MONTHLY]
        months = {c.id: months_between(c.starts_on, min(c.ends_on, ended)) for c in monthly}
        # First charges of months never charged, in month order per contract.
        charged = []
        for contract in monthly:
            for month in months[contract.id]:
                if (contract.id, month) in self.months_ever_charged:
                    continue
                lessons = self.month_owes(contract, month)
                if lessons:
                    self.month_charges[contract.id, month] = self.pay(
                        contract, contract.price * lessons, contract.per_lesson * lessons, lessons, month, lessons
                    )
                    self.months_ever_charged.add((contract.id, month))
                    charged.append((contract, month))
        self._note_ties(charged)
        # Months charged before whose count changed: reversed, and charged again for the new count.
        recharged = []
        for contract in monthly:
            recount = []
            for month in months[contract.id]:
                if (contract.id, month) not in self.months_ever_charged:
                    continue
                lessons = self.month_owes(contract, month)
                live = self.month_charges.get((contract.id, month))
                if (live.unit if live else 0) != lessons:
                    if live is not None:
                        self.refund(contract, live, month)
                        del self.month_charges[contract.id, month]
                    if lessons:
                        recount.append((month, lessons))
            for month, lessons in recount:
                self.month_charges[contract.id, month] = self.pay(
                    contract, contract.price * lessons, contract.per_lesson * lessons, lessons, month, lessons
                )
                recharged.append((contract, month))
        self._note_ties(recharged)

    def _note_ties(self, charged: list[tuple[Contract, datetime.date]]) -> None:
        groups: dict[tuple[int, datetime.date], list[tuple[int, datetime.date]]] = {}
        for contract, month in charged:
            groups.setdefault((contract.account, month), []).append((contract.id, month))
        self.ties += [keys for keys in groups.values() if len(keys) > 1]

    # An upheld dispute: the charge reversed whole; a lesson is never charged again, a month is charged
    # again by the next run for its lessons less the disputed one.

    def uphold_lesson(self, mark: Mark) -> None:
        live = self.lesson_charges.pop(mark.id)
        self.refund(mark.contract, live, mark.date.replace(day=1))
        mark.disputed = True

    def uphold_month(self, contract: Contract, month: datetime.date, day: datetime.date) -> None:
        live = self.month_charges.pop((contract.id, month))
        self.refund(contract, live, month)
        self.disputed_days.setdefault((contract.id, month), set()).add(day)

    # Statements (DOMAIN.md: an item lands in its own month's statement while that is not issued, else in
    # the provider's next open one).

    def _open_from(self, municipality: int, month: datetime.date) -> datetime.date:
        start = month
        while (municipality, previous_month(start)) in self.issued:
            start = previous_month(start)
        return start

    def _target(self, municipality: int, home: datetime.date) -> datetime.date:
        month = home
        while (municipality, month) in self.issued:
            month = month_end(month) + datetime.timedelta(days=1)
        return month

    def _take(self, municipality: int, month: datetime.date) -> None:
        """A DRAFT statement takes every item outside every statement that belongs to it now."""
        first = self._open_from(municipality, month)
        for item in self.items:
            if item.statement is None and item.municipality == municipality and first <= item.home <= month:
                item.statement = month

    def build(self, today: datetime.date) -> set[tuple[int, datetime.date]]:
        """The nightly build: items outside every statement whose home month ended (reversals whatever
        their month) go to their statements; returns the statements made or brought up to date."""
        current = today.replace(day=1)
        homes = sorted(
            {
                (i.municipality, i.home)
                for i in self.items
                if i.statement is None and (i.home < current or i.certificate < 0 or i.copayment < 0 or i.lessons < 0)
            }
        )
        built = set()
        for municipality, home in homes:
            target = self._target(municipality, home)
            self._take(municipality, target)
            built.add((municipality, target))
        return built

    def issue(self, municipality: int, month: datetime.date) -> bool:
        self._take(municipality, month)
        if not any(i.statement == month and i.municipality == municipality for i in self.items):
            return False
        self.issued.add((municipality, month))
        return True

    def statements(self) -> dict[tuple[int, datetime.date], tuple]:
        totals: dict[tuple[int, datetime.date], list] = {}
        for item in self.items:
            if item.statement is not None:
                row = totals.setdefault((item.municipality, item.statement), [0, 0, ZERO, ZERO])
                row[0] += 1
                row[1] += item.lessons
                row[2] += item.certificate
                row[3] += item.copayment
        return {key: tuple(row) for key, row in totals.items()}

    # Termination on `today`.

    def terminate(self, contract: Contract, today: datetime.date) -> None:
        if contract.terminated:
            return
        contract.terminated = True
        account = self.accounts[contract.account]
        if contract.policy == BillingPolicy.MONTHLY:
            # The month is owed whole: the reserve keeps the lessons of the month from its start.
            contract.ends_on = min(month_end(today), contract.ends_on)
            owed = len(contract.lessons(max(today.replace(day=1), contract.starts_on), contract.ends_on))
            keep = min(contract.per_lesson * owed, contract.reserve + account.available)
        else:
            contract.ends_on = today - datetime.timedelta(days=1)  # today's lesson is not owed
            keep = ZERO
        account.reserved += keep - contract.reserve
        contract.reserve = keep


# --- The state machine ------------------------------------------------------------------------------------


NOMINALS = st.sampled_from([D("1500.00"), D("4000.00"), D("10000.00")])
STATUSES = st.sampled_from([PRESENT, PRESENT, PRESENT, ABSENT, EXCUSED])
# What happens next, weighted: lessons marked most, then nights with their debit run.
ACTIONS = st.sampled_from(
    ["register", "nights_pass", "register", "correct", "nights_pass", "register", "cancel_or_restore",
     "dispute", "statements", "correct", "debit_run", "terminate"]
)  # fmt: skip


class Billing(RuleBasedStateMachine):
    """Two municipalities, one PER_LESSON and one MONTHLY; one provider; three groups (Mon/Wed and Tue/Thu
    at 250 ₽ a lesson, Mon/Fri at 350 ₽) against a normative price of 300 ₽. Per municipality a child with
    two contracts on one certificate (their lessons never on the same day) and a child with one."""

    def __init__(self):
        super().__init__()
        self.savepoint = transaction.savepoint()
        self.model = Model()
        self.terminations = 0
        self.money_moved = False

    def teardown(self):
        transaction.savepoint_rollback(self.savepoint)

    @initialize(per_lesson_nominal=NOMINALS, monthly_nominal=NOMINALS, head_start=st.integers(7, 45))
    def region(self, per_lesson_nominal, monthly_nominal, head_start):
        today = timezone.localdate()
        year = school_year_of(today - datetime.timedelta(days=HORIZON_DAYS))
        start = datetime.date(year, 9, 1)
        self.today = start + datetime.timedelta(days=head_start)
        self.horizon = min(start + datetime.timedelta(days=HORIZON_DAYS), today)
        provider = ProviderFactory()
        self.staff = ProviderStaffFactory(provider=provider)
        groups = []
        for weekdays, price in (((MON, WED), "250.00"), ((TUE, THU), "250.00"), ((MON, FRI), "350.00")):
            program = ProgramFactory(provider=provider, lesson_price=D(price), normative_lesson_price=D("300.00"))
            group = GroupFactory(
                program=program, start_date=start, end_date=start + datetime.timedelta(days=GROUP_DAYS)
            )
            for weekday in weekdays:
                ScheduleSlotFactory(group=group, weekday=weekday)
            groups.append((group, frozenset(weekdays)))
        for policy, nominal in (
            (BillingPolicy.PER_LESSON, per_lesson_nominal),
            (BillingPolicy.MONTHLY, monthly_nominal),
        ):
            municipality = MunicipalityFactory()
            FundingPeriodFactory(municipality=municipality, year=year, billing_policy=policy, nominal=nominal)
            for child_groups in ((groups[0], groups[1]), (groups[2],)):
                child = ChildFactory(municipality=municipality)
                certificate = None
                for group, weekdays in child_groups:
                    offer = EnrollmentFactory(offered=True, child=child, group=group, **(
                        {"certificate": certificate} if certificate else {}
                    ))  # fmt: skip
                    certificate = offer.certificate
                    enrollment_accept(parent=parent_of(child), enrollment_id=offer.pk, today=start)
                    self._adopt(Enrollment.objects.get(pk=offer.pk), weekdays)
        self.money_moved = True

    def _adopt(self, enrollment: Enrollment, weekdays: frozenset[int]) -> None:
        """The accepted contract and its account, as acceptance left them, become the model's start."""
        account = CertificateAccount.objects.get(certificate=enrollment.certificate_id, period=enrollment.period_id)
        self.model.accounts[account.pk] = Account(account.nominal, account.reserved, account.spent)
        group = enrollment.group
        assert enrollment.billing_policy and enrollment.funding == "FUNDED"
        self.model.contracts[enrollment.pk] = Contract(
            id=enrollment.pk,
            policy=enrollment.billing_policy,
            price=enrollment.lesson_price,
            normative=enrollment.normative_lesson_price,
            group_id=group.pk,
            weekdays=weekdays,
            group_start=group.start_date,
            group_end=group.end_date,
            starts_on=enrollment.starts_on,
            ends_on=enrollment.ends_on,
            account=account.pk,
            municipality=enrollment.certificate.municipality_id,
            parent=parent_of(enrollment.child),
            reserve=enrollment.reserve_remaining,
        )

    # Steps: one rule draws which, so that every example is a mixed sequence (Hypothesis's swarm testing
    # would otherwise switch whole rules off per example, leaving marks never billed or runs with nothing
    # to do).

    @rule(data=st.data())
    def step(self, data):
        action = data.draw(ACTIONS)
        if action == "terminate" and self.terminations:
            action = "nights_pass"
        getattr(self, action)(data)

    def nights_pass(self, data):
        """Days go by; the nightly debit run (beat) charges what is due on the new day."""
        days = data.draw(st.integers(min_value=1, max_value=10))
        self.today = min(self.today + datetime.timedelta(days=days), self.horizon)
        self.debit_run(data)

    def debit_run(self, data):
        """The debit job on today's date (once more, or from the admin's «Провести списания сейчас»)."""
        run = run_debits(day=self.today)
        assert run.status == "OK"
        self.model.run(self.today)
        self.money_moved = True

    def _dates(self, contract: Contract) -> list[datetime.date]:
        """Lesson dates the register accepts for the pupil today: from the contract's start, up to
        today and the contract's end."""
        return contract.lessons(contract.starts_on, min(self.today, contract.ends_on))

    def _register(self, group_id: int, day: datetime.date, statuses: dict[int, str]) -> None:
        """One lesson's register saved, and the model's marks (a changed status is a new version). A save
        states the lesson's cancellation too: it keeps what the lesson has (marks of a cancelled lesson
        are kept, and not billed)."""
        cancelled = self.model.cancelled.get((group_id, day), False)
        changed = [
            c for c, status in statuses.items()
            if (c, day) not in self.model.marks or self.model.marks[c, day].status != status
        ]  # fmt: skip
        save = functools.partial(
            register_save, staff=self.staff, group_id=group_id, date=day, marks=statuses.items(), today=self.today,
            cancelled=cancelled, reason=CANCEL_REASON if cancelled else "",
        )  # fmt: skip
        if self._frozen(changed, day):
            with pytest.raises(StatementIssued):
                save()
            return
        save()
        for contract_id, status in statuses.items():
            existing = self.model.marks.get((contract_id, day))
            if existing is None:
                mark_id = AttendanceMark.objects.get(enrollment_id=contract_id, lesson__date=day).pk
                self.model.marks[contract_id, day] = Mark(mark_id, self.model.contracts[contract_id], day, status)
            elif existing.status != status:
                existing.status, existing.version = status, existing.version + 1

    def register(self, data):
        """A recent lesson of a group marked for each of its pupils with a contract on that date."""
        group_id = data.draw(st.sampled_from(sorted({c.group_id for c in self.model.contracts.values()})))
        pupils = sorted((c for c in self.model.contracts.values() if c.group_id == group_id), key=lambda c: c.id)
        dates = sorted({day for c in pupils for day in self._dates(c)})
        if not dates:
            return
        day = data.draw(st.sampled_from(dates[-6:]))
        self._register(group_id, day, {c.id: data.draw(STATUSES) for c in pupils if day in self._dates(c)})

    def correct(self, data):
        """A mark made earlier gets another status (billed already or not)."""
        marks = sorted((m for m in self.model.marks.values() if m.date <= m.contract.ends_on), key=lambda m: m.id)
        if not marks:
            return
        mark = data.draw(st.sampled_from(marks))
        status = data.draw(st.sampled_from([s for s in (PRESENT, ABSENT, EXCUSED) if s != mark.status]))
        self._register(mark.contract.group_id, mark.date, {mark.contract.id: status})

    def cancel_or_restore(self, data):
        """A recent lesson of a group cancelled by the provider, or its cancellation taken back."""
        contract = data.draw(st.sampled_from(sorted(self.model.contracts.values(), key=lambda c: c.id)))
        dates = contract.lessons(contract.group_start, self.today)
        if not dates:
            return
        day = data.draw(st.sampled_from(dates[-10:]))
        key = (contract.group_id, day)
        cancelled = not self.model.cancelled.get(key, False)
        save = functools.partial(
            register_save, staff=self.staff, group_id=contract.group_id, date=day, cancelled=cancelled,
            reason=CANCEL_REASON, today=self.today,
        )  # fmt: skip
        pupils = [
            c.id for c in self.model.contracts.values()
            if c.group_id == contract.group_id and c.starts_on <= day <= c.ends_on
        ]  # fmt: skip
        if self._frozen(pupils, day):
            with pytest.raises(StatementIssued):
                save()
            return
        save()
        self.model.cancelled[key] = cancelled
        for mark in self.model.marks.values():  # the lesson's marks go back to the debit job
            if (mark.contract.group_id, mark.date) == key:
                mark.settled = 0

    def _frozen(self, contract_ids, day: datetime.date) -> bool:
        """Whether the register must refuse changing these pupils' lesson: the statement of its month to
        a pupil's paying municipality is issued."""
        return any(
            (self.model.contracts[c].municipality, day.replace(day=1)) in self.model.issued for c in contract_ids
        )

    def dispute(self, data):
        """A parent disputes a charged lesson (PER_LESSON) or a lesson of a charged month (MONTHLY);
        provider staff uphold or reject it."""
        options = [
            ("LESSON", m)
            for m in self.model.marks.values()
            if m.id in self.model.lesson_charges and m.status == PRESENT
        ]
        options += [("MONTH", key) for key in self.model.month_charges]
        if not options:
            return
        kind, what = data.draw(st.sampled_from(sorted(options, key=str)))
        if kind == "LESSON":
            contract, charge = what.contract, Charge.objects.get(mark_id=what.id, reversal__isnull=True)
            day = None
        else:
            contract = self.model.contracts[what[0]]
            charge = Charge.objects.get(enrollment_id=contract.id, month=what[1], reversal__isnull=True)
            days = self.model.month_days(contract, what[1], self.today)
            if not days:
                return
            day = data.draw(st.sampled_from(days))
        if Dispute.objects.filter(charge=charge, lesson__date=day or charge.service_date).exists():
            return  # one dispute per charge and lesson
        raised = dispute_raise(parent=contract.parent, charge_id=charge.pk, lesson_date=day, reason="Не было занятия")
        assert raised.created
        uphold = data.draw(st.booleans())
        dispute_resolve(actor=self.staff, dispute_id=raised.dispute.pk, uphold=uphold, resolution="Проверено")
        if uphold and kind == "LESSON":
            self.model.uphold_lesson(what)
        elif uphold:
            self.model.uphold_month(contract, what[1], day)
        self.money_moved = True

    def statements(self, data):
        """The nightly statements build; provider staff issue a statement of an ended month."""
        statements_build_due(today=self.today)
        self.model.build(self.today)
        drafts = sorted(
            Statement.objects.filter(status=Statement.Status.DRAFT, month__lt=self.today.replace(day=1)).values_list(
                "pk", "municipality_id", "month"
            )
        )
        if drafts and data.draw(st.booleans()):
            pk, municipality, month = data.draw(st.sampled_from(drafts))
            assert statement_issue(actor=self.staff, statement_id=pk, today=self.today).issued
            assert self.model.issue(municipality, month)
        self.money_moved = True

    def terminate(self, data):
        """A parent ends a contract today (once per example). Not on a day whose lesson of the contract is
        charged already: that charge would stay after the contract's end (the known gap of
        test_a_lesson_charged_on_the_day_of_termination_is_reversed)."""
        contract = data.draw(st.sampled_from(sorted(self.model.contracts.values(), key=lambda c: c.id)))
        if any(m.contract is contract and m.date >= self.today and m.id in self.model.lesson_charges
               for m in self.model.marks.values()):  # fmt: skip
            return
        enrollment_terminate(parent=contract.parent, enrollment_id=contract.id, today=self.today)
        self.model.terminate(contract, self.today)
        self.terminations += 1
        self.money_moved = True

    # After every step.

    @invariant()
    def money_as_the_model_says(self):
        if not self.model.contracts:
            return
        model = self.model
        accounts = {
            a.pk: Account(a.nominal, a.reserved, a.spent)
            for a in CertificateAccount.objects.filter(pk__in=model.accounts)
        }
        assert accounts == model.accounts
        for account in accounts.values():
            assert min(account.available, account.reserved, account.spent) >= 0
        reserves = dict(Enrollment.objects.filter(pk__in=model.contracts).values_list("pk", "reserve_remaining"))
        assert reserves == {c.id: c.reserve for c in model.contracts.values()}
        live = Charge.objects.filter(reversal__isnull=True, enrollment__in=model.contracts)
        lessons = {
            c.mark_id: Live(c.mark_version, c.certificate_amount, c.copayment) for c in live.filter(kind="LESSON")
        }
        assert lessons == model.lesson_charges
        months = {
            (c.enrollment_id, c.month): Live(c.lessons, c.certificate_amount, c.copayment)
            for c in live.filter(kind="MONTH")
        }
        for keys in model.ties:  # the sum of a tie is the model's; then the model takes the job's split
            expected = [model.month_charges[key] for key in keys]
            assert [months[key].unit for key in keys] == [e.unit for e in expected]
            assert sum(months[key].certificate for key in keys) == sum(e.certificate for e in expected)
            assert sum(months[key].copayment for key in keys) == sum(e.copayment for e in expected)
            for key, mine in zip(keys, expected, strict=True):
                mine.certificate, mine.copayment = months[key].certificate, months[key].copayment
                mine.item.certificate, mine.item.copayment = mine.certificate, mine.copayment
        model.ties.clear()
        assert months == model.month_charges
        for charge in live:
            assert charge.price == charge.certificate_amount + charge.copayment
        statements = {
            (row["municipality_id"], row["month"]): (row["n"], row["lessons"], row["certificate"], row["copayment"])
            for row in Statement.objects.filter(municipality__in={c.municipality for c in model.contracts.values()})
            .values("municipality_id", "month")
            .annotate(
                n=Count("lines"),
                lessons=Coalesce(Sum("lines__lessons"), 0),
                certificate=Coalesce(Sum("lines__certificate_amount"), ZERO),
                copayment=Coalesce(Sum("lines__copayment"), ZERO),
            )
        }
        assert statements == model.statements()
        issued = set(Statement.objects.exclude(status=Statement.Status.DRAFT).values_list("municipality_id", "month"))
        assert issued == model.issued

    @invariant()
    def reconciled(self):
        """After a step that moved money (a debit run, a termination) and after the set-up: marks and
        cancellations alone leave the money tables as they were, the model comparison covers them."""
        if not self.model.contracts or not self.money_moved:
            return
        self.money_moved = False
        report = reconcile()
        assert report.ok, {r.name: r.rows for r in report.results if not r.ok}


def test_a_lesson_charged_on_the_day_of_termination_is_reversed():
    enrollment = debit_helpers.contract(weekdays=(MON, WED))
    day = debit_helpers.lesson_days(enrollment)[3]
    debit_helpers.mark(enrollment, day)
    run_debits(day=day)
    assert Charge.objects.filter(enrollment=enrollment, reversal__isnull=True).count() == 1

    enrollment_terminate(parent=parent_of(enrollment.child), enrollment_id=enrollment.pk, today=day)
    run_debits(day=day + datetime.timedelta(days=1))

    ends_on = Enrollment.objects.get(pk=enrollment.pk).ends_on
    assert ends_on < day
    assert not Charge.objects.filter(enrollment=enrollment, reversal__isnull=True, service_date__gt=ends_on).exists()
    assert reconcile().ok


def test_a_disputed_lesson_cancelled_later_is_deducted_once():
    """Found by the property test: under MONTHLY a lesson upheld in a dispute and then cancelled by the
    provider was deducted twice when the month was recounted (once as cancelled, once per DISPUTE reversal)."""
    enrollment = debit_helpers.contract(policy=BillingPolicy.MONTHLY, weekdays=(TUE, THU))
    days = debit_helpers.lesson_days(enrollment)
    month = days[0].replace(day=1)
    in_month = [day for day in days if day.replace(day=1) == month]
    run_debits(day=month_end(month) + datetime.timedelta(days=3))
    charge = Charge.objects.get(enrollment=enrollment, month=month, reversal__isnull=True)
    assert charge.lessons == len(in_month)
    staff = ProviderStaffFactory(provider=enrollment.group.program.provider)
    disputed = in_month[2]
    raised = dispute_raise(parent=parent_of(enrollment.child), charge_id=charge.pk, lesson_date=disputed)
    dispute_resolve(actor=staff, dispute_id=raised.dispute.pk, uphold=True, resolution="Занятия не было")
    run_debits(day=month_end(month) + datetime.timedelta(days=4))
    assert Charge.objects.get(enrollment=enrollment, month=month, reversal__isnull=True).lessons == len(in_month) - 1

    debit_helpers.lesson(enrollment, disputed, cancelled=True)  # the provider cancels the same lesson
    run_debits(day=month_end(month) + datetime.timedelta(days=5))

    assert Charge.objects.get(enrollment=enrollment, month=month, reversal__isnull=True).lessons == len(in_month) - 1
    assert reconcile().ok


def test_billing_follows_the_model():
    """30 examples keep the suite's run under a minute; BILLING_PROPERTY_EXAMPLES=300 explores further."""
    run_state_machine_as_test(
        Billing,
        # Derandomized: the same sequences on every run, so that the suite's outcome never depends on the
        # draw (a failing draw also spends minutes shrinking); BILLING_PROPERTY_EXAMPLES explores further.
        settings=settings(
            derandomize=True,
            max_examples=int(os.environ.get("BILLING_PROPERTY_EXAMPLES", "30")),
            stateful_step_count=12,
            deadline=None,
            database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
