"""Contracts and their money (enrollments.contracts): the offer and the acceptance with its reserve, paid
and free contracts, the funded limit and its queue, the direction cap, a change of terms (the parents'
decision on a higher co-payment: test_terms_changes.py), termination;
every one idempotent on repeat. Lesson counts are made here with catalog.calendar.lesson_dates from the
weekdays the test chose, independently of the services' own counting."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from catalog.calendar import lesson_dates, month_last_day
from catalog.models import DirectionCode, Program, ScheduleSlot
from certificates.models import (
    BillingPolicy,
    CertificateAccount,
    DirectionChild,
    DirectionCount,
    FundedCertificateRequest,
    FundingPeriod,
    LedgerEntry,
)
from core.errors import NotFound
from enrollments.contracts import (
    DirectionCapReached,
    NoFundedRoom,
    OfferExpired,
    contract_terms_change,
    enrollment_accept,
    enrollment_accept_or_queue,
    enrollment_terminate,
    funding_queue_serve,
)
from enrollments.models import ContractFunding, Enrollment, EnrollmentEvent, EnrollmentStatus, ReserveEntry
from enrollments.services import TransitionNotAllowed, enrollment_offer, enrollment_subject
from notices.models import Notification
from tests.accounts.factories import ParentFactory
from tests.catalog.factories import ProgramFactory, direction
from tests.certificates.factories import claim_on, funded_account
from tests.enrollments.factories import applied, child_in, group_with_lessons, offered, parent_of, staff_of

pytestmark = pytest.mark.django_db

MONDAY, WEDNESDAY = ScheduleSlot.Weekday.MONDAY, ScheduleSlot.Weekday.WEDNESDAY


def accept(enrollment: Enrollment, **kwargs):
    return enrollment_accept(parent=parent_of(enrollment.child), enrollment_id=enrollment.pk, **kwargs)


def lessons_left(group, period: FundingPeriod, weekdays=(MONDAY,)) -> int:
    """The group's lessons from today (or its start) to the end of the period (or of the group)."""
    start = max(timezone.localdate(), group.start_date)
    return len(lesson_dates(weekdays=weekdays, start=start, end=min(group.end_date, period.end_date)))


def account_of(enrollment: Enrollment, period: FundingPeriod) -> CertificateAccount:
    return CertificateAccount.objects.get(certificate=enrollment.certificate, period=period)


def reserve_rows(enrollment: Enrollment) -> list[Decimal]:
    return list(ReserveEntry.objects.filter(enrollment=enrollment).order_by("pk").values_list("amount", flat=True))


# --- The offer ---------------------------------------------------------------------------------------------


def test_offering_twice_changes_it_once(period):
    enrollment = applied(child_in(period), group_with_lessons())
    staff = staff_of(enrollment.group)

    enrollment_offer(staff=staff, enrollment_id=enrollment.pk)
    again = enrollment_offer(staff=staff, enrollment_id=enrollment.pk)

    assert again.status == EnrollmentStatus.OFFERED
    assert list(EnrollmentEvent.objects.filter(enrollment=enrollment).values_list("to_status", flat=True)) == [
        "SUBMITTED",
        "OFFERED",
    ]


def test_a_provider_cannot_offer_a_waiting_application(period):
    group = group_with_lessons(capacity=1)
    applied(child_in(period), group)
    waiting = applied(child_in(period), group)

    with pytest.raises(TransitionNotAllowed):
        enrollment_offer(staff=staff_of(group), enrollment_id=waiting.pk)


# --- Acceptance and its reserve ------------------------------------------------------------------------------


