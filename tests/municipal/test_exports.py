"""Exports of the registries from the admin: scoped like the changelist, readable, no full СНИЛС."""

import csv
import io

import openpyxl
import pytest
from django.contrib import admin
from django.urls import reverse

from accounts import roles
from billing.models import Statement
from catalog.models import Program, Provider
from certificates.models import Certificate
from core.validators import format_snils
from enrollments.models import Enrollment
from municipal.imports import ScopedExportMixin
from tests.accounts.factories import MunicipalStaffFactory, UserFactory
from tests.billing.factories import StatementFactory
from tests.catalog.factories import GroupFactory, MunicipalityFactory, ProgramFactory, ProviderFactory
from tests.certificates.factories import CertificateFactory, ChildFactory
from tests.enrollments.factories import EnrollmentFactory

pytestmark = pytest.mark.django_db

XLSX, CSV = 0, 1  # positions in ScopedExportMixin.export_formats


def test_export_formats_are_xlsx_then_csv():
    assert [f().get_extension() for f in ScopedExportMixin.export_formats] == ["xlsx", "csv"]


def _world(name: str):
    """One municipality with one row of each exported registry, every name carrying `name`."""
    municipality = MunicipalityFactory(name=f"Район {name}")
    provider = ProviderFactory(municipality=municipality, short_name=f"ДДТ {name}")
    program = ProgramFactory(provider=provider, title=f"Робототехника {name}")
    child = ChildFactory(municipality=municipality, last_name=f"Иванов{name}")
    certificate = CertificateFactory(child=child)
    enrollment = EnrollmentFactory(child=child, certificate=certificate, group=GroupFactory(program=program))
    statement = StatementFactory(provider=provider)
    return {
        "municipality": municipality,
        Certificate: certificate,
        Provider: provider,
        Program: program,
        Enrollment: enrollment,
        Statement: statement,
    }


@pytest.fixture
def worlds():
    return _world("Альфа"), _world("Бета")


def _operator(**kwargs):
    user = MunicipalStaffFactory(**kwargs)
    user.groups.add(roles.role_group(roles.MUNICIPAL))
    return user


def _export(client, model, file_format: int, query: str = ""):
    """POST the admin's export form as an officer does (every column ticked); the file's bytes."""
    admin_class = admin.site._registry[model]
    resource = admin_class.resource_classes[0]
    data = {"format": file_format, "resource": 0}
    for name in resource().get_export_order():
        data[f"{resource.__name__.lower()}_{name}"] = "on"
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_export") + query
    response = client.post(url, data)
    assert response.status_code == 200, response.content[:2000]
    assert response["Content-Disposition"].startswith("attachment;")
    return response.content


def _rows(content: bytes, file_format: int) -> list[list[str]]:
    if file_format == XLSX:
        sheet = openpyxl.load_workbook(io.BytesIO(content)).active
        return [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


MARKERS = {
    Certificate: lambda world: world[Certificate].number,
    Provider: lambda world: world[Provider].short_name,
    Program: lambda world: world[Program].title,
    Enrollment: lambda world: world[Enrollment].group.program.title,
    Statement: lambda world: world[Provider].short_name,
}


@pytest.mark.parametrize("file_format", [XLSX, CSV], ids=["xlsx", "csv"])
@pytest.mark.parametrize("model", list(MARKERS), ids=lambda m: m.__name__)
def test_an_operator_exports_their_municipality_only(client, worlds, model, file_format):
    alpha, beta = worlds
    client.force_login(_operator(municipality=alpha["municipality"]))

    rows = _rows(_export(client, model, file_format), file_format)
    text = "\n".join(";".join(row) for row in rows)

    assert len(rows) == 2  # the header and alpha's one row
    assert MARKERS[model](alpha) in text
    assert MARKERS[model](beta) not in text
    assert "Район Бета" not in text


@pytest.mark.parametrize("model", list(MARKERS), ids=lambda m: m.__name__)
def test_the_regional_operator_exports_every_municipality(client, worlds, model):
    alpha, beta = worlds
    regional = UserFactory(regional_staff=True)
    regional.groups.add(roles.role_group(roles.MUNICIPAL))
    client.force_login(regional)

    text = str(_rows(_export(client, model, XLSX), XLSX))

    assert MARKERS[model](alpha) in text
    assert MARKERS[model](beta) in text


def test_the_export_keeps_the_changelist_search(client, worlds):
    alpha, _beta = worlds
    other = ProviderFactory(municipality=alpha["municipality"], short_name="Станция юных техников")
    client.force_login(_operator(municipality=alpha["municipality"]))

    rows = _rows(_export(client, Provider, CSV, query="?q=Станция"), CSV)

    assert [row[0] for row in rows[1:]] == [other.short_name]


def test_certificate_export_has_russian_headers_and_a_masked_snils(client, worlds):
    alpha, _beta = worlds
    certificate = alpha[Certificate]
    client.force_login(_operator(municipality=alpha["municipality"]))

    content = _export(client, Certificate, XLSX)
    header, row = _rows(content, XLSX)

    assert header[:6] == ["Номер сертификата", "Статус", "Фамилия", "Имя", "Отчество", "Дата рождения"]
    assert row[0] == certificate.number and row[1] == "Действует"
    snils = certificate.child.snils
    assert f"***-***-*** {snils[-2:]}" in row
    for shown in (snils, format_snils(snils), snils[:9]):
        assert shown.encode() not in content
        assert shown not in str(_rows(_export(client, Certificate, CSV), CSV))


def test_statement_export_carries_the_totals_of_its_lines(client, worlds):
    alpha, _beta = worlds
    client.force_login(_operator(municipality=alpha["municipality"]))

    header, row = _rows(_export(client, Statement, CSV), CSV)

    assert header[:6] == ["Организация", "ИНН организации", "Муниципалитет", "Месяц", "Статус", "Занятий"]
    assert row[3] == "09.2025" and row[4] == "Черновик" and row[5] == "0"
    assert row[6] == "0,00"  # localized for a Russian spreadsheet


def test_an_operator_without_view_permission_cannot_export(client, worlds):
    alpha, _beta = worlds
    client.force_login(MunicipalStaffFactory(municipality=alpha["municipality"]))  # no role group

    response = client.get(reverse("admin:catalog_provider_export"))

    assert response.status_code == 403
