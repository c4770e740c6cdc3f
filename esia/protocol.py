"""The ESIA protocol's small print: timestamps, the signed string, query encoding, and the person
and children records of the REST API (`/rs/prns/{oid}`, `/ctts`, `/kids`) as plain data.

Shared by the backend and the local stand-in so both speak exactly the same format.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from urllib.parse import quote, urlencode
from zoneinfo import ZoneInfo

from django.utils import timezone

from core.validators import normalize_snils, snils_is_valid

MOSCOW = ZoneInfo("Europe/Moscow")
TIMESTAMP_FORMAT = "%Y.%m.%d %H:%M:%S %z"  # yyyy.MM.dd HH:mm:ss +0300
AUTHORIZATION_PATH = "/aas/oauth2/v2/ac"
TOKEN_PATH = "/aas/oauth2/v3/te"
UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
ESIA_CODE_RE = re.compile(r"ESIA-\d{6}")


def timestamp(now: datetime | None = None) -> str:
    """The request time as ESIA wants it, in Moscow time: «2026.09.01 14:05:09 +0300»."""
    return (now or timezone.now()).astimezone(MOSCOW).strftime(TIMESTAMP_FORMAT)


def parse_timestamp(value: str) -> datetime | None:
    try:
        return datetime.strptime(value, TIMESTAMP_FORMAT)
    except (TypeError, ValueError):
        return None


def signed_string(client_id: str, scope: str, timestamp: str, state: str, redirect_uri: str, code: str = "") -> str:
    """What `client_secret` signs: client_id + scope + timestamp + state + redirect_uri (+ code at /te)."""
    return f"{client_id}{scope}{timestamp}{state}{redirect_uri}{code}"


def encode_query(params: dict[str, str]) -> str:
    """Percent-encode every reserved character: the timestamp's «+» becomes %2B and spaces %20.

    (`urlencode`'s default would turn spaces into «+», which ESIA would then read back as a plus.)
    """
    return urlencode(params, quote_via=quote, safe="")


def esia_code(text: str | None) -> str:
    """The «ESIA-007004» code at the start of an ESIA error description, if there is one."""
    match = ESIA_CODE_RE.search(text or "")
    return match.group(0) if match else ""


# --- person data ----------------------------------------------------------------------------------


def parse_date(value: str | None) -> date | None:
    """ESIA dates are «dd.MM.yyyy»."""
    try:
        return datetime.strptime(value or "", "%d.%m.%Y").date()
    except ValueError:
        return None


def format_date(value: date) -> str:
    return value.strftime("%d.%m.%Y")


def clean_snils(value: str | None) -> str:
    """11 digits, or "" when ESIA sent none or a number whose checksum fails."""
    digits = normalize_snils(value or "")
    return digits if snils_is_valid(digits) else ""


def format_phone(value: str | None) -> str:
    """ESIA's «+7(953)4211705» in the portal's «+7 (953) 421-17-05»; anything else as it came."""
    digits = re.sub(r"[^0-9]", "", value or "")
    if len(digits) == 11 and digits[0] in "78":
        d = digits[1:]
        return f"+7 ({d[0:3]}) {d[3:6]}-{d[6:8]}-{d[8:10]}"
    return (value or "").strip()


@dataclass(frozen=True)
class EsiaKid:
    esia_id: str
    last_name: str
    first_name: str
    middle_name: str
    birth_date: date | None
    sex: str  # "M" / "F"
    snils: str  # digits, or "" when missing or invalid

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.last_name, self.first_name, self.middle_name) if p)


@dataclass(frozen=True)
class EsiaPerson:
    oid: str
    last_name: str
    first_name: str
    middle_name: str
    birth_date: date | None
    sex: str
    snils: str
    email: str = ""
    phone: str = ""
    trusted: bool = False
    kids: tuple[EsiaKid, ...] = field(default_factory=tuple)


def _verified_first(elements: list[dict], kind: str) -> str:
    values = [e for e in elements if e.get("type") == kind and e.get("value")]
    values.sort(key=lambda e: e.get("vrfStu") != "VERIFIED")
    return str(values[0]["value"]).strip() if values else ""


def _sex(value: str | None) -> str:
    return "F" if (value or "").upper().startswith("F") else "M"


def parse_kid(data: dict) -> EsiaKid:
    return EsiaKid(
        esia_id=str(data.get("id", "")),
        last_name=(data.get("lastName") or "").strip(),
        first_name=(data.get("firstName") or "").strip(),
        middle_name=(data.get("middleName") or "").strip(),
        birth_date=parse_date(data.get("birthDate")),
        sex=_sex(data.get("gender")),
        snils=clean_snils(data.get("snils")),
    )


def parse_person(oid: str, person: dict, contacts: dict | None = None, kids: dict | None = None) -> EsiaPerson:
    """Turn the three REST answers (each with `embed=(elements)`) into one record."""
    elements = [e for e in (contacts or {}).get("elements", []) if isinstance(e, dict)]
    return EsiaPerson(
        oid=str(oid),
        last_name=(person.get("lastName") or "").strip(),
        first_name=(person.get("firstName") or "").strip(),
        middle_name=(person.get("middleName") or "").strip(),
        birth_date=parse_date(person.get("birthDate")),
        sex=_sex(person.get("gender")),
        snils=clean_snils(person.get("snils")),
        email=_verified_first(elements, "EML").lower(),
        phone=format_phone(_verified_first(elements, "MBT")),
        trusted=bool(person.get("trusted")),
        kids=tuple(parse_kid(k) for k in (kids or {}).get("elements", []) if isinstance(k, dict)),
    )
