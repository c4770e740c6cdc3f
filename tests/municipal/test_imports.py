"""Bulk imports of the registries from XLSX in the admin: a preview with per-row errors first, then the
whole file or nothing."""

import datetime
import io

import openpyxl
import pytest
import tablib
from django.contrib.admin.models import LogEntry
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts import roles
from catalog.models import Provider
from certificates.models import Certificate, Child
from core.validators import format_snils, inn_with_checksum, ogrn_with_checksum, snils_with_checksum
from municipal.imports import ChildCertificateImportResource
from tests.accounts.factories import MunicipalStaffFactory, UserFactory
from tests.catalog.factories import MunicipalityFactory, ProviderFactory
from tests.certificates.factories import ChildFactory

pytestmark = pytest.mark.django_db

CHILD_COLUMNS = ["Фамилия", "Имя", "Отчество", "Дата рождения", "Пол", "СНИЛС", "Муниципалитет"]
PROVIDER_COLUMNS = ["Вид", "Полное наименование", "Краткое наименование", "ИНН", "ОГРН", "Номер лицензии"]


def snils(n: int) -> str:
    return snils_with_checksum(f"{300_000_000 + n:09d}")


def xlsx(header: list[str], rows: list[list]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.fixture
def plavsk():
    return MunicipalityFactory(name="Плавский район", code="19")


@pytest.fixture
def operator(client, plavsk):
    user = MunicipalStaffFactory(municipality=plavsk)
    user.groups.add(roles.role_group(roles.MUNICIPAL))
    client.force_login(user)
    return user


def counts() -> tuple[int, int, int]:
    return Child.objects.count(), Certificate.objects.count(), Provider.objects.count()


def upload(client, url_name: str, content: bytes):
    """The first step: the file is checked in a dry run and the preview (or the errors) shown."""
    response = client.post(
        reverse(url_name),
        {"format": 0, "resource": 0, "import_file": SimpleUploadedFile("реестр.xlsx", content)},
    )
    assert response.status_code == 200
    return response


def confirm(client, url_name: str, preview):
    form = preview.context["confirm_form"]
    return client.post(reverse(url_name), {name: form.initial.get(name, "") for name in form.fields})


def good_children(plavsk) -> bytes:
    return xlsx(
        CHILD_COLUMNS,
        [
            ["Смирнова", "Анна", "Петровна", "25.05.2015", "Ж", format_snils(snils(1)), "Плавский район"],
            # A date cell, a СНИЛС typed as a number, the municipality left blank (the operator's own).
            ["Кузнецов", "Иван", "", datetime.date(2012, 1, 9), "М", int(snils(2)), None],
        ],
    )


def test_a_good_children_file_is_previewed_then_imported_with_certificates(client, operator, plavsk):
    before = counts()

    preview = upload(client, "admin:certificates_certificate_import", good_children(plavsk))

    assert preview.context["confirm_form"] is not None
    assert [row.import_type for row in preview.context["result"].valid_rows()] == ["new", "new"]
    html = preview.content.decode()
    assert "Смирнова" in html and "Кузнецов" in html
    assert format_snils(snils(1)) not in html and snils(2) not in html  # the preview masks the СНИЛС
    assert counts() == before  # the dry run saved nothing

    done = confirm(client, "admin:certificates_certificate_process_import", preview)

    assert done.status_code == 302
    children = Child.objects.filter(snils__in=[snils(1), snils(2)]).order_by("last_name")
    assert [(c.full_name, c.sex, c.municipality_id) for c in children] == [
        ("Кузнецов Иван", Child.Sex.MALE, plavsk.pk),
        ("Смирнова Анна Петровна", Child.Sex.FEMALE, plavsk.pk),
    ]
    numbers = sorted(Certificate.objects.filter(child__in=children).values_list("number", flat=True))
    assert len(numbers) == 2 and all(n.startswith("7119") for n in numbers)
    assert not children[0].parents.exists()
    assert LogEntry.objects.filter(user=operator, object_id__in=[str(c.pk) for c in children]).count() == 2


def test_wrong_columns_are_named_and_nothing_is_read(client, operator):
    before = counts()
    content = xlsx(["Фамилия", "Имя", "Дата", "СНИЛС"], [["Смирнова", "Анна", "25.05.2015", snils(1)]])

    response = upload(client, "admin:certificates_certificate_import", content)

    html = response.content.decode()
    assert response.context.get("confirm_form") is None
    assert "нет обязательных столбцов: «Дата рождения», «Пол»" in html
    assert "неизвестные столбцы: «Дата»" in html
    assert "Traceback" not in html
    assert counts() == before


def test_bad_rows_get_a_per_row_report_and_nothing_is_imported(client, operator, plavsk):
    ChildFactory(snils=snils(9), municipality=plavsk)
    other = MunicipalityFactory(name="Одоевский район")
    before = counts()
    content = xlsx(
        CHILD_COLUMNS,
        [
            ["Смирнова", "Анна", "", "25.05.2015", "Ж", snils(1), ""],  # line 2: good
            ["Орлов", "Пётр", "", "01.02.2014", "М", snils(2), ""],  # line 3: repeated below
            ["Орлова", "Мария", "", "01.02.2014", "Ж", snils(2), ""],  # line 4
            ["Белов", "Олег", "", "01.02.2014", "М", "123-456-789 00", ""],  # line 5: bad checksum
            ["Титов", "Лев", "", "01.02.2014", "М", snils(9), ""],  # line 6: already in the registry
            ["Зуев", "Ян", "", "31.02.2014", "X", snils(3), ""],  # line 7: no such date, no such sex
            ["Лис", "Ян", "", "01.02.2014", "М", snils(4), other.name],  # line 8: not the operator's
        ],
    )

    response = upload(client, "admin:certificates_certificate_import", content)

    assert response.context.get("confirm_form") is None
    result = response.context["result"]
    errors = {row.number + 1: row.error_dict for row in result.invalid_rows}
    assert sorted(errors) == [3, 4, 5, 6, 7, 8]
    assert errors[3]["СНИЛС"] == ["Значение повторяется в файле: строки 3, 4."]
    assert errors[4]["СНИЛС"] == ["Значение повторяется в файле: строки 3, 4."]
    assert "Неверный СНИЛС" in errors[5]["СНИЛС"][0]
    assert errors[6]["СНИЛС"] == ["Этот СНИЛС уже есть в реестре."]
    assert "не распознана" in errors[7]["Дата рождения"][0] and errors[7]["Пол"]
    assert "только свой муниципалитет" in errors[8]["Муниципалитет"][0]
    html = response.content.decode()
    assert "Строка файла" in html and "Значение повторяется в файле: строки 3, 4." in html
    assert snils(2) not in html and snils(9) not in html  # the error table masks the СНИЛС too
    assert counts() == before


def test_a_file_that_went_bad_after_the_preview_imports_nothing(client, operator, plavsk):
    preview = upload(client, "admin:certificates_certificate_import", good_children(plavsk))
    ChildFactory(snils=snils(2))  # registered by someone else between the preview and the confirmation
    before = counts()

    done = confirm(client, "admin:certificates_certificate_process_import", preview)

    assert done.status_code == 302
    assert counts() == before
    assert not Child.objects.filter(snils=snils(1)).exists()


def test_the_resource_rolls_back_the_whole_file_on_one_bad_row(plavsk):
    before = counts()
    dataset = tablib.Dataset(headers=CHILD_COLUMNS)
    dataset.append(["Смирнова", "Анна", "", "25.05.2015", "Ж", snils(1), ""])
    dataset.append(["Белов", "Олег", "", "01.02.2014", "М", "12345678900", ""])

    result = ChildCertificateImportResource(municipality_id=plavsk.pk).import_data(
        dataset, dry_run=False, rollback_on_validation_errors=True
    )

    assert result.has_validation_errors()
    assert counts() == before


def test_a_regional_operator_names_the_municipality_of_each_row(client, plavsk):
    regional = UserFactory(regional_staff=True)
    regional.groups.add(roles.role_group(roles.MUNICIPAL))
    client.force_login(regional)
    content = xlsx(CHILD_COLUMNS, [["Смирнова", "Анна", "", "25.05.2015", "Ж", snils(1), ""]])

    response = upload(client, "admin:certificates_certificate_import", content)

    errors = response.context["result"].invalid_rows[0].error_dict
    assert errors == {"Муниципалитет": ["Укажите муниципалитет."]}


def test_providers_are_imported_as_new_after_the_preview(client, operator, plavsk):
    before = counts()
    content = xlsx(
        [*PROVIDER_COLUMNS, "Телефон"],
        [
            ["Организация", "МБУ ДО «Центр творчества»", "Центр творчества", inn_with_checksum("711900001"),
             ogrn_with_checksum("102710000001"), "Л035-01271-71/00000001", "+7 48752 2-11-11"],
            ["ИП", "ИП Соколова Мария Ивановна", "ИП Соколова", int(inn_with_checksum("7119000002")),
             ogrn_with_checksum("30471000000001"), "", ""],
        ],
    )  # fmt: skip

    preview = upload(client, "admin:catalog_provider_import", content)
    assert counts() == before
    done = confirm(client, "admin:catalog_provider_process_import", preview)

    assert done.status_code == 302
    imported = Provider.objects.filter(municipality=plavsk).order_by("short_name")
    assert [(p.short_name, p.kind, p.status, len(p.ogrn)) for p in imported] == [
        ("ИП Соколова", Provider.Kind.INDIVIDUAL, Provider.Status.NEW, 15),
        ("Центр творчества", Provider.Kind.ORGANIZATION, Provider.Status.NEW, 13),
    ]


def test_provider_rows_with_a_bad_inn_or_ogrn_are_reported(client, operator, plavsk):
    taken = ProviderFactory()
    before = counts()
    good_ogrn = ogrn_with_checksum("102710000001")
    content = xlsx(
        PROVIDER_COLUMNS,
        [
            ["Организация", "МБУ «А»", "А", "7119000010", good_ogrn, "Л-1"],  # bad ИНН checksum
            ["Организация", "МБУ «Б»", "Б", inn_with_checksum("711900002"), "1027100000010", "Л-2"],  # bad ОГРН
            ["Организация", "МБУ «В»", "В", taken.inn, good_ogrn, "Л-3"],  # ИНН already registered
            ["ИП", "ИП Орлов", "ИП Орлов", inn_with_checksum("711900003"), good_ogrn, ""],  # an ИП with 10 digits
        ],
    )

    response = upload(client, "admin:catalog_provider_import", content)

    errors = {row.number + 1: row.error_dict for row in response.context["result"].invalid_rows}
    assert response.context.get("confirm_form") is None
    assert "Неверный ИНН «7119000010»" in errors[2]["ИНН"][0]
    assert "Неверный ОГРН" in errors[3]["ОГРН"][0]
    assert errors[4]["ИНН"] == [f"Организация с ИНН {taken.inn} уже есть в реестре."]
    assert "ИНН индивидуального предпринимателя из 12" in errors[5]["ИНН"][0]
    assert "ОГРНИП" in errors[5]["ОГРН"][0]
    assert counts() == before


def test_staff_without_the_role_cannot_import(client, plavsk):
    client.force_login(MunicipalStaffFactory(municipality=plavsk))

    assert client.get(reverse("admin:certificates_certificate_import")).status_code == 403
    assert client.get(reverse("admin:catalog_provider_import")).status_code == 403


def test_the_import_page_lists_the_columns(client, operator):
    html = client.get(reverse("admin:certificates_certificate_import")).content.decode()

    for column in CHILD_COLUMNS:
        assert column in html
