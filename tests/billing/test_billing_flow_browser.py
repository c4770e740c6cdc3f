"""Billing end to end on a phone, with real Chromium (issue 11's acceptance): a teacher marks today's
lesson on the register page, the debit job runs (`manage.py run_debits`), the parent's certificate
statement shows the debit, the reserve used and the lower balance; the parent disputes it in two taps,
the teacher upholds it in the workplace, and the parent's statement shows the refund.

The contract's reserve has 200 ₽ left, less than the certificate's 300 ₽ share of a lesson: the debit
takes the reserve first and the rest from the available balance, so both figures move."""

import datetime
import io
import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connections
from django.utils import timezone
from playwright.sync_api import expect

from billing.models import AttendanceMark, Charge, Dispute
from certificates.models import LedgerEntry
from core.money import ZERO
from tests.accounts.factories import ParentFactory, ProviderStaffFactory
from tests.catalog.factories import (
    GroupFactory,
    MunicipalityFactory,
    ProgramFactory,
    ProviderFactory,
    ScheduleSlotFactory,
)
from tests.certificates.factories import LedgerEntryFactory, account_for, certificate_with_money
from tests.enrollments.factories import EnrollmentFactory, ReserveEntryFactory
from tests.navigator.cabinet import signed_in

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]
D = Decimal
TODAY = timezone.localdate()
NBSP = "\u00a0"


def rub(text: str) -> str:
    """«11 700 ₽» as the page prints it (non-breaking spaces)."""
    return text.replace(" ", NBSP)


@pytest.fixture
def patient_expect():
    """A machine shared with other work: give each expectation more time than Playwright's 5 s."""
    expect.set_options(timeout=20_000)
    yield
    expect.set_options(timeout=None)


@pytest.fixture
def db_in_browser_context():
    """Queries made while Playwright's loop runs get their own connection: close it at the end, or the
    test database cannot be dropped."""
    yield
    connections.close_all()


@pytest.fixture
def family(live_server):
    """Смирнова's son with a certificate of 12 000 ₽ and a contract in a robotics group meeting today
    (400 ₽ a lesson, 300 ₽ of it the certificate's), 200 ₽ still reserved for the contract; the
    provider's staff member «teacher»."""
    parent = ParentFactory(last_name="Смирнова", first_name="Елена")
    municipality = MunicipalityFactory(name="Плавский район")
    certificate = certificate_with_money(
        parent, nominal=D("12000.00"), last_name="Смирнов", first_name="Артём", municipality=municipality
    )
    account = account_for(certificate, TODAY)
    provider = ProviderFactory(municipality=municipality, short_name="ДДТ г. Плавска")
    group = GroupFactory(
        program=ProgramFactory(
            provider=provider, title="Робототехника", lesson_price=D("400.00"), normative_lesson_price=D("300.00")
        ),
        name="Группа 1",
        start_date=TODAY - datetime.timedelta(days=28),
        end_date=TODAY + datetime.timedelta(days=90),
    )
    ScheduleSlotFactory(group=group, weekday=TODAY.weekday(), start_time=datetime.time(16, 0))
    contract = EnrollmentFactory(
        child=certificate.child,
        certificate=certificate,
        applicant=parent,
        group=group,
        period=account.period,
        active=True,
    )
    ReserveEntryFactory(
        enrollment=contract,
        ledger_entry=LedgerEntryFactory(
            account=account, kind=LedgerEntry.Kind.RESERVE, nominal_delta=ZERO, reserved_delta=D("200.00")
        ),
        amount=D("200.00"),
    )
    ProviderStaffFactory(username="teacher", provider=provider, first_name="Павел", last_name="Орлов")
    cookie = signed_in(parent).cookies[settings.SESSION_COOKIE_NAME].value
    connections.close_all()  # the live server's threads use their own connections
    return {"url": live_server.url, "certificate": certificate, "contract": contract, "cookie": cookie}


def _as_parent(page, url: str, cookie: str) -> None:
    page.context.clear_cookies()
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": url}])


