"""The signed-in user from the cache (accounts/session_user.py): no statement for the user once it is
cached, and every change of the person — switched off, signed out everywhere, a new password, a new
role — takes effect on the very next request."""

import pytest
from django.contrib.auth import HASH_SESSION_KEY
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Role, User
from accounts.services import contacts_update, sign_out_everywhere
from accounts.session_user import session_user_cache_key
from tests.accounts.factories import MunicipalStaffFactory, ParentFactory

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def user_statements(client: Client, path: str) -> tuple[int, list[str]]:
    with CaptureQueriesContext(connection) as queries:
        status = client.get(path).status_code
    return status, [q["sql"] for q in queries if 'FROM "accounts_user"' in q["sql"]]


def test_the_second_request_reads_the_user_from_the_cache():
    phone = signed_in(ParentFactory())
    status, first = user_statements(phone, reverse("favourites"))
    assert status == 200 and len(first) == 1
    status, second = user_statements(phone, reverse("favourites"))
    assert status == 200 and second == []


def test_the_cache_never_holds_the_password_hash():
    staff = MunicipalStaffFactory()
    staff.set_password("S3cret-pass-word")
    staff.save()
    signed_in(staff).get(reverse("home"))
    entry = cache.get(session_user_cache_key(staff.pk))
    assert entry is not None
    assert staff.password not in repr(entry)


def test_switched_off_in_the_admin_is_signed_out_at_once():
    parent = ParentFactory()
    phone = signed_in(parent)
    assert phone.get(reverse("favourites")).status_code == 200  # now cached
    parent.is_active = False
    parent.save()
    assert phone.get(reverse("favourites")).status_code == 302


def test_signed_out_everywhere_despite_the_cached_user():
    parent = ParentFactory()
    phone = signed_in(parent)
    assert phone.get(reverse("favourites")).status_code == 200
    sign_out_everywhere(parent)
    assert phone.get(reverse("favourites")).status_code == 302


def test_a_new_password_ends_the_sessions_made_with_the_old_one():
    staff = MunicipalStaffFactory()
    laptop = signed_in(staff)
    assert laptop.get(reverse("admin:index")).status_code == 200
    staff.set_password("Another-pass-2026")
    staff.save()
    assert laptop.get(reverse("admin:index")).status_code == 302


def test_a_session_with_a_forged_hash_is_not_let_in_by_the_cache():
    parent = ParentFactory()
    phone = signed_in(parent)
    assert phone.get(reverse("favourites")).status_code == 200
    session = phone.session
    session[HASH_SESSION_KEY] = "0" * 64
    session.save()
    assert phone.get(reverse("favourites")).status_code == 302


def test_a_role_change_shows_on_the_next_request():
    person = MunicipalStaffFactory()
    browser = signed_in(person)
    assert browser.get(reverse("admin:index")).status_code == 200
    person.role, person.municipality, person.is_staff = Role.PARENT, None, False
    person.save()
    assert browser.get(reverse("admin:index")).status_code == 302


def test_saving_the_cached_user_keeps_the_password():
    """The cached user has no password loaded: saving it (the contacts form) must not blank it."""
    staff = MunicipalStaffFactory()
    staff.set_password("S3cret-pass-word")
    staff.save()
    browser = signed_in(staff)
    browser.get(reverse("home"))
    request_user = _user_of_next_request(browser)
    contacts_update(user=request_user, email="new@example.ru", phone="+7 900 000-00-01", language="en")
    request_user.save()
    staff.refresh_from_db()
    assert staff.email == "new@example.ru" and staff.check_password("S3cret-pass-word")


def _user_of_next_request(client: Client) -> User:
    response = client.get(reverse("home"))
    user = response.wsgi_request.user
    assert user.is_authenticated and "password" in user.get_deferred_fields()
    return user._wrapped
