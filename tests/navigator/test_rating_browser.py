"""Rating a program on a phone, with real Chromium: a mother whose son's contract started over a month
ago opens the contract, rates the program on the four scores with a comment, sees it awaiting moderation;
once a municipal officer publishes it, the program page shows it with the new mean. A screenshot of the
program's ratings goes to docs/screenshots/ with UPDATE_SCREENSHOTS=1."""

import datetime
import os
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone
from playwright.sync_api import expect

from catalog.models import Program
from enrollments.models import ProgramRating
from enrollments.ratings import rating_answer, rating_publish
from tests.accounts.factories import MunicipalStaffFactory, ProviderStaffFactory
from tests.catalog.factories import GroupFactory, ProgramFactory
from tests.enrollments.factories import EnrollmentFactory, parent_of
from tests.navigator.cabinet import signed_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def family():
    program = ProgramFactory(title="Робототехника")
    today = timezone.localdate()
    # The contract's dates set in the past: it started five weeks ago.
    contract = EnrollmentFactory(
        active=True,
        group=GroupFactory(program=program, start_date=today - datetime.timedelta(days=60)),
        starts_on=today - datetime.timedelta(days=35),
    )
    cookie = signed_in(parent_of(contract.child)).cookies[settings.SESSION_COOKIE_NAME].value
    connection.close()
    return {"contract": contract, "program": program, "cookie": cookie}


def _shots_dir(tmp_path: Path) -> Path:
    shots = Path(settings.BASE_DIR, "docs", "screenshots") if os.environ.get("UPDATE_SCREENSHOTS") else tmp_path
    shots.mkdir(parents=True, exist_ok=True)
    return shots


def _fits(page) -> None:
    assert page.evaluate("() => document.documentElement.scrollWidth") <= page.viewport_size["width"]


def test_a_parent_rates_a_program_after_a_month_and_sees_it_after_moderation(live_server, phone_page, family, tmp_path):
    page = phone_page
    contract, program = family["contract"], family["program"]
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": family["cookie"], "url": live_server.url}]
    )

    page.goto(f"{live_server.url}/cabinet/enrollments/{contract.pk}/")
    section = page.locator(".contract-rating")
    expect(section.get_by_role("heading")).to_have_text("Оценка программы")
    section.get_by_role("link", name="Оценить программу").click()

    expect(page.get_by_role("heading", name="Оценить программу")).to_be_visible()
    _fits(page)
    # Sent without the overall score: the form says what is missing and keeps the rest.
    for legend, score in (("Результаты", "5"), ("Педагоги", "5"), ("Материально-техническая база", "3")):
        page.get_by_role("group", name=legend).get_by_text(score, exact=True).click()
    page.get_by_label("Комментарий (необязательно)").fill("Сын собрал первого робота, ходит с удовольствием.")
    page.get_by_role("button", name="Отправить оценку").click()
    expect(page.get_by_role("group", name="Общая оценка")).to_contain_text("Поставьте оценку от 1 до 5.")
    expect(page.get_by_role("group", name="Результаты").get_by_role("radio", name="5")).to_be_checked()
    page.get_by_role("group", name="Общая оценка").get_by_text("4", exact=True).click()
    page.get_by_role("button", name="Отправить оценку").click()

    expect(page.get_by_role("status").filter(has_text="Оценка отправлена")).to_be_visible()
    expect(section.locator(".cabinet-status")).to_have_text("На модерации")
    expect(section.get_by_role("link", name="Оценить программу")).to_have_count(0)
    _fits(page)

    # Not public before moderation.
    page.goto(f"{live_server.url}/catalog/programs/{program.pk}/")
    expect(page.locator(".program-ratings")).to_contain_text("Оценок пока нет")

    rating = ProgramRating.objects.get(enrollment=contract)
    assert (rating.results, rating.teachers, rating.facilities, rating.overall) == (5, 5, 3, 4)
    rating_publish(actor=MunicipalStaffFactory(), rating_id=rating.pk)
    rating_answer(
        staff=ProviderStaffFactory(provider=program.provider), rating_id=rating.pk, answer="Спасибо! Ждём на занятиях."
    )
    assert Program.objects.get(pk=program.pk).rating_count == 1
    connection.close()

    page.goto(f"{live_server.url}/catalog/programs/{program.pk}/")
    ratings = page.locator(".program-ratings")
    expect(page.locator(".program-head__rating")).to_contain_text("из 5 (оценок: 1)")
    expect(ratings.locator(".program-rating")).to_have_count(1)
    expect(ratings).to_contain_text("Сын собрал первого робота")
    expect(ratings.locator(".rating-answer")).to_contain_text("Спасибо! Ждём на занятиях.")
    _fits(page)
    ratings.screenshot(path=str(_shots_dir(tmp_path) / "program-ratings-360.png"))

    page.goto(f"{live_server.url}/cabinet/enrollments/{contract.pk}/")
    expect(page.locator(".contract-rating .cabinet-status")).to_have_text("Опубликована")
    connection.close()
