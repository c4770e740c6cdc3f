"""Checking ESIA's id_token: signature (when a key is configured), `iss`, `aud`, `exp`, `sub`.

Which signatures are checked depends on the settings, never on the token's own `alg` alone:

- `ESIA_TOKEN_CERTIFICATE_PATH` — ESIA's certificate (PEM or DER, published by ESIA for the test
  and the production environment). RS256 tokens are checked by PyJWT, GOST3410_2012_256 tokens by
  OpenSSL's GOST engine (PyJWT has no GOST).
- `ESIA_TOKEN_HMAC_KEY` — development and tests only: the local stand-in signs HS256 with it.
  Only the development settings set it; production settings cannot (it is not read from the
  environment).
- Neither (development without the stand-in): the signature is not checked, the claims still are.
  Production settings refuse to start without `ESIA_TOKEN_CERTIFICATE_PATH`.

ESIA sends `sub` (the person's oid) as a JSON number; PyJWT insists on a string `sub`, so its own
`sub` check is off and the oid is checked here.
"""

from __future__ import annotations

import base64
import re
from pathlib import Path

import jwt
from cryptography import x509
from django.conf import settings
from social_core.exceptions import AuthResponseError

from esia import gost

GOST_ALGORITHMS = {"GOST3410_2012_256"}
CERTIFICATE_ALGORITHMS = {"RS256", *GOST_ALGORITHMS}
REQUIRED_CLAIMS = ["exp", "iss", "aud", "sub"]


def _failure(backend, code: str, claim: str | None = None, detail: str = "") -> AuthResponseError:
    return AuthResponseError(backend, detail, code=code, claim=claim, stage="token_validation")


def _b64url(value: str) -> bytes:
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))


def _rsa_public_key(path: str):
    data = Path(path).read_bytes()
    if b"-----BEGIN CERTIFICATE-----" in data:
        return x509.load_pem_x509_certificate(data).public_key()
    return x509.load_der_x509_certificate(data).public_key()


def decode_id_token(token: str, *, audience: str, issuer: str, backend=None) -> dict:
    """The verified claims of `token`; raises AuthResponseError (with `code` and `claim`) otherwise."""
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as error:
        raise _failure(backend, "malformed_response", detail=str(error)) from error
    algorithm = header.get("alg")
    hmac_key = settings.ESIA_TOKEN_HMAC_KEY
    certificate = settings.ESIA_TOKEN_CERTIFICATE_PATH
    allowed = ({"HS256"} if hmac_key else set()) | (CERTIFICATE_ALGORITHMS if certificate else set())
    if allowed and algorithm not in allowed:
        raise _failure(backend, "invalid_signature", detail=f"unexpected alg {algorithm!r}")

    options: dict = {"verify_sub": False, "require": REQUIRED_CLAIMS}
    key = None
    algorithms = None
    if algorithm == "HS256" and hmac_key:
        key, algorithms = hmac_key, ["HS256"]
    elif algorithm == "RS256" and certificate:
        key, algorithms = _rsa_public_key(certificate), ["RS256"]
    else:
        if algorithm in GOST_ALGORITHMS and certificate:
            signing_input, _, signature = token.rpartition(".")
            try:
                valid = gost.verify_raw(
                    signing_input.encode("ascii"),
                    _b64url(signature),
                    certificate_path=certificate,
                    openssl=settings.ESIA_OPENSSL,
                    engine=settings.ESIA_OPENSSL_ENGINE,
                )
            except (ValueError, gost.GostError) as error:
                raise _failure(backend, "invalid_signature", detail=str(error)) from error
            if not valid:
                raise _failure(backend, "invalid_signature")
        # Signature checked above (GOST) or deliberately not configured: claims are still verified.
        options.update(
            verify_signature=False, verify_exp=True, verify_nbf=True, verify_iat=True, verify_aud=True, verify_iss=True
        )

    try:
        claims = jwt.decode(
            token,
            key=key or "",
            algorithms=algorithms,
            audience=audience,
            issuer=issuer,
            leeway=settings.ESIA_CLOCK_SKEW_SECONDS,
            options=options,
        )
    except jwt.ExpiredSignatureError as error:
        raise _failure(backend, "response_expired", "exp") from error
    except jwt.ImmatureSignatureError as error:
        raise _failure(backend, "response_not_yet_valid", "nbf") from error
    except jwt.InvalidIssuerError as error:
        raise _failure(backend, "invalid_claim", "iss") from error
    except jwt.InvalidAudienceError as error:
        raise _failure(backend, "invalid_claim", "aud") from error
    except jwt.MissingRequiredClaimError as error:
        raise _failure(backend, "missing_claim", error.claim) from error
    except jwt.InvalidSignatureError as error:
        raise _failure(backend, "invalid_signature") from error
    except jwt.PyJWTError as error:
        raise _failure(backend, "malformed_response", detail=str(error)) from error

    subject = claims.get("sub")
    if isinstance(subject, bool) or not re.fullmatch(r"[0-9]{1,20}", str(subject)):
        raise _failure(backend, "invalid_claim", "sub")
    claims["sub"] = str(subject)
    return claims
