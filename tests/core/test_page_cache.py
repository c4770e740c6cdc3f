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


@pytest.mark.parametrize("path", ["/catalog/", "/api/v1/programs/"])
def test_parameter_order_does_not_make_another_page(client, path):
    ProgramFactory(title="Шахматы", age_min=7, age_max=12)
    first = client.get(f"{path}?q=шахматы&age=8")
    ProgramFactory(title="Шахматы для малышей", age_min=7, age_max=12)

    reordered = client.get(f"{path}?age=8&q=шахматы")

    assert reordered.content == first.content  # the same cached page
    assert "для малышей" not in reordered.content.decode()


def test_a_crowd_missing_the_same_page_renders_it_once(rf):
    """Stampede protection: concurrent misses wait for the one request that renders the page."""
    import threading
    import time

    from django.contrib.auth.models import AnonymousUser
    from django.http import HttpResponse

    from core.cache import cache_anonymous_get

    rendered = []

    @cache_anonymous_get
    def slow_view(request):
        rendered.append(1)
        time.sleep(0.3)
        return HttpResponse("страница")

    responses = []

    def visit():
        request = rf.get("/catalog/?q=футбол")
        request.user = AnonymousUser()
        request.LANGUAGE_CODE = "ru"
        responses.append(slow_view(request))

    threads = [threading.Thread(target=visit) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(rendered) == 1
    assert [r.content.decode() for r in responses] == ["страница"] * 6


@pytest.mark.parametrize("url", URLS)
def test_each_host_and_scheme_has_its_own_cached_page(client, settings, url):
    """API answers carry absolute URLs: a page rendered for one host or scheme is not served to another."""
    settings.ALLOWED_HOSTS = ["portal.example", "mirror.example"]
    for n in range(25):  # more than a page: the API's answer links to the next one, absolutely
        ProgramFactory(title=f"Шахматы {n}")
    first = client.get(url, HTTP_HOST="portal.example")
    ProgramFactory(title="Шахматы для малышей")

    other_host = client.get(url, HTTP_HOST="mirror.example")
    other_scheme = client.get(url, HTTP_HOST="portal.example", secure=True)
    same = client.get(url, HTTP_HOST="portal.example")

    assert same.content == first.content  # still cached for its own host and scheme
    assert other_host.content != first.content and other_scheme.content != first.content
    if url.startswith("/api/"):
        assert "http://mirror.example/" in other_host.content.decode()
        assert "https://portal.example/" in other_scheme.content.decode()
        assert "mirror.example" not in first.content.decode()
