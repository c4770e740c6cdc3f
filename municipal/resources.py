"""Exports of the municipal registries (django-import-export resources), for the admin's «Экспорт».

An export takes the changelist's own queryset (municipal/imports.py, ScopedExportMixin): whatever the
operator may see there, with the filters and search applied, and nothing else. Columns are what an
officer reads, under Russian headers (English ones follow the UI language); a СНИЛС is never exported
in full. The bulk imports are in municipal/imports.py.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from import_export import fields, resources, widgets

from billing.models import Statement
from catalog.models import Program, Provider
from certificates.models import Certificate
from core.validators import mask_snils
from enrollments.models import Enrollment

DATE = "%d.%m.%Y"
DATETIME = "%d.%m.%Y %H:%M"


def _field(attribute: str | None, column_name, widget=None) -> fields.Field:
    return fields.Field(attribute=attribute, column_name=column_name, widget=widget, readonly=True)


def _date(attribute: str, column_name) -> fields.Field:
    return _field(attribute, column_name, widgets.DateWidget(format=DATE))


def _datetime(attribute: str, column_name) -> fields.Field:
    return _field(attribute, column_name, widgets.DateTimeWidget(format=DATETIME))


def _money(attribute: str, column_name) -> fields.Field:
    return _field(attribute, column_name, widgets.DecimalWidget())


def _yes_no(value: bool) -> str:
    return str(_("да") if value else _("нет"))


class ExportResource(resources.ModelResource):
    """Export only: the columns named in Meta.fields, in that order; `select_related` names what the rows
    read besides the changelist's own joins, so that the export stays one query."""

    select_related: tuple[str, ...] = ()

    def filter_export(self, queryset, **kwargs):
        return queryset.select_related(*self.select_related) if self.select_related else queryset

    def get_user_visible_fields(self):
        return [self.fields[name] for name in self.get_export_order()]

    def import_data(self, *args, **kwargs):  # pragma: no cover - never wired to an import
        raise NotImplementedError("an export resource does not import")


class CertificateExportResource(ExportResource):
    number = _field("number", _("Номер сертификата"))
    status = _field("get_status_display", _("Статус"))
    last_name = _field("child__last_name", _("Фамилия"))
    first_name = _field("child__first_name", _("Имя"))
    middle_name = _field("child__middle_name", _("Отчество"))
    birth_date = _date("child__birth_date", _("Дата рождения"))
    snils = _field(None, _("СНИЛС (скрыт)"))
    municipality = _field("municipality__name", _("Муниципалитет"))
    issued_at = _datetime("issued_at", _("Выдан"))
    valid_until = _date("valid_until", _("Действует до"))
    select_related = ("child", "municipality")

    class Meta:
        model = Certificate
        fields = (
            "number",
            "status",
            "last_name",
            "first_name",
            "middle_name",
            "birth_date",
            "snils",
            "municipality",
            "issued_at",
            "valid_until",
        )

    def dehydrate_snils(self, certificate: Certificate) -> str:
        return mask_snils(certificate.child.snils)


class ProviderExportResource(ExportResource):
    short_name = _field("short_name", _("Краткое наименование"))
    legal_name = _field("legal_name", _("Полное наименование"))
    kind = _field("get_kind_display", _("Вид"))
    inn = _field("inn", _("ИНН"))
    ogrn = _field("ogrn", _("ОГРН"))
    licence_number = _field("licence_number", _("Номер лицензии"))
    municipality = _field("municipality__name", _("Муниципалитет"))
    status = _field("get_status_display", _("Статус"))
    address = _field("address", _("Адрес"))
    phone = _field("phone", _("Телефон"))
    email = _field("email", _("E-mail"))
    website = _field("website", _("Сайт"))
    created_at = _datetime("created_at", _("Добавлена"))
    select_related = ("municipality",)

    class Meta:
        model = Provider
        fields = (
            "short_name",
            "legal_name",
            "kind",
            "inn",
            "ogrn",
            "licence_number",
            "municipality",
            "status",
            "address",
            "phone",
            "email",
            "website",
            "created_at",
        )


