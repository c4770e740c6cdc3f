"""A parent on a phone: searches with a misspelling from the home page, narrows the results by direction
and age (htmx swaps the results in place), opens the program and sees its group with the seats left.

Screenshots of the results and program pages go to docs/screenshots/ only with UPDATE_SCREENSHOTS=1.
"""

import datetime
import os
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone
from playwright.sync_api import expect

from catalog.models import DirectionCode, Program, ScheduleSlot
from catalog.services import search_vocabulary_refresh
from tests.browser import PHONE
from tests.catalog.factories import (
    GroupFactory,
    MunicipalityFactory,
    ProgramFactory,
    ProviderFactory,
    ScheduleSlotFactory,
    direction,
)
from tests.enrollments.factories import EnrollmentFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _program(title, code, ages, description, **kwargs):
    created = ProgramFactory(
        title=title,
        direction=direction(code),
        age_min=ages[0],
        age_max=ages[1],
        activity_type=kwargs.pop("activity_type", title),
        description=description,
        **kwargs,
    )
    today = timezone.localdate()
    group = GroupFactory(
        program=created,
        name="Группа 1",
        teacher="Иванова Мария Петровна",
        capacity=15,
        start_date=today + datetime.timedelta(days=10),
        end_date=today + datetime.timedelta(days=220),
    )
    return created, group


@pytest.fixture
def catalog_data():
    plavsk = MunicipalityFactory(name="Плавский район")
    ddt = ProviderFactory(short_name="ДДТ г. Плавска", municipality=plavsk)
    school = ProviderFactory(short_name="Плавская СОШ №1", municipality=plavsk)
    robotics, group = _program(
        "Робототехника",
        DirectionCode.TECHNICAL,
        (7, 12),
        "Собираем и программируем роботов на конструкторах LEGO.",
        provider=ddt,
        venue_address="г. Плавск, ул. Победы, д. 5",
        lesson_price=Decimal("300.00"),
        normative_lesson_price=Decimal("250.00"),
        rating=Decimal("4.80"),
        rating_count=12,
    )
    ScheduleSlotFactory(
        group=group, weekday=ScheduleSlot.Weekday.TUESDAY, start_time=datetime.time(16, 0), room="каб. 12"
    )
    ScheduleSlotFactory(
        group=group, weekday=ScheduleSlot.Weekday.THURSDAY, start_time=datetime.time(16, 0), room="каб. 12"
    )
    EnrollmentFactory(group=group)
    EnrollmentFactory(group=group, active=True)
    # Distractors: the same words in another direction, the same direction for older children, and
    # other directions and ages altogether.
    _program(
        "Юный инженер",
        DirectionCode.SCIENCE,
        (8, 12),
        "Механика, электричество и основы робототехники.",
        provider=school,
        funding=Program.Funding.FREE,
        lesson_price=Decimal("0"),
    )
    _program(
        "Робототехника: соревнования",
        DirectionCode.TECHNICAL,
        (13, 17),
        "Подготовка к олимпиадам.",
        provider=ddt,
        funding=Program.Funding.PAID,
        lesson_price=Decimal("400.00"),
    )
    _program("Рисование", DirectionCode.ARTS, (5, 10), "Акварель, гуашь и графика.", provider=ddt)
    _program("Шахматы", DirectionCode.SOCIAL, (6, 16), "Дебюты, тактика и турниры.", provider=school)
    _program("Футбол", DirectionCode.SPORTS, (7, 14), "Тренировки и игры.", provider=school)
    search_vocabulary_refresh()
    # Django's end-of-test cleanup runs after Playwright has left its event loop, in another context,
    # and would not close this connection: close it now, or the test database cannot be dropped.
    connection.close()
    return robotics


def _shots_dir(tmp_path: Path) -> Path:
    shots = Path(settings.BASE_DIR, "docs", "screenshots") if os.environ.get("UPDATE_SCREENSHOTS") else tmp_path
    shots.mkdir(parents=True, exist_ok=True)
    return shots


