"""The parent's own data in the API: /api/v1/me/children/, /api/v1/me/certificates/ and
/api/v1/certificates/{number}/statement/ — contents, masked СНИЛС, amounts as strings, paging, who may
call them, 404 for another family's certificate, the error format and the number of queries."""

import datetime
import json
from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework.authtoken.models import Token

from certificates.models import LedgerEntry
from core.validators import format_snils, snils_with_checksum
from tests.accounts.factories import MunicipalStaffFactory, ParentFactory, ProviderStaffFactory
from tests.billing.factories import ChargeReversalFactory
from tests.certificates.factories import (
    CertificateFactory,
    ChildFactory,
    LedgerEntryFactory,
    account_for,
    certificate_with_money,
)
from tests.navigator.cabinet import lessons_paid, signed_in

pytestmark = pytest.mark.django_db

CHILDREN = "/api/v1/me/children/"
CERTIFICATES = "/api/v1/me/certificates/"


def statement_url(number: str) -> str:
    return f"/api/v1/certificates/{number}/statement/"


@pytest.fixture
def parent():
    return ParentFactory()


@pytest.fixture
def api(parent):
    return signed_in(parent)


@pytest.fixture
def certificate(parent):
    return certificate_with_money(
        parent, last_name="Иванов", first_name="Пётр", middle_name="", snils=snils_with_checksum("200333444")
    )


def ok(response) -> dict:
    assert response.status_code == 200, response.content
    return response.json()


# --- Children ---------------------------------------------------------------------------------------


def test_children_are_the_parents_own_with_a_masked_snils(api, parent, certificate):
    plain = ChildFactory(parents=[parent], last_name="Яковлева", first_name="Анна", sex="F")
    ChildFactory()  # another family's

    body = ok(api.get(CHILDREN))

    assert body["count"] == 2
    first, second = body["results"]
    assert first == {
        "id": certificate.child.pk,
        "last_name": "Иванов",
        "first_name": "Пётр",
        "middle_name": "",
        "full_name": "Иванов Пётр",
        "birth_date": "2015-03-14",
        "sex": "M",
        "sex_name": "мужской",
        "snils_masked": "***-***-*** " + certificate.child.snils[9:],
        "municipality": {"id": certificate.municipality.pk, "name": certificate.municipality.name},
        "certificate_number": certificate.number,
    }
    assert (second["id"], second["certificate_number"], second["sex"]) == (plain.pk, None, "F")


def test_no_answer_carries_a_full_snils(api, parent, certificate):
    lessons_paid(certificate, 1)
    snils = certificate.child.snils

    for url in (CHILDREN, CERTIFICATES, statement_url(certificate.number)):
        raw = api.get(url).content.decode()
        assert snils not in raw and format_snils(snils) not in raw


@pytest.mark.parametrize("n", [1, 6])
def test_children_queries_do_not_grow(api, parent, django_assert_num_queries, n):
    for _ in range(n):
        certificate_with_money(parent)
    # user, COUNT, the page with municipality and certificate
    with django_assert_num_queries(3):
        assert len(ok(api.get(CHILDREN))["results"]) == n


# --- Certificates ------------------------------------------------------------------------------------


def test_certificates_carry_kind_status_period_and_figures_as_strings(api, certificate):
    lessons_paid(certificate, 2)
    account = certificate.accounts.get()
    LedgerEntryFactory(account=account, kind=LedgerEntry.Kind.RESERVE, nominal_delta=Decimal(0), reserved_delta=1000)
    old = account_for(certificate, timezone.localdate() - datetime.timedelta(days=366))

    body = ok(api.get(CERTIFICATES))

    assert body["count"] == 1
    row = body["results"][0]
    period = account.period
    current = {
        "period": {
            "id": period.pk,
            "name": period.name,
            "start_date": period.start_date.isoformat(),
            "end_date": period.end_date.isoformat(),
        },
        "nominal": "10000.00",
        "reserved": "1000.00",
        "spent": "500.00",
        "available": "8500.00",
    }
    assert row["number"] == certificate.number
    assert row["child"] == {"id": certificate.child.pk, "full_name": "Иванов Пётр"}
    assert (row["kind"], row["kind_name"]) == ("FUNDED", "Сертификат финансирования")
    assert (row["status"], row["status_name"]) == ("ACTIVE", "Действует")
    assert row["valid_until"] == certificate.valid_until.isoformat()
    assert row["current_account"] == current
    assert [a["period"]["id"] for a in row["accounts"]] == [period.pk, old.period.pk]
    assert row["accounts"][0] == current


def test_an_accounting_certificate_has_no_current_account(api, parent):
    CertificateFactory(child=ChildFactory(parents=[parent]))  # no account in the current period

    row = ok(api.get(CERTIFICATES))["results"][0]

    assert (row["kind"], row["current_account"], row["accounts"]) == ("ACCOUNTING", None, [])


def test_certificates_of_other_families_are_not_listed(api, certificate):
    certificate_with_money(ParentFactory())

    assert [r["number"] for r in ok(api.get(CERTIFICATES))["results"]] == [certificate.number]


@pytest.mark.parametrize("n", [1, 6])
def test_certificates_queries_do_not_grow(api, parent, django_assert_num_queries, n):
    for _ in range(n):
        certificate_with_money(parent)
    # user, COUNT, the page with child and municipality, the accounts with periods
    with django_assert_num_queries(4):
        assert len(ok(api.get(CERTIFICATES))["results"]) == n


