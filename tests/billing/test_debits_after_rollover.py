"""After the period rollover a lesson is paid from the account of the period its date falls in: a lesson of
the new period from the contract's reserve there first, a late-marked lesson of the old period from the
old account's available balance (its reserve was given back when the period ended)."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from billing.debits import run_debits
from billing.models import Charge
from catalog.calendar import lesson_dates
from catalog.models import ScheduleSlot
from certificates.models import CertificateAccount, LedgerEntry
from enrollments.models import Enrollment
from enrollments.rollover import contracts_roll_over
from tests.billing.debit_helpers import contract, mark
from tests.catalog.factories import MunicipalityFactory
from tests.certificates.factories import FundingPeriodFactory
from tests.enrollments.factories import group_with_lessons

pytestmark = pytest.mark.django_db

D = Decimal
ZERO = D("0.00")
B_START = datetime.date(2031, 9, 1)  # a Monday
LAST_A_LESSON = datetime.date(2031, 8, 25)  # the group's last Monday in the old period
GROUP_END = datetime.date(2031, 12, 26)


def test_a_lesson_after_the_rollover_is_paid_from_the_new_periods_account_and_reserve():
    town = MunicipalityFactory()
    period_a = FundingPeriodFactory(municipality=town, year=2030)
    period_b = FundingPeriodFactory(municipality=town, year=2031, nominal=D("20000.00"))
    group = group_with_lessons(start_date=datetime.date(2030, 9, 2), end_date=GROUP_END)
    enrollment = contract(group=group, child__municipality=town, reserve="2000.00")
    contracts_roll_over(period_id=period_b.pk, today=B_START)
    b_lessons = len(lesson_dates(weekdays=[ScheduleSlot.Weekday.MONDAY], start=B_START, end=GROUP_END))
    new_lesson = mark(enrollment, B_START)
    late_old_lesson = mark(enrollment, LAST_A_LESSON)  # marked late, billed after the rollover

    run = run_debits(day=B_START)

    assert run.charged == 2
    old_account = CertificateAccount.objects.get(certificate=enrollment.certificate, period=period_a)
    new_account = CertificateAccount.objects.get(certificate=enrollment.certificate, period=period_b)
    charge = Charge.objects.get(mark=new_lesson)
    assert (charge.account, charge.certificate_amount, charge.copayment) == (new_account, D("250.00"), ZERO)
    assert (charge.ledger_entry.reserved_delta, charge.ledger_entry.spent_delta) == (D("-250.00"), D("250.00"))
    new_account.refresh_from_db()
    assert (new_account.reserved, new_account.spent) == (D("250.00") * (b_lessons - 1), D("250.00"))
    assert Enrollment.objects.get(pk=enrollment.pk).reserve_remaining == D("250.00") * (b_lessons - 1)
    # The old period's lesson: its account, from the available balance (no reserve is left there).
    old_charge = Charge.objects.get(mark=late_old_lesson)
    assert (old_charge.account, old_charge.certificate_amount) == (old_account, D("250.00"))
    assert old_charge.ledger_entry.reserved_delta == ZERO
    old_account.refresh_from_db()
    assert (old_account.reserved, old_account.spent) == (ZERO, D("250.00"))
    assert LedgerEntry.objects.filter(kind=LedgerEntry.Kind.DEBIT).count() == 2