class ProgramExportResource(ExportResource):
    title = _field("title", _("Название"))
    provider = _field("provider__short_name", _("Организация"))
    provider_inn = _field("provider__inn", _("ИНН организации"))
    municipality = _field("provider__municipality__name", _("Муниципалитет"))
    direction = _field("direction__name", _("Направленность"))
    activity_type = _field("activity_type", _("Вид деятельности"))
    age_min = _field("age_min", _("Возраст от"))
    age_max = _field("age_max", _("Возраст до"))
    form = _field("get_form_display", _("Форма обучения"))
    special_needs = _field(None, _("Для детей с ОВЗ"))
    funding = _field("get_funding_display", _("Финансирование"))
    lesson_price = _money("lesson_price", _("Стоимость занятия, ₽"))
    normative_lesson_price = _money("normative_lesson_price", _("Нормативная стоимость занятия, ₽"))
    lessons_per_month = _field("lessons_per_month", _("Занятий в месяц"))
    status = _field("get_status_display", _("Статус"))
    select_related = ("provider__municipality", "direction")

    class Meta:
        model = Program
        fields = (
            "title",
            "provider",
            "provider_inn",
            "municipality",
            "direction",
            "activity_type",
            "age_min",
            "age_max",
            "form",
            "special_needs",
            "funding",
            "lesson_price",
            "normative_lesson_price",
            "lessons_per_month",
            "status",
        )

    def dehydrate_special_needs(self, program: Program) -> str:
        return _yes_no(program.special_needs)


class EnrollmentExportResource(ExportResource):
    """Contracts and the applications before them (the status column tells which)."""

    certificate = _field("certificate__number", _("Номер сертификата"))
    child = _field("child__full_name", _("Ребёнок"))
    birth_date = _date("child__birth_date", _("Дата рождения"))
    program = _field("group__program__title", _("Программа"))
    group = _field("group__name", _("Группа"))
    provider = _field("group__program__provider__short_name", _("Организация"))
    provider_inn = _field("group__program__provider__inn", _("ИНН организации"))
    municipality = _field("group__program__provider__municipality__name", _("Муниципалитет организации"))
    status = _field("get_status_display", _("Статус"))
    funding = _field("get_funding_display", _("Оплата"))
    starts_on = _date("starts_on", _("Договор действует с"))
    ends_on = _date("ends_on", _("Договор действует до"))
    lesson_price = _money("lesson_price", _("Стоимость занятия, ₽"))
    created_at = _datetime("created_at", _("Заявка подана"))
    accepted_at = _datetime("accepted_at", _("Договор заключён"))
    select_related = ("certificate", "child", "group__program__provider__municipality")

    class Meta:
        model = Enrollment
        fields = (
            "certificate",
            "child",
            "birth_date",
            "program",
            "group",
            "provider",
            "provider_inn",
            "municipality",
            "status",
            "funding",
            "starts_on",
            "ends_on",
            "lesson_price",
            "created_at",
            "accepted_at",
        )


class StatementExportResource(ExportResource):
    """Statements with the totals the changelist sums from their lines (billing.selectors)."""

    provider = _field("provider__short_name", _("Организация"))
    provider_inn = _field("provider__inn", _("ИНН организации"))
    municipality = _field("municipality__name", _("Муниципалитет"))
    month = _field(None, _("Месяц"))
    status = _field("get_status_display", _("Статус"))
    lessons = _field("total_lessons", _("Занятий"))
    certificate_total = _money("total_certificate", _("За счёт сертификатов, ₽"))
    copayment_total = _money("total_copayment", _("Доплаты родителей, ₽"))
    issued_at = _datetime("issued_at", _("Выставлен"))
    paid_at = _datetime("paid_at", _("Оплачен"))
    select_related = ("provider", "municipality")

    class Meta:
        model = Statement
        fields = (
            "provider",
            "provider_inn",
            "municipality",
            "month",
            "status",
            "lessons",
            "certificate_total",
            "copayment_total",
            "issued_at",
            "paid_at",
        )

    def dehydrate_month(self, statement: Statement) -> str:
        return f"{statement.month:%m.%Y}"
