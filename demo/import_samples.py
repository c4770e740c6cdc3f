"""Sample files for the admin's registry imports in the demo region (Плавский район), in
demo/fixtures/: an officer signed in as `municipal` uploads them on «Импорт» of «Сертификаты» and
«Организации». Regenerate with `python -m demo.import_samples` after changing the columns
(municipal/imports.py).

The numbers stay clear of the demo region's own: СНИЛС bodies below the generator's 2 000 000 (but
above the range issued before checksums), ИНН of a tax office code the generator never uses.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import openpyxl

from core.validators import format_snils, inn_with_checksum, ogrn_with_checksum, snils_with_checksum

FIXTURES = Path(__file__).resolve().parent / "fixtures"
CHILDREN_FILE = FIXTURES / "import_children_plavsk.xlsx"
PROVIDERS_FILE = FIXTURES / "import_providers_plavsk.xlsx"
MUNICIPALITY = "Плавский район"

CHILDREN = [
    ("Алексеева", "Дарья", "Сергеевна", date(2014, 3, 2), "Ж"),
    ("Борисов", "Артём", "Игоревич", date(2013, 11, 17), "М"),
    ("Васильева", "Полина", "Андреевна", date(2016, 6, 8), "Ж"),
    ("Григорьев", "Максим", "Олегович", date(2012, 1, 25), "М"),
    ("Дмитриева", "Софья", "Викторовна", date(2015, 9, 30), "Ж"),
    ("Егоров", "Тимофей", "Павлович", date(2011, 4, 14), "М"),
    ("Жукова", "Варвара", "Денисовна", date(2017, 2, 19), "Ж"),
    ("Зайцев", "Кирилл", "", date(2014, 12, 3), "М"),
]

PROVIDERS = [
    # kind, legal name, short name, ИНН body, ОГРН body, licence, address, phone
    (
        "Организация",
        "Муниципальное бюджетное учреждение дополнительного образования «Плавская станция юных натуралистов»",
        "Плавская станция юннатов",
        "719900101",
        "102719900101",
        "Л035-01211-71/00990101",
        "г. Плавск, ул. Победы, д. 12",
        "+7 (48752) 2-40-11",
    ),
    (
        "Организация",
        "Автономная некоммерческая организация «Шахматный клуб „Ладья“»",
        "Шахматный клуб «Ладья»",
        "719900102",
        "112719900102",
        "Л035-01211-71/00990102",
        "г. Плавск, ул. Ленина, д. 5",
        "+7 (48752) 2-40-12",
    ),
    (
        "ИП",
        "Индивидуальный предприниматель Морозова Елена Викторовна",
        "ИП Морозова (керамика)",
        "7199001031",
        "31971990010301",
        "",
        "г. Плавск, ул. Орловская, д. 3",
        "+7 (910) 155-22-33",
    ),
]


def _write(path: Path, header: list[str], rows: list[list]) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    for column in sheet.columns:
        sheet.column_dimensions[column[0].column_letter].width = max(len(str(c.value or "")) for c in column) + 2
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)


def write_samples() -> None:
    _write(
        CHILDREN_FILE,
        ["Фамилия", "Имя", "Отчество", "Дата рождения", "Пол", "СНИЛС", "Муниципалитет"],
        [
            [last, first, middle, birth.strftime("%d.%m.%Y"), sex, format_snils(snils_with_checksum(f"{1_900_100 + n:09d}")), MUNICIPALITY]
            for n, (last, first, middle, birth, sex) in enumerate(CHILDREN)
        ],
    )  # fmt: skip
    _write(
        PROVIDERS_FILE,
        ["Вид", "Полное наименование", "Краткое наименование", "ИНН", "ОГРН", "Номер лицензии", "Муниципалитет",
         "Адрес", "Телефон"],
        [
            [kind, legal, short, inn_with_checksum(inn),
             ogrn_with_checksum(ogrn), licence, MUNICIPALITY, address, phone]
            for kind, legal, short, inn, ogrn, licence, address, phone in PROVIDERS
        ],
    )  # fmt: skip


if __name__ == "__main__":
    write_samples()
    print(f"{CHILDREN_FILE}\n{PROVIDERS_FILE}")
