"""From the catalog to a contract on a phone, with real Chromium:

1. a mother Gosuslugi knows (the local stand-in) taps «Записаться» on a program page, signs in through
   Gosuslugi, sees her son's price split and applies;
2. the provider's staff member signs in with a password and sends the offer from the inbox;
3. the mother signs in again, reads the offer's terms and accepts;
4. her personal account shows the contract, the certificate issued on that first application, and the
   money reserved on it.

Screenshots of the application and the offer at 360 px go to docs/screenshots/ with UPDATE_SCREENSHOTS=1.
"""

import datetime
import os
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connections
from django.utils import timezone
from playwright.sync_api import expect

from certificates.models import Certificate
from enrollments.models import Enrollment, EnrollmentStatus
from tests.accounts.factories import ProviderStaffFactory
from tests.catalog.factories import (
    GroupFactory,
    MunicipalityFactory,
    ProgramFactory,
    ProviderFactory,
    ScheduleSlotFactory,
)
from tests.certificates.factories import period_for
from tests.esia.factories import KidFactory, PersonFactory
from tests.esia.test_browser import log_out, open_menu, sign_in_on_gosuslugi

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def portal(live_server, settings):
    """Плавский район with this year's funding period (10 000 ₽ a certificate, per lesson), a provider
    with a robotics program at 400 ₽ a lesson (normative 300 ₽) and a group on Mondays and Wednesdays,
    its staff member «teacher», and a mother with her son in the Gosuslugi stand-in."""
    settings.ESIA_HOST = ""  # the stand-in on the portal itself, at the live server's address
    municipality = MunicipalityFactory(name="Плавский район")
    period_for(municipality, timezone.localdate())
    provider = ProviderFactory(municipality=municipality, short_name="ДДТ г. Плавска")
    program = ProgramFactory(
        provider=provider,
        title="Робототехника",
        lesson_price=Decimal("400.00"),
        normative_lesson_price=Decimal("300.00"),
        lessons_per_month=8,
    )
    group = GroupFactory(program=program, name="Группа 1", teacher="Орлов Павел Игоревич", capacity=12)
    ScheduleSlotFactory(group=group, weekday=0)
    ScheduleSlotFactory(group=group, weekday=2, room="каб. 7")
    ProviderStaffFactory(username="teacher", provider=provider)
    mother = PersonFactory(last_name="Тестова", first_name="Дарья", middle_name="Игоревна")
    KidFactory(
        person=mother,
        last_name="Тестов",
        first_name="Макар",
        middle_name="Олегович",
        birth_date=datetime.date(2016, 3, 14),
    )
    return {"url": live_server.url, "program": program, "group": group}


@pytest.fixture
def db_in_browser_context():
    """Queries made while Playwright's loop runs get their own connection: close it at the end, or the
    test database cannot be dropped."""
    yield
    connections.close_all()


def _shots_dir(tmp_path: Path) -> Path:
    shots = Path(settings.BASE_DIR, "docs", "screenshots") if os.environ.get("UPDATE_SCREENSHOTS") else tmp_path
    shots.mkdir(parents=True, exist_ok=True)
    return shots


def _fits_the_phone(page) -> None:
    assert page.evaluate("() => document.documentElement.scrollWidth") <= page.viewport_size["width"]


