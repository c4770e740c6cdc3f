"""Catalog pages are shared from the cache for a few seconds, to anonymous and signed-in users alike;
what is personal is never in the shared copy."""

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache

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
def test_signed_in_users_are_served_the_shared_page(client, url):
    ProgramFactory(title="Шахматы")
    anonymous = client.get(url)  # cached for everyone
    ProgramFactory(title="Шахматы для малышей")
    client.force_login(ParentFactory())

    signed_in = client.get(url)

    assert signed_in.status_code == 200
    assert "для малышей" not in signed_in.content.decode()  # the shared copy, not a new search
    if url.startswith("/api/"):
        assert signed_in.content == anonymous.content  # nothing in the API's answer is personal


@pytest.mark.parametrize("url", URLS)
def test_a_page_a_signed_in_user_made_keeps_nothing_of_theirs(client, url):
    """The first visitor of a page is signed in: the copy stored for everyone is an anonymous one."""
    ProgramFactory(title="Шахматы")
    parent = ParentFactory(last_name="Смирнова", first_name="Елена")
    client.force_login(parent)
    personal = client.get(url).content.decode()
    client.logout()

    stored = cache.get(_key_of(url))
    shared = client.get(url).content.decode()

    assert stored is not None
    if url.startswith("/catalog/"):
        assert "Смирнова" in personal and "csrfmiddlewaretoken" in personal  # the user's menu, per request
    for page in (stored.content.decode(), shared):
        assert "Смирнова" not in page and "Елена" not in page
        assert "csrfmiddlewaretoken" not in page and "Выйти" not in page


def _key_of(url: str) -> str:
    from django.test import RequestFactory

    from core.cache import page_key

    request = RequestFactory().get(url)
    request.LANGUAGE_CODE = "ru"
    return page_key(request)


@pytest.mark.parametrize("url", URLS)
def test_shared_and_personal_copies_tell_caches_apart(client, url):
    ProgramFactory(title="Шахматы")
    anonymous = client.get(url)
    client.force_login(ParentFactory())

    signed_in = client.get(url)

    assert "Cookie" in anonymous["Vary"] and "Cookie" in signed_in["Vary"]
    if url.startswith("/catalog/"):
        assert "HX-Request" in signed_in["Vary"]
        cache_control = signed_in["Cache-Control"]
        assert "private" in cache_control and "no-cache" in cache_control and "max-age=0" in cache_control
        assert "Cache-Control" not in anonymous or "private" not in anonymous["Cache-Control"]


def test_the_anonymous_copy_of_a_request_has_no_credentials(rf):
    from django.contrib.auth.models import AnonymousUser

    from core.cache import anonymous_copy
    from tests.accounts.factories import ParentFactory as Parent

    request = rf.get(
        "/catalog/?q=шахматы",
        HTTP_COOKIE="sessionid=secret; csrftoken=token",
        HTTP_AUTHORIZATION="Token abc",
        HTTP_X_CSRFTOKEN="token",
        HTTP_HX_REQUEST="true",
    )
    request.user = Parent.build()
    request.LANGUAGE_CODE = "en"

    copy = anonymous_copy(request)

    assert isinstance(copy.user, AnonymousUser) and not copy.COOKIES and dict(copy.session) == {}
    assert "HTTP_AUTHORIZATION" not in copy.META and "HTTP_X_CSRFTOKEN" not in copy.META
    assert copy.get_full_path() == request.get_full_path() and copy.get_host() == request.get_host()
    assert copy.LANGUAGE_CODE == "en" and copy.headers["HX-Request"] == "true"


def test_pending_messages_of_a_signed_in_user_are_shown_not_cached(client):
    program = ProgramFactory(title="Шахматы")
    client.force_login(ParentFactory())
    client.post(f"/catalog/programs/{program.pk}/favourite/", {"action": "add", "next": URLS[0]})

    shown = client.get(URLS[0]).content.decode()

    assert "Программа добавлена в избранное." in shown
    assert cache.get(_key_of(URLS[0])) is None  # that page was the user's alone


def test_token_clients_are_not_served_from_the_cache(client):
    from rest_framework.authtoken.models import Token

    ProgramFactory(title="Шахматы")
    client.get(URLS[1])
    ProgramFactory(title="Шахматы для малышей")
    token = Token.objects.create(user=ParentFactory())

    answer = client.get(URLS[1], HTTP_AUTHORIZATION=f"Token {token.key}")

    assert "для малышей" in answer.content.decode()


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

    from core.cache import cache_shared_get

    rendered = []

    @cache_shared_get
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


@pytest.mark.django_db
def test_staff_get_the_page_rendered_now_not_the_shared_copy(settings):
    """An officer who has just certified a program sees it at once; parents may get a copy up to
    CATALOG_PAGE_CACHE_SECONDS old."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    settings.CATALOG_PAGE_CACHE_SECONDS = 30
    cache.clear()
    officer = get_user_model().objects.create_user("officer-fresh", password="x", is_staff=True)
    client = Client()
    client.force_login(officer)
    url = "/catalog/?q=астрономия"
    assert "Юные астрономы" not in Client().get(url).content.decode()  # the shared copy is stored now
    ProgramFactory(title="Юные астрономы", description="астрономия")

    assert "Юные астрономы" in client.get(url).content.decode()
    assert "Юные астрономы" not in Client().get(url).content.decode()  # still the stored copy


def test_personal_keys_are_read_with_the_shared_copy_in_one_call(client, monkeypatch):
    from django.http import HttpResponse

    import core.cache
    from core.cache import cache_shared_get

    seen = []

    def personalize(request, shared, found):
        seen.append(found)
        return shared

    @cache_shared_get(personalize=personalize, personal_keys=lambda request, key: [f"mine:{request.user.pk}"])
    def view(request):
        return HttpResponse("shared")

    parent = ParentFactory()
    cache.set(f"mine:{parent.pk}", "my part", 30)
    request = client.get("/").wsgi_request
    request.user = parent
    calls = []
    real_get_many = core.cache.cache.get_many
    monkeypatch.setattr(core.cache.cache, "get_many", lambda keys: calls.append(keys) or real_get_many(keys))

    view(request)  # a miss: rendered and stored
    view(request)  # a hit

    assert seen == [{f"mine:{parent.pk}": "my part"}] * 2
    assert len(calls) == 2 and all(len(keys) == 2 for keys in calls)
