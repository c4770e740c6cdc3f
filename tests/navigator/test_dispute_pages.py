"""«Оспорить» on the parent's certificate statement: shown on a debit line while the period's days
last, a short confirmation (an optional reason), done; another family's charge is not found; the state
of the dispute and, once upheld, the refund line on the statement."""

import datetime
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from billing.disputes import dispute_resolve
from billing.models import Dispute
from billing.selectors import certificate_statement, statement_line_disputes, statement_lines
from tests.accounts.factories import ParentFactory, ProviderStaffFactory
from tests.billing.factories import ChargeFactory
from tests.certificates.factories import certificate_with_money
from tests.enrollments.factories import EnrollmentFactory
from tests.navigator.cabinet import signed_in

pytestmark = pytest.mark.django_db
D = Decimal


def text(response) -> str:
    return re.sub(r"[ \t\r\n\u00a0]+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


@pytest.fixture
def parent():
    return ParentFactory()


@pytest.fixture
def charge(parent):
    certificate = certificate_with_money(parent)
    contract = EnrollmentFactory(
        child=certificate.child,
        certificate=certificate,
        active=True,
        applicant=parent,
        group__program__title="Робототехника",
        group__program__lesson_price=D("400.00"),
        group__program__normative_lesson_price=D("300.00"),
    )
    return ChargeFactory(mark__enrollment=contract, mark__lesson__date=contract.group.start_date)


def statement_url(charge) -> str:
    return reverse("cabinet-statement", args=[charge.enrollment.certificate.number])


def dispute_url(charge) -> str:
    return reverse("cabinet-dispute", args=[charge.enrollment.certificate.number, charge.pk])


def test_a_debit_line_offers_to_dispute_it_in_two_taps(parent, charge):
    client = signed_in(parent)
    statement = client.get(statement_url(charge))
    assert dispute_url(charge) in statement.content.decode() and "Оспорить" in text(statement)

    confirm = client.get(dispute_url(charge))
    assert confirm.status_code == 200
    assert "Оспорить списание" in text(confirm) and charge.service_date.strftime("%d.%m.%Y") in text(confirm)

    done = client.post(dispute_url(charge), {"reason": "Сын болел", "form_key": "e" * 32}, follow=True)
    assert "Жалоба подана." in text(done)
    dispute = Dispute.objects.get()
    assert (dispute.charge, dispute.raised_by, dispute.reason) == (charge, parent, "Сын болел")
    page = text(client.get(statement_url(charge)))
    assert (
        "Жалоба: На рассмотрении" in page
        and dispute_url(charge) not in client.get(statement_url(charge)).content.decode()
    )

    # Upheld: the statement shows the decision and the refund line.
    staff = ProviderStaffFactory(provider=charge.provider)
    dispute_resolve(actor=staff, dispute_id=dispute.pk, uphold=True, resolution="Проверили журнал")
    page = text(client.get(statement_url(charge)))
    assert "Жалоба: Удовлетворена — Проверили журнал" in page
    assert "Возврат (сторно)" in page and "+300 ₽" in page


def test_another_familys_charge_is_not_found(charge):
    stranger = signed_in(ParentFactory())
    assert stranger.get(dispute_url(charge)).status_code == 404
    assert stranger.post(dispute_url(charge), {"form_key": "f" * 32}).status_code == 404
    assert not Dispute.objects.exists()


def test_after_the_periods_days_the_line_offers_nothing(parent, charge):
    period = charge.account.period
    period.dispute_days = 1
    period.save(update_fields=["dispute_days"])
    # The charge was made now: look from two days ahead.
    lines = statement_lines(certificate_statement(certificate=charge.enrollment.certificate))
    later = statement_line_disputes(lines, now=charge.created_at + datetime.timedelta(days=2))
    now = statement_line_disputes(lines)
    assert [d.can_dispute for d in later.values()] == [False]
    assert [d.can_dispute for d in now.values()] == [True]