def _as_teacher(page, url: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{url}/accounts/login/")
    page.get_by_label("Имя пользователя").fill("teacher")
    page.get_by_label("Пароль").fill("password")
    page.get_by_role("button", name="Войти", exact=True).click()
    expect(page).to_have_url(f"{url}/workplace/")  # provider staff land on their workplace


def _figure(page, label: str):
    return page.locator(".cabinet-figures div", has=page.locator("dt", has_text=label)).locator("dd")


def _fits_the_phone(page) -> None:
    assert page.evaluate("() => document.documentElement.scrollWidth") <= page.viewport_size["width"]


def test_a_lesson_marked_is_debited_disputed_and_refunded(phone_page, family, patient_expect, db_in_browser_context):
    page, url = phone_page, family["url"]
    contract = family["contract"]
    lesson = TODAY.strftime("%d.%m.%Y")
    statement_url = f"{url}/cabinet/certificates/{family['certificate'].number}/statement/"

    # 1. The teacher marks today's lesson: the pupil present, one «Сохранить».
    _as_teacher(page, url)
    page.get_by_role("link", name="Журнал посещаемости", exact=True).click()
    page.locator(f"#register-group-{contract.group_id}").get_by_role("link", name="Открыть журнал").click()
    expect(page.locator("#register-date")).to_have_value(TODAY.isoformat())
    page.locator(f"#pupil-{contract.pk} label", has_text="Есть").click()
    expect(page.locator(f"#mark-{contract.pk}-PRESENT")).to_be_checked()
    page.get_by_role("button", name="Сохранить").click()
    expect(page.get_by_role("status").filter(has_text="сохранён")).to_contain_text("Отмечено учеников: 1.")
    _fits_the_phone(page)
    assert AttendanceMark.objects.get().status == "PRESENT"

    # 2. The debit job, as the nightly task or an operator runs it.
    out = io.StringIO()
    call_command("run_debits", stdout=out)
    assert "списаний: 1 " in out.getvalue()
    charge = Charge.objects.get()
    assert (charge.certificate_amount, charge.copayment) == (D("300.00"), D("100.00"))
    connections.close_all()

    # 3. The parent: the debit, the reserve used (200 ₽ of it), the balance lower by the other 100 ₽.
    _as_parent(page, url, family["cookie"])
    page.goto(statement_url)
    debit = page.locator(".statement__line--debit", has_text=f"занятие {lesson}")
    expect(debit).to_contain_text(rub("−300 ₽"))
    expect(debit).to_contain_text("Робототехника")
    expect(_figure(page, "Списано")).to_have_text(rub("300 ₽"))
    expect(_figure(page, "Зарезервировано")).to_have_text(rub("0 ₽"))
    expect(_figure(page, "Доступно")).to_have_text(rub("11 700 ₽"))
    _fits_the_phone(page)

    # 4. It was not him that day: «Оспорить», then the confirmation — two taps.
    debit.get_by_role("link", name=re.compile("^Оспорить")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Оспорить списание")
    page.get_by_label("Что произошло (необязательно)").fill("Сын болел, на занятии его не было.")
    page.get_by_role("button", name="Оспорить списание").click()
    expect(page.get_by_role("status").filter(has_text="Жалоба подана")).to_be_visible()
    expect(page.locator(".statement__line--debit", has_text=f"занятие {lesson}")).to_contain_text(
        "Жалоба: На рассмотрении"
    )

    # 5. The teacher upholds it in the workplace.
    _as_teacher(page, url)
    page.get_by_role("link", name=re.compile("^Жалобы родителей")).click()
    card = page.locator(".dispute-card", has_text="Смирнов Артём")
    expect(card).to_contain_text("Сын болел")
    card.get_by_role("link", name=re.compile("^Рассмотреть")).click()
    page.get_by_label("Удовлетворить: вернуть деньги").check()
    page.get_by_label("Причина решения").fill("Отметку поставили по ошибке.")
    page.get_by_role("button", name="Принять решение").click()
    expect(page.get_by_role("status").filter(has_text="Жалоба удовлетворена")).to_be_visible()
    assert Dispute.objects.get().status == Dispute.Status.UPHELD
    connections.close_all()

    # 6. The parent again: the refund, and the 300 ₽ back on the certificate.
    _as_parent(page, url, family["cookie"])
    page.goto(statement_url)
    refund = page.locator(".statement__line--refund")
    expect(refund).to_contain_text(rub("+300 ₽"))
    expect(refund).to_contain_text(f"занятие {lesson}")
    expect(page.locator(".statement__line--debit", has_text=f"занятие {lesson}")).to_contain_text(
        "Жалоба: Удовлетворена — Отметку поставили по ошибке."
    )
    expect(_figure(page, "Списано")).to_have_text(rub("0 ₽"))
    expect(_figure(page, "Доступно")).to_have_text(rub("12 000 ₽"))
    _fits_the_phone(page)