def test_acceptance_reserves_the_certificates_share_of_the_lessons_left_in_the_period(period):
    group = group_with_lessons(weekdays=(MONDAY,))
    offer = offered(child_in(period), group)
    lessons = lessons_left(group, period)
    assert 0 < lessons * Decimal("250.00") < period.nominal  # the account covers it all

    result = accept(offer)

    assert result.changed
    contract = Enrollment.objects.get(pk=offer.pk)
    assert contract.status == EnrollmentStatus.ACTIVE
    assert (contract.funding, contract.period, contract.billing_policy) == ("FUNDED", period, "PER_LESSON")
    assert contract.certificate_per_lesson == Decimal("250.00")  # min(price 250, normative 300)
    assert contract.planned_lessons == lessons
    assert contract.reserve_remaining == Decimal("250.00") * lessons
    assert contract.copayment_shown == 0
    assert contract.accepted_by == parent_of(offer.child)
    assert contract.expires_at is None
    assert (contract.starts_on, contract.ends_on) == (max(timezone.localdate(), group.start_date), group.end_date)
    account = account_of(contract, period)
    assert (account.nominal, account.reserved, account.spent) == (period.nominal, contract.reserve_remaining, 0)
    assert reserve_rows(contract) == [contract.reserve_remaining]
    assert LedgerEntry.objects.get(reserve_entry__enrollment=contract).kind == LedgerEntry.Kind.RESERVE
    period.refresh_from_db()
    assert period.funded_accounts == 1


def test_a_price_above_the_normative_is_copaid_per_lesson(period):
    group = group_with_lessons(program=ProgramFactory(lesson_price=Decimal("350.00")))
    lessons = lessons_left(group, period)

    contract = accept(offered(child_in(period), group)).enrollment

    assert contract.certificate_per_lesson == Decimal("300.00")
    assert contract.reserve_remaining == Decimal("300.00") * lessons
    assert contract.copayment_shown == Decimal("50.00") * lessons


def test_the_reserve_is_capped_at_what_the_account_has_and_the_rest_is_copaid(period):
    """Two lessons a week cost more than the nominal: the certificate gives all it has, the parent the rest."""
    group = group_with_lessons(weekdays=(MONDAY, WEDNESDAY))
    lessons = lessons_left(group, period, weekdays=(MONDAY, WEDNESDAY))
    assert Decimal("250.00") * lessons > period.nominal

    contract = accept(offered(child_in(period), group)).enrollment

    assert contract.planned_lessons == lessons
    assert contract.reserve_remaining == period.nominal
    assert contract.copayment_shown == Decimal("250.00") * lessons - period.nominal
    assert account_of(contract, period).available == 0


def test_the_reserve_takes_only_what_other_contracts_left_on_the_account(period):
    child = child_in(period)
    first = accept(offered(child, group_with_lessons(weekdays=(MONDAY, WEDNESDAY)))).enrollment
    assert first.reserve_remaining == period.nominal

    second = accept(offered(child, group_with_lessons())).enrollment

    assert second.funding == ContractFunding.FUNDED
    assert second.reserve_remaining == 0
    assert reserve_rows(second) == []  # nothing to set aside: no zero row
    assert second.copayment_shown == Decimal("250.00") * second.planned_lessons


def test_accepting_twice_reserves_once(period):
    offer = offered(child_in(period), group_with_lessons())
    first = accept(offer)

    again = accept(offer)

    assert (first.changed, again.changed) == (True, False)
    assert len(reserve_rows(offer)) == 1
    assert account_of(offer, period).reserved == first.enrollment.reserve_remaining
    assert EnrollmentEvent.objects.filter(enrollment=offer, to_status="ACTIVE").count() == 1
    period.refresh_from_db()
    assert period.funded_accounts == 1


def test_a_second_contract_of_the_child_uses_the_same_account(period):
    child = child_in(period)
    accept(offered(child, group_with_lessons()))
    accept(offered(child, group_with_lessons()))

    assert CertificateAccount.objects.filter(certificate__child=child).count() == 1
    period.refresh_from_db()
    assert period.funded_accounts == 1


