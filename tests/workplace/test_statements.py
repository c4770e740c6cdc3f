"""The provider's statements in the workplace (list, one statement, «Выставить», PDF and XLSX) and its
parents' disputes (list, decision); another provider's answer 404; queries pinned; the PDF holds the
Cyrillic text and the spreadsheet the lines."""

import datetime
import io
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from billing.disputes import dispute_raise
from billing.models import Dispute, Statement
from billing.statements import statement_build
from tests.accounts.factories import ParentFactory, ProviderStaffFactory
from tests.billing.factories import ChargeFactory
from tests.catalog.factories import GroupFactory, ProgramFactory, ProviderFactory
from tests.enrollments.factories import EnrollmentFactory
from tests.navigator.cabinet import signed_in

pytestmark = pytest.mark.django_db
D = Decimal


def text(response) -> str:
    return re.sub(r"[ \t\r\n\u00a0]+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


@pytest.fixture
def staff():
    return ProviderStaffFactory(
        provider=ProviderFactory(short_name="ДДТ г. Плавска", legal_name="МБУ ДО «ДДТ г. Плавска»")
    )


@pytest.fixture
def group(staff):
    program = ProgramFactory(
        provider=staff.provider, title="Робототехника", lesson_price=D("400.00"), normative_lesson_price=D("300.00")
    )
    return GroupFactory(program=program, name="Группа 1")


@pytest.fixture
def statement(group):
    contract = EnrollmentFactory(group=group, active=True, child__last_name="Смирнов", child__first_name="Артём")
    month = group.start_date.replace(day=1)
    for day in (1, 3):
        ChargeFactory(mark__enrollment=contract, mark__lesson__date=month + datetime.timedelta(days=day))
    return statement_build(
        provider_id=group.program.provider_id, municipality_id=contract.certificate.municipality_id, month=month
    ).statement


@pytest.fixture
def client_(staff):
    return signed_in(staff)


def test_only_provider_staff_come_in_and_another_providers_statement_is_not_found(client, statement):
    url = reverse("workplace:statements")
    assert client.get(url).status_code == 302
    assert signed_in(ParentFactory()).get(url).status_code == 403
    stranger = signed_in(ProviderStaffFactory())
    for name in ("workplace:statement", "workplace:statement-pdf", "workplace:statement-xlsx"):
        assert stranger.get(reverse(name, args=[statement.pk])).status_code == 404
    assert (
        stranger.post(reverse("workplace:statement-issue", args=[statement.pk]), {"form_key": "k" * 32}).status_code
        == 404
    )
    assert f'id="statement-{statement.pk}"' not in stranger.get(url).content.decode()


def test_the_list_shows_each_statement_with_its_totals(client_, statement, django_assert_num_queries):
    # user, role, the page's statements, their count, the badge-free base
    with django_assert_num_queries(5):
        response = client_.get(reverse("workplace:statements"))
    page = text(response)
    assert f"Акт № {statement.pk} за" in page
    assert "600 ₽" in page and "200 ₽" in page  # 2 × 300 ₽ from certificates, 2 × 100 ₽ co-payments


def test_the_statement_page_shows_lines_and_issues_what_it_showed(client_, statement, group):
    url = reverse("workplace:statement", args=[statement.pk])
    page = text(client_.get(url))
    assert "Смирнов Артём" in page and "Робототехника" in page and "Выставить" in page
    assert "600 ₽" in page

    # A lesson charged after the page was shown: the first «Выставить» adds it and asks to look again.
    contract = group.enrollments.get()
    ChargeFactory(mark__enrollment=contract, mark__lesson__date=statement.month + datetime.timedelta(days=5))
    issue = reverse("workplace:statement-issue", args=[statement.pk])
    first = client_.post(issue, {"lines": "2", "form_key": "a" * 32}, follow=True)
    assert "новая строка" in text(first)
    assert Statement.objects.get(pk=statement.pk).status == Statement.Status.DRAFT

    second = client_.post(issue, {"lines": "3", "form_key": "b" * 32}, follow=True)
    assert "Акт выставлен." in text(second)
    statement.refresh_from_db()
    assert statement.status == Statement.Status.ISSUED
    assert "Выставить" not in text(client_.get(url))


def test_the_pdf_holds_the_statement_in_cyrillic(client_, statement):
    response = client_.get(reverse("workplace:statement-pdf", args=[statement.pk]))

    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith('attachment; filename="akt-')
    pdf_text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    pdf_text = re.sub(r"\s+", " ", pdf_text)
    for expected in (f"Акт № {statement.pk}", "МБУ ДО «ДДТ г. Плавска»", "Смирнов Артём", "Робототехника", "Итого"):
        assert expected in pdf_text


def test_the_spreadsheet_has_the_lines_and_the_totals(client_, statement):
    response = client_.get(reverse("workplace:statement-xlsx", args=[statement.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [row for row in sheet.iter_rows(values_only=True) if any(cell is not None for cell in row)]
    header = next(i for i, row in enumerate(rows) if row[0] == "№")
    lines = rows[header + 1 : -1]
    assert [(row[1], row[3], row[7], row[8], row[9]) for row in lines] == [
        ("За занятие", lines[0][3], 1, D("300.00"), D("100.00")),
        ("За занятие", lines[1][3], 1, D("300.00"), D("100.00")),
    ]
    assert lines[0][3].startswith("Смирнов Артём")
    assert rows[-1][1] == "Итого" and rows[-1][7:11] == (2, D("600.00"), D("200.00"), D("800.00"))


# --- Disputes ------------------------------------------------------------------------------------------


@pytest.fixture
def dispute(group):
    contract = EnrollmentFactory(group=group, active=True, child__last_name="Петров")
    charge = ChargeFactory(mark__enrollment=contract, mark__lesson__date=group.start_date + datetime.timedelta(days=2))
    return dispute_raise(parent=contract.applicant, charge_id=charge.pk, reason="Не был на занятии").dispute


def test_staff_see_their_disputes_and_decide_one_with_a_reason(client_, dispute):
    page = text(client_.get(reverse("workplace:disputes")))
    assert "Петров" in page and "Не был на занятии" in page and "Рассмотреть" in page
    assert "Жалобы родителей открытых: 1" in text(client_.get(reverse("workplace:home")))

    url = reverse("workplace:dispute-resolve", args=[dispute.pk])
    missing = client_.post(url, {"decision": "uphold", "resolution": "", "form_key": "c" * 32})
    assert "Укажите причину решения." in text(missing)
    done = client_.post(
        url, {"decision": "uphold", "resolution": "Проверили журнал.", "form_key": "d" * 32}, follow=True
    )

    assert "деньги возвращены" in text(done)
    dispute.refresh_from_db()
    assert dispute.status == Dispute.Status.UPHELD and dispute.reversal is not None


def test_another_providers_dispute_is_not_found(dispute):
    # A fixed name: the header prints the stranger's own, and a random one can be «Петрова».
    stranger = signed_in(ProviderStaffFactory(last_name="Незнакомцева", first_name="Ольга"))
    assert stranger.get(reverse("workplace:dispute-resolve", args=[dispute.pk])).status_code == 404
    assert "Петров" not in text(stranger.get(reverse("workplace:disputes")))
