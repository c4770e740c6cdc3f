"""A signed-in parent's catalog: the shared results page with the parent's own parts added per request
(favourite marks, the child chooser, «Подходит» marks, the header's menu), and child-first browsing.

The page cache is on (the test settings' default): two users read the same shared copy, and one's
favourites or children must never show for the other.
"""

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from navigator.personal import CHILD_SESSION_KEY
from tests.accounts.factories import ParentFactory, ProviderStaffFactory
from tests.catalog.factories import FavouriteFactory, GroupFactory, ProgramFactory
from tests.certificates.factories import ChildFactory

pytestmark = pytest.mark.django_db

CATALOG = "/catalog/"


def in_days(n: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)


def born_years_ago(years: int, *, days_later: int = 0) -> datetime.date:
    today = timezone.localdate()
    day = today.replace(day=28) if (today.month, today.day) == (2, 29) else today
    return day.replace(year=day.year - years) + datetime.timedelta(days=days_later)


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def card(html: str, program) -> str:
    """The HTML of one program's card on a results page."""
    cards = [chunk.split("</article>")[0] for chunk in html.split('<li class="catalog-card portal-direction')[1:]]
    found = [c for c in cards if f'aria-labelledby="program-{program.pk}-title"' in c]
    assert len(found) == 1, f"no card of program {program.pk}"
    return found[0]


@pytest.fixture
def chess():
    """Two chess programs with groups starting in a month: for 7–9 year olds and for 12–14."""
    young = ProgramFactory(title="Шахматы для младших", age_min=7, age_max=9)
    old = ProgramFactory(title="Шахматы для старших", age_min=12, age_max=14)
    for program in (young, old):
        GroupFactory(program=program, start_date=in_days(30), end_date=in_days(250))
    return young, old


def test_favourites_are_marked_for_their_owner_only(chess):
    young, old = chess
    elena, olga = ParentFactory(first_name="Елена"), ParentFactory(first_name="Ольга")
    FavouriteFactory(user=elena, program=young)
    FavouriteFactory(user=olga, program=old)
    url = f"{CATALOG}?q=шахматы"

    elena_page = signed_in(elena).get(url).content.decode()
    olga_page = signed_in(olga).get(url).content.decode()  # the same shared copy, Olga's marks
    anonymous_page = Client().get(url).content.decode()

    assert "В избранном" in card(elena_page, young) and "В избранном" not in card(elena_page, old)
    assert "В избранном" in card(olga_page, old) and "В избранном" not in card(olga_page, young)
    assert "В избранном" not in anonymous_page
    assert "Елена" in elena_page and "Елена" not in olga_page and "Елена" not in anonymous_page


def test_a_signed_in_page_is_served_from_the_shared_copy_with_few_queries(chess, django_assert_max_num_queries):
    young, _ = chess
    parent = ParentFactory()
    ChildFactory(parents=[parent], first_name="Артём", birth_date=born_years_ago(8))
    FavouriteFactory(user=parent, program=young)
    client = signed_in(parent)
    session = client.session
    session[CHILD_SESSION_KEY] = parent.children.get().pk
    session.save()
    Client().get(f"{CATALOG}?q=шахматы")  # the shared copy, made by an anonymous visitor

    # The session, the user, and one statement for the favourites, the children and what fits
    # (search.personal); the page is the shared copy.
    with django_assert_max_num_queries(3):
        html = client.get(f"{CATALOG}?q=шахматы").content.decode()

    assert "В избранном" in card(html, young) and "Подходит: Артём" in card(html, young)


def test_htmx_results_carry_the_marks_too(chess):
    young, _ = chess
    parent = ParentFactory()
    FavouriteFactory(user=parent, program=young)

    fragment = signed_in(parent).get(f"{CATALOG}?q=шахматы", HTTP_HX_REQUEST="true").content.decode()

    assert "<html" not in fragment and "В избранном" in card(fragment, young)


def test_the_child_chooser_lists_the_parents_confirmed_children_only():
    parent = ParentFactory()
    ChildFactory(parents=[parent], first_name="Артём", birth_date=born_years_ago(9))
    ChildFactory(parents=[parent], first_name="Маша", birth_date=born_years_ago(6), parents__confirmed=False)
    ChildFactory(first_name="Пётр")  # someone else's

    html = signed_in(parent).get(CATALOG).content.decode()
    chooser = html[html.index('id="catalog-child"') :]
    chooser = chooser[: chooser.index("</form>")]

    assert "Артём, полных лет: 9" in chooser and "Любой ребёнок" in chooser
    assert "Маша" not in html and "Пётр" not in html
    assert "Для кого ищем" not in Client().get(CATALOG).content.decode()
    assert "Для кого ищем" not in signed_in(ProviderStaffFactory()).get(CATALOG).content.decode()


