"""New terms on a phone, with real Chromium: a mother whose contract's lesson price rises above what the
certificate covers sees the old and new terms marked in her list of contracts and on the contract's page,
declines them after the confirmation that says the contract ends today, and the seat goes to the next
child on the waiting list. A screenshot of the contract's page goes to docs/screenshots/ with
UPDATE_SCREENSHOTS=1.
"""

import os
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone
from playwright.sync_api import expect

from enrollments.contracts import contract_terms_change, enrollment_accept
from enrollments.models import Enrollment, EnrollmentStatus
from tests.certificates.factories import FundingPeriodFactory, school_year_of
from tests.enrollments.factories import applied, child_in, group_with_lessons, offered, parent_of
from tests.navigator.cabinet import signed_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def family():
    period = FundingPeriodFactory(year=school_year_of(timezone.localdate()))
    group = group_with_lessons(capacity=1, program__title="Робототехника")
    offer = offered(child_in(period), group)
    contract = enrollment_accept(parent=parent_of(offer.child), enrollment_id=offer.pk).enrollment
    contract_terms_change(enrollment_id=contract.pk, lesson_price=Decimal("400.00"))
    waiting = applied(child_in(period), group)
    cookie = signed_in(parent_of(contract.child)).cookies[settings.SESSION_COOKIE_NAME].value
    # Django's end-of-test cleanup runs after Playwright has left its event loop: close this connection now,
    # or the test database cannot be dropped.
    connection.close()
    return {"contract": contract, "waiting": waiting, "cookie": cookie}


def _shots_dir(tmp_path: Path) -> Path:
    shots = Path(settings.BASE_DIR, "docs", "screenshots") if os.environ.get("UPDATE_SCREENSHOTS") else tmp_path
    shots.mkdir(parents=True, exist_ok=True)
    return shots


def test_a_parent_declines_new_terms_and_the_contract_ends_today(live_server, phone_page, family, tmp_path):
    page = phone_page
    contract = family["contract"]
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": family["cookie"], "url": live_server.url}]
    )

    page.goto(f"{live_server.url}/cabinet/enrollments/")
    card = page.locator(".cabinet-enrollment", has_text="Робототехника")
    expect(card.locator(".terms-change__mark")).to_have_text("Новые условия договора ждут вашего решения")
    card.get_by_role("link", name="Посмотреть новые условия").click()

    terms = page.locator(".terms-change")
    expect(terms.get_by_role("heading")).to_have_text("Новые условия договора ждут вашего решения")
    expect(terms.locator("tbody tr").first).to_contain_text("250\u00a0₽")
    expect(terms.locator("tbody tr").first).to_contain_text("400\u00a0₽")
    expect(terms.get_by_role("button", name="Принять новые условия")).to_be_visible()
    assert page.evaluate("() => document.documentElement.scrollWidth") <= page.viewport_size["width"]
    terms.screenshot(path=str(_shots_dir(tmp_path) / "terms-change-360.png"))

    terms.get_by_role("link", name="Отказаться и расторгнуть договор").click()
    expect(page.get_by_text("Договор будет расторгнут сегодня.")).to_be_visible()
    page.get_by_role("button", name="Да, отказаться и расторгнуть договор сегодня").click()

    expect(page.get_by_role("status").filter(has_text="Договор расторгнут")).to_be_visible()
    expect(page.locator(".terms-change")).to_have_count(0)
    assert Enrollment.objects.get(pk=contract.pk).status == EnrollmentStatus.TERMINATED
    assert Enrollment.objects.get(pk=family["waiting"].pk).status == EnrollmentStatus.SUBMITTED
    connection.close()
