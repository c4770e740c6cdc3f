"""The program page's month cost (general, and for a signed-in parent's child), provider contacts, cover;
and the cards' start wording that never reads stale."""

import datetime
import io
import re
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from catalog.groups import group_month_lessons
from catalog.models import DirectionCode, Program, ScheduleSlot
from tests.accounts.factories import ParentFactory
from tests.catalog.factories import GroupFactory, ProgramFactory, ProviderFactory, ScheduleSlotFactory, direction
from tests.certificates.factories import certificate_with_money

pytestmark = pytest.mark.django_db


def days(n: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)


def html(response) -> str:
    return response.content.decode()


def rub(amount: str) -> str:
    """«2 700 ₽» as the page writes it (non-breaking spaces)."""
    whole, _, kopecks = Decimal(amount).quantize(Decimal("0.01")).to_eng_string().partition(".")
    grouped = f"{int(whole):,}".replace(",", "\xa0")
    return f"{grouped}\xa0₽" if kopecks == "00" else f"{grouped},{kopecks}\xa0₽"


def month_block(page: str) -> dict[str, str]:
    block = re.search(r'data-testid="month-cost">(.*?)</dl>', page, re.S)
    assert block, "no month cost on the page"
    rows = re.findall(r"<dt>(.*?)</dt><dd>([^<]+)</dd>", block.group(1), re.S)
    return {" ".join(re.sub(r"<[^>]+>", "", dt).split()): dd for dt, dd in rows}


@pytest.fixture
def robotics():
    """A certificate program at 300 ₽ a lesson (the certificate pays 250 ₽) with a group running since
    two months ago on Mondays and Thursdays until half a year on."""
    program = ProgramFactory(
        title="Робототехника",
        direction=direction(DirectionCode.TECHNICAL),
        lesson_price=Decimal("300.00"),
        normative_lesson_price=Decimal("250.00"),
    )
    group = GroupFactory(program=program, name="Группа 1", start_date=days(-60), end_date=days(200))
    for weekday in (ScheduleSlot.Weekday.MONDAY, ScheduleSlot.Weekday.THURSDAY):
        ScheduleSlotFactory(group=group, weekday=weekday)
    return program


def test_anonymous_visitors_see_a_months_general_split(client, robotics):
    group = robotics.groups.get()
    month = group_month_lessons(group, today=timezone.localdate())

    page = html(client.get(reverse("program", args=[robotics.pk])))

    n = month.lessons
    assert month.whole and n >= 8  # two lessons a week for a whole month
    assert month_block(page) == {
        f"За месяц ({n} × 300 ₽)": rub(300 * n),
        "Оплачивает сертификат": rub(250 * n),
        "Доплата родителей": rub(50 * n),
    }
    month_name = month.month.strftime("%Y")
    assert f"занятий по расписанию группы «Группа 1» — {n}." in page and month_name in page
    assert "Считаем первый полный месяц занятий, если записаться сегодня" in page
    assert "Войдите, чтобы увидеть расчёт по сертификату вашего ребёнка." in page
    # The group's own line says the same month.
    assert f"занятий — {n}: {rub(300 * n)}; сертификат — {rub(250 * n)}, доплата — {rub(50 * n)}" in page


def test_a_parent_sees_the_split_for_their_childs_balance(robotics):
    """Пётр's certificate has 1 000 ₽ left this period: the lessons before the month take it first, the
    month gets what remains, and the parents pay the rest."""
    parent = ParentFactory()
    certificate_with_money(parent, nominal=Decimal("1000.00"), first_name="Пётр")
    client = Client()
    client.force_login(parent)
    month = group_month_lessons(robotics.groups.get(), today=timezone.localdate())

    page = html(client.get(reverse("program", args=[robotics.pk])))

    n = month.lessons
    certificate = min(Decimal(250 * n), max(Decimal(0), Decimal(1000 - 250 * month.before)))
    assert certificate < 250 * n  # the balance is short: the test shows the child's split, not the general one
    assert month_block(page) == {
        f"За месяц ({n} × 300 ₽)": rub(300 * n),
        "Оплачивает сертификат": rub(certificate),
        "Доплата родителей": rub(300 * n - certificate),
    }
    assert "Расчёт для ребёнка: Пётр" in page
    assert "Остатка на сертификате хватит не на все занятия до конца периода" in page


def test_a_parent_with_two_children_picks_one(robotics):
    parent = ParentFactory()
    rich = certificate_with_money(parent, nominal=Decimal("50000.00"), first_name="Анна", last_name="Аксёнова")
    poor = certificate_with_money(parent, first_name="Борис", last_name="Борисов")
    client = Client()
    client.force_login(parent)
    url = reverse("program", args=[robotics.pk])
    n = group_month_lessons(robotics.groups.get(), today=timezone.localdate()).lessons

    first = html(client.get(url))
    picked = html(client.get(url, {"child": poor.child_id}))
    stranger = html(client.get(url, {"child": "999999"}))

    assert 'name="child"' in first and "Анна Аксёнова" in first and "Борис Борисов" in first
    assert re.search(rf'<option value="{rich.child_id}" selected>', first)
    assert re.search(rf'<option value="{poor.child_id}" selected>', picked)
    assert month_block(first)["Оплачивает сертификат"] == rub(250 * n)
    assert re.search(rf'<option value="{rich.child_id}" selected>', stranger)  # not theirs: the first child


