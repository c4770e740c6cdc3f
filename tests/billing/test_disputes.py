"""Parents' disputes of charged lessons (billing/disputes.py): who may raise one and until when, once
per charged lesson; uphold (a refund through the ledger, the co-payment owed back, the line in the next
open statement) or reject with a reason; the parent told either way, in their language."""

import datetime
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from billing.debits import run_debits
from billing.disputes import dispute_raise, dispute_resolve, month_lessons_disputable
from billing.models import Charge, ChargeReversal, Dispute, Statement, StatementLine
from billing.statements import statement_build, statement_issue
from certificates.models import FundingPeriod, LedgerEntry
from core.errors import Conflict, NotFound
from core.models import OutboxMessage
from notices.models import Notification
from notices.services import EMAIL_TASK, notice_emails_send
from tests.accounts.factories import MunicipalStaffFactory, ParentFactory, ProviderStaffFactory
from tests.billing.factories import ChargeFactory, LessonFactory
from tests.catalog.factories import GroupFactory, ProgramFactory, ProviderFactory, ScheduleSlotFactory
from tests.certificates.factories import claim_on
from tests.enrollments.factories import EnrollmentFactory

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def group():
    program = ProgramFactory(
        provider=ProviderFactory(short_name="ДДТ"),
        title="Робототехника",
        lesson_price=D("400.00"),
        normative_lesson_price=D("300.00"),
        lessons_per_month=4,
    )
    return GroupFactory(program=program)


@pytest.fixture
def contract(group):
    return EnrollmentFactory(group=group, active=True)


@pytest.fixture
def parent(contract):
    return contract.applicant


@pytest.fixture
def charge(contract, group):
    return ChargeFactory(mark__enrollment=contract, mark__lesson__date=group.start_date + datetime.timedelta(days=1))


@pytest.fixture
def staff(group):
    return ProviderStaffFactory(provider=group.program.provider)


def spent(charge) -> Decimal:
    charge.account.refresh_from_db()
    return charge.account.spent


# --- Raising a dispute ---------------------------------------------------------------------------------


def test_a_confirmed_parent_disputes_a_charged_lesson_once(parent, charge, staff):
    first = dispute_raise(parent=parent, charge_id=charge.pk, reason="Сын болел, его не было.")
    again = dispute_raise(parent=parent, charge_id=charge.pk)

    assert first.created and not again.created and first.dispute.pk == again.dispute.pk
    dispute = first.dispute
    assert (dispute.status, dispute.lesson_id, dispute.mark_id) == (
        Dispute.Status.OPEN,
        charge.mark.lesson_id,
        charge.mark_id,
    )
    assert dispute.reason == "Сын болел, его не было."
    # The provider's staff are told of it.
    assert Notification.objects.filter(user=staff, subject=f"dispute:{dispute.pk}").count() == 1


def test_only_a_confirmed_parent_of_the_child_may_dispute(contract, charge):
    unconfirmed = claim_on(contract.child).user
    for stranger in (ParentFactory(), unconfirmed):
        with pytest.raises(NotFound):
            dispute_raise(parent=stranger, charge_id=charge.pk)
    with pytest.raises(NotFound):
        dispute_raise(parent=contract.applicant, charge_id=10**9)
    assert not Dispute.objects.exists()


def test_a_dispute_comes_within_the_periods_days(parent, charge):
    period = charge.account.period
    period.dispute_days = 3
    period.save(update_fields=["dispute_days"])
    with pytest.raises(Conflict) as error:
        dispute_raise(parent=parent, charge_id=charge.pk, now=charge.created_at + datetime.timedelta(days=3, seconds=1))
    assert error.value.code == "dispute_too_late"
    assert dispute_raise(parent=parent, charge_id=charge.pk, now=charge.created_at + datetime.timedelta(days=2)).created


def test_a_reversed_charge_cannot_be_disputed(parent, charge, staff):
    dispute = dispute_raise(parent=parent, charge_id=charge.pk).dispute
    dispute_resolve(actor=staff, dispute_id=dispute.pk, uphold=True, resolution="Ребёнка не было.")
    with pytest.raises(Conflict):
        dispute_raise(parent=parent, charge_id=charge.pk)


# --- Deciding it ------------------------------------------------------------------------------------------


def test_upheld_the_certificate_part_is_refunded_and_the_copayment_owed_back(parent, charge, staff, settings):
    before = spent(charge)
    dispute = dispute_raise(parent=parent, charge_id=charge.pk).dispute
    mail.outbox.clear()

    result = dispute_resolve(actor=staff, dispute_id=dispute.pk, uphold=True, resolution="Проверили журнал: не было.")
    repeat = dispute_resolve(actor=staff, dispute_id=dispute.pk, uphold=True, resolution="ещё раз")

    assert result.changed and not repeat.changed
    dispute.refresh_from_db()
    reversal = dispute.reversal
    assert (dispute.status, dispute.resolved_by, reversal.reason) == (
        Dispute.Status.UPHELD,
        staff,
        ChargeReversal.Reason.DISPUTE,
    )
    assert (reversal.certificate_amount, reversal.copayment) == (D("300.00"), D("100.00"))
    assert reversal.ledger_entry.kind == LedgerEntry.Kind.REFUND and reversal.ledger_entry.spent_delta == D("-300.00")
    assert spent(charge) == before - D("300.00")
    notice = Notification.objects.get(user=parent, subject=f"statement:{charge.enrollment.certificate.number}")
    assert "удовлетворена" in notice.title and "300" in notice.body and "100" in notice.body
    with pytest.raises(Conflict):
        dispute_resolve(actor=staff, dispute_id=dispute.pk, uphold=False, resolution="передумали")


