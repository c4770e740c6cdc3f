"""«Выйти на всех устройствах»: every session of the person ends, other people's sessions stay."""

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from tests.accounts.factories import ParentFactory, ProviderStaffFactory

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("make_user", [ParentFactory, ProviderStaffFactory], ids=["parent", "provider-staff"])
def test_signs_out_every_device_of_that_person_only(make_user):
    person, someone_else = make_user(), make_user()
    phone, laptop, other = signed_in(person), signed_in(person), signed_in(someone_else)
    assert phone.get(reverse("favourites")).status_code == 200

    response = phone.post(reverse("logout-everywhere"), follow=True)

    assert response.redirect_chain[-1][0] == reverse("home")
    assert "Вы вышли из портала на всех устройствах." in response.content.decode()
    for client in (phone, laptop):
        assert client.get(reverse("favourites")).status_code == 302  # to the login page
    assert other.get(reverse("favourites")).status_code == 200
    # Signing in again (as a login does, with the person read from the database) works as before.
    person.refresh_from_db()
    assert signed_in(person).get(reverse("favourites")).status_code == 200


def test_needs_a_post_and_a_signed_in_user(client):
    parent = ParentFactory()
    assert client.post(reverse("logout-everywhere")).status_code == 302  # to the login page
    client.force_login(parent)
    assert client.get(reverse("logout-everywhere")).status_code == 405
    assert client.get(reverse("favourites")).status_code == 200  # still signed in


def test_the_profile_page_offers_it(client):
    client.force_login(ParentFactory())
    page = client.get(reverse("cabinet-profile")).content.decode()
    assert f'action="{reverse("logout-everywhere")}"' in page


def test_a_session_lost_from_the_cache_is_read_from_the_database():
    """Sessions live in Redis and the database (cached_db): a Redis flushed or restarted (the fail-open
    cache then misses) signs nobody out."""
    phone = signed_in(ParentFactory())
    cache.clear()
    assert phone.get(reverse("favourites")).status_code == 200
