"""The admin shows the debit job's runs and lets a regional operator run it at once."""

import pytest
from django.urls import reverse

from accounts.roles import MUNICIPAL, role_group
from billing.models import Charge, JobRun
from tests.accounts.factories import MunicipalStaffFactory, UserFactory
from tests.billing.debit_helpers import contract, lesson_days, mark

pytestmark = pytest.mark.django_db

BUTTON = "Провести списания сейчас"


def test_a_regional_operator_runs_the_debits_from_the_admin_and_sees_the_run(client):
    enrollment = contract()
    mark(enrollment, lesson_days(enrollment, 1)[0])
    client.force_login(UserFactory(regional_staff=True, is_superuser=True))
    changelist = reverse("admin:billing_jobrun_changelist")

    assert BUTTON in client.get(changelist).content.decode()
    response = client.post(reverse("admin:billing_jobrun_run_debits"), follow=True)

    assert response.redirect_chain[-1][0] == changelist
    run = JobRun.objects.get()
    assert (run.kind, run.status, run.charged) == ("DEBIT", "OK", 1)
    assert Charge.objects.count() == 1
    page = response.content.decode()
    assert "списаний 1" in page and "250.00" in page
    detail = client.get(reverse("admin:billing_jobrun_change", args=[run.pk]))
    assert detail.status_code == 200 and run.key in detail.content.decode()


def test_a_municipal_operator_sees_runs_but_cannot_start_one(client):
    operator = MunicipalStaffFactory()
    operator.groups.add(role_group(MUNICIPAL))
    client.force_login(operator)

    page = client.get(reverse("admin:billing_jobrun_changelist"))
    assert page.status_code == 200 and BUTTON not in page.content.decode()
    assert client.post(reverse("admin:billing_jobrun_run_debits")).status_code == 403
    assert client.get(reverse("admin:billing_jobrun_run_debits")).status_code == 405
    assert not JobRun.objects.exists()
