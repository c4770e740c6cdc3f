"""Exports and bulk imports in the admin (django-import-export), and the two registry imports.

Exports (`ScopedExportMixin`) take the changelist's queryset, so an operator exports exactly the rows
the changelist shows them: their municipality's, with the filters and search applied
(import_export's ExportMixin.get_export_queryset builds the admin's ChangeList, which calls the
scoped get_queryset of municipal/admin/base.py).

Imports (`RegistryImportMixin`) run as upload → dry run with a preview and per-row errors → confirm.
Both runs are one transaction each, rolled back on any row error (validation errors included): a file
is imported whole or not at all. Rows are written through the domain services (catalog.registry,
certificates.registry: a certificate's number comes from the numbering service), never by saving
model instances directly. A file's columns are a fixed format, so their names are not translated.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export import fields, resources, widgets
from import_export.admin import ExportMixin, ImportMixin
from import_export.formats.base_formats import CSV, XLSX
from import_export.forms import SelectableFieldsExportForm
from import_export.results import RowResult
from import_export.tmp_storages import CacheStorage

from billing.statements import operator_scope
from catalog.models import Municipality, Provider
from catalog.registry import provider_register, provider_register_errors
from certificates.models import Child
from certificates.registry import registry_child_add, registry_child_errors
from core.validators import mask_snils, normalize_snils

# --- Exports ---------------------------------------------------------------------------------------


class ColumnChoiceExportForm(SelectableFieldsExportForm):
    """The export form's column checkboxes labelled by the columns' headers alone."""

    def _get_field_label(self, resource, field_name: str) -> str:
        field = resource.fields.get(field_name)
        return str(field.column_name) if field is not None else field_name


class ScopedExportMixin(ExportMixin):
    """XLSX and CSV exports of the changelist's rows. `export_filename` is the file's ASCII stem (a
    Cyrillic name would need RFC 5987 quoting that not every browser reads the same)."""

    export_formats = [XLSX, CSV]
    # Excel opens a CSV with a byte order mark as UTF-8 instead of the Windows code page.
    to_encoding = "utf-8-sig"
    export_filename = "export"
    export_form_class = ColumnChoiceExportForm

    def get_export_filename(self, request, queryset, file_format):
        return f"{self.export_filename}-{timezone.localdate():%Y-%m-%d}.{file_format.get_extension()}"


# --- Imports ---------------------------------------------------------------------------------------


class ImportFileError(Exception):
    """A file that cannot be read row by row (missing or unknown columns): shown as its message alone."""


class ImportFileExpired(Exception):
    """The uploaded file is no longer kept between the preview and the confirmation."""


class ImportFileStorage(CacheStorage):
    """The uploaded file waits for the confirmation in the shared cache (every web worker sees it),
    for an hour at most: it holds personal data, which a temporary folder would keep until cleaned."""

    CACHE_LIFETIME = 3600
    CACHE_PREFIX = "municipal-import-"

    def read(self):
        data = super().read()
        if data is None:
            raise ImportFileExpired
        return data


@dataclass(frozen=True)
class Column:
    name: str  # the header in the file
    attribute: str  # the service's argument (and the model field shown in the preview)
    required: bool = True  # the column must be present (its cells may still be blank where allowed)


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _digits(value, *, width: int | None = None) -> str:
    """A number kept as text, or a cell Excel turned into a number (its leading zeros lost: `width`
    restores them)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        text = str(int(value))
        return text.zfill(width) if width else text
    return re.sub(r"[\s\-]", "", _text(value))


