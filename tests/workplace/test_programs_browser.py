"""A provider's manager on a phone, with real Chromium: creates a program, adds a group with a weekly
schedule, sends the program to certification; once the municipality certifies it (through the service),
the program is in the catalog with its schedule and seats.

Screenshots of both forms at 360 px go to docs/screenshots/ with UPDATE_SCREENSHOTS=1."""

import datetime
import os
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connections
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from catalog.models import Group, Program
from catalog.programs import program_certify
from tests.accounts.factories import MunicipalStaffFactory, ProviderStaffFactory
from tests.catalog.factories import ProviderFactory

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]
TODAY = timezone.localdate()


@pytest.fixture
def db_in_browser_context():
    yield
    connections.close_all()


def _fits_the_phone(page) -> None:
    assert page.evaluate("() => document.documentElement.scrollWidth") <= page.viewport_size["width"]


def test_a_manager_creates_a_program_with_a_group_on_a_phone(phone_page, live_server, db_in_browser_context, tmp_path):
    shots = Path(settings.BASE_DIR, "docs", "screenshots") if os.environ.get("UPDATE_SCREENSHOTS") else tmp_path
    shots.mkdir(parents=True, exist_ok=True)
    provider = ProviderFactory(short_name="ДДТ г. Плавска")
    ProviderStaffFactory(username="manager", provider=provider)
    municipal = MunicipalStaffFactory(municipality=provider.municipality)
    page, url = phone_page, live_server.url

    page.goto(f"{url}/accounts/login/")
    page.get_by_label("Имя пользователя").fill("manager")
    page.get_by_label("Пароль").fill("password")
    page.get_by_role("button", name="Войти", exact=True).click()
    page.goto(f"{url}/workplace/")
    page.get_by_role("link", name="Программы", exact=True).click()
    page.get_by_role("link", name="Новая программа").click()
    page.get_by_label("Название", exact=True).fill("Шахматная школа")
    page.get_by_label("Описание").fill("Правила, дебюты и турниры для начинающих.")
    page.get_by_label("Направленность").select_option(label="Физкультурно-спортивная")
    page.get_by_label("Вид деятельности").fill("Шахматы")
    page.get_by_label("Возраст от").fill("7")
    page.get_by_label("Возраст до").fill("12")
    page.get_by_label("Адрес проведения").fill("г. Плавск, ул. Советская, 3")
    page.get_by_label("Стоимость занятия", exact=True).fill("200")
    page.get_by_label("Нормативная стоимость занятия").fill("250")
    _fits_the_phone(page)
    page.screenshot(path=str(shots / "program-form-360.png"), full_page=True)
    page.get_by_role("button", name="Сохранить").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Шахматная школа")

    page.get_by_role("link", name="Добавить группу").click()
    page.get_by_label("Название группы").fill("Младшая группа")
    page.get_by_label("ФИО педагога").fill("Иванова Анна Петровна")
    page.get_by_label("Мест").fill("12")
    page.get_by_label("Окончание занятий").fill((TODAY + datetime.timedelta(days=120)).isoformat())
    page.locator("#id_slot-0-weekday").select_option(label="вторник")
    page.locator("#id_slot-0-start").fill("16:00")
    page.locator("#id_slot-0-end").fill("17:30")
    page.locator("#id_slot-0-room").fill("каб. 5")
    _fits_the_phone(page)
    page.screenshot(path=str(shots / "group-form-360.png"), full_page=True)
    page.get_by_role("button", name="Сохранить").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Группы")
    expect(page.get_by_text("мест свободно: 12 из 12")).to_be_visible()

    page.get_by_role("link", name="Программы", exact=True).click()
    page.get_by_role("link", name="Шахматная школа").click()
    page.get_by_role("button", name="Отправить на сертификацию").click()
    expect(page.get_by_text("Программа отправлена на сертификацию.")).to_be_visible()

    program = Program.objects.get(title="Шахматная школа")
    assert program.status == Program.Status.ON_REVIEW
    assert Group.objects.get(program=program).start_date == TODAY
    program_certify(actor=municipal, program_id=program.pk)

    page.goto(f"{url}{reverse('program', args=[program.pk])}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Шахматная школа")
    expect(page.get_by_role("heading", name="Младшая группа")).to_be_visible()
    expect(page.get_by_text("16:00–17:30")).to_be_visible()
    expect(page.get_by_text("Свободных мест: 12 из 12")).to_be_visible()
    _fits_the_phone(page)
