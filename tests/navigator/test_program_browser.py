"""The program page on a phone (360 px): the cost of a month in the group (general, then for a signed-in
parent's child), each group's state, the provider's contacts; nothing wider than the screen.

A screenshot goes to docs/screenshots/ only with UPDATE_SCREENSHOTS=1.
"""

import datetime
import os
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.utils import timezone
from playwright.sync_api import expect

from catalog.groups import group_month_lessons
from catalog.models import DirectionCode, ScheduleSlot
from tests.accounts.factories import ParentFactory
from tests.browser import PHONE
from tests.catalog.factories import GroupFactory, ProgramFactory, ProviderFactory, ScheduleSlotFactory, direction
from tests.certificates.factories import certificate_with_money

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def days(n: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)


def rub(amount) -> str:
    return f"{int(amount):,}".replace(",", "\xa0") + "\xa0₽"


@pytest.fixture
def robotics():
    provider = ProviderFactory(
        short_name="ДДТ г. Плавска",
        phone="+7 (48752) 2-11-00",
        email="ddt@plavsk.ru",
        website="https://ddt-plavsk.ru/",
    )
    program = ProgramFactory(
        title="Робототехника на LEGO SPIKE",
        provider=provider,
        direction=direction(DirectionCode.TECHNICAL),
        lesson_price=Decimal("300.00"),
        normative_lesson_price=Decimal("250.00"),
    )
    running = GroupFactory(program=program, name="Группа 1", start_date=days(-60), end_date=days(200))
    upcoming = GroupFactory(program=program, name="Группа 2", start_date=days(20), end_date=days(220))
    closed = GroupFactory(program=program, name="Группа 3", start_date=days(-60), end_date=days(200))
    closed.enrollment_open = False
    closed.save()
    for group in (running, upcoming, closed):
        ScheduleSlotFactory(group=group, weekday=ScheduleSlot.Weekday.TUESDAY)
        ScheduleSlotFactory(group=group, weekday=ScheduleSlot.Weekday.FRIDAY)
    months = {g.name: group_month_lessons(g, today=timezone.localdate()) for g in (running, upcoming)}
    return program, months


def _fits_the_phone(page) -> None:
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]


def test_a_visitor_and_then_a_parent_see_the_month_cost_and_each_groups_state(
    live_server, phone_page, robotics, tmp_path
):
    program, months = robotics
    parent = ParentFactory()
    certificate_with_money(parent, nominal=Decimal("1000.00"), first_name="Пётр")
    signed_in = Client()
    signed_in.force_login(parent)
    session = signed_in.cookies[settings.SESSION_COOKIE_NAME].value
    connection.close()  # see test_catalog_browser: the test database must be droppable afterwards
    page = phone_page
    url = f"{live_server.url}/catalog/programs/{program.pk}/"

    page.goto(url)
    n = months["Группа 1"].lessons
    cost = page.get_by_test_id("month-cost")
    expect(cost).to_be_visible()
    expect(cost).to_contain_text(f"занятий по расписанию группы «Группа 1» — {n}.")
    expect(cost.locator("dd")).to_have_text([rub(300 * n), rub(250 * n), rub(50 * n)])
    expect(cost).to_contain_text("Войдите, чтобы увидеть расчёт по сертификату вашего ребёнка.")

    cards = page.locator(".group-card")
    expect(cards).to_have_count(3)
    expect(cards.nth(0).locator(".group-state")).to_have_text("Занятия идут, можно присоединиться")
    expect(cards.nth(1).locator(".group-state")).to_have_text("Набор закрыт")
    expect(cards.nth(2).locator(".group-state")).to_have_text("Идёт набор")
    expect(cards.nth(1).get_by_role("link", name="Записаться")).to_have_count(0)
    expect(cards.nth(2).get_by_test_id("group-month")).to_contain_text(f"занятий — {months['Группа 2'].lessons}")
    contacts = page.locator(".program-contacts")
    expect(contacts.get_by_role("link", name="+7 (48752) 2-11-00")).to_have_attribute("href", "tel:+74875221100")
    expect(contacts.get_by_role("link", name="ddt-plavsk.ru")).to_be_visible()
    expect(page.locator(".program-cover__placeholder")).to_be_visible()
    _fits_the_phone(page)
    shots = Path(settings.BASE_DIR, "docs", "screenshots") if os.environ.get("UPDATE_SCREENSHOTS") else tmp_path
    shots.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(shots / "program-month-cost-360.png"), full_page=True)

    # Signed in: the month for Пётр's certificate, whose 1 000 ₽ the lessons before the month use first.
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}])
    page.goto(url)
    before = months["Группа 1"].before
    certificate = min(250 * n, max(0, 1000 - 250 * before))
    expect(cost).to_contain_text("Расчёт для ребёнка: Пётр")
    expect(cost.locator("dd")).to_have_text([rub(300 * n), rub(certificate), rub(300 * n - certificate)])
    expect(cost).to_contain_text("Остатка на сертификате хватит не на все занятия")
    _fits_the_phone(page)