def test_rejected_the_parent_is_told_why_in_their_language(parent, charge, staff):
    parent.language = "en"
    parent.email = "parent@example.org"
    parent.save(update_fields=["language", "email"])
    dispute = dispute_raise(parent=parent, charge_id=charge.pk).dispute
    before = spent(charge)
    mail.outbox.clear()

    dispute_resolve(actor=staff, dispute_id=dispute.pk, uphold=False, resolution="Был на занятии, есть фото.")

    dispute.refresh_from_db()
    assert dispute.status == Dispute.Status.REJECTED and dispute.reversal is None
    assert spent(charge) == before
    notice = Notification.objects.filter(user=parent).latest("pk")
    assert notice.title.startswith("Dispute rejected") and "Был на занятии, есть фото." in notice.body
    # Its e-mail is asked for through the outbox, and goes out with the notice's text.
    message = OutboxMessage.objects.filter(task=EMAIL_TASK).latest("pk")
    assert notice.pk in message.args[0]
    notice_emails_send(notification_ids=message.args[0])
    assert [m.to for m in mail.outbox] == [["parent@example.org"]]
    assert mail.outbox[0].subject.startswith("Dispute rejected")


def test_a_reason_is_required_and_strangers_may_not_decide(parent, charge):
    dispute = dispute_raise(parent=parent, charge_id=charge.pk).dispute
    with pytest.raises(Conflict):
        dispute_resolve(
            actor=ProviderStaffFactory(provider=charge.provider), dispute_id=dispute.pk, uphold=False, resolution=" "
        )
    for stranger in (ProviderStaffFactory(), parent, MunicipalStaffFactory()):
        with pytest.raises(NotFound):
            dispute_resolve(actor=stranger, dispute_id=dispute.pk, uphold=True, resolution="да")
    operator = MunicipalStaffFactory(municipality=charge.municipality)
    assert dispute_resolve(actor=operator, dispute_id=dispute.pk, uphold=True, resolution="да").changed


def test_upheld_after_the_statement_was_issued_the_refund_lands_in_the_next_open_one(parent, charge, staff):
    month = charge.service_date.replace(day=1)
    statement = statement_build(provider_id=charge.provider_id, municipality_id=charge.municipality_id, month=month)
    statement_issue(actor=staff, statement_id=statement.statement.pk, today=month + datetime.timedelta(days=40))
    dispute = dispute_raise(parent=parent, charge_id=charge.pk).dispute
    dispute_resolve(actor=staff, dispute_id=dispute.pk, uphold=True, resolution="не было")

    next_month = (month + datetime.timedelta(days=32)).replace(day=1)
    following = statement_build(
        provider_id=charge.provider_id, municipality_id=charge.municipality_id, month=next_month
    )

    dispute.refresh_from_db()
    line = StatementLine.objects.get(reversal=dispute.reversal)
    assert line.statement == following.statement and line.certificate_amount == D("-300.00")
    assert Statement.objects.get(pk=statement.statement.pk).lines.count() == 1


# --- MONTHLY: a lesson counted as held that did not take place -----------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_monthly_charge_is_disputed_for_a_named_lesson_and_the_month_charged_again_for_one_less(group, staff):
    # A group on Mondays that began three months ago, so that its charged month is over whenever the
    # test runs; the period pays MONTHLY.
    today = timezone.localdate()
    began = (today.replace(day=1) - datetime.timedelta(days=70)).replace(day=1)
    group = GroupFactory(program=group.program, start_date=began, end_date=today + datetime.timedelta(days=200))
    ScheduleSlotFactory(group=group, weekday=0)
    contract = EnrollmentFactory(group=group, active=True, billing_policy="MONTHLY")
    month = (began + datetime.timedelta(days=32)).replace(day=1)
    mondays = [
        day
        for day in (month + datetime.timedelta(days=n) for n in range(31))
        if day.month == month.month and day.weekday() == 0
    ]
    charge = ChargeFactory(monthly=True, enrollment=contract, lessons=len(mondays))
    FundingPeriod.objects.filter(pk=charge.account.period_id).update(billing_policy="MONTHLY")
    LessonFactory(group=group, date=mondays[0], cancelled=True)  # cancelled after the month was charged
    parent = contract.applicant

    assert month_lessons_disputable(charge=charge) == mondays[1:]
    with pytest.raises(Conflict):
        dispute_raise(parent=parent, charge_id=charge.pk, lesson_date=mondays[0])
    dispute = dispute_raise(parent=parent, charge_id=charge.pk, lesson_date=mondays[1]).dispute
    assert dispute.lesson.date == mondays[1] and dispute.mark is None
    dispute_resolve(actor=staff, dispute_id=dispute.pk, uphold=True, resolution="Занятие не проводилось.")

    dispute.refresh_from_db()
    # The month is given back whole, then charged again by the debit job's re-check for the lessons
    # that took place: the calendar's Mondays less the cancelled one and the disputed one.
    assert dispute.reversal.certificate_amount == charge.certificate_amount
    notice = Notification.objects.get(user=parent, title__startswith="Жалоба удовлетворена")
    assert "возвращено 300.00" in notice.body
    run_debits(day=today)
    again = Charge.objects.get(enrollment=contract, month=month, generation=1)
    assert again.lessons == len(mondays) - 2
    assert (again.certificate_amount, again.copayment) == (D("300.00") * again.lessons, D("100.00") * again.lessons)
