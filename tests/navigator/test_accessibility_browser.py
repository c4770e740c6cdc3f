"""Every page a parent sees, checked by axe-core on a 360-px phone: no serious or critical violation
(tests/browser.py assert_accessible). The parent is signed in, with a certificate, a contract with paid
lessons, an application, a favourite and a notice, so the pages show their full content."""

import datetime
import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from catalog.favourites import favourite_add
from catalog.services import search_vocabulary_refresh
from tests.accounts.factories import ParentFactory
from tests.browser import assert_accessible
from tests.catalog.factories import GroupFactory, MunicipalityFactory, ProgramFactory, ProviderFactory
from tests.certificates.factories import ChildFactory, certificate_with_money
from tests.enrollments.factories import EnrollmentFactory
from tests.esia.factories import PersonFactory
from tests.navigator.cabinet import lessons_paid, signed_in
from tests.notices.factories import NotificationFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def family(settings):
    plavsk = MunicipalityFactory(name="Плавский район")
    parent = ParentFactory(last_name="Смирнова", first_name="Елена", middle_name="Викторовна")
    certificate = certificate_with_money(
        parent, nominal=Decimal("12000.00"), last_name="Смирнов", first_name="Артём", municipality=plavsk
    )
    ChildFactory(parents=[parent], last_name="Смирнова", first_name="Мария", municipality=plavsk)
    contract = lessons_paid(certificate, 2, title="Робототехника")
    application = EnrollmentFactory(
        child=certificate.child, certificate=certificate, group__program__title="Шахматы", group__name="Группа 2"
    )
    today = timezone.localdate()
    program = ProgramFactory(
        title="Рисование", provider=ProviderFactory(short_name="ДДТ г. Плавска", municipality=plavsk)
    )
    group = GroupFactory(
        program=program,
        capacity=15,
        start_date=today + datetime.timedelta(days=10),
        end_date=today + datetime.timedelta(days=200),
    )
    favourite_add(user=parent, program=program)
    NotificationFactory(user=parent, title="Заявка подана")
    PersonFactory(last_name="Смирнова")
    search_vocabulary_refresh()
    # ESIA_HOST empty: the stand-in on the portal itself, at the live server's address.
    settings.ESIA_HOST = ""
    number = certificate.number
    charge = contract.charges.order_by("pk").first()
    urls = {
        "catalog": reverse("catalog") + "?direction=arts&age=9",
        "program": reverse("program", args=[program.pk]),
        "provider": reverse("provider", args=[program.provider_id]),
        "favourites": reverse("favourites"),
        "apply": reverse("group-apply", args=[group.pk]),
        "cabinet": reverse("cabinet"),
        "children": reverse("cabinet-children"),
        "child": reverse("cabinet-child", args=[certificate.child_id]),
        "child-add": reverse("cabinet-child-add"),
        "certificates": reverse("cabinet-certificates"),
        "certificate": reverse("cabinet-certificate", args=[number]),
        "statement": reverse("cabinet-statement", args=[number]),
        "enrollments": reverse("cabinet-enrollments"),
        "enrollment": reverse("cabinet-enrollment", args=[application.pk]),
        "contract": reverse("cabinet-enrollment", args=[contract.pk]),
        "notifications": reverse("cabinet-notifications"),
        "profile": reverse("cabinet-profile"),
        "dispute": reverse("cabinet-dispute", args=[number, charge.pk]),
    }
    cookie = signed_in(parent).cookies[settings.SESSION_COOKIE_NAME].value
    # Playwright's loop leaves this connection behind otherwise, and the test database cannot be dropped.
    connection.close()
    return {"urls": urls, "cookie": cookie}


PARENT_PAGES = [
    "catalog",
    "program",
    "provider",
    "favourites",
    "apply",
    "cabinet",
    "children",
    "child",
    "child-add",
    "certificates",
    "certificate",
    "statement",
    "dispute",
    "enrollments",
    "enrollment",
    "contract",
    "notifications",
    "profile",
]


def test_parent_pages_have_no_serious_accessibility_violations(live_server, phone_page, family):
    """Every page in one browser session and one set of data (a test per page built the family and
    flushed the database eighteen times); a failure names every page that failed and why."""
    page = phone_page
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": family["cookie"], "url": live_server.url}]
    )
    failures = {}
    for name in PARENT_PAGES:
        response = page.goto(live_server.url + family["urls"][name])
        assert response.ok, (name, response.status)
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        try:
            assert_accessible(page)
        except AssertionError as failure:
            failures[name] = str(failure)
    assert not failures, "\n\n".join(f"{name}: {text}" for name, text in failures.items())


def test_the_open_filter_sheet_and_the_menu_have_no_serious_accessibility_violations(live_server, phone_page, family):
    page = phone_page
    page.goto(live_server.url + family["urls"]["catalog"])
    page.get_by_role("button", name="Фильтры").click()
    expect(page.get_by_role("dialog", name="Фильтры")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Закрыть фильтры").click()
    page.get_by_role("button", name="Открыть меню").click()
    expect(page.get_by_role("link", name="Войти через Госуслуги")).to_be_visible()
    assert_accessible(page)


def test_the_gosuslugi_stand_in_login_has_no_serious_accessibility_violations(live_server, phone_page, family):
    page = phone_page
    page.goto(live_server.url + "/")
    page.get_by_role("button", name="Открыть меню").click()
    page.get_by_role("link", name="Войти через Госуслуги").click()
    expect(page).to_have_url(re.compile(r"/esia-standin/aas/oauth2/v2/ac\?"))
    expect(page.get_by_role("heading", name="Вход в Навигатор дополнительного образования")).to_be_visible()
    assert_accessible(page)


def test_the_check_catches_what_it_should(phone_page):
    """The helper itself: a nameless button and an image without a text alternative (critical) and grey
    on grey text (serious) fail it; the page is made in the browser, nothing is served."""
    page = phone_page
    page.set_content(
        '<!DOCTYPE html><html lang="ru"><head><title>Проверка</title></head><body><main><h1>Проверка</h1>'
        '<button></button><img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">'
        '<p style="color:#aaa;background:#bbb">Серый текст</p></main></body></html>'
    )
    with pytest.raises(AssertionError) as failure:
        assert_accessible(page)
    for rule in ("button-name", "image-alt", "color-contrast"):
        assert rule in str(failure.value)
