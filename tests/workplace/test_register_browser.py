"""The attendance register on a phone, with real Chromium: a teacher signs in with a password, opens
today's lesson from the workplace, taps «Все присутствовали», then «Нет» and «Уважит.» for two pupils,
saves once, and the marks are in the database; a correction then shows in the lesson's history.

A screenshot of the register at 360 px goes to docs/screenshots/ with UPDATE_SCREENSHOTS=1."""

import datetime
import os
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connections
from django.utils import timezone
from playwright.sync_api import expect

from billing.models import AttendanceCorrection, AttendanceMark
from tests.accounts.factories import ProviderStaffFactory
from tests.catalog.factories import GroupFactory, ProgramFactory, ProviderFactory, ScheduleSlotFactory
from tests.enrollments.factories import EnrollmentFactory

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]
TODAY = timezone.localdate()


@pytest.fixture
def portal(live_server):
    """A provider with a robotics group meeting today (and three days ago), three pupils with
    contracts, and its staff member «teacher»."""
    provider = ProviderFactory(short_name="ДДТ г. Плавска")
    group = GroupFactory(
        program=ProgramFactory(provider=provider, title="Робототехника"),
        name="Группа 1",
        teacher="Орлов Павел Игоревич",
        start_date=TODAY - datetime.timedelta(days=28),
        end_date=TODAY + datetime.timedelta(days=90),
    )
    ScheduleSlotFactory(group=group, weekday=TODAY.weekday(), start_time=datetime.time(16, 0))
    ScheduleSlotFactory(group=group, weekday=(TODAY - datetime.timedelta(days=3)).weekday())
    pupils = [
        EnrollmentFactory(
            group=group, active=True, child__last_name=last, child__first_name=first, child__middle_name=middle
        )
        for last, first, middle in (
            ("Антонов", "Пётр", "Сергеевич"),
            ("Борисова", "Анна", "Олеговна"),
            ("Власов", "Илья", "Андреевич"),
        )
    ]
    ProviderStaffFactory(username="teacher", provider=provider, first_name="Павел", last_name="Орлов")
    return {"url": live_server.url, "group": group, "pupils": pupils}


@pytest.fixture
def db_in_browser_context():
    """Queries made while Playwright's loop runs get their own connection: close it at the end, or the
    test database cannot be dropped."""
    yield
    connections.close_all()


def _fits_the_phone(page) -> None:
    assert page.evaluate("() => document.documentElement.scrollWidth") <= page.viewport_size["width"]


def _tap(page, pupil, short_label: str) -> None:
    page.locator(f"#pupil-{pupil.pk} label", has_text=short_label).click()


def test_a_teacher_marks_a_lesson_on_a_phone(phone_page, portal, db_in_browser_context, tmp_path):
    page = phone_page
    url, group, pupils = portal["url"], portal["group"], portal["pupils"]
    shots = Path(settings.BASE_DIR, "docs", "screenshots") if os.environ.get("UPDATE_SCREENSHOTS") else tmp_path
    shots.mkdir(parents=True, exist_ok=True)

    page.goto(f"{url}/accounts/login/")
    page.get_by_label("Имя пользователя").fill("teacher")
    page.get_by_label("Пароль").fill("password")
    page.get_by_role("button", name="Войти", exact=True).click()
    page.goto(f"{url}/workplace/")
    page.get_by_role("link", name="Журнал посещаемости", exact=True).click()
    card = page.locator(f"#register-group-{group.pk}")
    expect(card).to_contain_text("Сегодня занятие")
    card.get_by_role("link", name="Открыть журнал").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Робототехника")
    expect(page.locator("#register-date")).to_have_value(TODAY.isoformat())
    expect(page.locator(".register-pupil")).to_have_count(3)
    page.get_by_role("button", name="Все присутствовали").click()
    expect(page.get_by_role("status").filter(has_text="Все отмечены присутствующими")).to_be_visible()
    for pupil in pupils:
        expect(page.locator(f"#mark-{pupil.pk}-PRESENT")).to_be_checked()
    assert not AttendanceMark.objects.exists()  # ticking is not saving
    _tap(page, pupils[1], "Нет")
    _tap(page, pupils[2], "Уважит.")
    expect(page.locator(f"#mark-{pupils[1].pk}-ABSENT")).to_be_checked()
    _fits_the_phone(page)
    # A full-page picture would pin the sticky «Сохранить» bar to where the viewport ends, mid-page.
    page.add_style_tag(content=".register-save { position: static; }")
    page.screenshot(path=str(shots / "register-360.png"), full_page=True)

    page.get_by_role("button", name="Сохранить").click()

    expect(page.get_by_role("status").filter(has_text="сохранён")).to_contain_text("Отмечено учеников: 3.")
    saved = {m.enrollment_id: (m.status, m.version) for m in AttendanceMark.objects.filter(lesson__date=TODAY)}
    assert saved == {pupils[0].pk: ("PRESENT", 1), pupils[1].pk: ("ABSENT", 1), pupils[2].pk: ("EXCUSED", 1)}
    expect(page.locator(f"#mark-{pupils[1].pk}-ABSENT")).to_be_checked()

    # Борисова came late after all: one tap and «Сохранить» again; the history tells who changed what.
    _tap(page, pupils[1], "Есть")
    page.get_by_role("button", name="Сохранить").click()

    expect(page.get_by_role("status").filter(has_text="сохранён")).to_contain_text("Исправлено отметок: 1.")
    history = page.locator(".register-history__list li")
    expect(history).to_have_count(1)
    expect(history).to_contain_text("Павел Орлов: Борисова Анна Олеговна")
    expect(history).to_contain_text("«Отсутствовал» → «Присутствовал» (версия 2)")
    correction = AttendanceCorrection.objects.get()
    assert (correction.old_status, correction.new_status, correction.new_version) == ("ABSENT", "PRESENT", 2)
    _fits_the_phone(page)

    # The previous lesson is one tap away, and still unmarked.
    page.get_by_role("link", name="Предыдущее занятие").click()
    expect(page.locator("#register-date")).to_have_value((TODAY - datetime.timedelta(days=3)).isoformat())
    expect(page.locator(".register-pupil input:checked")).to_have_count(0)
