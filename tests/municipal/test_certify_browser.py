"""Issue 13's acceptance in real Chromium: a municipal operator signs in to /admin/, certifies a
program waiting for review with a comment (the action's confirmation page, through the service), the
program is then listed in the parents' catalog, and the admin index shows the dashboard's charts.

The screenshot of the whole admin index goes to docs/screenshots/admin-index.png with
UPDATE_SCREENSHOTS=1 (the dashboard alone: tests/municipal/test_dashboard_browser.py)."""

import os
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.urls import reverse
from playwright.sync_api import expect

from accounts.roles import MUNICIPAL, role_group
from catalog.models import Program
from tests.accounts.factories import MunicipalStaffFactory
from tests.catalog.factories import GroupFactory, ProgramFactory, ProviderFactory
from tests.municipal.dashboard_data import build_region
from tests.municipal.test_dashboard_browser import admin_sign_in, db_in_browser_context, expect_dashboard_charts

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]
__all__ = ["db_in_browser_context"]  # the fixture, imported for this module's tests

TITLE = "Юные астрономы"


def test_an_operator_certifies_a_program_and_sees_the_dashboard(
    desktop_page, live_server, db_in_browser_context, tmp_path
):
    shots = Path(settings.BASE_DIR, "docs", "screenshots") if os.environ.get("UPDATE_SCREENSHOTS") else tmp_path
    shots.mkdir(parents=True, exist_ok=True)
    region = build_region()
    provider = ProviderFactory(municipality=region.own, short_name="Планетарий Плавска")
    program = ProgramFactory(provider=provider, title=TITLE, status=Program.Status.ON_REVIEW)
    GroupFactory(program=program, name="Старшая группа", capacity=15)
    operator = MunicipalStaffFactory(username="plavsk", municipality=region.own)
    operator.groups.add(role_group(MUNICIPAL))
    page = desktop_page
    url = live_server.url

    # Not in the catalog while on review.
    page.goto(f"{url}{reverse('catalog')}?q=астрономы")
    expect(page.get_by_role("link", name=TITLE)).to_have_count(0)

    admin_sign_in(page, url, "plavsk")
    page.goto(f"{url}{reverse('admin:catalog_program_changelist')}?status__exact=ON_REVIEW")
    row = page.locator("#result_list tbody tr", has_text=TITLE)
    row.locator("input.action-select").check()
    page.locator("select[name=action]").select_option("certify")
    page.get_by_role("button", name="Выполнить").click()

    # The confirmation page names the program and asks for a comment before anything changes.
    expect(page.get_by_text(TITLE)).to_be_visible()
    assert Program.objects.get(pk=program.pk).status == Program.Status.ON_REVIEW
    page.get_by_label("Комментарий").fill("Документы проверены, программа соответствует требованиям.")
    page.get_by_role("button", name="Подтвердить").click()
    expect(page.locator(".messagelist")).to_contain_text("Готово: 1.")

    program.refresh_from_db()
    assert program.status == Program.Status.CERTIFIED
    entry = LogEntry.objects.get(object_id=str(program.pk), content_type__model="program")
    assert entry.user_id == operator.pk and "Документы проверены" in entry.change_message

    # Now the parents' catalog lists it, with its group's seats on the program page.
    page.goto(f"{url}{reverse('catalog')}?q=астрономы")
    page.get_by_role("link", name=TITLE).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(page.get_by_role("heading", name="Старшая группа")).to_be_visible()
    expect(page.get_by_text("Свободных мест: 15 из 15")).to_be_visible()

    # The admin index: the dashboard of the operator's municipality with its charts.
    page.goto(f"{url}/admin/")
    expect_dashboard_charts(page, "Плавский район")
    page.screenshot(path=str(shots / "admin-index.png"), full_page=True)