def test_choosing_a_child_filters_by_the_age_on_each_groups_start_and_marks_what_fits(chess):
    young, old = chess
    parent = ParentFactory()
    # 6 today, 7 in 20 days: too young for the 7–9 group today, the right age when it starts in a month.
    artyom = ChildFactory(parents=[parent], first_name="Артём", birth_date=born_years_ago(7, days_later=20))
    client = signed_in(parent)

    chosen = client.post("/catalog/child/", {"child": artyom.pk, "next": f"{CATALOG}?q=шахматы&age=12&page=2"})

    assert chosen.status_code == 302
    assert (
        chosen["Location"]
        == f"{CATALOG}?birth_date={artyom.birth_date.isoformat()}&q=%D1%88%D0%B0%D1%85%D0%BC%D0%B0%D1%82%D1%8B"
    )
    html = client.get(chosen["Location"]).content.decode()
    assert "Шахматы для младших" in html and "Шахматы для старших" not in html
    assert "Подходит: Артём, к началу занятий полных лет: 7" in card(html, young)
    assert 'aria-pressed="true"' in html[html.index('id="catalog-child"') :].split("Любой ребёнок")[0]

    # Without the filter the choice still marks what fits.
    unfiltered = client.get(f"{CATALOG}?q=шахматы").content.decode()
    assert "Подходит: Артём" in card(unfiltered, young) and "Подходит" not in card(unfiltered, old)

    cleared = client.post("/catalog/child/", {"child": "", "next": chosen["Location"]})
    assert cleared["Location"] == f"{CATALOG}?q=%D1%88%D0%B0%D1%85%D0%BC%D0%B0%D1%82%D1%8B"
    assert CHILD_SESSION_KEY not in client.session


def test_another_parents_child_cannot_be_chosen(chess):
    parent = ParentFactory()
    stranger = ChildFactory(first_name="Пётр", birth_date=born_years_ago(8))
    client = signed_in(parent)

    chosen = client.post("/catalog/child/", {"child": stranger.pk, "next": CATALOG})

    assert chosen["Location"] == CATALOG  # no birth date of someone else's child
    assert CHILD_SESSION_KEY not in client.session
    assert "Пётр" not in client.get(CATALOG).content.decode()


def test_choosing_needs_a_signed_in_user_and_a_post(client):
    assert client.post("/catalog/child/", {"child": "1"}).status_code == 302  # to the login
    assert client.get("/catalog/child/").status_code == 405


def test_one_parents_child_marks_never_show_for_another(chess):
    young, _ = chess
    elena, olga = ParentFactory(), ParentFactory()
    artyom = ChildFactory(parents=[elena], first_name="Артём", birth_date=born_years_ago(8))
    elena_client = signed_in(elena)
    elena_client.post("/catalog/child/", {"child": artyom.pk, "next": CATALOG})
    url = f"{CATALOG}?birth_date={artyom.birth_date.isoformat()}"

    assert "Подходит: Артём" in card(elena_client.get(url).content.decode(), young)
    olga_page = signed_in(olga).get(url).content.decode()  # the same shared filtered page
    assert "Артём" not in olga_page and "Шахматы для младших" in olga_page


def test_the_menus_logout_form_carries_this_requests_working_csrf_token():
    parent = ParentFactory(last_name="Смирнова", first_name="Елена")
    client = Client(enforce_csrf_checks=True)
    client.force_login(parent)
    Client().get(CATALOG)  # the shared copy exists already

    html = client.get(CATALOG).content.decode()
    token = html.split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]

    assert "Елена Смирнова" in html or "Смирнова Елена" in html
    assert client.post("/accounts/logout/", {"csrfmiddlewaretoken": token}).status_code == 302
    assert "_auth_user_id" not in client.session


