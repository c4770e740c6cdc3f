"""The home page in a real Chromium at phone size: no sideways scroll, visible header and search, the
skip link first in the tab order, and our stylesheet really applied."""

import os
from pathlib import Path

import pytest
from django.conf import settings

from tests.browser import PHONE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_home_page_fits_a_360_px_phone(live_server, phone_page, tmp_path):
    page = phone_page
    response = page.goto(live_server.url + "/")
    assert response.status == 200
    page.wait_for_load_state("load")

    # Our stylesheet (portal.css) and Bootstrap both loaded and applied.
    header_topbar_bg = page.eval_on_selector(".portal-topbar", "el => getComputedStyle(el).backgroundColor")
    assert header_topbar_bg == "rgb(11, 31, 75)"
    search_button_bg = page.eval_on_selector(
        ".portal-search .btn-primary", "el => getComputedStyle(el).backgroundColor"
    )
    assert search_button_bg == "rgb(13, 76, 211)"
    assert page.evaluate("() => typeof window.htmx") == "object"

    # No horizontal scroll on a phone.
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]

    # Header and search box are visible.
    assert page.get_by_role("link", name="Навигатор дополнительного образования").is_visible()
    assert page.get_by_label("Поиск по каталогу программ").is_visible()
    assert page.locator(".portal-direction").count() == 6

    # The committed picture in docs/ is refreshed only on request, so a test run leaves the tree clean.
    shots = Path(settings.BASE_DIR, "docs", "screenshots") if os.environ.get("UPDATE_SCREENSHOTS") else tmp_path
    shots.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(shots / "home-360.png"), full_page=True)

    # The first Tab lands on the skip link, which then becomes visible.
    page.keyboard.press("Tab")
    focused = page.evaluate(
        "() => ({cls: document.activeElement.className, href: document.activeElement.getAttribute('href')})"
    )
    assert focused == {"cls": "skip-link", "href": "#main"}
    box = page.locator(".skip-link").bounding_box()
    assert box is not None and box["y"] >= 0
    assert page.eval_on_selector(".skip-link", "el => getComputedStyle(el).outlineStyle") != "none"

    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "main"
