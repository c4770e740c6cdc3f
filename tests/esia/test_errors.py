"""Every failed check shows a clear Russian page and creates no account: expired, wrong issuer, wrong
audience, bad signature, state mismatch (callback and token answer), ESIA error replies."""

import uuid

import jwt
import pytest
from django.contrib.auth import SESSION_KEY
from django.urls import reverse
from social_django.models import UserSocialAuth

from accounts.models import User
from certificates.models import Child
from esia_standin import services as standin
from tests.esia.conftest import SignIn
from tests.esia.factories import KidFactory, PersonFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def person():
    person = PersonFactory()
    KidFactory(person=person)
    return person


def assert_refused(client, response, status: int, *phrases: str) -> None:
    page = response.content.decode()
    assert response.status_code == status, page[:2000]
    assert "Не удалось войти через Госуслуги" in page
    for phrase in phrases:
        assert phrase in page
    assert "Учётная запись на портале не создана" in page
    assert User.objects.count() == 0
    assert Child.objects.count() == 0
    assert UserSocialAuth.objects.count() == 0
    assert SESSION_KEY not in client.session


def test_expired_id_token(client, sign_in, person, tamper_id_token):
    tamper_id_token(lambda claims: {"exp": claims["iat"] - 3600})

    assert_refused(client, sign_in(person.oid), 403, "Ответ Госуслуг устарел")


def test_wrong_issuer(client, sign_in, person, tamper_id_token):
    tamper_id_token(lambda claims: {"iss": "https://esia.evil.example/"})

    assert_refused(client, sign_in(person.oid), 403, "Ответ выдан не Госуслугами")


def test_wrong_audience(client, sign_in, person, tamper_id_token):
    tamper_id_token(lambda claims: {"aud": "ANOTHER-SYSTEM"})

    assert_refused(client, sign_in(person.oid), 403, "предназначен другой системе")


def test_id_token_signed_with_another_key(client, sign_in, person, monkeypatch):
    original = standin._sign
    monkeypatch.setattr(
        standin,
        "_sign",
        lambda claims, kind: (
            original(claims, kind) if kind == "access" else jwt.encode(claims, "x" * 48, algorithm="HS256")
        ),
    )

    assert_refused(client, sign_in(person.oid), 403, "Подпись ответа Госуслуг не прошла проверку")


def test_token_answer_echoing_another_state(client, sign_in, person, monkeypatch):
    original = standin.token_response
    monkeypatch.setattr(standin, "token_response", lambda **kw: {**original(**kw), "state": str(uuid.uuid4())})

    assert_refused(client, sign_in(person.oid), 403, "не совпадает с запросом портала")


def test_callback_with_a_state_this_session_never_sent(client, esia, person):
    flow = SignIn(client)
    flow.start()
    callback = flow.choose(person.oid)
    forged = callback.replace(flow.params["state"], str(uuid.uuid4()))

    assert_refused(client, flow.back(forged), 403, "не относится к этому сеансу входа")


def test_callback_replayed_after_use(client, esia, person):
    flow = SignIn(client)
    flow.start()
    flow.choose(person.oid)
    flow.back()
    client.logout()
    User.objects.all().delete()
    Child.objects.all().delete()

    assert_refused(client, flow.back(), 403, "не относится к этому сеансу входа")


def test_parent_refuses_access_on_gosuslugi(client, esia, person):
    flow = SignIn(client)
    flow.start()
    flow.choose(deny=True)

    assert_refused(client, flow.back(), 403, "Вы отказались предоставить порталу доступ", "ESIA-007004")


def test_esia_error_reply_on_the_callback(client, esia):
    flow = SignIn(client)
    params = flow.start()
    query = {
        "error": "invalid_request",
        "error_description": "ESIA-007014: The request does not contain the mandatory parameter",
        "state": params["state"],
    }

    response = client.get(reverse("esia:complete"), query)

    assert_refused(client, response, 502, "Госуслуги отклонили запрос на вход", "ESIA-007014")
    assert "mandatory parameter" not in response.content.decode(), "ESIA's text arrives via the browser"


def test_esia_error_reply_from_the_token_endpoint(client, sign_in, person, monkeypatch):
    monkeypatch.setattr(standin, "use_code", lambda code: False)

    assert_refused(client, sign_in(person.oid), 403, "Код входа Госуслуг устарел или уже использован", "ESIA-007011")


def test_stand_in_refuses_a_client_secret_signed_with_another_key(client, esia, person, settings):
    flow = SignIn(client)
    expected = settings.ESIA_DEVELOPMENT_SECRET
    settings.ESIA_DEVELOPMENT_SECRET = "another-secret-than-the-stand-in-expects"
    params = flow.start()
    settings.ESIA_DEVELOPMENT_SECRET = expected

    response = client.get(reverse("esia_standin:authorize"), params)

    assert response.status_code == 400
    assert "ESIA-007002" in response.content.decode()


def test_esia_unreachable(client, settings, person):
    settings.ESIA_HOST = "http://127.0.0.1:9/esia"  # the discard port: nothing listens
    flow = SignIn(client)
    params = flow.start()
    # ESIA never answered the browser either; a code arriving now cannot be exchanged.
    response = client.get(reverse("esia:complete"), {"code": "x", "state": params["state"]})

    assert_refused(client, response, 503, "Госуслуги сейчас недоступны")


def test_a_signer_without_its_key_is_an_operators_problem_said_plainly(client, settings):
    settings.ESIA_SIGNER = "esia.signers.OpenSSLGostSigner"
    settings.ESIA_PRIVATE_KEY_PATH = settings.ESIA_CERTIFICATE_PATH = ""

    response = client.post(reverse("esia:login"))

    assert response.status_code == 500
    assert "настроен неверно" in response.content.decode()