def test_names_in_the_personal_parts_are_escaped_and_the_next_url_kept(chess):
    """The menu and the chooser are filled into per-process skeletons: every value escaped, the next URL
    the request's own (its query string included), the chosen child pressed."""
    parent = ParentFactory(first_name="<b>Елена</b>", last_name="Смирнова")
    first = ChildFactory(parents=[parent], first_name="<i>Артём</i>", birth_date=born_years_ago(8))
    ChildFactory(parents=[parent], first_name="Маша & Co", birth_date=born_years_ago(10))
    client = signed_in(parent)
    client.post("/catalog/child/", {"child": first.pk, "next": CATALOG})
    attack = '"><script>alert(1)</script>'

    html = client.get(CATALOG, {"q": attack}).content.decode()
    chooser = html[html.index('id="catalog-child"') :].split("</form>")[0]

    assert "<b>" not in html and "&lt;b&gt;Елена&lt;/b&gt;" in html
    assert "<i>" not in html and "&lt;i&gt;Артём&lt;/i&gt;, полных лет: 8" in chooser
    assert "Маша &amp; Co, полных лет: 10" in chooser
    assert "<script>alert(1)</script>" not in html
    assert 'name="next" value="/catalog/?q=%22%3E%3Cscript%3Ealert%281%29%3C%2Fscript%3E"' in chooser
    pressed = [part.split("</button>")[0] for part in chooser.split('aria-pressed="true">')[1:]]
    assert len(pressed) == 1 and "Артём" in pressed[0]
    assert "\x00" not in html


def test_the_stored_copy_knows_where_the_personal_parts_go_and_holds_none_of_them(chess, settings):
    from django.core.cache import cache

    from core.cache import page_key
    from navigator.personal import SLOTS_ATTRIBUTE

    young, old = chess
    parent = ParentFactory(first_name="Елена")
    FavouriteFactory(user=parent, program=young)
    client = signed_in(parent)

    response = client.get(f"{CATALOG}?q=шахматы")  # a miss: the shared copy is rendered and stored
    stored = cache.get(page_key(response.wsgi_request))

    slots = getattr(stored, SLOTS_ATTRIBUTE)
    assert sorted(pk for _start, _end, kind, pk in slots if kind == "program") == sorted([young.pk, old.pk])
    assert [kind for _start, _end, kind, _pk in slots].count("menu") == 1
    assert [kind for _start, _end, kind, _pk in slots].count("chooser") == 1
    shared = stored.content.decode()
    assert "Елена" not in shared and "В избранном" not in shared and "csrfmiddlewaretoken" not in shared
    assert "В избранном" in card(response.content.decode(), young)
    # Served from the stored copy again, and not stale: a favourite added now shows at once.
    FavouriteFactory(user=parent, program=old)
    again = client.get(f"{CATALOG}?q=шахматы").content.decode()
    assert "В избранном" in card(again, old)


def test_the_users_overlay_is_kept_with_the_shared_copy_and_renewed_when_favourites_change(
    chess, django_assert_num_queries
):
    young, old = chess
    parent = ParentFactory()
    ChildFactory(parents=[parent], first_name="Артём", birth_date=born_years_ago(8))
    FavouriteFactory(user=parent, program=young)
    client = signed_in(parent)
    url = f"{CATALOG}?q=шахматы"
    first = client.get(url).content.decode()  # the shared copy and the overlay are stored

    # Not one statement: the session, the user (accounts/session_user.py), the page and the parent's
    # marks all come from the cache.
    with django_assert_num_queries(0):
        again = client.get(url).content.decode()

    assert again == first or card(again, young) == card(first, young)
    assert "В избранном" in card(again, young) and "В избранном" not in card(again, old)
    assert "Артём, полных лет: 8" in again

    FavouriteFactory(user=parent, program=old)  # shows at once: the parent has a new generation
    added = client.get(url).content.decode()
    assert "В избранном" in card(added, old)

    parent.favourites.filter(program=young).delete()
    removed = client.get(url).content.decode()
    assert "В избранном" not in card(removed, young) and "В избранном" in card(removed, old)


def test_a_cached_overlay_is_never_another_users(chess):
    young, _ = chess
    elena, olga = ParentFactory(first_name="Елена"), ParentFactory(first_name="Ольга")
    ChildFactory(parents=[elena], first_name="Артём", birth_date=born_years_ago(8))
    FavouriteFactory(user=elena, program=young)
    url = f"{CATALOG}?q=шахматы"
    elena_client, olga_client = signed_in(elena), signed_in(olga)

    for _ in range(2):  # the second round from the cache
        elena_page = elena_client.get(url).content.decode()
        olga_page = olga_client.get(url).content.decode()

        assert "В избранном" in card(elena_page, young) and "Артём" in elena_page
        assert "В избранном" not in olga_page and "Артём" not in olga_page and "Для кого ищем" not in olga_page
