"""The catalog on a 360-px phone: the filters are a sheet over the results with «Показать N программ»,
the count and the chosen filters (removable chips) sit at the top of the results; a search is one
request, Enter or not; without JavaScript the same page is a plain form.

Screenshots of the results with the sheet closed and open go to docs/screenshots/ only with
UPDATE_SCREENSHOTS=1.
"""

import os
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from playwright.sync_api import expect

from catalog.models import DirectionCode, Program
from catalog.services import search_vocabulary_refresh
from tests.browser import PHONE
from tests.catalog.factories import MunicipalityFactory, ProviderFactory
from tests.navigator.test_catalog_browser import _program

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def six_programs():
    plavsk = MunicipalityFactory(name="Плавский район")
    ddt = ProviderFactory(short_name="ДДТ г. Плавска", municipality=plavsk)
    school = ProviderFactory(short_name="Плавская СОШ №1", municipality=plavsk)
    _program("Робототехника", DirectionCode.TECHNICAL, (7, 12), "Роботы на LEGO.", provider=ddt)
    _program(
        "Робототехника: соревнования",
        DirectionCode.TECHNICAL,
        (13, 17),
        "Олимпиады.",
        provider=ddt,
        funding=Program.Funding.PAID,
        lesson_price=Decimal("400.00"),
    )
    _program("Юный инженер", DirectionCode.SCIENCE, (8, 12), "Механика.", provider=school)
    _program("Рисование", DirectionCode.ARTS, (5, 10), "Акварель.", provider=ddt)
    _program("Шахматы", DirectionCode.SOCIAL, (6, 16), "Дебюты.", provider=school)
    _program("Футбол", DirectionCode.SPORTS, (7, 14), "Тренировки.", provider=school)
    search_vocabulary_refresh()
    # Playwright's loop leaves this connection behind otherwise, and the test database cannot be dropped.
    connection.close()


def _shots_dir(tmp_path: Path) -> Path:
    shots = Path(settings.BASE_DIR, "docs", "screenshots") if os.environ.get("UPDATE_SCREENSHOTS") else tmp_path
    shots.mkdir(parents=True, exist_ok=True)
    return shots


def _catalog_requests(page) -> list[str]:
    """Every request for catalog results the page sends from now on (the search box's title suggestions
    are another URL), aborted ones included."""
    sent: list[str] = []
    page.on("request", lambda request: re.search(r"/catalog/(\?|$)", request.url) and sent.append(request.url))
    return sent


def _settled(page) -> None:
    """Long enough for the search box's 300-ms typing delay to have fired, and no request in flight."""
    page.wait_for_timeout(700)
    expect(page.locator("#catalog-results.htmx-request")).to_have_count(0)


