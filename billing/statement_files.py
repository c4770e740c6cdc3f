"""A monthly statement (акт) as a file: PDF through WeasyPrint, XLSX through openpyxl.

Both render a `billing.selectors.StatementDocument` (a frozen read of the statement and its lines), so
the page, the PDF and the spreadsheet show the same figures. Texts follow the active language.
WeasyPrint lays text out with Pango and HarfBuzz and needs a font with Cyrillic glyphs (DejaVu, see
.ci/run and the Dockerfile).
"""

from __future__ import annotations

from io import BytesIO

from django.template.loader import render_to_string
from django.utils import formats
from django.utils.translation import gettext as _

from billing.selectors import StatementDocument

PDF_TEMPLATE = "billing/statement_pdf.html"
MONEY_FORMAT = "#,##0.00"


def statement_filename(document: StatementDocument, extension: str) -> str:
    """akt-<provider INN>-<municipality id>-<YYYY-MM>.<extension>: ASCII, so every browser keeps it."""
    return f"akt-{document.provider_inn or document.provider_id}-{document.municipality_id}-{document.month:%Y-%m}.{extension}"


def statement_pdf(document: StatementDocument) -> bytes:
    """The statement as a PDF (A4 landscape: the table is wide)."""
    # Imported here: WeasyPrint loads Pango through cffi on import, which only the file downloads need.
    from weasyprint import HTML

    html = render_to_string(PDF_TEMPLATE, {"document": document})
    return HTML(string=html).write_pdf()


def statement_xlsx(document: StatementDocument) -> bytes:
    """The statement as a spreadsheet: a header, one row per line with amounts as numbers, the totals."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Акт")[:31]
    bold = Font(bold=True)

    sheet.append([document.title])
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.append([_("Организация"), document.provider_name])
    sheet.append([_("ИНН"), document.provider_inn])
    sheet.append([_("Муниципалитет"), document.municipality_name])
    sheet.append([_("Месяц"), document.month_label])
    sheet.append([_("Статус"), document.status_label])
    if document.issued_at:
        sheet.append([_("Выставлен"), formats.date_format(document.issued_at, "DATETIME_FORMAT")])
    if document.paid_at:
        sheet.append([_("Оплачен"), formats.date_format(document.paid_at, "DATETIME_FORMAT")])
    sheet.append([])

    header = [
        _("№"),
        _("Вид"),
        _("Дата занятия или месяц"),
        _("Ребёнок"),
        _("Сертификат"),
        _("Программа"),
        _("Группа"),
        _("Занятий"),
        _("За счёт сертификата"),
        _("Доплата родителей"),
        _("Всего"),
        _("Примечание"),
    ]
    sheet.append(header)
    header_row = sheet.max_row
    for cell in sheet[header_row]:
        cell.font = bold
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for row in document.rows:
        sheet.append(
            [
                row.number,
                row.label,
                row.service_label,
                row.child_name,
                row.certificate_number,
                row.program_title,
                row.group_name,
                row.lessons,
                row.certificate_amount,
                row.copayment,
                row.total,
                row.note,
            ]
        )
    totals = document.totals
    sheet.append(
        [
            None,
            _("Итого"),
            None,
            None,
            None,
            None,
            None,
            totals.lessons,
            totals.certificate_amount,
            totals.copayment,
            totals.total,
        ]
    )
    for cell in sheet[sheet.max_row]:
        cell.font = bold
    for line in sheet.iter_rows(min_row=header_row + 1, min_col=9, max_col=11):
        for cell in line:
            cell.number_format = MONEY_FORMAT
    for index, width in enumerate((5, 26, 14, 30, 13, 30, 16, 9, 14, 14, 14, 34), start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = sheet.cell(row=header_row + 1, column=1)

    out = BytesIO()
    workbook.save(out)
    return out.getvalue()
