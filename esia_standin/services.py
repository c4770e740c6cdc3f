"""What the stand-in does behind its endpoints: check signed requests as ESIA would, issue codes and
JWTs, and describe people in ESIA's REST format.

It accepts only the `DevelopmentSigner`'s client_secret and signs its JWTs (HS256) with
`ESIA_TOKEN_HMAC_KEY`, the key the development and test settings tell the backend to trust.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import time
import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from urllib.parse import urlsplit

import jwt
from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from core.validators import format_snils
from esia import protocol
from esia.signers import DevelopmentSigner
from esia_standin.models import Kid, Person

CODE_SALT = "esia-standin.code"
CODE_MAX_AGE_SECONDS = 300
TOKEN_LIFETIME_SECONDS = 3600
TIMESTAMP_TOLERANCE = timedelta(minutes=5)
REQUIRED = ("client_id", "client_secret", "redirect_uri", "scope", "state", "timestamp", "client_certificate_hash")

# ESIA's own error texts (English, as ESIA sends them) with the OAuth error they travel with.
ERRORS = {
    "ESIA-007002": ("invalid_client", "ESIA-007002: Certificate does not match the client or is unknown"),
    "ESIA-007003": ("invalid_request", "ESIA-007003: The request contains an invalid parameter value"),
    "ESIA-007004": ("access_denied", "ESIA-007004: The resource owner or authorization server denied the request"),
    "ESIA-007006": ("invalid_scope", "ESIA-007006: The requested scope is invalid, unknown, or malformed"),
    "ESIA-007011": (
        "invalid_grant",
        "ESIA-007011: The authorization code is invalid, expired or was issued to another client",
    ),
    "ESIA-007012": ("unsupported_grant_type", "ESIA-007012: The authorization grant type is not supported"),
    "ESIA-007014": ("invalid_request", "ESIA-007014: The request does not contain the mandatory parameter"),
    "ESIA-007015": ("invalid_request", "ESIA-007015: Invalid request time"),
    "ESIA-007023": ("invalid_request", "ESIA-007023: The redirect_uri is not registered for the client"),
    "ESIA-007053": ("invalid_client", "ESIA-007053: Client secret is invalid"),
}


@dataclass(frozen=True)
class Problem:
    code: str

    @property
    def error(self) -> str:
        return ERRORS[self.code][0]

    @property
    def description(self) -> str:
        return ERRORS[self.code][1]

    @property
    def redirectable(self) -> bool:
        """ESIA sends an error back to the system only when it trusts the system and its address."""
        return self.code not in {"ESIA-007002", "ESIA-007023", "ESIA-007014"}


def issuer() -> str:
    return settings.ESIA_STANDIN_ISSUER


def check_request(params, *, code: str = "", check_time: bool = True, portal_host: str | None = None) -> Problem | None:
    """The checks ESIA makes on /v2/ac and /v3/te requests, in ESIA's order.

    `portal_host` (the browser-facing /v2/ac): the host the stand-in is served at, which is the
    portal's own; a redirect_uri elsewhere is not «registered», so the stand-in never sends the
    browser (with a code or an error) to another site.
    """
    if any(not params.get(name) for name in REQUIRED):
        return Problem("ESIA-007014")
    if params["client_id"] != settings.ESIA_CLIENT_ID:
        return Problem("ESIA-007002")
    # The one redirect_uri «registered» for the portal: its own ESIA callback.
    redirect_uri = urlsplit(params["redirect_uri"])
    if redirect_uri.path != reverse("esia:complete"):
        return Problem("ESIA-007023")
    if portal_host is not None and (redirect_uri.scheme not in {"http", "https"} or redirect_uri.netloc != portal_host):
        return Problem("ESIA-007023")
    signer = DevelopmentSigner()
    if params["client_certificate_hash"] != signer.certificate_hash():
        return Problem("ESIA-007002")
    if not protocol.UUID_RE.match(params["state"]):
        return Problem("ESIA-007003")
    stamp = protocol.parse_timestamp(params["timestamp"])
    if stamp is None or (check_time and abs(timezone.now() - stamp) > TIMESTAMP_TOLERANCE):
        return Problem("ESIA-007015")
    if "openid" not in params["scope"].split():
        return Problem("ESIA-007006")
    try:
        secret = base64.urlsafe_b64decode(params["client_secret"])
    except (binascii.Error, ValueError):
        return Problem("ESIA-007053")
    message = protocol.signed_string(
        params["client_id"], params["scope"], params["timestamp"], params["state"], params["redirect_uri"], code
    )
    if not signer.verify(message.encode("utf-8"), secret):
        return Problem("ESIA-007053")
    return None


# --- authorization codes -------------------------------------------------------------------------


def issue_code(*, oid: str, client_id: str, redirect_uri: str, scope: str) -> str:
    payload = {"oid": oid, "client_id": client_id, "redirect_uri": redirect_uri, "scope": scope, "n": uuid.uuid4().hex}
    return signing.dumps(payload, salt=CODE_SALT, compress=True)


def read_code(code: str) -> dict | None:
    try:
        return signing.loads(code, salt=CODE_SALT, max_age=CODE_MAX_AGE_SECONDS)
    except signing.BadSignature:
        return None


def use_code(code: str) -> bool:
    """True the first time a code is exchanged; ESIA codes are single-use."""
    key = "esia-standin:code:" + hashlib.sha256(code.encode()).hexdigest()
    return cache.add(key, True, timeout=CODE_MAX_AGE_SECONDS * 2)


# --- tokens --------------------------------------------------------------------------------------


def access_token_claims(*, oid: str, client_id: str, scope: str, now: int, sid: str) -> dict:
    return {
        "nbf": now,
        "scope": scope,
        "iss": issuer(),
        "urn:esia:sid": sid,
        "urn:esia:sbj_id": int(oid),
        "exp": now + TOKEN_LIFETIME_SECONDS,
        "iat": now,
        "client_id": client_id,
    }


def id_token_claims(*, oid: str, client_id: str, now: int, sid: str) -> dict:
    # `sub` is a number, as ESIA sends it.
    return {
        "aud": client_id,
        "sub": int(oid),
        "nbf": now,
        "amr": "PWD",
        "urn:esia:amd": "PWD",
        "auth_time": now,
        "iss": issuer(),
        "exp": now + TOKEN_LIFETIME_SECONDS,
        "iat": now,
        "urn:esia:sid": sid,
    }


def _sign(claims: dict, subject_type: str) -> str:
    return jwt.encode(claims, settings.ESIA_TOKEN_HMAC_KEY, algorithm="HS256", headers={"sbt": subject_type, "ver": 1})


def token_response(*, oid: str, client_id: str, scope: str, state: str) -> dict:
    """/v3/te's answer: both JWTs, echoing the request's state."""
    now, sid = int(time.time()), str(uuid.uuid4())
    return {
        "state": state,
        "access_token": _sign(
            access_token_claims(oid=oid, client_id=client_id, scope=scope, now=now, sid=sid), "access"
        ),
        "id_token": _sign(id_token_claims(oid=oid, client_id=client_id, now=now, sid=sid), "id"),
        "token_type": "Bearer",
        "expires_in": TOKEN_LIFETIME_SECONDS,
        "refresh_token": str(uuid.uuid4()),
    }


def bearer_subject(authorization: str) -> str | None:
    """The oid an access token was issued for, or None for a missing, forged or expired token."""
    scheme, _, token = (authorization or "").partition(" ")
    if scheme != "Bearer" or not token:
        return None
    try:
        claims = jwt.decode(
            token,
            settings.ESIA_TOKEN_HMAC_KEY,
            algorithms=["HS256"],
            issuer=issuer(),
            options={"verify_sub": False, "require": ["exp", "urn:esia:sbj_id"]},
        )
    except jwt.PyJWTError:
        return None
    return str(claims["urn:esia:sbj_id"])


# --- ESIA's REST format ---------------------------------------------------------------------------


def _etag(*parts) -> str:
    return hashlib.sha1("|".join(map(str, parts)).encode()).hexdigest().upper()


def person_json(person: Person) -> dict:
    return {
        "stateFacts": ["EntityRoot"],
        "firstName": person.first_name,
        "lastName": person.last_name,
        "middleName": person.middle_name,
        "birthDate": protocol.format_date(person.birth_date),
        "gender": person.gender,
        "trusted": person.trusted,
        "citizenship": "RUS",
        "snils": format_snils(person.snils) if person.snils else None,
        "status": "REGISTERED",
        "verifying": False,
        "eTag": _etag(person.oid, person.last_name, person.first_name, person.snils),
    }


def _phone(value: str) -> str:
    digits = "".join(ch for ch in value if ch.isdigit())
    return f"+7({digits[1:4]}){digits[4:]}" if len(digits) == 11 else value


def contacts_json(person: Person, *, base: str, embed: bool) -> dict:
    elements = []
    if person.mobile:
        elements.append(
            {"id": int(person.pk) * 10 + 1, "type": "MBT", "vrfStu": "VERIFIED", "value": _phone(person.mobile)}
        )
    if person.email:
        elements.append({"id": int(person.pk) * 10 + 2, "type": "EML", "vrfStu": "VERIFIED", "value": person.email})
    return _collection(
        [{"stateFacts": ["Identifiable"], **e, "eTag": _etag(*e.values())} for e in elements],
        links=[f"{base}/ctts/{e['id']}" for e in elements],
        embed=embed,
    )


def kids_json(person: Person, *, base: str, embed: bool) -> dict:
    kids = list(person.kids.all())
    elements = [
        {
            "stateFacts": ["Identifiable"],
            "id": kid.pk,
            "firstName": kid.first_name,
            "lastName": kid.last_name,
            "middleName": kid.middle_name,
            "birthDate": protocol.format_date(kid.birth_date),
            "gender": kid.gender,
            "snils": format_snils(kid.snils) if kid.snils else None,
            "eTag": _etag(kid.pk, kid.last_name, kid.first_name, kid.snils),
        }
        for kid in kids
    ]
    return _collection(elements, links=[f"{base}/kids/{kid.pk}" for kid in kids], embed=embed)


def _collection(elements: list[dict], *, links: list[str], embed: bool) -> dict:
    # Without embed=(elements) ESIA lists only links to the elements.
    return {"stateFacts": ["hasSize"], "size": len(elements), "elements": elements if embed else links}


# --- the registry ----------------------------------------------------------------------------------


def _gender(middle_name: str) -> str:
    return Person.Gender.FEMALE if middle_name.endswith(("вна", "чна")) else Person.Gender.MALE


def _birth_date(snils: str) -> date:
    """The portal does not keep parents' birth dates; a fixed one per СНИЛС keeps the demo stable."""
    return date(1976, 1, 1) + timedelta(days=int(snils[:6]) % 7000)