def test_a_closed_group_has_no_month_cost_and_no_program_cost_without_open_groups(client):
    program = ProgramFactory(title="Шахматы")
    GroupFactory(program=program, start_date=days(-10), end_date=days(100), enrollment_open=False)

    page = html(client.get(reverse("program", args=[program.pk])))

    assert 'data-testid="month-cost"' not in page and 'data-testid="group-month"' not in page
    assert "Набор закрыт" in page
    assert "Сейчас в программе нет групп с открытым набором." in page


def test_provider_contacts(client):
    provider = ProviderFactory(
        phone="+7 (48752) 2-11-00",
        email="ddt@plavsk.ru",
        website="https://ddt-plavsk.ru/",
        address="г. Плавск, ул. Победы, д. 5",
    )
    program = ProgramFactory(provider=provider)

    page = html(client.get(reverse("program", args=[program.pk])))

    assert "Контакты организации" in page
    assert 'href="tel:+74875221100">+7 (48752) 2-11-00</a>' in page
    assert 'href="mailto:ddt@plavsk.ru"' in page
    assert 'href="https://ddt-plavsk.ru/" rel="noopener noreferrer" target="_blank">ddt-plavsk.ru<' in page
    assert "г. Плавск, ул. Победы, д. 5" in page


def test_a_provider_without_a_site_or_contacts(client):
    bare = ProgramFactory(provider=ProviderFactory(phone="", email="", website="", address=""))
    odd = ProgramFactory(provider=ProviderFactory(website="javascript:alert(1)"))

    bare_page = html(client.get(reverse("program", args=[bare.pk])))
    odd_page = html(client.get(reverse("program", args=[odd.pk])))

    assert "Организация пока не указала контакты." in bare_page
    assert "Сайт" not in odd_page and "javascript:" not in odd_page


def test_cover_is_shown_with_its_alt_text_and_a_placeholder_without_one(client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    picture = io.BytesIO()
    Image.new("RGB", (120, 80), "#0d4cd3").save(picture, "JPEG")
    covered = ProgramFactory(title="Шахматы")
    covered.cover.save("cover.jpg", ContentFile(picture.getvalue()), save=True)
    plain = ProgramFactory(title="Лепка")

    page = html(client.get(reverse("program", args=[covered.pk])))
    plain_page = html(client.get(reverse("program", args=[plain.pk])))

    img = re.search(r'<img class="program-cover__img" src="([^"]+)"[^>]*alt="([^"]+)"', page, re.S)
    assert img and img.group(2) == "Обложка программы «Шахматы»"
    assert client.get(img.group(1)).status_code == 200
    assert "program-cover__placeholder" in plain_page and "program-cover__img" not in plain_page


def test_cards_say_a_running_programs_lessons_go_on_and_a_future_start_as_a_start(client):
    running = ProgramFactory(title="Робототехника")
    GroupFactory(program=running, start_date=days(-60), end_date=days(200))
    future = ProgramFactory(title="Шахматы")
    GroupFactory(program=future, start_date=days(10), end_date=days(200))
    running.refresh_from_db()
    future.refresh_from_db()

    page = html(client.get(reverse("catalog")))

    started = running.next_start
    assert started == days(-60)
    assert f"Занятия идут с {started.day} " in page
    assert f"Начало: {days(-60).day} " not in page
    assert f"Начало: {days(10).day} " in page


def test_the_program_page_query_count_for_a_parent_with_a_child(robotics, django_assert_num_queries):
    parent = ParentFactory()
    certificate_with_money(parent)
    client = Client()
    client.force_login(parent)

    # the program, its groups, their schedules; the user, the favourite mark, the children;
    # the child's quote for the one group (its period, certificate, account)
    with django_assert_num_queries(3 + 3 + 3):
        client.get(reverse("program", args=[robotics.pk]))


def test_a_paid_programs_month_is_the_parents(client):
    program = ProgramFactory(funding=Program.Funding.PAID, lesson_price=Decimal("400.00"))
    group = GroupFactory(program=program, start_date=days(-60), end_date=days(200))
    ScheduleSlotFactory(group=group, weekday=ScheduleSlot.Weekday.MONDAY)
    n = group_month_lessons(group, today=timezone.localdate()).lessons

    page = html(client.get(reverse("program", args=[program.pk])))

    assert month_block(page) == {f"За месяц ({n} × 400 ₽)": rub(400 * n), "Оплачивают родители": rub(400 * n)}
