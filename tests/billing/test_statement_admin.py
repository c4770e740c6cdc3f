"""Statements and disputes in the admin (the municipal door): read-only, scoped to the operator's paying
municipality, changed only through the actions and the decision page that call the billing services."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from accounts import roles
from billing.disputes import dispute_raise
from billing.models import Dispute, Statement
from billing.statements import statement_build
from tests.accounts.factories import MunicipalStaffFactory
from tests.billing.factories import ChargeFactory
from tests.catalog.factories import GroupFactory
from tests.enrollments.factories import EnrollmentFactory
from tests.navigator.cabinet import signed_in

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def charge():
    # A month well over, so that its statement may be issued today.
    day = datetime.date.today().replace(day=1) - datetime.timedelta(days=40)
    group = GroupFactory(start_date=day.replace(day=1), end_date=datetime.date.today() + datetime.timedelta(days=100))
    contract = EnrollmentFactory(group=group, active=True)
    return ChargeFactory(mark__enrollment=contract, mark__lesson__date=day)


@pytest.fixture
def statement(charge):
    return statement_build(
        provider_id=charge.provider_id, municipality_id=charge.municipality_id, month=charge.service_date.replace(day=1)
    ).statement


def operator_of(municipality):
    user = MunicipalStaffFactory(municipality=municipality)
    user.groups.add(roles.role_group(roles.MUNICIPAL))
    return user


def test_an_operator_issues_and_marks_paid_through_the_actions(statement, charge):
    client = signed_in(operator_of(charge.municipality))
    url = reverse("admin:billing_statement_changelist")
    listing = client.get(url)
    assert listing.status_code == 200 and str(charge.certificate_amount).replace(".", ",") in listing.content.decode()

    client.post(url, {"action": "issue", "_selected_action": [statement.pk]})
    assert Statement.objects.get(pk=statement.pk).status == Statement.Status.ISSUED
    client.post(url, {"action": "mark_paid", "_selected_action": [statement.pk]})
    assert Statement.objects.get(pk=statement.pk).status == Statement.Status.PAID

    pdf = client.get(reverse("admin:billing_statement_pdf", args=[statement.pk]))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_another_municipalitys_operator_sees_nothing(statement):
    client = signed_in(operator_of(MunicipalStaffFactory().municipality))
    listing = client.get(reverse("admin:billing_statement_changelist"))
    assert f"/{statement.pk}/change/" not in listing.content.decode()
    assert client.get(reverse("admin:billing_statement_pdf", args=[statement.pk])).status_code == 404
    client.post(reverse("admin:billing_statement_changelist"), {"action": "issue", "_selected_action": [statement.pk]})
    assert Statement.objects.get(pk=statement.pk).status == Statement.Status.DRAFT


def test_an_operator_decides_a_dispute_on_its_page(charge):
    dispute = dispute_raise(parent=charge.enrollment.applicant, charge_id=charge.pk).dispute
    client = signed_in(operator_of(charge.municipality))
    url = reverse("admin:billing_dispute_decide", args=[dispute.pk])
    assert client.get(url).status_code == 200
    client.post(url, {"decision": "reject", "resolution": "Ребёнок был на занятии."})
    dispute.refresh_from_db()
    assert (dispute.status, dispute.resolution) == (Dispute.Status.REJECTED, "Ребёнок был на занятии.")
    stranger = signed_in(operator_of(MunicipalStaffFactory().municipality))
    assert stranger.get(url).status_code == 404
