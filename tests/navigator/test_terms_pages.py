"""New terms of a contract on the parent's pages, through the test client: the enrollment page shows them
against the terms in force with «Принять новые условия» and «Отказаться и расторгнуть договор» (which
asks first, saying the contract ends today and the seat is given up), each POST once per form key; the
list of enrollments marks such contracts; another family's contract is a 404."""

import datetime
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from catalog.models import ScheduleSlot
from enrollments.contracts import contract_terms_change, enrollment_accept
from enrollments.models import Enrollment, EnrollmentEvent, EnrollmentStatus, TermsChange, TermsChangeStatus
from tests.accounts.factories import ParentFactory
from tests.certificates.factories import FundingPeriodFactory, claim_on, school_year_of
from tests.enrollments.factories import applied, child_in, group_with_lessons, offered, parent_of
from tests.navigator.cabinet import signed_in

pytestmark = pytest.mark.django_db


def html(response) -> str:
    return response.content.decode()


def text(response) -> str:
    return re.sub(r"[ \t\r\n]+", " ", re.sub(r"<[^>]+>", " ", html(response)))


def form_key(response, action: str) -> str:
    """The form key of the form posting to `action`."""
    form = re.search(rf'<form method="post" action="{re.escape(action)}"[^>]*>(.*?)</form>', html(response), re.S)
    return re.search(r'name="form_key" value="([0-9a-f]{32})"', form.group(1)).group(1)


def rub(amount: str) -> str:
    return amount.replace(" ", "\xa0") + "\xa0₽"


@pytest.fixture
def period():
    return FundingPeriodFactory(year=school_year_of(timezone.localdate()))


@pytest.fixture
def group():
    return group_with_lessons(capacity=1, weekdays=(ScheduleSlot.Weekday.MONDAY,))


@pytest.fixture
def running(period, group) -> Enrollment:
    """A contract at 250 ₽ a lesson, with new terms at 400 ₽ (the parents to pay 100 ₽ a lesson) awaiting."""
    offer = offered(child_in(period), group)
    contract = enrollment_accept(parent=parent_of(offer.child), enrollment_id=offer.pk).enrollment
    assert contract_terms_change(enrollment_id=contract.pk, lesson_price=Decimal("400.00")).proposed
    return contract


@pytest.fixture
def client_(running):
    return signed_in(parent_of(running.child))


def page_url(enrollment) -> str:
    return reverse("cabinet-enrollment", args=[enrollment.pk])


def accept_url(enrollment) -> str:
    return reverse("cabinet-enrollment-terms-accept", args=[enrollment.pk])


def decline_url(enrollment) -> str:
    return reverse("cabinet-enrollment-terms-decline", args=[enrollment.pk])


def test_the_enrollment_page_shows_the_new_terms_against_the_old_with_both_buttons(client_, running):
    response = client_.get(page_url(running))

    page = text(response)
    assert "Новые условия договора ждут вашего решения" in page
    assert "Пока вы не решили, действуют прежние условия" in page
    assert rub("250") in page and rub("400") in page and rub("100") in page
    assert "Принять новые условия" in page
    assert f'action="{accept_url(running)}"' in html(response)
    assert f'href="{decline_url(running)}"' in html(response)
    assert "Отказаться и расторгнуть договор" in page
    # The section comes before the contract's current terms: it is what the parent must see first.
    assert html(response).index("terms-change-title") < html(response).index("contract-title")


def test_the_list_marks_contracts_with_new_terms(client_, running, period):
    other = offered(child_in(period, parents=[parent_of(running.child)]), group_with_lessons())
    enrollment_accept(parent=parent_of(running.child), enrollment_id=other.pk)

    page = text(client_.get(reverse("cabinet-enrollments")))

    assert page.count("Новые условия договора ждут вашего решения") == 1
    assert "Посмотреть новые условия" in page


def test_accepting_applies_the_new_terms_once_per_form_key(client_, running):
    key = form_key(client_.get(page_url(running)), accept_url(running))

    response = client_.post(accept_url(running), {"form_key": key}, follow=True)
    client_.post(accept_url(running), {"form_key": key})  # a double click

    assert "Новые условия договора приняты." in text(response)
    assert "Новые условия договора ждут вашего решения" not in text(response)
    assert Enrollment.objects.get(pk=running.pk).lesson_price == Decimal("400.00")
    assert TermsChange.objects.get().status == TermsChangeStatus.ACCEPTED
    assert EnrollmentEvent.objects.filter(enrollment=running, from_status="ACTIVE", to_status="ACTIVE").count() == 1
    assert running.reserve_entries.count() == 2
    assert "Условия договора изменены" in text(response)  # in the history


def test_declining_asks_first_saying_the_contract_ends_today(client_, running):
    confirm = client_.get(decline_url(running))

    page = text(confirm)
    assert "Договор будет расторгнут сегодня." in page
    assert "место в группе сразу перейдёт следующему в листе ожидания" in page
    assert "Да, отказаться и расторгнуть договор сегодня" in page
    assert rub("400") in page
    assert Enrollment.objects.get(pk=running.pk).status == EnrollmentStatus.ACTIVE  # asking changed nothing


def test_declining_ends_the_contract_at_once_and_promotes_the_waiting_list(client_, running, period, group):
    waiting = applied(child_in(period), group)
    key = form_key(client_.get(decline_url(running)), decline_url(running))

    response = client_.post(decline_url(running), {"form_key": key}, follow=True)
    client_.post(decline_url(running), {"form_key": key})  # a double click

    assert "Договор расторгнут, место в группе освобождено." in text(response)
    ended = Enrollment.objects.get(pk=running.pk)
    assert ended.status == EnrollmentStatus.TERMINATED
    assert ended.ends_on == timezone.localdate() - datetime.timedelta(days=1)
    assert Enrollment.objects.get(pk=waiting.pk).status == EnrollmentStatus.SUBMITTED
    assert EnrollmentEvent.objects.filter(enrollment=running, to_status="TERMINATED").count() == 1
    # Nothing awaits now: the confirmation page sends back to the enrollment.
    assert client_.get(decline_url(running)).status_code == 302


def test_with_nothing_to_decide_the_page_says_so(client_, running):
    client_.post(accept_url(running), {"form_key": "k1"})

    response = client_.post(decline_url(running), {"form_key": "k2"}, follow=True)

    assert "Новых условий, ожидающих вашего решения, по этому договору нет." in text(response)
    assert Enrollment.objects.get(pk=running.pk).status == EnrollmentStatus.ACTIVE


def test_another_familys_contract_is_not_found(running, period):
    stranger = signed_in(parent_of(child_in(period)))

    assert stranger.get(decline_url(running)).status_code == 404
    assert stranger.post(accept_url(running), {"form_key": "k"}).status_code == 404
    assert stranger.post(decline_url(running), {"form_key": "k"}).status_code == 404
    assert TermsChange.objects.get().status == TermsChangeStatus.PROPOSED


def test_a_pending_claimant_of_the_child_sees_nothing_of_the_contract(running):
    typed_in = ParentFactory()
    claim_on(running.child, user=typed_in)
    client = signed_in(typed_in)

    assert client.get(page_url(running)).status_code == 404
    assert client.post(accept_url(running), {"form_key": "k"}).status_code == 404
    assert TermsChange.objects.get().status == TermsChangeStatus.PROPOSED


def test_the_page_in_english(client_, running):
    client_.cookies["django_language"] = "en"

    page = text(client_.get(page_url(running)))

    assert "New terms of the contract await your decision" in page
    assert "Accept the new terms" in page and "Decline and terminate the contract" in page
