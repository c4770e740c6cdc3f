"""A provider's programs: created and edited by the organisation's manager, certified or rejected by the
municipality.

A certified program edited is not changed in place: the changed fields become its new version
(Program.revision), sent to review at once, while the certified version stays in the catalog. Certifying
the new version applies it; rejecting it leaves the certified one listed. Running contracts keep the terms
they were agreed on (the enrollment's snapshot), whatever happens here.
"""

from __future__ import annotations

import io
import uuid
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from accounts.models import Role
from accounts.roles import PROVIDER_MANAGER, user_has_role
from catalog.models import Program, RevisionStatus
from core.audit import acting
from core.errors import Conflict, DomainError, Forbidden, NotFound, reason_required
from core.locking import lock_one

# What a manager edits; everything else (status, rating, the trigger-kept columns) is the system's.
EDITABLE_FIELDS = (
    "title",
    "description",
    "direction_id",
    "activity_type",
    "age_min",
    "age_max",
    "form",
    "special_needs",
    "venue_address",
    "venue_latitude",
    "venue_longitude",
    "lesson_price",
    "normative_lesson_price",
    "lessons_per_month",
    "funding",
)
MONEY_FIELDS = ("lesson_price", "normative_lesson_price")
# Decimals a new version (Program.revision, JSON) keeps as strings.
DECIMAL_FIELDS = (*MONEY_FIELDS, "venue_latitude", "venue_longitude")
COVER_FORMATS = {"JPEG", "PNG", "WEBP"}


class ProgramNotFound(NotFound):
    pass


class CoverRefused(DomainError):
    code = "invalid_cover"


# --- Covers ----------------------------------------------------------------------------------------------


