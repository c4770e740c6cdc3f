"""The results map on a phone (360 px, real Chromium): «Карта» shows the page's venues as Leaflet markers
(programs sharing a building share one), with popups linking to the programs; a tap on the map sorts the
results by the distance from that point and the cards show it. No tile is requested (MAP_TILE_URL is
empty in tests) and nothing is fetched from anywhere but the portal (Leaflet is served locally).

A screenshot of the map over the results goes to docs/screenshots/ only with UPDATE_SCREENSHOTS=1."""

import os
import re
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.db import connections
from playwright.sync_api import expect

from catalog.models import Program
from tests.catalog.factories import ProgramFactory, ProviderFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def db_in_browser_context():
    yield
    connections.close_all()


@pytest.fixture
def venues():
    ddt = ProviderFactory(short_name="ДДТ г. Плавска")
    point = {"venue_latitude": Decimal("53.709000"), "venue_longitude": Decimal("37.290000")}
    ProgramFactory(title="Робототехника", provider=ddt, venue_address="г. Плавск, ул. Победы, 5", **point)
    ProgramFactory(title="Шахматы", provider=ddt, venue_address="г. Плавск, ул. Победы, 5", **point)
    ProgramFactory(
        title="Плавание",
        venue_address="г. Тула, ул. Болдина, 1",
        venue_latitude=Decimal("54.193000"),
        venue_longitude=Decimal("37.617000"),
    )
    ProgramFactory(
        title="Хореография",
        venue_address="г. Ефремов, ул. Ленина, 3",
        venue_latitude=Decimal("53.146000"),
        venue_longitude=Decimal("38.121000"),
    )
    ProgramFactory(title="Английский онлайн")  # no venue point: no marker


def test_the_results_map_shows_the_venues_and_sorts_by_distance_from_a_tapped_point(
    phone_page, live_server, venues, db_in_browser_context, tmp_path
):
    shots = Path(settings.BASE_DIR, "docs", "screenshots") if os.environ.get("UPDATE_SCREENSHOTS") else tmp_path
    shots.mkdir(parents=True, exist_ok=True)
    chess = Program.objects.get(title="Шахматы")
    page, portal = phone_page, urlsplit(live_server.url).netloc
    elsewhere = []
    page.on("request", lambda request: urlsplit(request.url).netloc != portal and elsewhere.append(request.url))

    page.goto(f"{live_server.url}/catalog/")
    expect(page.locator(".catalog-card")).to_have_count(5)
    toggle = page.get_by_role("button", name="Карта", exact=True)
    toggle.click()

    markers = page.locator("#catalog-map .leaflet-marker-icon")
    expect(markers).to_have_count(3)  # Плавск (two programs), Тула, Ефремов
    assert page.locator("#catalog-map .leaflet-tile").count() == 0
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 360

    # A tap next to the Tula marker: Плавание comes first, with its distance; the point is in the URL.
    canvas = page.locator("#catalog-map")
    canvas.scroll_into_view_if_needed()
    box, frame = (
        page.locator("#catalog-map .leaflet-marker-icon[title='Плавание']").bounding_box(),
        canvas.bounding_box(),
    )
    # The icon's tip is the point; just beside it is the map itself.
    canvas.click(position={"x": box["x"] + box["width"] + 4 - frame["x"], "y": box["y"] + box["height"] - frame["y"]})
    expect(page).to_have_url(re.compile(r"sort=distance.*lat=.*lon="))
    first = page.locator(".catalog-card").first
    expect(first.locator(".catalog-card__title")).to_have_text("Плавание")
    expect(first.locator(".catalog-card__distance")).to_contain_text("от точки")
    expect(page.locator(".catalog-card").last.locator(".catalog-card__title")).to_have_text("Английский онлайн")
    expect(page.locator("#catalog-point-clear")).to_be_visible()
    # The markers follow the new results (the same three venues) and still no tile nor outside request.
    expect(markers).to_have_count(3)
    page.locator(".catalog-map").scroll_into_view_if_needed()
    page.screenshot(path=str(shots / "catalog-map-360.png"))
    assert page.locator("#catalog-map .leaflet-tile").count() == 0

    page.locator("#catalog-map .leaflet-marker-icon[title='Робототехника; Шахматы']").click()
    popup = page.locator(".leaflet-popup-content")
    expect(popup.get_by_role("link", name="Шахматы")).to_have_attribute("href", f"/catalog/programs/{chess.pk}/")
    popup.get_by_role("link", name="Шахматы").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Шахматы")
    # The program page shows its venue on a map too, again without tiles.
    expect(page.locator("#program-venue-map .leaflet-marker-icon")).to_have_count(1)

    assert page.locator(".leaflet-tile").count() == 0

    # «по расстоянию» chosen with no point yet: the browser's location is asked for and used (Ефремов).
    page.context.grant_permissions(["geolocation"])
    page.context.set_geolocation({"latitude": 53.15, "longitude": 38.12})
    page.goto(f"{live_server.url}/catalog/")
    page.get_by_label("Сортировка").select_option("distance")
    expect(page).to_have_url(re.compile(r"sort=distance.*lat=53\.15.*lon=38\.12"))
    expect(page.locator(".catalog-card").first.locator(".catalog-card__title")).to_have_text("Хореография")
    assert elsewhere == []
