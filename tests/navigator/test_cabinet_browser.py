"""A signed-in parent on a phone opens the personal account, sees the child and the certificate's
balance, opens the statement and sees the lessons paid; then withdraws an application.

The parent is signed in with a session made on the server (the session cookie put into the browser),
as a Gosuslugi login would leave it. Screenshots of the account and the statement go to
docs/screenshots/ only with UPDATE_SCREENSHOTS=1.
"""

import os
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from playwright.sync_api import expect

from enrollments.models import EnrollmentStatus
from tests.accounts.factories import ParentFactory
from tests.catalog.factories import MunicipalityFactory
from tests.certificates.factories import certificate_with_money
from tests.enrollments.factories import EnrollmentFactory
from tests.navigator.cabinet import lessons_paid, signed_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def family():
    parent = ParentFactory(last_name="Смирнова", first_name="Елена", middle_name="Викторовна")
    certificate = certificate_with_money(
        parent,
        nominal=Decimal("12000.00"),
        last_name="Смирнов",
        first_name="Артём",
        middle_name="Игоревич",
        municipality=MunicipalityFactory(name="Плавский район"),
    )
    lessons_paid(certificate, 3, title="Робототехника")
    application = EnrollmentFactory(
        child=certificate.child, certificate=certificate, group__program__title="Шахматы", group__name="Группа 2"
    )
    cookie = signed_in(parent).cookies[settings.SESSION_COOKIE_NAME].value
    # Django's end-of-test cleanup runs after Playwright has left its event loop, in another context,
    # and would not close this connection: close it now, or the test database cannot be dropped.
    connection.close()
    return {"certificate": certificate, "application": application, "cookie": cookie}


def _shots_dir(tmp_path: Path) -> Path:
    shots = Path(settings.BASE_DIR, "docs", "screenshots") if os.environ.get("UPDATE_SCREENSHOTS") else tmp_path
    shots.mkdir(parents=True, exist_ok=True)
    return shots


def _fits_the_phone(page) -> None:
    assert page.evaluate("() => document.documentElement.scrollWidth") <= page.viewport_size["width"]


def test_parent_sees_child_balance_and_statement_then_withdraws_an_application(
    live_server, phone_page, family, tmp_path
):
    page = phone_page
    shots = _shots_dir(tmp_path)
    certificate = family["certificate"]
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": family["cookie"], "url": live_server.url}]
    )

    # The header leads a signed-in parent to the account (behind the menu button on a phone).
    page.goto(live_server.url + "/")
    page.get_by_role("button", name="Открыть меню").click()
    page.get_by_role("link", name="Личный кабинет").click()
    page.wait_for_url("**/cabinet/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Личный кабинет")
    child = page.locator(".cabinet-child")
    expect(child).to_have_count(1)
    expect(child.get_by_role("heading", level=3)).to_have_text("Смирнов Артём Игоревич")
    expect(child).to_contain_text(f"Сертификат № {certificate.number}")
    expect(child.locator(".cabinet-figures__available dd")).to_have_text("11\u00a0250\u00a0₽")  # 12 000 − 3 × 250
    _fits_the_phone(page)
    page.screenshot(path=str(shots / "cabinet-360.png"), full_page=True)

    # The statement: the nominal and the three lessons, newest first.
    child.get_by_role("link", name="Выписка по сертификату").click()
    page.wait_for_url(f"**/cabinet/certificates/{certificate.number}/statement/")
    lines = page.locator(".statement__line")
    expect(lines).to_have_count(4)
    expect(lines.last).to_contain_text("Начисление номинала")
    expect(lines.last.locator(".statement__amount")).to_have_text("+12\u00a0000\u00a0₽")
    for index in range(3):
        expect(lines.nth(index)).to_contain_text("Робототехника")
        expect(lines.nth(index)).to_contain_text("занятие ")
        expect(lines.nth(index).locator(".statement__amount")).to_have_text("\u2212250\u00a0₽")
    _fits_the_phone(page)
    page.screenshot(path=str(shots / "statement-360.png"), full_page=True)

    # Withdraw the chess application: the account asks first, then says it is done.
    page.get_by_role("link", name="Заявки и договоры").click()
    page.wait_for_url("**/cabinet/enrollments/")
    card = page.locator(".cabinet-enrollment", has_text="Шахматы")
    card.get_by_role("link", name="Отозвать заявку").click()
    page.get_by_role("button", name="Да, отменить заявку").click()
    expect(page.get_by_role("status").filter(has_text="Заявка отменена.")).to_be_visible()
    expect(page.locator(".cabinet-status").first).to_have_text("Отменена")
    _fits_the_phone(page)

    family["application"].refresh_from_db()
    assert family["application"].status == EnrollmentStatus.CANCELLED
    connection.close()
