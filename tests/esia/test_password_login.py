"""Password login is for staff, locks out after repeated failures (django-axes); parents get the
Gosuslugi button; logout is a POST and works for everyone."""

import pytest
from django.contrib.auth import SESSION_KEY
from django.urls import reverse

from tests.accounts.factories import MunicipalStaffFactory, ParentFactory, ProviderStaffFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def axes(settings):
    settings.AXES_ENABLED = True


def attempt(client, username, password):
    return client.post(reverse("login"), {"username": username, "password": password})


def test_staff_log_in_with_a_password(client, axes):
    ProviderStaffFactory(username="teacher")

    response = attempt(client, "teacher", "password")

    assert response.status_code == 302
    assert SESSION_KEY in client.session


def test_five_wrong_passwords_lock_that_login_from_that_address(client, axes):
    MunicipalStaffFactory(username="operator")
    ProviderStaffFactory(username="colleague")

    for _ in range(4):
        response = attempt(client, "operator", "wrong")
        assert response.status_code == 200
        assert "Неверное имя пользователя или пароль" in response.content.decode()
    locked = attempt(client, "operator", "wrong")
    assert locked.status_code == 429
    assert "Вход временно заблокирован" in locked.content.decode()
    assert "30 мин" in locked.content.decode()

    # The right password does not help while the lock lasts…
    assert attempt(client, "operator", "password").status_code == 429
    assert SESSION_KEY not in client.session
    # …and the lock is on that login only: a colleague at the same address still gets in.
    assert attempt(client, "colleague", "password").status_code == 302


def test_a_success_resets_the_count(client, axes):
    ProviderStaffFactory(username="teacher")
    for _ in range(4):
        attempt(client, "teacher", "wrong")
    assert attempt(client, "teacher", "password").status_code == 302
    client.post(reverse("logout"))

    for _ in range(4):
        assert attempt(client, "teacher", "wrong").status_code == 200


def test_parents_from_gosuslugi_have_no_password_to_guess(client, axes):
    parent = ParentFactory(username="esia-1000299654")
    parent.set_unusable_password()
    parent.save()

    assert attempt(client, "esia-1000299654", "").status_code == 200
    assert SESSION_KEY not in client.session


def test_login_page_offers_gosuslugi_first_and_a_password_form_for_staff(client):
    page = client.get(reverse("login"), {"next": "/favourites/"}).content.decode()

    assert page.index("Войти через Госуслуги") < page.index('name="password"')
    assert 'action="/esia/login/"' in page
    assert 'name="next" value="/favourites/"' in page


def test_header_shows_the_gosuslugi_button_to_anonymous_visitors_only(client):
    assert 'href="/esia/login/"' in client.get("/").content.decode()

    client.force_login(ParentFactory())
    assert 'href="/esia/login/"' not in client.get("/").content.decode()


@pytest.mark.parametrize("factory", [ParentFactory, ProviderStaffFactory])
def test_logout_is_a_post_for_everyone(client, factory):
    client.force_login(factory())

    assert client.get(reverse("logout")).status_code == 405
    response = client.post(reverse("logout"))

    assert response.status_code == 302
    assert SESSION_KEY not in client.session
