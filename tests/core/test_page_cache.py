"""Anonymous catalog pages are shared from the cache for a few seconds; nobody else's are."""

import pytest
from django.conf import settings as django_settings

from tests.accounts.factories import ParentFactory
from tests.catalog.factories import ProgramFactory

pytestmark = pytest.mark.django_db
URLS = ["/catalog/?q=шахматы", "/api/v1/programs/?q=шахматы"]


@pytest.mark.parametrize("url", URLS)
def test_anonymous_page_is_served_from_the_cache(client, url):
    ProgramFactory(title="Шахматы")
    first = client.get(url)
    ProgramFactory(title="Шахматы для малышей")

    second = client.get(url)

    assert first.status_code == second.status_code == 200
    assert second.content == first.content
    assert "для малышей" not in second.content.decode()


@pytest.mark.parametrize("url", URLS)
def test_without_the_cache_the_new_program_appears(client, settings, url):
    settings.CATALOG_PAGE_CACHE_SECONDS = 0
    ProgramFactory(title="Шахматы")
    client.get(url)
    ProgramFactory(title="Шахматы для малышей")

    assert "для малышей" in client.get(url).content.decode()


@pytest.mark.parametrize("url", URLS)
def test_signed_in_users_are_never_served_a_shared_page(client, url):
    ProgramFactory(title="Шахматы")
    client.get(url)  # cached for anonymous visitors
    ProgramFactory(title="Шахматы для малышей")
    client.force_login(ParentFactory())

    assert "для малышей" in client.get(url).content.decode()


def test_cached_page_carries_no_csrf_token_or_cookie(client):
    ProgramFactory(title="Шахматы")

    response = client.get(URLS[0])

    assert "csrfmiddlewaretoken" not in response.content.decode()
    assert django_settings.CSRF_COOKIE_NAME not in response.cookies


def test_each_language_has_its_own_cached_page(client):
    ProgramFactory(title="Шахматы")
    russian = client.get(URLS[0]).content.decode()
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"

    english = client.get(URLS[0]).content.decode()

    assert 'lang="ru"' in russian and 'lang="en"' in english


def test_language_switch_works_without_a_csrf_token(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})

    assert response.status_code == 302
    assert response.cookies[django_settings.LANGUAGE_COOKIE_NAME].value == "en"
