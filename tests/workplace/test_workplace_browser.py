"""The workplace on a phone, with real Chromium: a manager signs in and lands on the workplace home
(today's lesson listed), opens the group's lesson calendar, cancels the next lesson with a reason (the
parents get a notice), sees the pupils and the month's earnings; every page fits 360 px."""

import datetime

import pytest
from django.db import connections
from django.utils import timezone
from playwright.sync_api import expect

from billing.models import Lesson
from notices.models import Notification
from tests.accounts.factories import ProviderStaffFactory
from tests.catalog.factories import GroupFactory, ProgramFactory, ProviderFactory, ScheduleSlotFactory
from tests.enrollments.factories import EnrollmentFactory

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]
TODAY = timezone.localdate()
NEXT = TODAY + datetime.timedelta(days=2)


@pytest.fixture
def portal(live_server):
    provider = ProviderFactory(short_name="ДДТ г. Плавска")
    group = GroupFactory(
        program=ProgramFactory(provider=provider, title="Робототехника"),
        name="Группа 1",
        start_date=TODAY - datetime.timedelta(days=28),
        end_date=TODAY + datetime.timedelta(days=90),
    )
    ScheduleSlotFactory(group=group, weekday=TODAY.weekday(), start_time=datetime.time(16, 0))
    ScheduleSlotFactory(group=group, weekday=NEXT.weekday(), start_time=datetime.time(17, 0))
    pupil = EnrollmentFactory(group=group, active=True, child__last_name="Антонов")
    ProviderStaffFactory(username="manager", provider=provider)
    yield {"url": live_server.url, "group": group, "pupil": pupil}
    connections.close_all()


def _fits_the_phone(page) -> None:
    assert page.evaluate("() => document.documentElement.scrollWidth") <= page.viewport_size["width"]


def test_a_manager_cancels_a_lesson_on_a_phone(phone_page, portal):
    page, url, group = phone_page, portal["url"], portal["group"]

    page.goto(f"{url}/accounts/login/")
    page.get_by_label("Имя пользователя").fill("manager")
    page.get_by_label("Пароль").fill("password")
    page.get_by_role("button", name="Войти", exact=True).click()

    expect(page).to_have_url(f"{url}/workplace/")
    today = page.locator(".today-lesson")
    expect(today).to_have_count(1)
    expect(today).to_contain_text("16:00")
    _fits_the_phone(page)
    today.get_by_role("link", name="Календарь занятий").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Робототехника")
    coming = page.locator(".lessons-coming .lesson").filter(has_text=NEXT.strftime("%d.%m.%Y"))
    _fits_the_phone(page)
    coming.get_by_role("link", name="Отменить").click()
    page.get_by_label("Причина отмены").fill("Педагог на курсах")
    page.get_by_role("button", name="Отменить занятие").click()

    expect(page.get_by_role("status").filter(has_text="отменено")).to_contain_text("родители извещены")
    expect(page.locator(".lessons-coming .lesson").filter(has_text=NEXT.strftime("%d.%m.%Y")).first).to_contain_text(
        "Педагог на курсах"
    )
    assert Lesson.objects.get(group=group, date=NEXT).cancelled
    assert Notification.objects.filter(title=f"Занятие {NEXT:%d.%m.%Y} отменено").count() == 1

    page.get_by_role("link", name="Ученики группы").click()
    expect(page.locator(".pupil")).to_contain_text("Антонов")
    _fits_the_phone(page)
    page.goto(f"{url}/workplace/earnings/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Заработок по месяцам")
    _fits_the_phone(page)