# --- The statement -----------------------------------------------------------------------------------


def test_the_statement_lists_entries_newest_first_with_program_lesson_and_signed_amount(api, certificate):
    contract = lessons_paid(certificate, 2, title="Шахматы")
    first_charge, second_charge = contract.charges.order_by("pk")
    ChargeReversalFactory(charge=first_charge)

    body = ok(api.get(statement_url(certificate.number)))

    assert body["count"] == 4
    assert body["next"] is None and body["previous"] is None
    kinds = [row["kind"] for row in body["results"]]
    assert kinds == ["REFUND", "DEBIT", "DEBIT", "OPEN"]
    refund, debit, _, opened = body["results"]
    program = {"id": contract.group.program.pk, "title": "Шахматы", "group": contract.group.name}
    assert refund["amount"] == "250.00" and refund["spent_delta"] == "-250.00"
    assert refund["program"] == program
    assert (refund["service_kind"], refund["service_date"]) == ("LESSON", first_charge.service_date.isoformat())
    assert debit["amount"] == "-250.00" and debit["kind_name"] == "Списание за занятие"
    assert (debit["service_kind"], debit["service_date"]) == ("LESSON", second_charge.service_date.isoformat())
    assert opened["amount"] == "10000.00" and opened["nominal_delta"] == "10000.00"
    assert (opened["program"], opened["service_kind"], opened["service_date"]) == (None, None, None)
    period = certificate.accounts.get().period
    assert opened["period"] == {"id": period.pk, "name": period.name}
    assert all(isinstance(row[f], str) for row in body["results"] for f in ("amount", "reserved_delta"))


def test_the_statement_is_paged_and_a_page_past_the_end_is_empty(api, certificate):
    lessons_paid(certificate, 24)  # 25 entries with the nominal
    url = statement_url(certificate.number)

    first = ok(api.get(url))
    second = ok(api.get(url, {"page": "2"}))
    past = ok(api.get(url, {"page": "7"}))

    assert (first["count"], len(first["results"])) == (25, 20)
    assert first["next"].endswith(f"{url}?page=2")
    assert (len(second["results"]), second["next"]) == (5, None)
    assert second["results"][-1]["kind"] == "OPEN"
    assert (past["count"], past["results"], past["next"]) == (25, [], None)
    assert past["previous"].endswith(f"{url}?page=2")


@pytest.mark.parametrize("page", ["abc", "-1", "0", "1.5"])
def test_a_page_that_is_not_a_number_is_a_400_in_the_error_format(api, certificate, page):
    response = api.get(statement_url(certificate.number), {"page": page})

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert error["fields"] == {"page": ["Номер страницы — целое число от 1."]}


@pytest.mark.parametrize("n", [2, 12])
def test_statement_queries_do_not_grow(api, certificate, django_assert_num_queries, n):
    lessons_paid(certificate, n)
    # user, the certificate, its accounts, COUNT, the page
    with django_assert_num_queries(5):
        assert len(ok(api.get(statement_url(certificate.number)))["results"]) == n + 1


# --- Who may ask, and what a stranger learns ----------------------------------------------------------


def test_another_familys_statement_is_not_found_exactly_like_a_missing_one(api):
    theirs = certificate_with_money(ParentFactory())
    lessons_paid(theirs, 1)

    stranger = api.get(statement_url(theirs.number))
    missing = api.get(statement_url("7199999999"))

    assert stranger.status_code == missing.status_code == 404
    assert stranger.json() == missing.json()
    assert stranger.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize("number", ["123", "71000000001", "abcdefghij"])
def test_a_malformed_number_is_not_found_in_the_error_format(api, number):
    response = api.get(statement_url(number))

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize("url", [CHILDREN, CERTIFICATES, statement_url("7100000001")])
def test_anonymous_callers_are_refused(client, url):
    response = client.get(url)

    assert response.status_code in (401, 403)
    assert response.json()["error"]["code"] == "not_authenticated"


@pytest.mark.parametrize("staff", [ProviderStaffFactory, MunicipalStaffFactory])
@pytest.mark.parametrize("url", [CHILDREN, CERTIFICATES])
def test_staff_are_refused_with_403(staff, url):
    response = signed_in(staff()).get(url)

    assert response.status_code == 403
    assert response.json()["error"] == {
        "code": "permission_denied",
        "message": "Раздел доступен только родителям.",
        "fields": {},
    }


def test_a_familys_data_is_never_cached(api, certificate):
    for url in (CHILDREN, CERTIFICATES, statement_url(certificate.number), statement_url("7100000001")):
        response = api.get(url)

        assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"], url


def test_token_authentication_works_too(client, parent, certificate):
    token = Token.objects.create(user=parent)

    body = ok(client.get(CHILDREN, HTTP_AUTHORIZATION=f"Token {token.key}"))

    assert [row["id"] for row in body["results"]] == [certificate.child.pk]


def test_the_schema_documents_the_three_endpoints(client):
    schema = json.loads(client.get("/api/schema/", {"format": "json"}).content)

    for path in ("/api/v1/me/children/", "/api/v1/me/certificates/", "/api/v1/certificates/{number}/statement/"):
        assert "get" in schema["paths"][path]
    statement = schema["paths"]["/api/v1/certificates/{number}/statement/"]["get"]
    assert {"200", "400", "403", "404"} <= set(statement["responses"])
    child = schema["components"]["schemas"]["Child"]["properties"]
    assert "snils_masked" in child and "snils" not in child
