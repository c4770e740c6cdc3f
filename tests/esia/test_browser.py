"""A parent on a phone signs in through Gosuslugi (the local stand-in) on a freshly loaded demo portal.

1. The demo parent Смирнова Е. В. picks herself on the stand-in and lands in her personal account
   with her two children.
2. A family Gosuslugi knows but the portal does not: asked once where the children live, lands in the
   personal account with both children imported; logs out, signs in again: nothing is duplicated.
"""

import io
import re

import pytest
from django.core.management import call_command
from django.db import connections
from playwright.sync_api import expect
from social_django.models import UserSocialAuth

from accounts.models import User
from certificates.models import Child
from tests.esia.factories import KidFactory, PersonFactory

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo_portal(live_server, settings):
    call_command("demo_region", "--scale", "tiny", stdout=io.StringIO())
    # ESIA_HOST empty: the stand-in on the portal itself, at the live server's address.
    settings.ESIA_HOST = ""
    return live_server.url


def open_menu(page):
    toggler = page.get_by_role("button", name="Открыть меню")
    if toggler.is_visible() and toggler.get_attribute("aria-expanded") != "true":
        toggler.click()


def sign_in_on_gosuslugi(page, portal: str, surname: str, full_name: str) -> None:
    page.goto(portal + "/")
    open_menu(page)
    page.get_by_role("link", name="Войти через Госуслуги").click()
    # The start page posts itself; the browser lands on «Gosuslugi», a different site in real life.
    expect(page).to_have_url(re.compile(r"/esia-standin/aas/oauth2/v2/ac\?"))
    expect(page.get_by_role("heading", name="Вход в Навигатор дополнительного образования")).to_be_visible()
    page.get_by_label("Фамилия").fill(surname)
    page.get_by_role("button", name="Найти").click()
    page.get_by_role("button", name=f"Войти как {full_name}").click()


def log_out(page) -> None:
    # On a loaded machine a click during the menu's opening animation is sometimes lost: the signed-out
    # page never comes. Try again (signing out twice is harmless) before calling it a failure.
    for attempt in range(3):
        open_menu(page)
        if page.get_by_role("button", name="Выйти").count() == 0:  # the earlier click got through late
            break
        page.get_by_role("button", name="Выйти").click()
        # Wait for the signed-out page (no «Выйти» left): opening the menu before it loads would open
        # the old page's menu.
        try:
            expect(page.get_by_role("button", name="Выйти")).to_have_count(0, timeout=10_000)
            break
        except AssertionError:
            if attempt == 2:
                raise
    open_menu(page)
    expect(page.get_by_role("link", name="Войти через Госуслуги")).to_be_visible()


@pytest.fixture
def db_in_browser_context():
    """Queries made while Playwright's loop runs get their own connection (asgiref's Local follows
    the context); close it here, or the test database cannot be dropped at the end."""
    yield
    connections.close_all()


def test_parent_signs_in_through_gosuslugi_and_sees_the_children(phone_page, demo_portal, db_in_browser_context):
    page = phone_page

    # 1. The demo parent: her account and children are already in the demo region.
    demo_parent = User.objects.get(username="parent")
    demo_children = set(demo_parent.children.values_list("pk", flat=True))
    sign_in_on_gosuslugi(page, demo_portal, "Смирнова", "Смирнова Елена Викторовна")

    expect(page).to_have_url(demo_portal + "/cabinet/")
    expect(page.get_by_text("Здравствуйте, Смирнова Елена Викторовна!")).to_be_visible()
    expect(page.get_by_role("link", name="Смирнов Артём Андреевич")).to_be_visible()
    expect(page.get_by_role("link", name="Смирнова Алиса Андреевна")).to_be_visible()
    demo_parent.refresh_from_db()
    assert demo_parent.esia_oid and set(demo_parent.children.values_list("pk", flat=True)) == demo_children
    log_out(page)

    # 2. A family the portal has never seen.
    children_before = Child.objects.count()
    mother = PersonFactory(last_name="Тестова", first_name="Дарья", middle_name="Игоревна")
    KidFactory(person=mother, last_name="Тестов", first_name="Макар", middle_name="Олегович")
    KidFactory(person=mother, last_name="Тестова", first_name="Злата", middle_name="Олеговна", gender="F")

    sign_in_on_gosuslugi(page, demo_portal, "Тестова", "Тестова Дарья Игоревна")
    expect(page.get_by_role("heading", name="Где живут дети")).to_be_visible()
    page.get_by_label("Муниципалитет, где живут дети").select_option(label="Плавский район")
    page.get_by_role("button", name="Продолжить").click()

    expect(page).to_have_url(demo_portal + "/cabinet/")
    expect(page.get_by_text("Из профиля Госуслуг добавлено детей: 2.")).to_be_visible()
    expect(page.get_by_role("link", name="Тестов Макар Олегович")).to_be_visible()
    expect(page.get_by_role("link", name="Тестова Злата Олеговна")).to_be_visible()
    parent = User.objects.get(esia_oid=mother.oid)
    assert parent.children.count() == 2
    assert Child.objects.count() == children_before + 2

    # Again: no question, no duplicates.
    log_out(page)
    sign_in_on_gosuslugi(page, demo_portal, "Тестова", "Тестова Дарья Игоревна")
    expect(page).to_have_url(demo_portal + "/cabinet/")
    expect(page.get_by_role("link", name="Тестов Макар Олегович")).to_have_count(1)
    assert Child.objects.count() == children_before + 2
    assert User.objects.filter(esia_oid=mother.oid).count() == 1
    assert UserSocialAuth.objects.filter(provider="esia", uid=mother.oid).count() == 1
