"""The local ESIA stand-in: its registry comes from the demo families, and it checks what ESIA checks."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from esia import protocol
from esia.signers import DevelopmentSigner, client_secret
from esia_standin import services
from esia_standin.models import Kid, Person
from tests.accounts.factories import ParentFactory
from tests.certificates.factories import ChildFactory
from tests.esia.factories import KidFactory, PersonFactory

pytestmark = pytest.mark.django_db

REDIRECT = "http://testserver/esia/complete/"


def signed_params(settings, *, code: str = "", **changes) -> dict:
    signer = DevelopmentSigner()
    params = {
        "client_id": settings.ESIA_CLIENT_ID,
        "scope": "openid fullname snils",
        "timestamp": protocol.timestamp(),
        "state": "6f0f1a1e-4c1b-4d8e-9a53-2b8f7f3c9d10",
        "redirect_uri": REDIRECT,
        "client_certificate_hash": signer.certificate_hash(),
    } | changes
    params["client_secret"] = client_secret(
        signer,
        protocol.signed_string(
            params["client_id"], params["scope"], params["timestamp"], params["state"], params["redirect_uri"], code
        ),
    )
    return params


def test_registry_is_a_snapshot_of_the_portals_parents_and_children():
    demo = ParentFactory(
        esia_oid="1000000042", snils="11223344595", middle_name="Викторовна", phone="+7 (953) 421-17-05"
    )
    by_password = ParentFactory(esia_oid=None, snils="11223344696", middle_name="Андреевич")
    ParentFactory(snils=None)  # no СНИЛС: Gosuslugi would know one, the demo cannot invent it
    child = ChildFactory(parents=[demo])

    assert services.load_demo_people() == 2

    person = Person.objects.get(oid="1000000042")
    assert (person.snils, person.gender, person.mobile) == ("11223344595", "F", "+7 (953) 421-17-05")
    assert list(person.kids.values_list("snils", "birth_date")) == [(child.snils, child.birth_date)]
    assert Person.objects.get(snils=by_password.snils).oid == "2112233446"
    assert Person.objects.get(snils=by_password.snils).gender == "M"
    assert by_password.role == Role.PARENT


def test_picker_fills_an_empty_registry_and_finds_people_by_surname(client, settings):
    ParentFactory(last_name="Смирнова", first_name="Елена", snils="11223344595")
    ParentFactory(last_name="Орлова", snils="11223344696")

    page = client.get(reverse("esia_standin:authorize"), signed_params(settings) | {"response_type": "code"})
    assert page.status_code == 200
    assert Person.objects.count() == 2

    found = client.get(
        reverse("esia_standin:authorize"), signed_params(settings) | {"response_type": "code", "q": "смирн"}
    ).content.decode()
    assert "Смирнова Елена" in found and "Орлова" not in found


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"client_id": "SOMEONE-ELSE"}, "ESIA-007002"),
        ({"client_certificate_hash": "00" * 32}, "ESIA-007002"),
        ({"redirect_uri": "https://evil.example/esia/complete/x"}, "ESIA-007023"),
        ({"state": "not-a-uuid"}, "ESIA-007003"),
        ({"timestamp": protocol.timestamp(timezone.now() - datetime.timedelta(minutes=30))}, "ESIA-007015"),
        ({"timestamp": "2026-09-01T14:05:09+03:00"}, "ESIA-007015"),
        ({"scope": "fullname"}, "ESIA-007006"),
    ],
)
def test_requests_refused_as_esia_refuses_them(settings, changes, code):
    assert services.check_request(signed_params(settings, **changes)).code == code


def test_client_secret_over_other_data_is_refused(settings):
    params = signed_params(settings)
    params["scope"] = "openid fullname snils email"  # changed after signing

    assert services.check_request(params).code == "ESIA-007053"
    assert services.check_request({**signed_params(settings), "client_secret": "%%%"}).code == "ESIA-007053"
    assert services.check_request({k: v for k, v in signed_params(settings).items() if k != "state"}).code == (
        "ESIA-007014"
    )


def test_token_endpoint_checks_grant_code_and_secret(client, settings):
    person = PersonFactory()
    code = services.issue_code(oid=person.oid, client_id=settings.ESIA_CLIENT_ID, redirect_uri=REDIRECT, scope="openid")
    url = reverse("esia_standin:token")

    def post(**data):
        return client.post(url, data)

    wrong_grant = post(**signed_params(settings, code=code), code=code, grant_type="password")
    assert (wrong_grant.status_code, wrong_grant.json()["error"]) == (400, "unsupported_grant_type")
    unsigned_code = post(**signed_params(settings), code=code, grant_type="authorization_code")
    assert (unsigned_code.status_code, unsigned_code.json()["error_description"][:11]) == (401, "ESIA-007053")
    ok = post(**signed_params(settings, code=code), code=code, grant_type="authorization_code")
    assert ok.status_code == 200 and ok.json()["state"] == "6f0f1a1e-4c1b-4d8e-9a53-2b8f7f3c9d10"
    replay = post(**signed_params(settings, code=code), code=code, grant_type="authorization_code")
    assert replay.json()["error_description"].startswith("ESIA-007011")


def test_rest_endpoints_answer_only_with_the_persons_own_token(client, settings):
    person = PersonFactory(email="anna@example.ru", mobile="+7 (953) 421-17-05")
    KidFactory(person=person, first_name="Иван")
    other = PersonFactory()
    token = services.token_response(oid=person.oid, client_id="NAV", scope="openid", state="s")["access_token"]
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {token}"}

    assert client.get(reverse("esia_standin:person", args=[person.oid])).status_code == 401
    assert client.get(reverse("esia_standin:person", args=[other.oid]), **bearer).status_code == 403
    body = client.get(reverse("esia_standin:person", args=[person.oid]), **bearer).json()
    assert body["snils"] == f"{person.snils[:3]}-{person.snils[3:6]}-{person.snils[6:9]} {person.snils[9:]}"
    assert body["birthDate"] == "17.05.1988"
    contacts = client.get(reverse("esia_standin:contacts", args=[person.oid]), {"embed": "(elements)"}, **bearer).json()
    assert {(e["type"], e["value"]) for e in contacts["elements"]} == {
        ("MBT", "+7(953)4211705"),
        ("EML", "anna@example.ru"),
    }
    kids = client.get(reverse("esia_standin:kids", args=[person.oid]), {"embed": "(elements)"}, **bearer).json()
    assert kids["size"] == 1 and kids["elements"][0]["firstName"] == "Иван"
    links = client.get(reverse("esia_standin:kids", args=[person.oid]), **bearer).json()
    assert links["elements"][0].startswith("http://testserver/esia-standin/rs/prns/")


def test_load_command_replaces_the_registry(settings):
    from django.core.management import call_command

    PersonFactory()
    ParentFactory(snils="11223344595")

    call_command("esia_standin_load", "--if-empty")
    assert Person.objects.count() == 1, "--if-empty leaves a filled registry alone"
    call_command("esia_standin_load")
    assert list(Person.objects.values_list("snils", flat=True)) == ["11223344595"]
    assert Kid.objects.count() == 0


@pytest.mark.parametrize(
    "redirect_uri",
    ["https://evil.example/esia/complete/", "//evil.example/esia/complete/", "javascript:/esia/complete/"],
)
def test_picker_never_sends_the_browser_to_another_site(client, settings, redirect_uri):
    """The stand-in runs on the portal itself: a redirect_uri on another host is not registered, so
    neither an error nor a code goes there (an open redirect on a public demo otherwise)."""
    person = PersonFactory()
    url = reverse("esia_standin:authorize")
    forged = signed_params(settings, redirect_uri=redirect_uri) | {"response_type": "code"}
    unsigned = forged | {"client_secret": client_secret(DevelopmentSigner(), "something else")}

    for response in (
        client.get(url, unsigned),
        client.get(url, forged),
        client.post(url, forged | {"oid": person.oid}),
        client.post(url, forged | {"deny": "1"}),
    ):
        assert response.status_code == 400
        assert "ESIA-007023" in response.content.decode()
