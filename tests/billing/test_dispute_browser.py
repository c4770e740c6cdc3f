"""A dispute on a phone, with real Chromium: the parent disputes a debit on the certificate statement in
two taps, the provider's staff member upholds it in the workplace, and the parent's statement shows the
refund and the balance back."""

import datetime
import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import connection
from playwright.sync_api import expect

from billing.models import Dispute
from tests.accounts.factories import ParentFactory, ProviderStaffFactory
from tests.billing.factories import ChargeFactory
from tests.catalog.factories import GroupFactory, MunicipalityFactory, ProgramFactory, ProviderFactory
from tests.certificates.factories import certificate_with_money
from tests.enrollments.factories import EnrollmentFactory
from tests.esia.test_browser import log_out
from tests.navigator.cabinet import signed_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
D = Decimal


@pytest.fixture
def family():
    parent = ParentFactory(last_name="Смирнова", first_name="Елена")
    municipality = MunicipalityFactory(name="Плавский район")
    certificate = certificate_with_money(
        parent, nominal=D("12000.00"), last_name="Смирнов", first_name="Артём", municipality=municipality
    )
    provider = ProviderFactory(municipality=municipality, short_name="ДДТ г. Плавска")
    program = ProgramFactory(
        provider=provider, title="Робототехника", lesson_price=D("400.00"), normative_lesson_price=D("300.00")
    )
    contract = EnrollmentFactory(
        child=certificate.child,
        certificate=certificate,
        applicant=parent,
        active=True,
        group=GroupFactory(program=program),
    )
    charge = ChargeFactory(
        mark__enrollment=contract, mark__lesson__date=contract.group.start_date + datetime.timedelta(days=1)
    )
    ProviderStaffFactory(username="teacher", provider=provider)
    cookie = signed_in(parent).cookies[settings.SESSION_COOKIE_NAME].value
    connection.close()  # see tests/navigator/test_cabinet_browser.py
    return {"certificate": certificate, "charge": charge, "cookie": cookie, "parent": parent}


def _as_parent(page, url, cookie):
    page.context.clear_cookies()
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": url}])


def _fits_the_phone(page) -> None:
    assert page.evaluate("() => document.documentElement.scrollWidth") <= page.viewport_size["width"]


def test_the_parent_disputes_a_debit_and_sees_the_refund_once_upheld(live_server, phone_page, family):
    page, url = phone_page, live_server.url
    certificate, charge = family["certificate"], family["charge"]
    lesson = charge.service_date.strftime("%d.%m.%Y")
    statement_url = f"{url}/cabinet/certificates/{certificate.number}/statement/"

    # 1. The parent: the debit on the statement, «Оспорить», then the confirmation.
    _as_parent(page, url, family["cookie"])
    page.goto(statement_url)
    available = page.locator(".cabinet-figures__available dd")
    expect(available).to_have_text("11\u00a0700\u00a0₽")
    debit = page.locator(".statement__line--debit", has_text=f"занятие {lesson}")
    expect(debit).to_contain_text("−300\u00a0₽")
    debit.get_by_role("link", name=re.compile("^Оспорить")).click()  # tap 1
    expect(page.get_by_role("heading", level=1)).to_have_text("Оспорить списание")
    page.get_by_label("Что произошло (необязательно)").fill("Сын болел, на занятии его не было.")
    _fits_the_phone(page)
    page.get_by_role("button", name="Оспорить списание").click()  # tap 2
    expect(page.get_by_role("status").filter(has_text="Жалоба подана")).to_be_visible()
    expect(page.locator(".statement__line--debit", has_text=f"занятие {lesson}")).to_contain_text(
        "Жалоба: На рассмотрении"
    )
    _fits_the_phone(page)
    log_out(page)

    # 2. The provider's staff member upholds it with a reason.
    page.goto(f"{url}/accounts/login/")
    page.get_by_label("Имя пользователя").fill("teacher")
    page.get_by_label("Пароль").fill("password")
    page.get_by_role("button", name="Войти", exact=True).click()
    page.goto(f"{url}/workplace/")
    page.get_by_role("link", name=re.compile("^Жалобы родителей")).click()
    card = page.locator(".dispute-card", has_text="Смирнов Артём")
    expect(card).to_contain_text("Сын болел")
    card.get_by_role("link", name=re.compile("^Рассмотреть")).click()
    page.get_by_label("Удовлетворить: вернуть деньги").check()
    page.get_by_label("Причина решения").fill("По журналу ребёнка не было.")
    page.get_by_role("button", name="Принять решение").click()
    expect(page.get_by_role("status").filter(has_text="Жалоба удовлетворена")).to_be_visible()
    _fits_the_phone(page)
    assert Dispute.objects.get().status == Dispute.Status.UPHELD
    connection.close()

    # 3. The parent again (a new session: signing out ended the first): the refund and the balance back.
    _as_parent(page, url, signed_in(family["parent"]).cookies[settings.SESSION_COOKIE_NAME].value)
    connection.close()
    page.goto(statement_url)
    expect(page.locator(".cabinet-figures__available dd")).to_have_text("12\u00a0000\u00a0₽")
    refund = page.locator(".statement__line--refund")
    expect(refund).to_contain_text("+300\u00a0₽")
    expect(refund).to_contain_text(f"занятие {lesson}")
    expect(page.locator(".statement__line--debit", has_text=f"занятие {lesson}")).to_contain_text(
        "Жалоба: Удовлетворена — По журналу ребёнка не было."
    )
    _fits_the_phone(page)
