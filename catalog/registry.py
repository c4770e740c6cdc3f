"""Providers entered into the registry by municipal staff (the bulk import from a spreadsheet).

A provider registered here starts as NEW, like one that signed up itself: the operator still approves
it through the provider workflow, which notifies the provider. Validation raises ValidationError by
field, so that a door can report it next to the row or the form field it came from.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.utils.translation import gettext as _

from catalog.models import Municipality, Provider
from core.validators import inn_is_valid, ogrn_is_valid

# ИНН and ОГРН lengths by kind of provider: an organisation has 10 and 13 digits, an individual
# entrepreneur 12 and 15.
_LENGTHS = {Provider.Kind.ORGANIZATION: (10, 13), Provider.Kind.INDIVIDUAL: (12, 15)}


def provider_register_errors(
    *,
    kind: str,
    legal_name: str,
    short_name: str,
    inn: str,
    ogrn: str,
    licence_number: str,
    email: str = "",
    website: str = "",
) -> dict[str, ValidationError]:
    """What is wrong with a provider's registry data, by field (empty when nothing is): the checks
    that need no database, so that a whole file can be checked before anything is written."""
    errors: dict[str, ValidationError] = {}
    if kind not in _LENGTHS:
        errors["kind"] = ValidationError(_("Укажите вид: организация или ИП."), code="kind")
    if not legal_name.strip():
        errors["legal_name"] = ValidationError(_("Укажите полное наименование."), code="required")
    if not short_name.strip():
        errors["short_name"] = ValidationError(_("Укажите краткое наименование."), code="required")
    inn_length, ogrn_length = _LENGTHS.get(kind, (None, None))
    if not inn_is_valid(inn):
        errors["inn"] = ValidationError(
            _("Неверный ИНН «%(inn)s»: 10 или 12 цифр с верной контрольной суммой.") % {"inn": inn}, code="invalid_inn"
        )
    elif inn_length and len(inn) != inn_length:
        errors["inn"] = ValidationError(
            _("ИНН организации состоит из 10 цифр, ИНН индивидуального предпринимателя из 12."), code="inn_kind"
        )
    if not ogrn_is_valid(ogrn):
        errors["ogrn"] = ValidationError(
            _("Неверный ОГРН «%(ogrn)s»: 13 цифр (15 у ИП) с верной контрольной суммой.") % {"ogrn": ogrn},
            code="invalid_ogrn",
        )
    elif ogrn_length and len(ogrn) != ogrn_length:
        errors["ogrn"] = ValidationError(
            _("ОГРН организации состоит из 13 цифр, ОГРНИП индивидуального предпринимателя из 15."),
            code="ogrn_kind",
        )
    if kind == Provider.Kind.ORGANIZATION and not licence_number.strip():
        errors["licence_number"] = ValidationError(
            _("У организации должен быть номер лицензии (его может не быть только у ИП)."), code="licence"
        )
    for field, value, validator in (("email", email, EmailValidator()), ("website", website, URLValidator())):
        if value:
            try:
                validator(value)
            except ValidationError:
                errors[field] = ValidationError(_("Неверное значение «%(value)s».") % {"value": value}, code="invalid")
    return errors


def provider_register(
    *,
    kind: str,
    legal_name: str,
    short_name: str,
    inn: str,
    ogrn: str,
    licence_number: str,
    municipality: Municipality,
    address: str = "",
    phone: str = "",
    email: str = "",
    website: str = "",
) -> Provider:
    """Add a provider to the registry as NEW. Raises ValidationError (by field) for bad data or an ИНН
    already registered; the unique ИНН in the database is the last line against a concurrent twin."""
    fields = {
        "kind": kind,
        "legal_name": legal_name.strip(),
        "short_name": short_name.strip(),
        "inn": inn,
        "ogrn": ogrn,
        "licence_number": licence_number.strip(),
        "email": email.strip(),
        "website": website.strip(),
    }
    errors = provider_register_errors(**fields)
    if "inn" not in errors and Provider.objects.filter(inn=inn).exists():
        errors["inn"] = ValidationError(
            _("Организация с ИНН %(inn)s уже есть в реестре.") % {"inn": inn}, code="inn_taken"
        )
    if errors:
        raise ValidationError(errors)
    return Provider.objects.create(
        **fields,
        municipality=municipality,
        address=address.strip(),
        phone=phone.strip(),
        status=Provider.Status.NEW,
    )
