"""A group's roster (its pupils, their contracts and co-payments) as a spreadsheet, through openpyxl.
Texts follow the active language; amounts are numbers, dates are dates."""

from __future__ import annotations

from collections.abc import Iterable
from io import BytesIO

from django.utils.translation import gettext as _

from catalog.models import Group
from enrollments.models import Enrollment
from enrollments.selectors import pending_terms_of

MONEY_FORMAT = "#,##0.00"
DATE_FORMAT = "DD.MM.YYYY"


def roster_filename(group: Group) -> str:
    """ASCII, so every browser keeps it."""
    return f"pupils-group-{group.pk}.xlsx"


def roster_xlsx(group: Group, pupils: Iterable[Enrollment]) -> bytes:
    """The roster: a header (program, group, teacher, dates), one row per pupil."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Ученики")[:31]
    sheet.append([group.program.title])
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.append([_("Группа"), group.name])
    sheet.append([_("Педагог"), group.teacher])
    sheet.append([_("Занятия"), f"{group.start_date:%d.%m.%Y} – {group.end_date:%d.%m.%Y}"])
    sheet.append([])
    header = [
        _("№"),
        _("Ребёнок"),
        _("Дата рождения"),
        _("Сертификат"),
        _("Статус"),
        _("Договор с"),
        _("Договор до"),
        _("Стоимость занятия"),
        _("За счёт сертификата"),
        _("Доплата за занятие"),
        _("Доплата до конца периода"),
        _("Новые условия"),
    ]
    sheet.append(header)
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    first = sheet.max_row + 1
    for number, pupil in enumerate(pupils, start=1):
        terms = pending_terms_of(pupil)
        sheet.append(
            [
                number,
                pupil.child.full_name,
                pupil.child.birth_date,
                pupil.certificate.number if pupil.certificate_id else "",
                pupil.get_status_display(),
                pupil.starts_on,
                pupil.ends_on,
                pupil.lesson_price,
                pupil.certificate_per_lesson,
                pupil.copayment_per_lesson,
                pupil.copayment_shown,
                _("ждут решения родителей: %(price)s ₽ за занятие") % {"price": terms.lesson_price_after}
                if terms
                else "",
            ]
        )
    for row in sheet.iter_rows(min_row=first, max_row=sheet.max_row):
        for cell in (row[2], row[5], row[6]):
            cell.number_format = DATE_FORMAT
        for cell in row[7:11]:
            cell.number_format = MONEY_FORMAT
    for index, width in enumerate((5, 32, 13, 14, 20, 12, 12, 12, 14, 14, 16, 30), start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