def _fits_the_phone(page) -> None:
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]


def test_misspelt_search_narrowed_by_direction_and_age_then_the_program(
    live_server, phone_page, catalog_data, tmp_path
):
    page = phone_page
    shots = _shots_dir(tmp_path)
    titles = page.locator(".catalog-card__title")

    # From the home page, with a misspelling.
    page.goto(live_server.url + "/")
    page.get_by_label("Поиск по каталогу программ").fill("робатотехника")
    page.get_by_role("button", name="Найти").click()
    page.wait_for_url("**/catalog/?q=*")
    expect(titles).to_have_count(3)
    expect(titles.filter(has_text="Робототехника")).to_have_count(2)
    expect(titles.filter(has_text="Юный инженер")).to_have_count(1)
    expect(page.get_by_role("status").filter(has_text="Найдено программ")).to_contain_text("3")
    _fits_the_phone(page)
    page.screenshot(path=str(shots / "catalog-results-360.png"), full_page=True)

    # Narrowing happens in place (htmx), so nothing reloads the page.
    page.evaluate("() => { window.stillTheSamePage = true; }")
    page.get_by_role("button", name="Фильтры").click()
    page.get_by_label("Техническая").check()
    expect(titles).to_have_count(2)
    expect(titles.filter(has_text="Юный инженер")).to_have_count(0)
    # The facet counts were swapped in too: science still counts its one match, with technical ticked.
    expect(page.locator("#facet-direction-science")).to_contain_text("1")

    page.get_by_label("Полных лет").fill("9")
    page.get_by_label("Полных лет").press("Tab")
    expect(titles).to_have_count(1)
    expect(titles.first).to_have_text("Робототехника")
    page.get_by_role("button", name="Показать 1 программу").click()
    assert page.evaluate("() => window.stillTheSamePage") is True
    page.wait_for_url("**direction=technical**")
    assert "age=9" in page.url

    # The pushed URL is a real page: open it afresh, as a parent sharing the link would.
    page.goto(page.url)
    expect(titles).to_have_count(1)
    assert page.get_by_label("Техническая").is_checked()
    assert page.get_by_label("Полных лет").input_value() == "9"
    _fits_the_phone(page)

    # The program page: its group, the weekly schedule and the seats left (15 − 2 occupied).
    page.get_by_role("link", name="Робототехника", exact=True).click()
    page.wait_for_url(f"**/catalog/programs/{catalog_data.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Робототехника")
    group = page.locator(".group-card")
    expect(group).to_have_count(1)
    expect(group).to_contain_text("Иванова Мария Петровна")
    expect(group).to_contain_text("Вторник")
    expect(group).to_contain_text("Четверг")
    expect(group).to_contain_text("16:00–17:30")
    expect(group.locator(".group-card__seats")).to_have_text("Свободных мест: 13 из 15")
    expect(page.get_by_text("Войдите, чтобы добавить в избранное")).to_be_visible()
    _fits_the_phone(page)
    page.screenshot(path=str(shots / "program-360.png"), full_page=True)


def test_typing_in_the_search_box_updates_the_results_and_suggests_titles(catalog_data, live_server, phone_page):
    page = phone_page
    titles = page.locator(".catalog-card__title")
    page.goto(live_server.url + "/catalog/")
    expect(titles).to_have_count(6)
    page.evaluate("() => { window.stillTheSamePage = true; }")

    # Typed as a phone keyboard does (text input events, no key codes).
    page.get_by_label("Что ищем").press_sequentially("шахм", delay=40)

    expect(titles).to_have_count(1)
    expect(titles.first).to_have_text("Шахматы")
    expect(page.locator("#catalog-suggestions option")).to_have_count(1)
    assert page.locator("#catalog-suggestions option").get_attribute("value") == "Шахматы"
    assert page.evaluate("() => window.stillTheSamePage") is True
    page.wait_for_url("**q=%D1%88%D0%B0%D1%85%D0%BC**")
