"""The provider's earnings per month: lessons held and paid, the certificates' part and the parents'
co-payments due (net of reversals), open disputes and the month's statements, newest month first;
only the provider's own; a pinned number of queries."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from billing.earnings import provider_earnings
from tests.accounts.factories import ProviderStaffFactory
from tests.billing.factories import ChargeFactory, ChargeReversalFactory, DisputeFactory, StatementFactory
from tests.catalog.factories import GroupFactory, ProgramFactory
from tests.enrollments.factories import EnrollmentFactory
from tests.navigator.cabinet import signed_in

pytestmark = pytest.mark.django_db
D = Decimal
URL = reverse("workplace:earnings")


@pytest.fixture
def staff():
    return ProviderStaffFactory()


@pytest.fixture
def setup(staff):
    """September: three lessons charged (400 ₽ each: 300 the certificate, 100 the parents), one of them
    reversed, one disputed; October: one lesson. Another provider has a charge too."""
    program = ProgramFactory(provider=staff.provider, lesson_price=D("400.00"), normative_lesson_price=D("300.00"))
    group = GroupFactory(program=program)
    contract = EnrollmentFactory(group=group, active=True)
    september = group.start_date.replace(day=1)
    october = (september + datetime.timedelta(days=32)).replace(day=1)
    charges = [
        ChargeFactory(mark__enrollment=contract, mark__lesson__date=september + datetime.timedelta(days=day))
        for day in (3, 10, 17)
    ]
    ChargeReversalFactory(charge=charges[0])
    DisputeFactory(charge=charges[1])
    ChargeFactory(mark__enrollment=contract, mark__lesson__date=october + datetime.timedelta(days=5))
    statement = StatementFactory(provider=staff.provider, month=september)
    ChargeFactory()  # another provider's
    return september, october, statement


def test_months_newest_first_net_of_reversals(staff, setup):
    september, october, statement = setup

    months = provider_earnings(provider_id=staff.provider_id)

    assert [m.month for m in months] == [october, september]
    sep = months[1]
    assert (sep.lessons_held, sep.lessons_paid) == (3, 2)
    assert (sep.certificate, sep.copayment, sep.total) == (D("600.00"), D("200.00"), D("800.00"))
    assert sep.open_disputes == 1
    assert sep.statements == [statement]
    assert (months[0].lessons_paid, months[0].certificate, months[0].open_disputes) == (1, D("300.00"), 0)


def test_the_page_links_the_statements_in_a_fixed_number_of_queries(staff, setup, django_assert_num_queries):
    client = signed_in(staff)
    statement = setup[2]

    # user, the manager role, provider, charges, lessons held, open disputes, statements
    with django_assert_num_queries(7):
        response = client.get(URL)

    page = response.content.decode()
    assert reverse("workplace:statement", args=[statement.pk]) in page
    assert "600,00 ₽" in page and "200,00 ₽" in page


def test_a_provider_without_charges_sees_an_empty_page():
    page = signed_in(ProviderStaffFactory()).get(URL).content.decode()

    assert "Списаний пока не было." in page
