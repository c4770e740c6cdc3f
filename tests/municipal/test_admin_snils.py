"""The full СНИЛС: masked on the admin's pages, and a search by it never puts the number in a URL (so
never in the access log): the search box posts, and the changelist's URL carries an opaque token."""

import pytest
from django.test import Client
from django.urls import reverse

from core.validators import format_snils
from tests.certificates.factories import ChildFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def child_and_officer(client, operator_of):
    child = ChildFactory()
    client.force_login(operator_of(child.municipality))
    return child


def test_the_snils_is_masked_in_the_list_and_on_the_change_page(client, child_and_officer):
    child = child_and_officer
    listing = client.get(reverse("admin:certificates_child_changelist")).content.decode()
    change = client.get(reverse("admin:certificates_child_change", args=[child.pk])).content.decode()

    for page in (listing, change):
        assert child.snils not in page and format_snils(child.snils) not in page
        assert f"***-***-*** {child.snils[9:]}" in page


@pytest.mark.parametrize("typed", ["plain", "formatted"])
def test_a_search_by_snils_posts_and_redirects_to_a_token(client, child_and_officer, typed):
    child, other = child_and_officer, ChildFactory()
    changelist = reverse("admin:certificates_child_changelist")
    term = child.snils if typed == "plain" else format_snils(child.snils)
    page = client.get(changelist).content.decode()
    assert 'method="post" action="search/"' in page

    redirect = client.post(reverse("admin:certificates_child_search"), {"q": term})

    assert redirect.status_code == 302
    location = redirect["Location"]
    assert child.snils[:9] not in location.replace("-", "").replace("%20", "").replace("+", "")
    found = client.get(changelist + location.removeprefix("../"))
    assert list(found.context["cl"].result_list) == [child]
    assert child.snils not in found.content.decode()
    assert other not in found.context["cl"].result_list
    # The token is this session's: another session of the same officer finds nothing with it.
    officer = found.wsgi_request.user
    other_session = Client()
    other_session.force_login(officer)
    assert list(other_session.get(changelist + location.removeprefix("../")).context["cl"].result_list) == []


def test_a_snils_typed_into_the_url_is_replaced_by_a_token(client, child_and_officer):
    child = child_and_officer
    changelist = reverse("admin:certificates_child_changelist")

    response = client.get(changelist, {"q": child.snils})

    assert response.status_code == 302 and child.snils not in response["Location"]
    assert list(client.get(response["Location"]).context["cl"].result_list) == [child]


def test_an_unknown_token_finds_nothing_and_a_name_search_keeps_its_words(client, child_and_officer):
    child = child_and_officer
    changelist = reverse("admin:certificates_child_changelist")

    assert list(client.get(changelist, {"q": "~forged"}).context["cl"].result_list) == []
    redirect = client.post(reverse("admin:certificates_child_search"), {"q": child.last_name})
    assert child.last_name in redirect.url or "%" in redirect.url
    assert list(client.get(changelist + redirect.url.removeprefix("../")).context["cl"].result_list) == [child]
