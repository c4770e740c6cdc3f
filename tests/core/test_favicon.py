"""Every page has an icon: the portal's, the admin's, the Gosuslugi stand-in's and the error pages link
one, and /favicon.ico (asked for by browsers wherever a page links none: the API's JSON, Swagger UI,
a PDF) leads to it rather than to a 404."""

import re

import pytest
from django.conf import settings
from django.contrib.staticfiles.finders import find
from django.test import Client
from django.urls import reverse
from playwright.sync_api import expect

from tests.accounts.factories import UserFactory

ICON = re.compile(r'<link rel="icon" href="([^"]+)" type="image/svg\+xml">')


def _icon_of(response) -> str:
    found = ICON.search(response.content.decode())
    assert found, f"no icon link on {response.request['PATH_INFO']}"
    return found.group(1)


def test_favicon_ico_redirects_to_the_svg_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 302
    assert response["Location"].startswith(settings.STATIC_URL) and "favicon" in response["Location"]
    assert "max-age=86400" in response["Cache-Control"]
    icon = client.get(response["Location"])
    assert icon.status_code == 200 and icon["Content-Type"] == "image/svg+xml"
    assert b"".join(icon.streaming_content) == open(find("img/favicon.svg"), "rb").read()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/catalog/",
        "/accounts/login/",
        "/admin/login/",
        # The stand-in's login page without ESIA's parameters: its error page, on the same layout.
        "/esia-standin/aas/oauth2/v2/ac",
        "/no-such-page/",
    ],
)
def test_every_layout_links_the_icon(client, path):
    response = client.get(path)
    assert response.status_code in (200, 400, 404), response.status_code
    href = _icon_of(response)
    if not href.startswith("data:"):  # the error pages carry it inline: they load no static files
        assert client.get(href).status_code == 200


@pytest.mark.django_db
def test_admin_pages_link_the_icon():
    admin = UserFactory(is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(admin)
    for path in (reverse("admin:index"), reverse("admin:catalog_program_changelist"), reverse("admin:password_change")):
        _icon_of(client.get(path))


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_no_page_asks_for_a_missing_icon(live_server, phone_page):
    page = phone_page
    failed: list[str] = []
    page.on("response", lambda response: response.status >= 400 and failed.append(f"{response.status} {response.url}"))
    for path in ("/catalog/", "/admin/login/", "/esia-standin/aas/oauth2/v2/ac", "/api/v1/"):
        page.goto(live_server.url + path)
        expect(page.locator("body")).to_be_visible()
        failed[:] = [line for line in failed if not line.endswith(path)]  # the page itself may be a 4xx
    favicon = page.request.get(live_server.url + "/favicon.ico")
    assert favicon.ok and favicon.headers["content-type"] == "image/svg+xml"
    assert not failed, failed
