"""Children entered into the certificate registry by municipal staff (the bulk import from a
spreadsheet): the child, without a parent, and its certificate issued by the numbering service.

A parent links to such a child later through Gosuslugi (or a municipal review of a hand-added
claim); nothing here creates a parent's link.
"""

from __future__ import annotations

from datetime import date

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.models import Municipality
from certificates.models import CHILD_MAX_AGE, EARLIEST_BIRTH_DATE, Child
from certificates.services import certificate_issue_first
from core.dates import age_on
from core.validators import normalize_snils, snils_is_valid


def registry_child_errors(
    *, last_name: str, first_name: str, birth_date: date | None, sex: str, snils: str, today: date | None = None
) -> dict[str, ValidationError]:
    """What is wrong with a child's registry data, by field (empty when nothing is), without the
    database: a whole file is checked before anything is written."""
    today = today or timezone.localdate()
    errors: dict[str, ValidationError] = {}
    if not last_name.strip():
        errors["last_name"] = ValidationError(_("Укажите фамилию."), code="required")
    if not first_name.strip():
        errors["first_name"] = ValidationError(_("Укажите имя."), code="required")
    if birth_date is None:
        errors["birth_date"] = ValidationError(_("Укажите дату рождения."), code="required")
    elif birth_date > today:
        errors["birth_date"] = ValidationError(_("Дата рождения не может быть в будущем."), code="future")
    elif birth_date < EARLIEST_BIRTH_DATE or age_on(birth_date, today) >= CHILD_MAX_AGE:
        errors["birth_date"] = ValidationError(
            _("Ребёнку уже исполнилось 18 лет: сертификат выдаётся только до 18 лет."), code="too_old"
        )
    if sex not in Child.Sex.values:
        errors["sex"] = ValidationError(_("Укажите пол: М или Ж."), code="sex")
    if not snils_is_valid(snils):
        errors["snils"] = ValidationError(
            _("Неверный СНИЛС: 11 цифр с верной контрольной суммой."), code="invalid_snils"
        )
    return errors


def registry_snils_taken(snils: str) -> bool:
    """Whether the number already belongs to someone here: a child, or an adult (a parent or staff)."""
    return Child.objects.filter(snils=snils).exists() or get_user_model().objects.filter(snils=snils).exists()


@transaction.atomic
def registry_child_add(
    *,
    last_name: str,
    first_name: str,
    middle_name: str = "",
    birth_date: date,
    sex: str,
    snils: str,
    municipality: Municipality,
    issue_certificate: bool = True,
    today: date | None = None,
) -> Child:
    """Add a child to the registry of its municipality and issue its certificate (the number from the
    municipality's sequence, certificates.services). Raises ValidationError (by field) for bad data or
    a СНИЛС already registered; the unique СНИЛС in the database is the last line against a concurrent
    twin. `issue_certificate=False` is the import's dry run: numbers taken there would only be gaps."""
    snils = normalize_snils(snils)
    errors = registry_child_errors(
        last_name=last_name, first_name=first_name, birth_date=birth_date, sex=sex, snils=snils, today=today
    )
    if "snils" not in errors and registry_snils_taken(snils):
        errors["snils"] = ValidationError(_("Этот СНИЛС уже есть в реестре."), code="snils_taken")
    if errors:
        raise ValidationError(errors)
    child = Child.objects.create(
        last_name=last_name.strip(),
        first_name=first_name.strip(),
        middle_name=middle_name.strip(),
        birth_date=birth_date,
        sex=sex,
        snils=snils,
        municipality=municipality,
    )
    if issue_certificate:
        certificate_issue_first(child=child)
    return child