def test_a_paid_program_reserves_nothing(period):
    group = group_with_lessons(program=ProgramFactory(funding=Program.Funding.PAID))
    lessons = lessons_left(group, period)

    contract = accept(offered(child_in(period), group)).enrollment

    assert (contract.funding, contract.period, contract.certificate_per_lesson) == ("PAID", None, 0)
    assert contract.copayment_shown == Decimal("250.00") * lessons
    assert contract.reserve_remaining == 0
    assert not CertificateAccount.objects.exists()
    period.refresh_from_db()
    assert period.funded_accounts == 0


def test_accepting_as_paid_reserves_nothing_even_with_money_on_the_account(period):
    child = child_in(period)
    offer = offered(child, group_with_lessons())
    account = funded_account(period.nominal, certificate=offer.certificate, period=period)

    contract = accept(offer, as_paid=True).enrollment

    assert (contract.funding, contract.reserve_remaining) == ("PAID", 0)
    assert contract.copayment_shown == Decimal("250.00") * contract.planned_lessons
    account.refresh_from_db()
    assert account.reserved == 0
    assert not ReserveEntry.objects.exists()


def test_a_free_program_costs_nothing(period):
    group = group_with_lessons(program=ProgramFactory(funding=Program.Funding.FREE, lesson_price=Decimal("0.00")))

    contract = accept(offered(child_in(period), group)).enrollment

    assert contract.funding == ContractFunding.FREE
    assert (contract.lesson_price, contract.certificate_per_lesson, contract.copayment_shown) == (0, 0, 0)
    assert contract.reserve_remaining == 0
    assert not CertificateAccount.objects.exists()


def test_only_a_confirmed_parent_accepts(period):
    offer = offered(child_in(period), group_with_lessons())
    typed_in = ParentFactory()
    claim_on(offer.child, user=typed_in)

    with pytest.raises(NotFound):  # a claim on the child shows nothing of it
        enrollment_accept(parent=typed_in, enrollment_id=offer.pk)

    offer.refresh_from_db()
    assert offer.status == EnrollmentStatus.OFFERED


def test_an_application_not_yet_offered_cannot_be_accepted(period):
    application = applied(child_in(period), group_with_lessons())

    with pytest.raises(TransitionNotAllowed):
        accept(application)


def test_an_offer_past_its_deadline_cannot_be_accepted(period):
    offer = offered(child_in(period), group_with_lessons())
    Enrollment.objects.filter(pk=offer.pk).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))

    with pytest.raises(OfferExpired):
        accept(offer)
    assert not CertificateAccount.objects.exists()


# --- The funded limit and its queue ----------------------------------------------------------------------


def test_with_the_funded_limit_reached_the_certificate_joins_the_queue_and_the_offer_stays_open(period):
    FundingPeriod.objects.filter(pk=period.pk).update(max_funded_certificates=1)
    accept(offered(child_in(period), group_with_lessons()))
    offer = offered(child_in(period), group_with_lessons())

    with pytest.raises(NoFundedRoom):
        enrollment_accept_or_queue(parent=parent_of(offer.child), enrollment_id=offer.pk)

    offer.refresh_from_db()
    assert offer.status == EnrollmentStatus.OFFERED
    assert not CertificateAccount.objects.filter(certificate=offer.certificate).exists()
    assert list(FundedCertificateRequest.objects.values_list("certificate", flat=True)) == [offer.certificate_id]
    # The parent may still take it as paid.
    assert accept(offer, as_paid=True).enrollment.funding == ContractFunding.PAID


def test_room_in_the_period_serves_the_queue_in_order(period):
    FundingPeriod.objects.filter(pk=period.pk).update(max_funded_certificates=1)
    accept(offered(child_in(period), group_with_lessons()))
    offers = [offered(child_in(period), group_with_lessons()) for _ in range(2)]
    for offer in offers:
        with pytest.raises(NoFundedRoom):
            enrollment_accept_or_queue(parent=parent_of(offer.child), enrollment_id=offer.pk)
    FundingPeriod.objects.filter(pk=period.pk).update(max_funded_certificates=2)

    assert funding_queue_serve(period_id=period.pk) == 1

    first, second = FundedCertificateRequest.objects.order_by("pk")
    assert (first.certificate_id, first.granted_at is not None) == (offers[0].certificate_id, True)
    assert second.granted_at is None
    assert Notification.objects.filter(subject=enrollment_subject(offers[0].pk), title__contains="выделен").exists()
    assert accept(offers[0]).enrollment.funding == ContractFunding.FUNDED
    period.refresh_from_db()
    assert period.funded_accounts == 2


