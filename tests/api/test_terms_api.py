"""New terms of a contract in the API: `pending_terms` on the enrollment, `/terms/accept/` and
`/terms/decline/` for parents (Idempotency-Key honoured), refusals with their status and code, another
family's contract a 404, the list's queries unchanged, and the schema."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from catalog.models import ScheduleSlot
from enrollments.contracts import contract_terms_change, enrollment_accept
from enrollments.models import Enrollment, EnrollmentStatus, TermsChange, TermsChangeStatus
from tests.accounts.factories import ParentFactory, ProviderStaffFactory
from tests.certificates.factories import FundingPeriodFactory, claim_on, school_year_of
from tests.enrollments.factories import applied, child_in, group_with_lessons, offered, parent_of
from tests.navigator.cabinet import signed_in

pytestmark = pytest.mark.django_db

LIST = "/api/v1/enrollments/"


def url(enrollment: Enrollment, action: str = "") -> str:
    return f"{LIST}{enrollment.pk}/{action}"


def post(client, path: str, key: str | None = None):
    headers = {"Idempotency-Key": key} if key else {}
    return client.post(path, {}, content_type="application/json", headers=headers)


def error(response, status: int) -> dict:
    assert response.status_code == status, response.content
    body = response.json()["error"]
    assert body["message"]
    return body


@pytest.fixture
def period():
    return FundingPeriodFactory(year=school_year_of(timezone.localdate()))


@pytest.fixture
def group():
    return group_with_lessons(capacity=1, weekdays=(ScheduleSlot.Weekday.MONDAY,))


@pytest.fixture
def running(period, group) -> Enrollment:
    """A contract at 250 ₽ a lesson (the certificate pays it all), with new terms at 400 ₽ awaiting."""
    offer = offered(child_in(period), group)
    contract = enrollment_accept(parent=parent_of(offer.child), enrollment_id=offer.pk).enrollment
    assert contract_terms_change(enrollment_id=contract.pk, lesson_price=Decimal("400.00")).proposed
    return contract


@pytest.fixture
def family(running):
    return signed_in(parent_of(running.child))


def test_the_enrollment_shows_the_pending_terms_as_strings(family, running):
    body = family.get(url(running)).json()

    terms = body["pending_terms"]
    assert terms["status"] == "PROPOSED"
    assert (terms["lesson_price_before"], terms["lesson_price_after"]) == ("250.00", "400.00")
    assert (terms["certificate_per_lesson_before"], terms["certificate_per_lesson_after"]) == ("250.00", "300.00")
    assert (terms["copayment_per_lesson_before"], terms["copayment_per_lesson_after"]) == ("0.00", "100.00")
    assert terms["copayment_before"] == "0.00"
    assert Decimal(terms["copayment_after"]) == Decimal("100.00") * terms["lessons"] > 0
    assert body["contract"]["lesson_price"] == "250.00"  # the terms in force until a parent decides
    # The list carries it too.
    [row] = family.get(LIST).json()["results"]
    assert row["pending_terms"]["id"] == terms["id"]


def test_accepting_applies_them_and_a_repeat_with_the_key_gets_the_first_answer(family, running):
    accepted = post(family, url(running, "terms/accept/"), key="terms-1")
    again = post(family, url(running, "terms/accept/"), key="terms-1")

    assert accepted.status_code == again.status_code == 200
    body = accepted.json()
    assert body["pending_terms"] is None
    assert (body["contract"]["lesson_price"], body["contract"]["certificate_per_lesson"]) == ("400.00", "300.00")
    assert again.json() == body and again["Idempotent-Replayed"] == "true"
    # Without a key, a repeat changes nothing either.
    assert post(family, url(running, "terms/accept/")).status_code == 200
    assert TermsChange.objects.get().status == TermsChangeStatus.ACCEPTED
    assert running.reserve_entries.count() == 2  # the acceptance's reserve, then one top-up


def test_declining_ends_the_contract_at_once_and_gives_the_seat_to_the_waiting_list(family, running, period, group):
    waiting = applied(child_in(period), group)
    assert waiting.status == EnrollmentStatus.WAITING

    response = post(family, url(running, "terms/decline/"), key="no")

    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["pending_terms"]) == ("TERMINATED", None)
    assert body["contract"]["ends_on"] == (timezone.localdate() - datetime.timedelta(days=1)).isoformat()
    assert body["contract"]["reserve_remaining"] == "0.00"
    assert Enrollment.objects.get(pk=waiting.pk).status == EnrollmentStatus.SUBMITTED
    assert post(family, url(running, "terms/decline/")).status_code == 200  # a repeat changes nothing
    assert running.events.filter(to_status="TERMINATED").count() == 1


@pytest.mark.parametrize("action", ["terms/accept/", "terms/decline/"])
def test_nothing_to_decide_is_a_409(family, running, action):
    post(family, url(running, "terms/accept/"))
    TermsChange.objects.update(status=TermsChangeStatus.SUPERSEDED)  # as if a later change let it lapse

    assert error(post(family, url(running, action)), 409)["code"] == "no_terms_proposed"


@pytest.mark.parametrize("action", ["terms/accept/", "terms/decline/"])
def test_another_family_gets_404(running, period, action):
    stranger = signed_in(parent_of(child_in(period)))

    assert post(stranger, url(running, action)).status_code == 404
    assert TermsChange.objects.get().status == TermsChangeStatus.PROPOSED


@pytest.mark.parametrize("action", ["terms/accept/", "terms/decline/"])
def test_a_pending_claimant_of_the_child_gets_404(running, action):
    typed_in = ParentFactory()
    claim_on(running.child, user=typed_in)

    assert post(signed_in(typed_in), url(running, action)).status_code == 404
    assert Enrollment.objects.get(pk=running.pk).status == EnrollmentStatus.ACTIVE


def test_provider_staff_cannot_decide_for_the_parents(running):
    staff = signed_in(ProviderStaffFactory(provider=running.group.program.provider))

    assert post(staff, url(running, "terms/accept/")).status_code == 403
    # They see the pending terms on their pupil's contract.
    assert staff.get(url(running)).json()["pending_terms"]["lesson_price_after"] == "400.00"


def test_refusals_are_translated(family, running):
    post(family, url(running, "terms/accept/"))

    family.cookies["django_language"] = "en"

    response = post(family, url(running, "terms/decline/"))

    assert error(response, 409)["message"] == "There are no new terms of this contract awaiting your decision."


@pytest.mark.parametrize("n", [1, 5])
def test_the_parents_list_with_pending_terms_takes_the_same_queries(period, n, django_assert_num_queries):
    parent = ParentFactory()
    for _ in range(n):
        offer = offered(child_in(period, parents=[parent]), group_with_lessons())
        enrollment_accept(parent=parent, enrollment_id=offer.pk)
        contract_terms_change(enrollment_id=offer.pk, lesson_price=Decimal("400.00"))
    client = signed_in(parent)

    # user, COUNT, the page (the pending terms joined in)
    with django_assert_num_queries(3):
        body = client.get(LIST).json()

    assert [row["pending_terms"]["lesson_price_after"] for row in body["results"]] == ["400.00"] * n


def test_the_schema_has_the_actions_and_the_field(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()

    assert {"/api/v1/enrollments/{id}/terms/accept/", "/api/v1/enrollments/{id}/terms/decline/"} <= set(schema["paths"])
    properties = schema["components"]["schemas"]["Enrollment"]["properties"]
    assert "pending_terms" in properties
    assert "TermsChange" in schema["components"]["schemas"]
