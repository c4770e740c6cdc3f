"""A municipal operator at a desk, with real Chromium: signs in to /admin/ and finds the dashboard of
their municipality with its charts and tables. The screenshot kept in docs/admin-dashboard.png comes
from here (UPDATE_SCREENSHOTS=1).

`admin_sign_in` and `expect_dashboard_charts` are the steps the full acceptance test reuses (certify a
program, then see the dashboard)."""

import os
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connections
from playwright.sync_api import expect

from accounts.roles import MUNICIPAL, role_group
from tests.accounts.factories import MunicipalStaffFactory
from tests.municipal.dashboard_data import build_region

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]
CHARTS = ("chart-limits", "chart-months", "chart-directions", "chart-programs", "chart-disputes")


@pytest.fixture
def db_in_browser_context():
    yield
    connections.close_all()


def admin_sign_in(page, base_url: str, username: str, password: str = "password") -> None:
    page.goto(f"{base_url}/admin/login/?next=/admin/")
    page.get_by_label("Имя пользователя").fill(username)
    page.get_by_label("Пароль").fill(password)
    page.get_by_role("button", name="Войти").click()
    page.wait_for_url(f"{base_url}/admin/")


def expect_dashboard_charts(page, municipality_name: str) -> None:
    """The dashboard's heading names the municipality, and each chart is drawn, with its table."""
    dashboard = page.locator("#dashboard")
    expect(dashboard.get_by_role("heading", name=f"Сводка: {municipality_name}")).to_be_visible()
    for chart in CHARTS:
        card = page.locator(f"#{chart}")
        expect(card.locator("svg.pygal-chart")).to_be_visible()
        expect(card.locator("table")).to_be_visible()
        # Drawn, not an empty frame: pygal draws each value as a bar, a slice or a point.
        assert card.locator("svg .series").count() >= 1


def test_a_municipal_operator_sees_the_dashboard_charts(desktop_page, live_server, db_in_browser_context, tmp_path):
    shots = Path(settings.BASE_DIR, "docs") if os.environ.get("UPDATE_SCREENSHOTS") else tmp_path
    region = build_region()
    operator = MunicipalStaffFactory(username="plavsk", municipality=region.own)
    operator.groups.add(role_group(MUNICIPAL))
    page = desktop_page

    admin_sign_in(page, live_server.url, "plavsk")

    expect_dashboard_charts(page, "Плавский район")
    programs = page.locator("#chart-programs table")
    expect(programs).to_contain_text("Шахматы")
    expect(programs).not_to_contain_text("Гитара")
    # The app list stays on the page, below the dashboard.
    expect(page.locator("#content-main .app-catalog, #content-main .module caption").first).to_be_visible()
    page.locator("#dashboard").screenshot(path=str(shots / "admin-dashboard.png"))
