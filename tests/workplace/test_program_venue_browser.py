"""The venue picker of the workplace's program form on a phone (real Chromium, no tiles): a tap on the map
places the marker and fills latitude and longitude; typed coordinates move the marker; saved, the
program keeps the point."""

from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from django.db import connections
from django.urls import reverse
from playwright.sync_api import expect

from catalog.models import Program
from tests.accounts.factories import ProviderStaffFactory
from tests.catalog.factories import ProgramFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def db_in_browser_context():
    yield
    connections.close_all()


def test_a_tap_on_the_map_fills_the_venue_point_and_it_is_saved(phone_page, live_server, db_in_browser_context):
    manager = ProviderStaffFactory(username="manager")
    program = ProgramFactory(provider=manager.provider, title="Шахматы", status=Program.Status.DRAFT)
    page, portal = phone_page, urlsplit(live_server.url).netloc
    elsewhere = []
    page.on("request", lambda request: urlsplit(request.url).netloc != portal and elsewhere.append(request.url))

    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Имя пользователя").fill("manager")
    page.get_by_label("Пароль").fill("password")
    page.get_by_role("button", name="Войти", exact=True).click()
    page.goto(live_server.url + reverse("workplace:program-edit", args=[program.pk]))

    canvas = page.locator("#venue-map")
    expect(canvas).to_be_visible()
    expect(canvas.locator(".leaflet-marker-icon")).to_have_count(0)
    canvas.click(position={"x": 150, "y": 120})
    expect(canvas.locator(".leaflet-marker-icon")).to_have_count(1)
    latitude, longitude = page.get_by_label("Широта"), page.get_by_label("Долгота")
    assert -90 <= float(latitude.input_value()) <= 90 and latitude.input_value().count(".") == 1
    assert -180 <= float(longitude.input_value()) <= 180

    # Typed by hand, the marker follows.
    latitude.fill("53.708123")
    longitude.fill("37.286456")
    longitude.press("Tab")
    marker = canvas.locator(".leaflet-marker-icon")
    before = marker.bounding_box()
    latitude.fill("53.808123")
    latitude.press("Tab")
    after = marker.bounding_box()
    assert after["y"] < before["y"]  # further north: higher on the map
    latitude.fill("53.708123")

    page.get_by_role("button", name="Сохранить").click()
    expect(page.get_by_label("Широта")).to_have_value("53.708123")
    program.refresh_from_db()
    assert (program.venue_latitude, program.venue_longitude) == (Decimal("53.708123"), Decimal("37.286456"))
    assert page.locator(".leaflet-tile").count() == 0
    assert elsewhere == []
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 360