@transaction.atomic
def load_demo_people() -> int:
    """Replace the registry with the portal's parents (those with a СНИЛС) and their children.

    The demo region gives every generated parent an ESIA oid; a parent without one (the `parent`
    password login) gets «2» + the first nine digits of the СНИЛС, which cannot clash with the
    generated ones (they start with «1»).
    """
    from accounts.models import Role, User  # the portal's tables are read only here

    Kid.objects.all().delete()
    Person.objects.all().delete()
    parents = User.objects.filter(role=Role.PARENT, snils__isnull=False).order_by("pk").prefetch_related("children")
    people, families = [], []
    for user in parents.iterator(chunk_size=2000):
        person = Person(
            oid=user.esia_oid or f"2{user.snils[:9]}",
            last_name=user.last_name,
            first_name=user.first_name,
            middle_name=user.middle_name,
            birth_date=_birth_date(user.snils),
            gender=_gender(user.middle_name),
            snils=user.snils,
            email=user.email,
            mobile=user.phone,
        )
        people.append(person)
        families.append(list(user.children.all()))
    Person.objects.bulk_create(people, batch_size=2000)
    Kid.objects.bulk_create(
        [
            Kid(
                person=person,
                last_name=child.last_name,
                first_name=child.first_name,
                middle_name=child.middle_name,
                birth_date=child.birth_date,
                gender=child.sex,
                snils=child.snils,
            )
            for person, children in zip(people, families, strict=True)
            for child in children
        ],
        batch_size=2000,
    )
    return len(people)


def ensure_loaded() -> None:
    """A fresh portal: the first visit to the picker fills the registry from the demo families."""
    if not Person.objects.exists():
        load_demo_people()
