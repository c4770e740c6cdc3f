"""A group's pupils in the workplace: the roster with contract status and co-payment (contracts in
force first, by name), the same as XLSX, a pinned number of queries, and another provider's group a
404 for the page and the file."""

from decimal import Decimal
from io import BytesIO

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from tests.accounts.factories import ProviderStaffFactory
from tests.enrollments.factories import EnrollmentFactory, TermsChangeFactory, group_with_lessons, staff_of
from tests.navigator.cabinet import signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def group():
    return group_with_lessons()


@pytest.fixture
def roster(group):
    return {
        "active": EnrollmentFactory(
            group=group,
            active=True,
            child__last_name="Борисов",
            child__middle_name="Иванович",  # a random one can be «Антонович» or «Борисович»
            lesson_price=Decimal("400.00"),
            certificate_per_lesson=Decimal("300.00"),
            copayment_shown=Decimal("2600.00"),
        ),
        "offered": EnrollmentFactory(
            group=group, offered=True, child__last_name="Антонов", child__middle_name="Иванович"
        ),
        "submitted": EnrollmentFactory(group=group, child__last_name="Заявкин"),
    }


def url(group, xlsx=False):
    return reverse("workplace:pupils-xlsx" if xlsx else "workplace:pupils", args=[group.pk])


def test_the_roster_lists_contracts_first_with_status_and_copayment(group, roster, django_assert_num_queries):
    TermsChangeFactory(enrollment=roster["active"])
    client = signed_in(staff_of(group))

    # user, provider, the group, the teacher scope, its pupils (with the terms awaiting the parents)
    with django_assert_num_queries(5):
        response = client.get(url(group))

    page = response.content.decode()
    cards = page[page.index('class="cabinet-cards pupils"') :]  # the teacher's random name is printed above
    assert cards.index("Борисов") < cards.index("Антонов")
    assert "Заявкин" not in page  # an application under review is the inbox's, not a pupil yet
    assert "Договор действует" in page and "Оферта направлена" in page
    assert "сертификат 300,00 ₽, доплата 100,00 ₽" in page
    assert "доплата до конца периода: 2600,00 ₽" in page
    assert "Новые условия ждут решения родителей: 400,00 ₽" in page


def test_the_roster_as_xlsx(group, roster):
    response = signed_in(staff_of(group)).get(url(group, xlsx=True))

    assert response["Content-Disposition"] == f'attachment; filename="pupils-group-{group.pk}.xlsx"'
    sheet = load_workbook(BytesIO(response.content)).active
    rows = [row for row in sheet.iter_rows(values_only=True) if row and isinstance(row[0], int)]
    assert [row[1].split()[0] for row in rows] == ["Борисов", "Антонов"]
    first = rows[0]
    assert first[4] == "Договор действует"
    assert [float(value) for value in first[7:11]] == [400.0, 300.0, 100.0, 2600.0]


@pytest.mark.parametrize("xlsx", [False, True])
def test_another_providers_group_is_a_404(group, roster, xlsx):
    assert signed_in(ProviderStaffFactory()).get(url(group, xlsx)).status_code == 404
