"""id_token checks on their own: which signatures are trusted, `sub` as a number, missing claims."""

import datetime
import time

import jwt
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from social_core.exceptions import AuthResponseError

from esia.tokens import decode_id_token

ISSUER = "http://esia.gosuslugi.ru/"
CLIENT = "NAVIGATOR"
KEY = "k" * 40


def claims(**changes):
    now = int(time.time())
    return {"aud": CLIENT, "sub": 1000299654, "iss": ISSUER, "iat": now, "nbf": now, "exp": now + 3600} | changes


def decode(token):
    return decode_id_token(token, audience=CLIENT, issuer=ISSUER)


def refused(token) -> tuple[str, str | None]:
    with pytest.raises(AuthResponseError) as caught:
        decode(token)
    return caught.value.code, caught.value.claim


@pytest.fixture
def hmac_key(settings):
    settings.ESIA_TOKEN_HMAC_KEY = KEY
    settings.ESIA_TOKEN_CERTIFICATE_PATH = ""


def test_numeric_sub_is_accepted_and_becomes_the_oid(hmac_key):
    assert decode(jwt.encode(claims(), KEY, algorithm="HS256"))["sub"] == "1000299654"


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"exp": int(time.time()) - 3600}, ("response_expired", "exp")),
        ({"iss": "https://elsewhere/"}, ("invalid_claim", "iss")),
        ({"aud": "OTHER"}, ("invalid_claim", "aud")),
        ({"sub": "drop table"}, ("invalid_claim", "sub")),
        ({"nbf": int(time.time()) + 3600}, ("response_not_yet_valid", "nbf")),
    ],
)
def test_bad_claims(hmac_key, change, expected):
    assert refused(jwt.encode(claims(**change), KEY, algorithm="HS256")) == expected


def test_missing_expiry(hmac_key):
    payload = claims()
    del payload["exp"]

    assert refused(jwt.encode(payload, KEY, algorithm="HS256")) == ("missing_claim", "exp")


def test_signature_with_another_key_or_algorithm(hmac_key):
    assert refused(jwt.encode(claims(), "z" * 40, algorithm="HS256"))[0] == "invalid_signature"
    assert refused(jwt.encode(claims(), "", algorithm="none"))[0] == "invalid_signature"
    assert refused("not-a-jwt")[0] == "malformed_response"


def test_without_a_configured_key_claims_are_still_checked(settings):
    settings.ESIA_TOKEN_HMAC_KEY = ""
    settings.ESIA_TOKEN_CERTIFICATE_PATH = ""

    assert decode(jwt.encode(claims(), "any" * 12, algorithm="HS256"))["sub"] == "1000299654"
    assert refused(jwt.encode(claims(aud="OTHER"), "any" * 12, algorithm="HS256")) == ("invalid_claim", "aud")


def _rsa_certificate(tmp_path):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "ESIA test")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    path = tmp_path / "esia.pem"
    path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return key, path


def test_rs256_checked_with_esias_certificate(settings, tmp_path):
    key, path = _rsa_certificate(tmp_path)
    settings.ESIA_TOKEN_HMAC_KEY = ""
    settings.ESIA_TOKEN_CERTIFICATE_PATH = str(path)
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    assert decode(jwt.encode(claims(), key, algorithm="RS256"))["sub"] == "1000299654"
    assert refused(jwt.encode(claims(), other, algorithm="RS256"))[0] == "invalid_signature"
    assert refused(jwt.encode(claims(), KEY, algorithm="HS256"))[0] == "invalid_signature"
