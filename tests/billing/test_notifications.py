"""Parents' billing notices (billing/notifications.py): one notice a day per parent listing each of that
day's debits, once however often the job runs; a warning, once a month, when the certificate will not
cover next month's lessons of the contracts."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from billing.notifications import balance_shortfalls, debit_notices_send, low_balance_warnings_send
from notices.models import Notification
from tests.accounts.factories import ParentFactory
from tests.billing.factories import ChargeFactory
from tests.catalog.factories import GroupFactory, ProgramFactory
from tests.certificates.factories import ParentLinkFactory, certificate_with_money, claim_on
from tests.enrollments.factories import EnrollmentFactory

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def family():
    parent = ParentFactory()
    certificate = certificate_with_money(parent, first_name="Артём")
    program = ProgramFactory(
        title="Робототехника", lesson_price=D("400.00"), normative_lesson_price=D("300.00"), lessons_per_month=8
    )
    contract = EnrollmentFactory(
        child=certificate.child,
        certificate=certificate,
        applicant=parent,
        active=True,
        group=GroupFactory(program=program),
    )
    return parent, certificate, contract


def test_one_notice_a_day_per_parent_lists_each_of_the_days_debits(family):
    parent, certificate, contract = family
    other_parent = ParentLinkFactory(child=certificate.child).user
    unconfirmed = claim_on(certificate.child).user
    start = contract.group.start_date
    charges = [
        ChargeFactory(mark__enrollment=contract, mark__lesson__date=start + datetime.timedelta(days=d)) for d in (0, 2)
    ]
    today = timezone.localdate()

    assert debit_notices_send(day=today) == 2
    assert debit_notices_send(day=today) == 0  # run again: nobody is told twice
    assert debit_notices_send(day=today - datetime.timedelta(days=1)) == 0

    notice = Notification.objects.get(user=parent)
    assert notice.subject == f"debits:{today.isoformat()}"
    assert "600" in notice.title  # 2 × 300 ₽ from the certificate
    for charge in charges:
        assert charge.service_date.strftime("%d.%m.%Y") in notice.body
    assert notice.body.count("Артём, «Робототехника»") == 2 and "доплата 100" in notice.body
    assert Notification.objects.filter(user=other_parent).count() == 1
    assert not Notification.objects.filter(user=unconfirmed).exists()


def test_the_days_debits_are_written_in_the_parents_language(family):
    parent, _certificate, contract = family
    parent.language = "en"
    parent.save(update_fields=["language"])
    ChargeFactory(mark__enrollment=contract, mark__lesson__date=contract.group.start_date)

    debit_notices_send(day=timezone.localdate())

    assert Notification.objects.get(user=parent).title.startswith("Certificate debits")


def test_a_warning_when_the_certificate_will_not_cover_next_month(family):
    parent, certificate, contract = family
    # The contract's share next month: 8 lessons × 300 ₽ = 2 400 ₽.
    type(contract).objects.filter(pk=contract.pk).update(
        certificate_per_lesson=D("300.00"), lessons_per_month=8, period=certificate.accounts.get().period
    )
    account = certificate.accounts.get()
    today = timezone.localdate()

    assert balance_shortfalls(today=today) == []  # 10 000 ₽ available
    for day in range(0, 27):  # spend 27 × 300 = 8 100 ₽: 1 900 ₽ left, below 2 400 ₽
        ChargeFactory(
            mark__enrollment=contract, mark__lesson__date=contract.group.start_date + datetime.timedelta(days=day)
        )
    account.refresh_from_db()
    assert account.available == D("1900.00")

    [shortfall] = balance_shortfalls(today=today)
    assert (shortfall.account_id, shortfall.needed, shortfall.funds) == (account.pk, D("2400.00"), D("1900.00"))
    assert low_balance_warnings_send(today=today) == 1
    assert low_balance_warnings_send(today=today) == 0
    notice = Notification.objects.get(user=parent, subject=f"certificate:{certificate.number}")
    assert "не хватит средств" in notice.title and "2\u00a0400" in notice.body