def test_apply_offer_accept_on_a_phone(phone_page, portal, db_in_browser_context, tmp_path):
    page = phone_page
    shots = _shots_dir(tmp_path)
    url, group = portal["url"], portal["group"]

    # 1. The program page, signed out: «Записаться» leads through the Gosuslugi sign-in to the application.
    page.goto(f"{url}/catalog/programs/{portal['program'].pk}/")
    page.get_by_role("link", name="Записаться").click()
    page.locator("main").get_by_role("button", name="Войти через Госуслуги").click()
    expect(page).to_have_url(re.compile(r"/esia-standin/aas/oauth2/v2/ac\?"))
    page.get_by_label("Фамилия").fill("Тестова")
    page.get_by_role("button", name="Найти").click()
    page.get_by_role("button", name="Войти как Тестова Дарья Игоревна").click()
    expect(page.get_by_role("heading", name="Где живут дети")).to_be_visible()
    page.get_by_label("Муниципалитет, где живут дети").select_option(label="Плавский район")
    page.get_by_role("button", name="Продолжить").click()

    expect(page).to_have_url(f"{url}/catalog/groups/{group.pk}/apply/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Запись в группу")
    son = page.locator(".apply-child")
    expect(son).to_have_count(1)
    expect(son.get_by_label("Тестов Макар Олегович")).to_be_checked()  # the only child: chosen already
    expect(son).to_contain_text("сертификат выдадут с первой заявкой")
    cells = son.locator(".quote__table tbody td")
    expect(cells).to_have_text(
        ["400\u00a0₽", "3\u00a0200\u00a0₽", "300\u00a0₽", "2\u00a0400\u00a0₽", "100\u00a0₽", "800\u00a0₽"]
    )
    _fits_the_phone(page)
    page.screenshot(path=str(shots / "apply-360.png"), full_page=True)

    page.get_by_role("button", name="Подать заявку").click()
    expect(page.get_by_role("status").filter(has_text="Заявка подана")).to_be_visible()
    expect(page.locator(".cabinet-status").first).to_have_text("Заявка подана")
    enrollment = Enrollment.objects.get()
    certificate = Certificate.objects.get(child=enrollment.child)
    assert enrollment.status == EnrollmentStatus.SUBMITTED and enrollment.certificate == certificate
    log_out(page)

    # 2. The provider: a password, the inbox, the offer.
    page.goto(f"{url}/accounts/login/")
    page.get_by_label("Имя пользователя").fill("teacher")
    page.get_by_label("Пароль").fill("password")
    page.get_by_role("button", name="Войти", exact=True).click()
    page.goto(f"{url}/workplace/")
    page.get_by_role("link", name=re.compile("^Заявки")).click()
    expect(page).to_have_url(f"{url}/workplace/applications/")
    card = page.locator(".inbox-item", has_text="Тестов Макар Олегович")
    expect(card).to_contain_text(f"№ {certificate.number}")
    card.get_by_role("button", name=re.compile("^Направить оферту")).click()
    expect(page.get_by_role("status").filter(has_text="Оферта направлена")).to_be_visible()
    _fits_the_phone(page)
    log_out(page)

    # 3. The mother again: the offer's terms, then «Принять».
    sign_in_on_gosuslugi(page, url, "Тестова", "Тестова Дарья Игоревна")
    expect(page).to_have_url(f"{url}/cabinet/")
    page.locator(".cabinet-nav").get_by_role("link", name="Заявки и договоры").click()
    page.get_by_role("link", name="Условия и принятие").click()
    offer = page.locator(".enroll-offer")
    expect(offer).to_contain_text("Группа 1")
    expect(offer).to_contain_text("Понедельник, 16:00–17:30")
    expect(offer).to_contain_text("За каждое посещённое занятие")
    expect(offer.locator(".quote__copayment td").first).to_have_text("100\u00a0₽")
    _fits_the_phone(page)
    page.screenshot(path=str(shots / "offer-360.png"), full_page=True)

    page.get_by_role("button", name="Принять").click()
    expect(page.get_by_role("status").filter(has_text="Договор заключён.")).to_be_visible()
    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.ACTIVE and enrollment.reserve_remaining > 0
    reserve = f"{enrollment.reserve_remaining:,.0f}".replace(",", "\u00a0") + "\u00a0₽"
    expect(page.locator(".enroll-reserve dd")).to_have_text(reserve)

    # 4. The personal account: the certificate with the reserve, and the contract in force.
    open_menu(page)
    page.get_by_role("link", name="Личный кабинет").click()
    child = page.locator(".cabinet-child")
    expect(child).to_contain_text(f"Сертификат № {certificate.number}")
    expect(child.locator(".cabinet-figures div", has_text="Зарезервировано").locator("dd")).to_have_text(reserve)
    page.locator(".cabinet-nav").get_by_role("link", name="Заявки и договоры").click()
    contract = page.locator(".cabinet-enrollment", has_text="Робототехника")
    expect(contract.locator(".cabinet-status")).to_have_text("Договор действует")
    _fits_the_phone(page)