# --- The cap of children per direction ---------------------------------------------------------------------


def test_the_direction_cap_counts_children_not_contracts(period):
    FundingPeriod.objects.filter(pk=period.pk).update(direction_cap=1)
    technical = direction()
    first_child = child_in(period)
    accept(offered(first_child, group_with_lessons(program=ProgramFactory(direction=technical))))

    # The same child's second contract in the direction does not count again.
    second = accept(offered(first_child, group_with_lessons(program=ProgramFactory(direction=technical))))
    assert second.enrollment.status == EnrollmentStatus.ACTIVE
    assert DirectionCount.objects.get(period=period, direction=technical).children == 1
    assert DirectionChild.objects.filter(period=period, direction=technical).count() == 1

    # Another child is one too many: refused, and nothing of the acceptance stays.
    other = offered(child_in(period), group_with_lessons(program=ProgramFactory(direction=technical)))
    with pytest.raises(DirectionCapReached):
        accept(other)
    other.refresh_from_db()
    assert (other.status, other.reserve_remaining) == (EnrollmentStatus.OFFERED, 0)
    assert not CertificateAccount.objects.filter(certificate=other.certificate).exists()
    assert DirectionCount.objects.get(period=period, direction=technical).children == 1
    period.refresh_from_db()
    assert period.funded_accounts == 1


def test_the_direction_cap_is_per_direction(period):
    FundingPeriod.objects.filter(pk=period.pk).update(direction_cap=1)
    accept(
        offered(
            child_in(period), group_with_lessons(program=ProgramFactory(direction=direction(DirectionCode.TECHNICAL)))
        )
    )

    other = accept(
        offered(child_in(period), group_with_lessons(program=ProgramFactory(direction=direction(DirectionCode.ARTS))))
    )

    assert other.enrollment.status == EnrollmentStatus.ACTIVE


def test_termination_frees_the_childs_place_in_the_direction(period):
    FundingPeriod.objects.filter(pk=period.pk).update(direction_cap=1)
    technical = direction()
    contract = accept(offered(child_in(period), group_with_lessons(program=ProgramFactory(direction=technical))))
    enrollment_terminate(parent=parent_of(contract.enrollment.child), enrollment_id=contract.enrollment.pk)

    other = accept(offered(child_in(period), group_with_lessons(program=ProgramFactory(direction=technical))))

    assert other.enrollment.status == EnrollmentStatus.ACTIVE
    assert DirectionCount.objects.get(period=period, direction=technical).children == 1


# --- A change of terms ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("price", "kind"),
    [(Decimal("280.00"), LedgerEntry.Kind.RESERVE), (Decimal("200.00"), LedgerEntry.Kind.RELEASE)],
    ids=["higher price tops the reserve up", "lower price gives the rest back"],
)
def test_a_change_of_price_re_reserves_and_tells_the_parents(period, price, kind):
    group = group_with_lessons()
    contract = accept(offered(child_in(period), group)).enrollment
    before = contract.reserve_remaining
    lessons = len(lesson_dates(weekdays=[MONDAY], start=timezone.localdate(), end=group.end_date))

    changed = contract_terms_change(enrollment_id=contract.pk, lesson_price=price).enrollment

    assert changed.certificate_per_lesson == price
    assert changed.reserve_remaining == price * lessons
    rows = list(ReserveEntry.objects.filter(enrollment=contract).order_by("pk").select_related("ledger_entry"))
    assert [r.amount for r in rows] == [before, price * lessons - before]
    assert rows[-1].ledger_entry.kind == kind
    assert account_of(contract, period).reserved == price * lessons
    notice = Notification.objects.get(subject=enrollment_subject(contract.pk), title="Условия договора изменились")
    assert notice.user == parent_of(contract.child)


