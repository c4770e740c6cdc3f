"""A new provider signs up on a phone, with real Chromium: a signed-in person fills the organisation's
details and the manager's login, submits, and lands on the workplace that shows the application waiting
for the municipality; a wrong ИНН first comes back with its message."""

import pytest
from django.db import connections
from playwright.sync_api import expect

from catalog.models import Provider
from core.validators import inn_with_checksum, ogrn_with_checksum
from tests.accounts.factories import ParentFactory
from tests.catalog.factories import MunicipalityFactory

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def db_in_browser_context():
    yield
    connections.close_all()


def test_a_sole_trader_signs_up_on_a_phone(phone_page, live_server, db_in_browser_context):
    MunicipalityFactory(name="Плавский район")
    ParentFactory(username="ivanova", last_name="Иванова", first_name="Анна")
    page, url = phone_page, live_server.url
    inn = inn_with_checksum("7105001234")

    page.goto(f"{url}/accounts/login/")
    page.get_by_label("Имя пользователя").fill("ivanova")
    page.get_by_label("Пароль").fill("password")
    page.get_by_role("button", name="Войти", exact=True).click()
    page.goto(f"{url}/")
    page.get_by_role("link", name="Подключить организацию").click()

    page.get_by_label("Индивидуальный предприниматель").check()
    page.get_by_label("Полное наименование").fill("Индивидуальный предприниматель Иванова Анна Петровна")
    page.get_by_label("ИНН").fill(inn[:-1] + str((int(inn[-1]) + 1) % 10))
    page.get_by_label("ОГРН / ОГРНИП").fill(ogrn_with_checksum("30471000000001"))
    page.get_by_label("Муниципалитет").select_option(label="Плавский район")
    page.get_by_label("Краткое наименование").fill("Студия рисунка Ивановой")
    page.get_by_label("Адрес").fill("г. Плавск, ул. Советская, 3")
    page.get_by_label("Телефон").fill("+7 900 111-22-33")
    page.get_by_label("E-mail").fill("studio@example.ru")
    expect(page.get_by_label("Фамилия руководителя")).to_have_value("Иванова")
    page.get_by_label("Логин для входа в кабинет организации").fill("ivanova-studio")
    page.get_by_label("Пароль").fill("Kruzhok-2026!")
    page.get_by_role("button", name="Отправить заявку").click()

    expect(page.get_by_text("ИНН индивидуального предпринимателя — 12 цифр")).to_be_visible()
    assert page.evaluate("() => document.documentElement.scrollWidth") <= page.viewport_size["width"]
    page.get_by_label("ИНН").fill(inn)
    page.get_by_label("Пароль").fill("Kruzhok-2026!")  # a password is never sent back
    page.get_by_role("button", name="Отправить заявку").click()

    expect(page.get_by_text("Заявка на подключение отправлена")).to_be_visible()
    expect(page.locator("#provider-status")).to_contain_text("Новая")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= page.viewport_size["width"]
    provider = Provider.objects.get(inn=inn)
    assert (provider.kind, provider.status, provider.licence_number) == ("IP", "NEW", "")