def cover_prepare(upload) -> ContentFile:
    """The uploaded cover, checked (at most PROGRAM_COVER_MAX_BYTES, a JPEG, PNG or WebP picture that
    Pillow can read) and resized to fit PROGRAM_COVER_SIZE, as a JPEG. Refuses anything else with
    CoverRefused: the file's name or its claimed type are never trusted, only its content."""
    limit = settings.PROGRAM_COVER_MAX_BYTES
    if upload.size > limit:
        raise CoverRefused(
            _("Файл слишком большой: не больше %(mb)s МБ.") % {"mb": limit // (1024 * 1024)},
            fields={"cover": [_("Не больше %(mb)s МБ.") % {"mb": limit // (1024 * 1024)}]},
        )
    not_image = CoverRefused(
        _("Обложка должна быть изображением JPEG, PNG или WebP."),
        fields={"cover": [_("Загрузите изображение JPEG, PNG или WebP.")]},
    )
    try:
        upload.seek(0)
        with Image.open(upload) as probe:
            if probe.format not in COVER_FORMATS:
                raise not_image
            probe.verify()
        upload.seek(0)
        with Image.open(upload) as image:
            image.load()
            picture = ImageOps.exif_transpose(image).convert("RGB")
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise not_image from None
    picture.thumbnail(settings.PROGRAM_COVER_SIZE, Image.Resampling.LANCZOS)
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=85, optimize=True)
    return ContentFile(out.getvalue(), name=f"{uuid.uuid4().hex}.jpg")


# --- Edits by the provider -------------------------------------------------------------------------------


def _manager(actor) -> None:
    if not (actor.role == Role.PROVIDER and actor.provider_id and user_has_role(actor, PROVIDER_MANAGER)):
        raise Forbidden(_("Программы ведёт руководитель организации."))


def _own_locked(actor, program_id: int) -> Program:
    try:
        return lock_one(Program.objects.filter(pk=program_id, provider_id=actor.provider_id))
    except Program.DoesNotExist:
        raise ProgramNotFound(_("Программа не найдена.")) from None


def _validated(program: Program) -> None:
    try:
        program.full_clean(exclude=["provider", "cover", "revision"])
    except ValidationError as error:
        fields = {name: list(messages) for name, messages in error.message_dict.items() if name != "__all__"}
        messages = error.message_dict.get("__all__") or [m for ms in fields.values() for m in ms]
        raise DomainError(" ".join(messages), code="invalid", fields=fields) from None


def _stored(value):
    return str(value) if isinstance(value, Decimal) else value


def program_version(program: Program) -> dict:
    """The program's latest version as the manager edits it: the certified fields with the new version's
    changes over them."""
    current = {name: getattr(program, name) for name in EDITABLE_FIELDS}
    for name, value in (program.revision or {}).items():
        if name in DECIMAL_FIELDS and value is not None:
            value = Decimal(value)
        if name != "cover":
            current[name] = value
    return current


def program_create(*, actor, fields: dict, cover=None) -> Program:
    """A new program of the manager's organisation, as a draft."""
    _manager(actor)
    program = Program(provider_id=actor.provider_id, status=Program.Status.DRAFT, **_only_editable(fields))
    _validated(program)
    if cover is not None:
        program.cover.save(cover.name, cover, save=False)
    program.save()
    return program


def _only_editable(fields: dict) -> dict:
    return {name: value for name, value in fields.items() if name in EDITABLE_FIELDS}


@transaction.atomic
def program_update(*, actor, program_id: int, fields: dict, cover=None) -> Program:
    """Save the manager's edit. A draft, a rejected program or one under review changes in place (a
    rejected one becomes a draft again). A certified one gets a new version with the changed fields, sent
    to review at once (a price change included): the certified version stays listed meanwhile. An archived
    program is not edited."""
    _manager(actor)
    program = _own_locked(actor, program_id)
    fields = _only_editable(fields)
    if program.status == Program.Status.ARCHIVED:
        raise Conflict(_("Программа в архиве и не редактируется."), code="archived")
    if program.status != Program.Status.CERTIFIED:
        for name, value in fields.items():
            setattr(program, name, value)
        if program.status == Program.Status.REJECTED:
            program.status = Program.Status.DRAFT
        _validated(program)
        if cover is not None:
            program.cover.save(cover.name, cover, save=False)
        program.save()
        return program
    # A certified program: check the new version as a whole, keep only what differs from the certified one.
    latest = {**program_version(program), **fields}
    candidate = Program(provider_id=program.provider_id, status=program.status, **latest)
    _validated(candidate)
    changes = {name: _stored(value) for name, value in latest.items() if getattr(program, name) != value}
    if cover is not None:
        candidate.cover.save(cover.name, cover, save=False)
        changes["cover"] = candidate.cover.name
    elif (program.revision or {}).get("cover"):
        changes["cover"] = program.revision["cover"]
    if not changes:
        program.revision, program.revision_status = None, ""
    else:
        program.revision, program.revision_status = changes, RevisionStatus.ON_REVIEW
    program.save(update_fields=["revision", "revision_status", "updated_at"])
    return program


@transaction.atomic
def program_submit(*, actor, program_id: int) -> Program:
    """«Отправить на сертификацию»: a draft (or a rejected program, or a rejected new version) goes to the
    municipality's review."""
    _manager(actor)
    program = _own_locked(actor, program_id)
    if program.status in (Program.Status.DRAFT, Program.Status.REJECTED):
        program.status = Program.Status.ON_REVIEW
        program.save(update_fields=["status", "updated_at"])
    elif program.status == Program.Status.CERTIFIED and program.revision:
        program.revision_status = RevisionStatus.ON_REVIEW
        program.save(update_fields=["revision_status", "updated_at"])
    elif program.status != Program.Status.ON_REVIEW and program.revision_status != RevisionStatus.ON_REVIEW:
        raise Conflict(_("Программа уже сертифицирована, изменений для проверки нет."), code="nothing_to_review")
    return program


# --- Certification by the municipality --------------------------------------------------------------------


def _reviewer_locked(actor, program_id: int) -> Program:
    if not (
        actor.is_authenticated
        and actor.is_staff
        and (actor.is_superuser or actor.role in (Role.MUNICIPAL, Role.REGIONAL))
    ):
        raise Forbidden(_("Сертифицирует программы муниципальный или региональный оператор."))
    queryset = Program.objects.filter(pk=program_id)
    if not actor.is_superuser and actor.role == Role.MUNICIPAL:
        queryset = queryset.filter(provider__municipality_id=actor.municipality_id)
    try:
        return lock_one(queryset)
    except Program.DoesNotExist:
        raise ProgramNotFound(_("Программа не найдена.")) from None


@transaction.atomic
def program_certify(*, actor, program_id: int) -> Program:
    """Certify a program under review, or its new version (which then replaces the listed one)."""
    program = _reviewer_locked(actor, program_id)
    if program.status == Program.Status.ON_REVIEW:
        program.status = Program.Status.CERTIFIED
    elif program.status == Program.Status.CERTIFIED and program.revision_status == RevisionStatus.ON_REVIEW:
        for name, value in program_version(program).items():
            setattr(program, name, value)
        if program.revision.get("cover"):
            program.cover.name = program.revision["cover"]
        program.revision, program.revision_status = None, ""
    else:
        raise Conflict(_("Программа не на сертификации."), code="not_on_review")
    program.review_comment = ""
    with acting(actor):
        program.save()
    return program


@transaction.atomic
def program_reject(*, actor, program_id: int, reason: str) -> Program:
    """Refuse a program under review (it goes back to the provider), or its new version (the certified
    version stays listed). The reason is required and shown to the provider."""
    reason = reason.strip()
    if not reason:
        raise DomainError(_("Укажите причину отказа."), fields={"reason": [_("Укажите причину отказа.")]})
    program = _reviewer_locked(actor, program_id)
    if program.status == Program.Status.ON_REVIEW:
        program.status = Program.Status.REJECTED
    elif program.status == Program.Status.CERTIFIED and program.revision_status == RevisionStatus.ON_REVIEW:
        program.revision_status = RevisionStatus.REJECTED
    else:
        raise Conflict(_("Программа не на сертификации."), code="not_on_review")
    program.review_comment = reason
    with acting(actor):
        program.save(update_fields=["status", "revision_status", "review_comment", "updated_at"])
    return program


@transaction.atomic
def program_archive(*, actor, program_id: int, reason: str) -> Program:
    """Take a program out of the catalog for good (it no longer takes applications; running contracts
    keep their terms). The reason is required and shown to the provider."""
    reason = reason_required(reason)
    program = _reviewer_locked(actor, program_id)
    if program.status == Program.Status.ARCHIVED:
        raise Conflict(_("Программа уже в архиве."), code="archived")
    program.status = Program.Status.ARCHIVED
    program.revision, program.revision_status = None, ""
    program.review_comment = reason
    program.save(update_fields=["status", "revision", "revision_status", "review_comment", "updated_at"])
    return program
