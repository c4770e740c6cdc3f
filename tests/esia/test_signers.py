"""Signers: real GOST keys through OpenSSL's GOST engine, the CryptoPro command, the development HMAC.

The GOST tests need `openssl` with Debian's `libengine-gost-openssl` (.ci/run installs it); without
the engine they are skipped with that reason.
"""

import base64
import json
import subprocess
import sys

import pytest
from social_core.exceptions import AuthResponseError

from esia import gost, protocol
from esia.signers import CryptoProSigner, DevelopmentSigner, OpenSSLGostSigner, client_secret
from esia.tokens import decode_id_token

needs_engine = pytest.mark.skipif(
    not gost.engine_available(), reason="OpenSSL GOST engine missing: apt-get install openssl libengine-gost-openssl"
)
MESSAGE = protocol.signed_string(
    "NAVIGATOR",
    "openid fullname snils",
    "2026.09.01 14:05:09 +0300",
    "6f0f1a1e-4c1b-4d8e-9a53-2b8f7f3c9d10",
    "https://navigator.example.ru/esia/complete/",
)


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


@pytest.fixture(scope="module")
def gost_pair(tmp_path_factory):
    """A fresh GOST R 34.10-2012 (256, paramset A) key and a self-signed certificate for it."""
    folder = tmp_path_factory.mktemp("gost")
    key, certificate = folder / "key.pem", folder / "certificate.pem"
    subprocess.run(
        ["openssl", "genpkey", "-engine", "gost", "-algorithm", "gost2012_256", "-pkeyopt", "paramset:A", "-out", key],
        check=True,
        capture_output=True,
    )
    subprocess.run(
        [
            "openssl",
            "req",
            "-engine",
            "gost",
            "-new",
            "-x509",
            "-days",
            "2",
            "-key",
            key,
            "-md_gost12_256",
            "-utf8",
            "-subj",
            "/C=RU/O=Навигатор/CN=navigator-test",
            "-out",
            certificate,
        ],
        check=True,
        capture_output=True,
    )
    return str(key), str(certificate)


@needs_engine
def test_raw_gost_signature_signs_and_verifies(gost_pair, settings):
    settings.ESIA_CLIENT_CERTIFICATE_HASH = ""
    key, certificate = gost_pair
    signer = OpenSSLGostSigner(key_path=key, certificate_path=certificate)

    signature = signer.sign(MESSAGE.encode())

    assert len(signature) == 64, "GOST R 34.10-2012 (256): s‖r, 32 bytes each"
    assert gost.verify_raw(MESSAGE.encode(), signature, certificate_path=certificate)
    assert not gost.verify_raw((MESSAGE + "x").encode(), signature, certificate_path=certificate)
    secret = client_secret(signer, MESSAGE)
    assert gost.verify_raw(MESSAGE.encode(), base64.urlsafe_b64decode(secret), certificate_path=certificate)


@needs_engine
def test_detached_cms_signature_signs_and_verifies(gost_pair, settings):
    key, certificate = gost_pair
    signer = OpenSSLGostSigner(key_path=key, certificate_path=certificate, signature_format="cms")

    signature = signer.sign(MESSAGE.encode())

    assert signature[:1] == b"\x30", "DER SEQUENCE"
    assert gost.verify_cms(MESSAGE.encode(), signature, certificate_path=certificate)
    assert not gost.verify_cms(b"another message", signature, certificate_path=certificate)


@needs_engine
def test_certificate_hash_is_streebog_256_of_the_der_certificate(gost_pair, settings, tmp_path):
    settings.ESIA_CLIENT_CERTIFICATE_HASH = ""
    _key, certificate = gost_pair
    der = tmp_path / "certificate.der"
    subprocess.run(["openssl", "x509", "-in", certificate, "-outform", "DER", "-out", der], check=True)
    digest = subprocess.run(
        ["openssl", "dgst", "-engine", "gost", "-md_gost12_256", "-r", der], check=True, capture_output=True, text=True
    ).stdout.split()[0]

    assert gost.certificate_hash(certificate) == digest.upper()
    assert gost.certificate_hash(der) == digest.upper()
    assert OpenSSLGostSigner(key_path=_key, certificate_path=certificate).certificate_hash() == digest.upper()


@needs_engine
def test_gost_signed_id_token_is_checked_with_esias_certificate(gost_pair, settings):
    key, certificate = gost_pair
    settings.ESIA_TOKEN_HMAC_KEY = ""
    settings.ESIA_TOKEN_CERTIFICATE_PATH = certificate
    payload = {"aud": "NAVIGATOR", "sub": 1000299654, "iss": "http://esia.gosuslugi.ru/", "exp": 2_000_000_000}
    header_payload = f"{_b64({'alg': 'GOST3410_2012_256', 'typ': 'JWT', 'sbt': 'id'})}.{_b64(payload)}"
    signature = gost.sign_raw(header_payload.encode(), key_path=key)
    token = header_payload + "." + base64.urlsafe_b64encode(signature).decode().rstrip("=")

    claims = decode_id_token(token, audience="NAVIGATOR", issuer="http://esia.gosuslugi.ru/")

    assert claims["sub"] == "1000299654"
    forged = ".".join([header_payload.split(".")[0], _b64({**payload, "sub": 1}), token.rsplit(".", 1)[1]])
    with pytest.raises(AuthResponseError) as caught:
        decode_id_token(forged, audience="NAVIGATOR", issuer="http://esia.gosuslugi.ru/")
    assert caught.value.code == "invalid_signature"


def test_cryptopro_signer_builds_the_configured_command():
    signer = CryptoProSigner(
        command="/opt/cprocsp/bin/amd64/csptest -keys -sign GOST12_256 -cont '{container}' -keytype exchange "
        "-in {input} -out {output}",
        container=r"\\.\HDIMAGE\navigator 2026",
    )

    assert signer.argv("/tmp/data.bin", "/tmp/signature.bin") == [
        "/opt/cprocsp/bin/amd64/csptest",
        "-keys",
        "-sign",
        "GOST12_256",
        "-cont",
        r"\\.\HDIMAGE\navigator 2026",
        "-keytype",
        "exchange",
        "-in",
        "/tmp/data.bin",
        "-out",
        "/tmp/signature.bin",
    ]


def test_cryptopro_signature_bytes_are_reversed_into_esias_order():
    # Stands in for csptest: writes 64 known bytes (little-endian, as csptest does) to {output}.
    fake = f"{sys.executable} -c \"import sys; open(sys.argv[2], 'wb').write(bytes(range(64)))\" {{input}} {{output}}"

    assert CryptoProSigner(command=fake, container="").sign(b"data") == bytes(range(64))[::-1]
    assert CryptoProSigner(command=fake, container="", reverse=False).sign(b"data") == bytes(range(64))


def test_cryptopro_failure_is_reported():
    with pytest.raises(gost.GostError):
        CryptoProSigner(command=f'{sys.executable} -c "raise SystemExit(3)" {{input}}', container="").sign(b"x")


def test_development_signer_is_an_hmac_the_stand_in_can_check():
    signer = DevelopmentSigner("s" * 40)

    assert signer.verify(b"message", signer.sign(b"message"))
    assert not signer.verify(b"message", DevelopmentSigner("t" * 40).sign(b"message"))
    assert signer.certificate_hash() != DevelopmentSigner("t" * 40).certificate_hash()