def _date(value) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _text(value)
    for pattern in ("%d.%m.%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise ValueError(text)


class RegistryImportResource(resources.ModelResource):
    """A spreadsheet of new registry rows: every row is a new object (an existing key is an error,
    never an update). Subclasses declare `columns`, parse a row (`parse`), and write it (`register`)."""

    columns: tuple[Column, ...] = ()
    key_column = ""  # a value repeated in this column within the file is an error on each of its rows
    masked_columns: tuple[str, ...] = ()  # shown masked in the error table

    def __init__(self, *, municipality_id: int | None = None, **kwargs):
        super().__init__(**kwargs)
        self.municipality_id = municipality_id  # None: a regional operator, every municipality
        self.header_error = False
        self.repeated: dict[str, list[int]] = {}
        self.municipalities = list(Municipality.objects.order_by("name"))

    @classmethod
    def get_display_name(cls):
        return cls._meta.model._meta.verbose_name_plural

    def get_instance(self, instance_loader, row):
        return None

    def get_diff_headers(self):
        return [column.name for column in self.columns]

    def before_import(self, dataset, **kwargs):
        headers = [_text(header) for header in dataset.headers or []]
        if headers:
            dataset.headers = headers
        known = {column.name for column in self.columns}
        problems = []
        missing = [column.name for column in self.columns if column.required and column.name not in headers]
        if missing:
            problems.append(_("нет обязательных столбцов: %(names)s") % {"names": _quoted(missing)})
        unknown = [header for header in headers if header and header not in known]
        if unknown:
            problems.append(_("неизвестные столбцы: %(names)s") % {"names": _quoted(unknown)})
        twice = sorted({header for header in headers if header and headers.count(header) > 1})
        if twice:
            problems.append(_("столбцы повторяются: %(names)s") % {"names": _quoted(twice)})
        if problems:
            self.header_error = True
            raise ImportFileError(
                _("Файл не загружен: %(problems)s. Ожидаются столбцы: %(expected)s (первая строка файла).")
                % {"problems": "; ".join(problems), "expected": _quoted([c.name for c in self.columns])}
            )
        lines: dict[str, list[int]] = defaultdict(list)
        for number, row in enumerate(dataset.dict, 1):
            key = self.file_key(row)
            if key:
                lines[key].append(_line(number))
        self.repeated = {key: numbers for key, numbers in lines.items() if len(numbers) > 1}

    def import_row(self, row, instance_loader, **kwargs):
        if self.header_error:
            # The file's columns are wrong: its rows are not read (the file error says why).
            result = self.get_row_result_class()()
            result.import_type = RowResult.IMPORT_TYPE_SKIP
            return result
        return super().import_row(row, instance_loader, **kwargs)

    def import_instance(self, instance, row, **kwargs):
        values, errors = self.parse(row)
        key = self.file_key(row)
        if key in self.repeated:
            errors.setdefault(self.key_column, []).append(
                _("Значение повторяется в файле: строки %(lines)s.")
                % {"lines": ", ".join(str(n) for n in self.repeated[key])}
            )
        municipality = self._municipality(_text(row.get("Муниципалитет")), errors)
        if errors:
            raise ValidationError(errors)
        for attribute, value in values.items():
            setattr(instance, attribute, value)
        instance.municipality = municipality

    def save_instance(self, instance, is_create, row, **kwargs):
        try:
            # A savepoint per row: a refused row leaves the file's transaction usable for the others'
            # errors to be found too (the whole transaction is rolled back all the same).
            with transaction.atomic():
                saved = self.register(instance, dry_run=self._is_dry_run(kwargs))
        except ValidationError as error:
            raise ValidationError(self._by_column(error)) from None
        instance.pk = saved.pk
        instance._state.adding, instance._state.db = False, saved._state.db

    def after_import(self, dataset, result, **kwargs):
        # ModelResource.after_import is not called: it resets the table's id sequence to the largest id
        # this transaction sees, which could hand out ids that concurrent transactions already took
        # (the rows here never carry ids, so there is nothing to reset).
        headers = result.diff_headers
        for invalid in result.invalid_rows:
            invalid.values = tuple(
                mask_snils(_text(value)) if header in self.masked_columns and value not in (None, "---") else value
                for header, value in zip(headers, invalid.values, strict=False)
            )

    # -- to declare in a subclass

    def file_key(self, row) -> str:
        raise NotImplementedError

    def parse(self, row) -> tuple[dict, dict[str, list[str]]]:
        """(the row's values by attribute, its errors by column name)."""
        raise NotImplementedError

    def register(self, instance, *, dry_run: bool):
        raise NotImplementedError

    # -- helpers

    def _municipality(self, value: str, errors: dict[str, list[str]]) -> Municipality | None:
        own = next((m for m in self.municipalities if m.pk == self.municipality_id), None)
        if not value:
            if own is None:
                errors.setdefault("Муниципалитет", []).append(_("Укажите муниципалитет."))
            return own
        found = [m for m in self.municipalities if value.casefold() in (m.name.casefold(), m.code)]
        if len(found) != 1:
            errors.setdefault("Муниципалитет", []).append(
                _("Муниципалитет «%(value)s» не найден: укажите его название, как в справочнике.") % {"value": value}
            )
            return None
        if self.municipality_id is not None and found[0].pk != self.municipality_id:
            errors.setdefault("Муниципалитет", []).append(
                _("Можно загружать только свой муниципалитет («%(own)s»), а не «%(value)s».")
                % {"own": own.name if own else "—", "value": value}
            )
            return None
        return found[0]

    def _by_column(self, error: ValidationError) -> dict[str, list[str]]:
        names = {column.attribute: column.name for column in self.columns}
        if not hasattr(error, "error_dict"):
            return {NON_FIELD_ERRORS: error.messages}
        return {names.get(field, NON_FIELD_ERRORS): messages for field, messages in error.message_dict.items()}


def _line(number: int) -> int:
    """The spreadsheet line of the dataset's row `number` (from 1): the first line holds the headers."""
    return number + 1


def _quoted(names) -> str:
    return ", ".join(f"«{name}»" for name in names)


class _SnilsPreviewWidget(widgets.Widget):
    """The preview of an import shows a СНИЛС masked, like everywhere else in the admin."""

    def render(self, value, obj=None, **kwargs):
        return mask_snils(value or "")


class _SexWidget(widgets.Widget):
    def render(self, value, obj=None, **kwargs):
        return {Child.Sex.MALE: "М", Child.Sex.FEMALE: "Ж"}.get(value, "")


class _DateWidget(widgets.DateWidget):
    def __init__(self):
        super().__init__(format="%d.%m.%Y")


class _MunicipalityWidget(widgets.Widget):
    def render(self, value, obj=None, **kwargs):
        return value.name if value else ""


def _import_field(attribute: str, column_name: str, widget=None) -> fields.Field:
    return fields.Field(attribute=attribute, column_name=column_name, widget=widget)


_SEXES = {"м": Child.Sex.MALE, "муж": Child.Sex.MALE, "мужской": Child.Sex.MALE, "m": Child.Sex.MALE}
_SEXES |= {"ж": Child.Sex.FEMALE, "жен": Child.Sex.FEMALE, "женский": Child.Sex.FEMALE, "f": Child.Sex.FEMALE}


class ChildCertificateImportResource(RegistryImportResource):
    """Children of the operator's municipality, each with a certificate issued at once: «Фамилия»,
    «Имя», «Отчество», «Дата рождения», «Пол» (М/Ж), «СНИЛС», «Муниципалитет» (blank: the operator's own)."""

    columns = (
        Column("Фамилия", "last_name"),
        Column("Имя", "first_name"),
        Column("Отчество", "middle_name", required=False),
        Column("Дата рождения", "birth_date"),
        Column("Пол", "sex"),
        Column("СНИЛС", "snils"),
        Column("Муниципалитет", "municipality", required=False),
    )
    key_column = "СНИЛС"
    masked_columns = ("СНИЛС",)

    last_name = _import_field("last_name", "Фамилия")
    first_name = _import_field("first_name", "Имя")
    middle_name = _import_field("middle_name", "Отчество")
    birth_date = _import_field("birth_date", "Дата рождения", _DateWidget())
    sex = _import_field("sex", "Пол", _SexWidget())
    snils = _import_field("snils", "СНИЛС", _SnilsPreviewWidget())
    municipality = _import_field("municipality", "Муниципалитет", _MunicipalityWidget())

    class Meta:
        model = Child
        fields = ("last_name", "first_name", "middle_name", "birth_date", "sex", "snils", "municipality")
        use_transactions = True

    def file_key(self, row) -> str:
        return normalize_snils(_digits(row.get("СНИЛС"), width=11))

    def parse(self, row):
        errors: dict[str, list[str]] = {}
        birth_date = None
        if _text(row.get("Дата рождения")):
            try:
                birth_date = _date(row.get("Дата рождения"))
            except ValueError:
                errors["Дата рождения"] = [
                    _("Дата «%(value)s» не распознана: нужна дата вида 25.05.2015.")
                    % {"value": _text(row.get("Дата рождения"))}
                ]
        sex_text = _text(row.get("Пол"))
        values = {
            "last_name": _text(row.get("Фамилия")),
            "first_name": _text(row.get("Имя")),
            "middle_name": _text(row.get("Отчество")),
            "birth_date": birth_date,
            "sex": _SEXES.get(sex_text.casefold(), sex_text),
            "snils": self.file_key(row),
        }
        for attribute, error in registry_child_errors(
            last_name=values["last_name"],
            first_name=values["first_name"],
            birth_date=birth_date,
            sex=values["sex"],
            snils=values["snils"],
        ).items():
            if not (attribute == "birth_date" and "Дата рождения" in errors):
                errors.setdefault(self._column(attribute), []).extend(error.messages)
        return values, errors

    def register(self, instance: Child, *, dry_run: bool) -> Child:
        # The dry run takes no certificate numbers: a number taken by a rolled-back transaction is a gap.
        return registry_child_add(
            last_name=instance.last_name,
            first_name=instance.first_name,
            middle_name=instance.middle_name,
            birth_date=instance.birth_date,
            sex=instance.sex,
            snils=instance.snils,
            municipality=instance.municipality,
            issue_certificate=not dry_run,
        )

    def _column(self, attribute: str) -> str:
        return next(column.name for column in self.columns if column.attribute == attribute)


_KINDS = {
    "организация": Provider.Kind.ORGANIZATION,
    "юл": Provider.Kind.ORGANIZATION,
    "юридическое лицо": Provider.Kind.ORGANIZATION,
    "ип": Provider.Kind.INDIVIDUAL,
    "индивидуальный предприниматель": Provider.Kind.INDIVIDUAL,
}


class ProviderImportResource(RegistryImportResource):
    """Providers of the operator's municipality, registered as new (they are approved afterwards)."""

    columns = (
        Column("Вид", "kind"),
        Column("Полное наименование", "legal_name"),
        Column("Краткое наименование", "short_name"),
        Column("ИНН", "inn"),
        Column("ОГРН", "ogrn"),
        Column("Номер лицензии", "licence_number", required=False),
        Column("Муниципалитет", "municipality", required=False),
        Column("Адрес", "address", required=False),
        Column("Телефон", "phone", required=False),
        Column("E-mail", "email", required=False),
        Column("Сайт", "website", required=False),
    )
    key_column = "ИНН"

    kind = _import_field("kind", "Вид")
    legal_name = _import_field("legal_name", "Полное наименование")
    short_name = _import_field("short_name", "Краткое наименование")
    inn = _import_field("inn", "ИНН")
    ogrn = _import_field("ogrn", "ОГРН")
    licence_number = _import_field("licence_number", "Номер лицензии")
    municipality = _import_field("municipality", "Муниципалитет", _MunicipalityWidget())
    address = _import_field("address", "Адрес")
    phone = _import_field("phone", "Телефон")
    email = _import_field("email", "E-mail")
    website = _import_field("website", "Сайт")

    class Meta:
        model = Provider
        fields = (
            "kind",
            "legal_name",
            "short_name",
            "inn",
            "ogrn",
            "licence_number",
            "municipality",
            "address",
            "phone",
            "email",
            "website",
        )
        use_transactions = True

    def file_key(self, row) -> str:
        inn = _digits(row.get("ИНН"))
        # A numeric cell loses an ИНН's leading zero (regions 01..09): 9 or 11 digits are put back to 10 or 12.
        return inn.zfill(len(inn) + 1) if len(inn) in (9, 11) and not isinstance(row.get("ИНН"), str) else inn

    def parse(self, row):
        kind_text = _text(row.get("Вид"))
        values = {
            "kind": _KINDS.get(kind_text.casefold(), kind_text),
            "legal_name": _text(row.get("Полное наименование")),
            "short_name": _text(row.get("Краткое наименование")),
            "inn": self.file_key(row),
            "ogrn": _digits(row.get("ОГРН")),
            "licence_number": _text(row.get("Номер лицензии")),
            "address": _text(row.get("Адрес")),
            "phone": _text(row.get("Телефон")),
            "email": _text(row.get("E-mail")),
            "website": _text(row.get("Сайт")),
        }
        found = provider_register_errors(
            **{k: values[k] for k in ("kind", "legal_name", "short_name", "inn", "ogrn", "licence_number")},
            email=values["email"],
            website=values["website"],
        )
        names = {column.attribute: column.name for column in self.columns}
        errors: dict[str, list[str]] = {}
        for attribute, error in found.items():
            errors.setdefault(names[attribute], []).extend(error.messages)
        return values, errors

    def register(self, instance: Provider, *, dry_run: bool) -> Provider:
        return provider_register(
            kind=instance.kind,
            legal_name=instance.legal_name,
            short_name=instance.short_name,
            inn=instance.inn,
            ogrn=instance.ogrn,
            licence_number=instance.licence_number,
            municipality=instance.municipality,
            address=instance.address,
            phone=instance.phone,
            email=instance.email,
            website=instance.website,
        )


class RegistryImportMixin(ImportMixin):
    """Upload → preview → confirm for the admin's `import_resource_class`; the operator's change
    permission on `import_models` ("app_label.model") is what allows it."""

    import_formats = [XLSX]
    import_template_name = "admin/municipal/import.html"
    tmp_storage_class = ImportFileStorage
    import_resource_class: type[RegistryImportResource]
    import_models: tuple[str, ...] = ()

    def get_import_context_data(self, **kwargs):
        return {
            **super().get_import_context_data(**kwargs),
            "import_columns": self.import_resource_class.columns,
            "import_help": IMPORT_HELP,
        }

    def get_import_resource_classes(self, request):
        return [self.import_resource_class]

    def has_import_permission(self, request):
        allowed, _municipality_id = operator_scope(request.user)
        return allowed and all(
            request.user.has_perm(f"{label.split('.')[0]}.change_{label.split('.')[1]}") for label in self.import_models
        )

    def get_import_resource_kwargs(self, request, **kwargs):
        return {"municipality_id": operator_scope(request.user)[1]}

    def get_import_data_kwargs(self, **kwargs):
        kwargs = super().get_import_data_kwargs(**kwargs)
        kwargs.pop("request", None)
        # Any row error (a validation error included) rolls the whole file back.
        return {**kwargs, "rollback_on_validation_errors": True}

    def process_import(self, request, **kwargs):
        try:
            return super().process_import(request, **kwargs)
        except ImportFileExpired:
            self.message_user(
                request, _("Файл больше не хранится: загрузите его ещё раз и подтвердите импорт."), messages.ERROR
            )
            return HttpResponseRedirect(reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_import"))

    def process_result(self, result, request):
        if result.has_errors() or result.has_validation_errors():
            # The data changed between the preview and the confirmation (someone registered the same
            # СНИЛС or ИНН meanwhile): nothing was saved.
            self.message_user(
                request,
                _("Ничего не импортировано: при загрузке нашлись ошибки. Загрузите файл ещё раз, чтобы увидеть их."),
                messages.ERROR,
            )
            return HttpResponseRedirect(reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_import"))
        return super().process_result(result, request)

    def add_success_message(self, result, request):
        self.message_user(
            request,
            _("Импорт завершён: добавлено записей: %(n)s.") % {"n": result.totals[RowResult.IMPORT_TYPE_NEW]},
            messages.SUCCESS,
        )


IMPORT_HELP = gettext_lazy(
    "Файл XLSX: первая строка — названия столбцов, дальше по строке на запись. Сначала покажем, что будет "
    "загружено, и ошибки по строкам; пока ошибки есть, не загрузится ничего."
)
