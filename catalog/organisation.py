"""A provider's own side of its organisation: the sign-up that waits for the municipality's approval,
and the profile its manager keeps. (Approval, refusal and suspension are the municipality's.)

Sign-up: a signed-in person applies for an organisation (a legal entity) or a sole trader (ИП); the
provider is made with status NEW, which the catalog never lists (catalog.selectors.visible_programs,
kept by the listing triggers), and its first manager account with a login and a password: provider
staff sign in with those, since the Gosuslugi door admits parents only (esia.services), and a parent's
own account keeps its children.

Profile: contacts, address, site and the short name change at any time. The legal details the
municipality checks (kind, legal name, ИНН, ОГРН, licence, municipality) change only while the
application waits (NEW) or after a refusal (REJECTED, and the changed application waits again as NEW);
from review on (ON_REVIEW, APPROVED, SUSPENDED) they are read-only here and changed by the
municipality, so an approved provider never shows details nobody checked.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role, User
from accounts.roles import PROVIDER_MANAGER, user_has_role
from accounts.services import staff_account_create
from catalog.models import Municipality, Provider
from core.errors import Conflict, DomainError, Forbidden
from core.locking import lock_one
from core.validators import inn_is_valid, ogrn_is_valid

# The fields the municipality checks before approval.
LEGAL_FIELDS = ("kind", "legal_name", "inn", "ogrn", "licence_number", "licence_date", "municipality_id")
CONTACT_FIELDS = ("short_name", "address", "phone", "email", "website")
# While these, the legal details may still change.
LEGAL_EDITABLE_STATUSES = (Provider.Status.NEW, Provider.Status.REJECTED)


class OrganisationRefused(DomainError):
    code = "organisation_invalid"


class InnTaken(Conflict):
    code = "inn_taken"


@dataclass(frozen=True)
class LegalDetails:
    kind: str
    legal_name: str
    inn: str
    ogrn: str
    licence_number: str
    licence_date: date | None
    municipality_id: int


@dataclass(frozen=True)
class Contacts:
    short_name: str
    address: str
    phone: str
    email: str
    website: str


def _digits(value: str) -> str:
    return "".join((value or "").split())


def legal_details_clean(details: LegalDetails, *, today: date | None = None) -> LegalDetails:
    """The details trimmed, or OrganisationRefused naming every wrong field: an organisation has a
    10-digit ИНН, a 13-digit ОГРН and a licence (number and date); a sole trader a 12-digit ИНН, a
    15-digit ОГРНИП and a licence or none (teaching in person); the checksums hold; the licence is not
    dated ahead; the municipality exists."""
    today = today or timezone.localdate()
    errors: dict[str, list[str]] = {}
    kind, inn, ogrn = details.kind, _digits(details.inn), _digits(details.ogrn)
    licence_number = " ".join(details.licence_number.split())
    legal_name = " ".join(details.legal_name.split())
    if kind not in Provider.Kind.values:
        errors["kind"] = [_("Выберите: организация или индивидуальный предприниматель.")]
    is_ip = kind == Provider.Kind.INDIVIDUAL
    if not legal_name:
        errors["legal_name"] = [_("Укажите полное наименование.")]
    inn_length, ogrn_length = (12, 15) if is_ip else (10, 13)
    if len(inn) != inn_length or not inn_is_valid(inn):
        errors["inn"] = [
            _("ИНН индивидуального предпринимателя — 12 цифр с верной контрольной суммой.")
            if is_ip
            else _("ИНН организации — 10 цифр с верной контрольной суммой.")
        ]
    if len(ogrn) != ogrn_length or not ogrn_is_valid(ogrn):
        errors["ogrn"] = [
            _("ОГРНИП — 15 цифр с верной контрольной цифрой.")
            if is_ip
            else _("ОГРН организации — 13 цифр с верной контрольной цифрой.")
        ]
    if not is_ip and not licence_number:
        errors["licence_number"] = [_("Организации нужна лицензия на образовательную деятельность.")]
    if licence_number and details.licence_date is None:
        errors["licence_date"] = [_("Укажите дату лицензии.")]
    if details.licence_date is not None and not licence_number:
        errors["licence_number"] = [_("Укажите номер лицензии или уберите её дату.")]
    if details.licence_date is not None and details.licence_date > today:
        errors["licence_date"] = [_("Дата лицензии не может быть позже сегодняшней.")]
    if not Municipality.objects.filter(pk=details.municipality_id).exists():
        errors["municipality"] = [_("Выберите муниципалитет.")]
    if errors:
        raise OrganisationRefused(_("Проверьте данные организации."), fields=errors)
    return LegalDetails(
        kind=kind,
        legal_name=legal_name,
        inn=inn,
        ogrn=ogrn,
        licence_number=licence_number,
        licence_date=details.licence_date if licence_number else None,
        municipality_id=details.municipality_id,
    )


def _contacts_clean(contacts: Contacts, legal_name: str) -> Contacts:
    short_name = " ".join(contacts.short_name.split()) or legal_name[:200]
    return Contacts(
        short_name=short_name,
        address=" ".join(contacts.address.split()),
        phone=contacts.phone.strip(),
        email=contacts.email.strip(),
        website=contacts.website.strip(),
    )


def _taken(inn: str, ogrn: str, *, exclude: int | None = None) -> None:
    others = Provider.objects.exclude(pk=exclude) if exclude else Provider.objects.all()
    if others.filter(inn=inn).exists():
        raise InnTaken(
            _("Организация с этим ИНН уже зарегистрирована в навигаторе."),
            fields={"inn": [_("Этот ИНН уже зарегистрирован.")]},
        )
    if others.filter(ogrn=ogrn).exists():
        raise InnTaken(
            _("Организация с этим ОГРН уже зарегистрирована в навигаторе."),
            fields={"ogrn": [_("Этот ОГРН уже зарегистрирован.")]},
        )


def provider_signup_allowed(user) -> bool:
    """Who may apply for a new organisation: a signed-in person who is not already staff of one (a
    provider's, a municipality's or the region's)."""
    return bool(user and user.is_authenticated and user.role == Role.PARENT and not user.is_staff)


def provider_signup(
    *,
    applicant: User,
    legal: LegalDetails,
    contacts: Contacts,
    manager: dict,
    today: date | None = None,
) -> tuple[Provider, User]:
    """Apply for a new provider: it is made with status NEW (the municipality approves it; until then
    nothing of it is listed) and `manager` (username, password, last_name, first_name, middle_name) becomes
    its first manager, with the applicant's e-mail and phone or else the organisation's. Refuses wrong
    details (OrganisationRefused, every field named), a registered ИНН or ОГРН (InnTaken), a taken login
    or a weak password (from accounts.services.staff_account_create), and staff of any organisation
    (Forbidden)."""
    if not provider_signup_allowed(applicant):
        raise Forbidden(_("Подать заявку на подключение организации может вошедший пользователь, не сотрудник."))
    legal = legal_details_clean(legal, today=today)
    contacts = _contacts_clean(contacts, legal.legal_name)
    _taken(legal.inn, legal.ogrn)
    try:
        with transaction.atomic():
            provider = Provider.objects.create(
                **{name: getattr(legal, name) for name in LEGAL_FIELDS},
                **{name: getattr(contacts, name) for name in CONTACT_FIELDS},
                status=Provider.Status.NEW,
            )
            account = staff_account_create(
                provider_id=provider.pk,
                role=PROVIDER_MANAGER,
                username=manager["username"],
                password=manager["password"],
                last_name=manager["last_name"],
                first_name=manager["first_name"],
                middle_name=manager.get("middle_name", ""),
                email=applicant.email or contacts.email,
                phone=applicant.phone or contacts.phone,
            )
    except IntegrityError:
        # Another sign-up with the same ИНН, ОГРН or login committed between the checks and the insert.
        raise InnTaken(
            _("Организация с этим ИНН или ОГРН (или этот логин) уже зарегистрирована. Проверьте данные.")
        ) from None
    return provider, account


def legal_details_editable(provider: Provider) -> bool:
    return provider.status in LEGAL_EDITABLE_STATUSES


def provider_profile_update(
    *, actor: User, contacts: Contacts, legal: LegalDetails | None = None, today: date | None = None
) -> tuple[Provider, list[str]]:
    """The manager changes the organisation's contacts and, while the application waits or after a
    refusal, its legal details (a refused application changed goes back to NEW, waiting again). Returns
    the provider and the names of the changed fields. Refuses a non-manager (Forbidden) and legal
    changes once the municipality has taken the application up (Conflict `legal_details_locked`). The
    provider's row is locked, so the municipality's decision and this change come one after the other."""
    if not (actor.role == Role.PROVIDER and actor.provider_id and user_has_role(actor, PROVIDER_MANAGER)):
        raise Forbidden(_("Данные организации меняет только её руководитель."))
    with transaction.atomic():
        provider = lock_one(Provider.objects.filter(pk=actor.provider_id))
        changes: dict[str, object] = {}
        if legal is not None and not legal_details_editable(provider):
            if any(getattr(provider, name) != getattr(legal, name) for name in LEGAL_FIELDS):
                raise Conflict(
                    _(
                        "Муниципалитет уже проверил реквизиты организации: изменить их можно только через "
                        "муниципалитет."
                    ),
                    code="legal_details_locked",
                )
            legal = None
        if legal is not None:
            legal = legal_details_clean(legal, today=today)
            wanted = {name: getattr(legal, name) for name in LEGAL_FIELDS}
            changes.update({k: v for k, v in wanted.items() if getattr(provider, k) != v})
            if changes:
                _taken(legal.inn, legal.ogrn, exclude=provider.pk)
        contacts = _contacts_clean(contacts, (legal.legal_name if legal else provider.legal_name))
        changes.update(
            {
                name: getattr(contacts, name)
                for name in CONTACT_FIELDS
                if getattr(provider, name) != getattr(contacts, name)
            }
        )
        legal_changed = any(name in LEGAL_FIELDS for name in changes)
        if legal_changed and provider.status == Provider.Status.REJECTED:
            changes["status"] = Provider.Status.NEW
        for name, value in changes.items():
            setattr(provider, name, value)
        if changes:
            provider.save(update_fields=list(changes))
    return provider, list(changes)
