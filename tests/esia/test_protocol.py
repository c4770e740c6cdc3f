"""The signed string, the timestamp and its encoding, the authorization URL and the token request."""

import base64
import datetime
import re
import uuid
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.contrib.sessions.middleware import SessionMiddleware
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone
from social_django.utils import load_backend, load_strategy

from esia import protocol
from esia.backends import EsiaOAuth2
from esia.signers import DevelopmentSigner, client_secret

SCOPE = "openid fullname birthdate gender snils email mobile kid_fullname kid_birthdate kid_gender kid_snils"


def test_timestamp_is_moscow_time_in_esia_format():
    moment = datetime.datetime(2026, 9, 1, 11, 5, 9, tzinfo=datetime.UTC)

    assert protocol.timestamp(moment) == "2026.09.01 14:05:09 +0300"
    assert protocol.parse_timestamp("2026.09.01 14:05:09 +0300") == moment


def test_timestamp_plus_and_spaces_are_percent_encoded():
    encoded = protocol.encode_query({"timestamp": "2026.09.01 14:05:09 +0300", "scope": "openid snils"})

    assert encoded == "timestamp=2026.09.01%2014%3A05%3A09%20%2B0300&scope=openid%20snils"


def test_signed_string_order_with_and_without_code():
    assert (
        protocol.signed_string("NAV", "openid snils", "2026.09.01 14:05:09 +0300", "st", "https://p/cb")
        == "NAVopenid snils2026.09.01 14:05:09 +0300sthttps://p/cb"
    )
    assert protocol.signed_string("NAV", "openid", "T", "st", "https://p/cb", "CODE").endswith("https://p/cbCODE")


def test_client_secret_is_base64url_of_the_signature():
    signer = DevelopmentSigner("secret")

    secret = client_secret(signer, "NAV", "openid", "T", "st", "uri")

    assert re.fullmatch(r"[A-Za-z0-9_-]+=*", secret)
    assert signer.verify(b"NAVopenidTsturi", base64.urlsafe_b64decode(secret))


@pytest.mark.django_db
def test_authorization_url_carries_every_signed_parameter(client, settings):
    settings.ESIA_HOST = "https://esia.example.ru"
    before = timezone.now()

    response = client.post(reverse("esia:login"))

    assert response.status_code == 302
    location = response["Location"]
    url = urlsplit(location)
    assert f"{url.scheme}://{url.netloc}{url.path}" == "https://esia.example.ru/aas/oauth2/v2/ac"
    assert "%2B0300" in url.query and "+" not in url.query
    params = dict(parse_qsl(url.query))
    assert set(params) == {
        "client_id",
        "client_secret",
        "redirect_uri",
        "scope",
        "response_type",
        "state",
        "timestamp",
        "access_type",
        "client_certificate_hash",
    }
    assert params["client_id"] == settings.ESIA_CLIENT_ID
    assert params["scope"] == SCOPE
    assert params["response_type"] == "code"
    assert params["access_type"] == "online"
    assert params["redirect_uri"] == "http://testserver/esia/complete/"
    assert uuid.UUID(params["state"]).version == 4
    stamp = protocol.parse_timestamp(params["timestamp"])
    assert params["timestamp"].endswith(" +0300")
    assert before - datetime.timedelta(seconds=1) <= stamp <= timezone.now() + datetime.timedelta(seconds=1)
    signer = DevelopmentSigner()
    assert params["client_certificate_hash"] == signer.certificate_hash()
    signed = protocol.signed_string(
        params["client_id"], SCOPE, params["timestamp"], params["state"], params["redirect_uri"]
    )
    assert signer.verify(signed.encode(), base64.urlsafe_b64decode(params["client_secret"]))


@pytest.mark.django_db
def test_each_start_has_its_own_state_kept_in_the_session(client, settings):
    settings.ESIA_HOST = "https://esia.example.ru"

    first = dict(parse_qsl(urlsplit(client.post(reverse("esia:login"))["Location"]).query))["state"]
    second = dict(parse_qsl(urlsplit(client.post(reverse("esia:login"))["Location"]).query))["state"]

    assert first != second
    saved = [value.get("state") for value in client.session.values() if isinstance(value, dict)]
    assert {first, second} <= set(saved)


@pytest.mark.django_db
def test_the_start_page_posts_itself_and_keeps_a_safe_next(client):
    page = client.get(reverse("esia:login"), {"next": "/catalog/?q=танцы"}).content.decode()

    assert 'action="/esia/login/"' in page and "csrfmiddlewaretoken" in page
    assert 'value="/catalog/?q=танцы"' in page
    unsafe = client.get(reverse("esia:login"), {"next": "https://evil.example/"}).content.decode()
    assert 'value="https://evil.example/"' not in unsafe


@pytest.mark.django_db
def test_token_request_has_a_new_state_and_signs_the_code_too(settings):
    settings.ESIA_HOST = "https://esia.example.ru"
    request = RequestFactory().get("/esia/complete/")
    SessionMiddleware(lambda r: None).process_request(request)
    backend = load_backend(load_strategy(request), EsiaOAuth2.name, redirect_uri=reverse("esia:complete"))

    params = backend.token_params("THE-CODE")

    assert params["grant_type"] == "authorization_code"
    assert params["token_type"] == "Bearer"
    assert params["code"] == "THE-CODE"
    assert uuid.UUID(params["state"]).version == 4
    assert backend.access_token_url() == "https://esia.example.ru/aas/oauth2/v3/te"
    signed = protocol.signed_string(
        params["client_id"], params["scope"], params["timestamp"], params["state"], params["redirect_uri"], "THE-CODE"
    )
    assert DevelopmentSigner().verify(signed.encode(), base64.urlsafe_b64decode(params["client_secret"]))


def test_person_record_from_esia_json():
    person = protocol.parse_person(
        1000299654,
        {
            "firstName": "Елена",
            "lastName": "Смирнова",
            "middleName": "Викторовна",
            "birthDate": "02.06.1985",
            "gender": "F",
            "snils": "112-233-445 95",
            "trusted": True,
        },
        {
            "elements": [
                {"type": "EML", "vrfStu": "NOT_VERIFIED", "value": "old@example.ru"},
                {"type": "EML", "vrfStu": "VERIFIED", "value": "Elena@Example.ru"},
                {"type": "MBT", "vrfStu": "VERIFIED", "value": "+7(953)4211705"},
            ]
        },
        {
            "elements": [
                {
                    "id": 7,
                    "firstName": "Алиса",
                    "lastName": "Смирнова",
                    "birthDate": "02.06.2019",
                    "gender": "F",
                    "snils": "112-233-445 96",
                },
            ]
        },
    )

    assert person.oid == "1000299654"
    assert person.birth_date == datetime.date(1985, 6, 2)
    assert person.snils == "11223344595"
    assert (person.email, person.phone) == ("elena@example.ru", "+7 (953) 421-17-05")
    assert person.kids[0].snils == "", "a СНИЛС with a wrong checksum is as good as none"
    assert (person.kids[0].sex, person.kids[0].birth_date) == ("F", datetime.date(2019, 6, 2))
