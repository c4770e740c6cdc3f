"""Child-first browsing on a phone: a signed-in parent opens the catalog, picks her son in «Для кого ищем»,
and the results are those whose groups take him at the age he will be when they start, marked «Подходит»;
her favourite is marked too. «Любой ребёнок» brings every program back.

The parent is signed in with a session made on the server (the session cookie put into the browser), as
a Gosuslugi login would leave it. The screenshot goes to docs/screenshots/ only with UPDATE_SCREENSHOTS=1.
"""

import datetime
import os
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone
from playwright.sync_api import expect

from tests.accounts.factories import ParentFactory
from tests.catalog.factories import FavouriteFactory, GroupFactory, ProgramFactory
from tests.certificates.factories import ChildFactory
from tests.navigator.cabinet import signed_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def family():
    today = timezone.localdate()
    in_days = lambda n: today + datetime.timedelta(days=n)  # noqa: E731
    parent = ParentFactory(last_name="Смирнова", first_name="Елена")
    # 6 today, 7 in 20 days: the September-like group in a month takes him, the one starting sooner does not.
    birthday = (today.replace(day=28) if (today.month, today.day) == (2, 29) else today).replace(year=today.year - 7)
    ChildFactory(parents=[parent], first_name="Артём", birth_date=birthday + datetime.timedelta(days=20))
    fits = ProgramFactory(title="Шахматы для первоклассников", age_min=7, age_max=9)
    too_soon = ProgramFactory(title="Шахматы, группа с ближайшим стартом", age_min=7, age_max=9)
    too_old = ProgramFactory(title="Шахматы для старших", age_min=12, age_max=14)
    GroupFactory(program=fits, start_date=in_days(30), end_date=in_days(250))
    GroupFactory(program=too_soon, start_date=in_days(10), end_date=in_days(250))
    GroupFactory(program=too_old, start_date=in_days(30), end_date=in_days(250))
    FavouriteFactory(user=parent, program=fits)
    cookie = signed_in(parent).cookies[settings.SESSION_COOKIE_NAME].value
    connection.close()  # see tests/navigator/test_cabinet_browser.py: Playwright's loop and the cleanup
    return {"cookie": cookie}


def test_parent_picks_her_son_and_sees_what_fits_him(live_server, phone_page, family, tmp_path):
    page = phone_page
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": family["cookie"], "url": live_server.url}]
    )

    page.goto(live_server.url + "/catalog/?q=шахматы")
    cards = page.locator(".catalog-card")
    expect(cards).to_have_count(3)
    chooser = page.get_by_role("form", name="Для кого ищем?")
    expect(chooser).to_be_visible()

    chooser.get_by_role("button", name="Артём, полных лет: 6").click()
    page.wait_for_url("**/catalog/?birth_date=*")
    expect(cards).to_have_count(1)
    fitting = cards.first
    expect(fitting.get_by_role("heading", level=2)).to_have_text("Шахматы для первоклассников")
    expect(fitting.locator(".catalog-mark--fits")).to_have_text("✓ Подходит: Артём, к началу занятий полных лет: 7")
    expect(fitting.locator(".catalog-mark--favourite")).to_have_text("★ В избранном")
    expect(chooser.get_by_role("button", name="Артём, полных лет: 6")).to_have_attribute("aria-pressed", "true")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= page.viewport_size["width"]
    shots = Path(settings.BASE_DIR, "docs", "screenshots") if os.environ.get("UPDATE_SCREENSHOTS") else tmp_path
    shots.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(shots / "catalog-child-360.png"), full_page=True)

    # Back to every child's programs: the search words stay, the marks too.
    chooser.get_by_role("button", name="Любой ребёнок").click()
    page.wait_for_url("**/catalog/?q=*")
    expect(cards).to_have_count(3)
    expect(page.locator(".catalog-mark--fits")).to_have_count(0)
    expect(page.locator(".catalog-mark--favourite")).to_have_count(1)