def test_a_price_above_the_normative_waits_for_the_parents(period):
    """A higher co-payment is only proposed (tests/enrollments/test_terms_changes.py): the terms stay."""
    contract = accept(offered(child_in(period), group_with_lessons())).enrollment

    result = contract_terms_change(enrollment_id=contract.pk, lesson_price=Decimal("400.00"))

    assert result.proposed is not None
    assert Enrollment.objects.get(pk=contract.pk).lesson_price == Decimal("250.00")
    assert reserve_rows(contract) == [contract.reserve_remaining]


def test_terms_of_a_contract_not_in_force_do_not_change(period):
    offer = offered(child_in(period), group_with_lessons())

    with pytest.raises(TransitionNotAllowed):
        contract_terms_change(enrollment_id=offer.pk, lesson_price=Decimal("300.00"))


# --- Termination ----------------------------------------------------------------------------------------


def test_per_lesson_termination_releases_the_whole_reserve_and_ends_yesterday(period):
    contract = accept(offered(child_in(period), group_with_lessons())).enrollment
    reserve = contract.reserve_remaining
    today = timezone.localdate()

    terminated = enrollment_terminate(parent=parent_of(contract.child), enrollment_id=contract.pk)

    assert terminated.status == EnrollmentStatus.TERMINATED
    assert terminated.ends_on == today - datetime.timedelta(days=1)
    assert terminated.reserve_remaining == 0
    assert reserve_rows(contract) == [reserve, -reserve]
    account = account_of(contract, period)
    assert (account.reserved, account.available) == (0, period.nominal)


def test_monthly_termination_keeps_the_rest_of_the_months_lessons_until_the_months_end(period):
    FundingPeriod.objects.filter(pk=period.pk).update(billing_policy=BillingPolicy.MONTHLY)
    contract = accept(offered(child_in(period), group_with_lessons())).enrollment
    assert contract.billing_policy == BillingPolicy.MONTHLY
    today = timezone.localdate()
    month_end = month_last_day(today)
    kept = Decimal("250.00") * len(lesson_dates(weekdays=[MONDAY], start=today, end=month_end))

    terminated = enrollment_terminate(parent=parent_of(contract.child), enrollment_id=contract.pk, today=today)

    assert terminated.ends_on == month_end
    assert terminated.reserve_remaining == kept
    assert account_of(contract, period).reserved == kept
    assert sum(reserve_rows(contract)) == kept


def test_terminating_twice_releases_once(period):
    contract = accept(offered(child_in(period), group_with_lessons())).enrollment
    parent = parent_of(contract.child)
    enrollment_terminate(parent=parent, enrollment_id=contract.pk)

    again = enrollment_terminate(parent=parent, enrollment_id=contract.pk)

    assert again.status == EnrollmentStatus.TERMINATED
    assert len(reserve_rows(contract)) == 2
    assert EnrollmentEvent.objects.filter(enrollment=contract, to_status="TERMINATED").count() == 1


def test_only_a_contract_in_force_can_be_terminated(period):
    offer = offered(child_in(period), group_with_lessons())

    with pytest.raises(TransitionNotAllowed):
        enrollment_terminate(parent=parent_of(offer.child), enrollment_id=offer.pk)


def test_a_paid_contract_terminates_without_money(period):
    group = group_with_lessons(program=ProgramFactory(funding=Program.Funding.PAID))
    contract = accept(offered(child_in(period), group)).enrollment

    terminated = enrollment_terminate(parent=parent_of(contract.child), enrollment_id=contract.pk)

    assert terminated.status == EnrollmentStatus.TERMINATED
    assert not ReserveEntry.objects.exists()