def test_the_filter_sheet_shows_its_count_and_the_results_carry_the_count_and_chips(
    live_server, phone_page, six_programs, tmp_path
):
    page = phone_page
    shots = _shots_dir(tmp_path)
    titles = page.locator(".catalog-card__title")
    sheet = page.locator("#catalog-filters")
    show = page.locator("#catalog-sheet-show")
    total = page.locator(".catalog-total")

    page.goto(live_server.url + "/catalog/")
    expect(titles).to_have_count(6)
    # Closed, the sheet takes no room: the count is on the first screen, above the cards.
    expect(sheet).to_be_hidden()
    expect(total).to_have_text("Найдено программ: 6")
    assert total.bounding_box()["y"] + total.bounding_box()["height"] <= PHONE["height"]
    assert total.bounding_box()["y"] < titles.first.bounding_box()["y"]
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]

    sent = _catalog_requests(page)
    page.get_by_role("button", name="Фильтры").click()
    expect(sheet).to_be_visible()
    expect(page.get_by_role("dialog", name="Фильтры")).to_be_visible()
    expect(show).to_have_text("Показать 6 программ")

    # Each filter updates the sheet's button (the results behind it are searched as it changes).
    sheet.get_by_label("Техническая").check()
    expect(show).to_have_text("Показать 2 программы")
    page.screenshot(path=str(shots / "catalog-sheet-open-360.png"))
    # The age applies when the field is left, here by tapping «Показать».
    sheet.get_by_label("Полных лет").fill("9")
    show.click()

    expect(sheet).to_be_hidden()
    expect(titles).to_have_count(1)
    expect(titles.first).to_have_text("Робототехника")
    expect(total).to_have_text("Найдено программ: 1")
    chips = page.locator(".catalog-chip")
    expect(chips).to_have_text([re.compile("^Техническая"), re.compile("^Возраст: 9")])
    assert total.bounding_box()["y"] < chips.first.bounding_box()["y"] < titles.first.bounding_box()["y"]
    expect(page.get_by_role("button", name="Фильтры")).to_contain_text("2")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path=str(shots / "catalog-sheet-closed-360.png"))
    page.wait_for_url("**direction=technical**")
    assert "age=9" in page.url
    # Two changes, two searches; «Показать» only closed the sheet (its search was the one just sent).
    _settled(page)
    assert len(sent) == 2, sent

    # A chip removes its filter: the form follows, and so do the results and the address.
    chips.filter(has_text="Техническая").click()
    expect(titles).to_have_count(5)
    expect(chips).to_have_text([re.compile("^Возраст: 9")])
    expect(page.get_by_role("button", name="Фильтры")).to_contain_text("1")
    page.get_by_role("button", name="Фильтры").click()
    expect(sheet.get_by_label("Техническая")).not_to_be_checked()
    expect(show).to_have_text("Показать 5 программ")
    page.wait_for_url(re.compile(r"^(?!.*direction=technical)"))


def test_enter_in_the_search_box_sends_one_request(live_server, phone_page, six_programs):
    page = phone_page
    titles = page.locator(".catalog-card__title")
    page.goto(live_server.url + "/catalog/")
    expect(titles).to_have_count(6)
    sent = _catalog_requests(page)

    # Typed and sent with Enter at once (before the typing delay runs out).
    search = page.get_by_label("Что ищем")
    search.fill("шахматы")
    search.press("Enter")
    expect(titles).to_have_count(1)
    _settled(page)
    assert len(sent) == 1, sent

    # Typed, searched as typed, then Enter: the same search is not sent again.
    search.fill("футбол")
    expect(titles).to_have_text(["Футбол"])
    search.press("Enter")
    _settled(page)
    assert len(sent) == 2, sent

    # Enter in a filter field (change, then submit) is one search too.
    search.fill("")
    search.press("Enter")
    expect(titles).to_have_count(6)
    page.get_by_role("button", name="Фильтры").click()
    page.get_by_label("Полных лет").fill("15")
    page.get_by_label("Полных лет").press("Enter")
    expect(titles).to_have_text(["Робототехника: соревнования", "Шахматы"])
    _settled(page)
    assert len(sent) == 4, sent


def test_without_javascript_the_sheet_is_a_plain_form(live_server, phone_page, six_programs):
    browser = phone_page.context.browser
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(live_server.url + "/catalog/")
        sheet = page.locator("#catalog-filters")
        expect(sheet).to_be_hidden()
        page.get_by_role("button", name="Фильтры").click()  # a link to the sheet's #fragment
        expect(sheet).to_be_visible()
        sheet.get_by_label("Художественная").check()
        sheet.get_by_role("button", name=re.compile("^Показать")).click()
        page.wait_for_url("**direction=arts**")
        expect(sheet).to_be_hidden()
        expect(page.locator(".catalog-card__title")).to_have_text(["Рисование"])
        chip = page.locator(".catalog-chip")
        expect(chip).to_have_count(1)
        chip.click()  # a plain link to the same search without the filter
        expect(page.locator(".catalog-card__title")).to_have_count(6)
        assert "direction" not in page.url
    finally:
        context.close()
