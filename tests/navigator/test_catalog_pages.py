"""The parent-facing catalog pages: results with filters and facets, program, provider, favourites.

Rendered through the test client against real PostgreSQL search; every list page pins its number of
queries so that a field added to a card cannot silently add a query per row.
"""

import datetime
import re
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from catalog.models import DirectionCode, Favourite, Program, Provider, ScheduleSlot
from catalog.services import search_vocabulary_refresh
from enrollments.models import EnrollmentStatus
from search.words import synonym_dictionary
from tests.accounts.factories import ParentFactory
from tests.catalog.factories import (
    FavouriteFactory,
    GroupFactory,
    MunicipalityFactory,
    ProgramFactory,
    ProviderFactory,
    ScheduleSlotFactory,
    direction,
)
from tests.enrollments.factories import EnrollmentFactory

pytestmark = pytest.mark.django_db

CATALOG = "/catalog/"


# Helpers


def days(n: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)


def open_group(program: Program, **kwargs):
    """A group of `program` that is still open (starts next week, ends in half a year)."""
    return GroupFactory(program=program, start_date=days(7), end_date=days(200), **kwargs)


def program(title: str, code: str = DirectionCode.TECHNICAL, *, age=(7, 12), slots=1, **kwargs) -> Program:
    """A visible program (its text mentions only its title) with one open group meeting at 16:00 on
    Mondays, or on the first `slots` weekdays."""
    kwargs.setdefault("activity_type", title)
    kwargs.setdefault("description", f"Занятия в объединении «{title}».")
    created = ProgramFactory(title=title, direction=direction(code), age_min=age[0], age_max=age[1], **kwargs)
    group = open_group(created)
    for weekday in range(slots):
        ScheduleSlotFactory(group=group, weekday=weekday)
    return created


def html(response) -> str:
    return response.content.decode()


def card_titles(response) -> list[str]:
    return re.findall(r'<h2 class="catalog-card__title"[^>]*><a href="[^"]+">([^<]+)</a>', html(response))


def facet(response, kind: str, value: str) -> str:
    match = re.search(rf'id="facet-{kind}-{value}"[^>]*>(.*?)</span>\s*(?:</label>|$)', html(response), re.S)
    assert match, f"no facet count for {kind}={value}"
    return re.sub(r"<[^>]+>|программ:", "", match.group(1)).strip()


@pytest.fixture
def parent():
    return ParentFactory()


@pytest.fixture
def parent_client(parent):
    client = Client()
    client.force_login(parent)
    return client


# The results page


def test_results_page_shows_form_total_and_cards(client):
    robotics = program("Робототехника", age=(7, 12))
    program("Шахматы", DirectionCode.SOCIAL, age=(6, 16), funding=Program.Funding.FREE, lesson_price=Decimal(0))

    response = client.get(reverse("catalog"))

    assert response.status_code == 200
    page = html(response)
    assert reverse("catalog") == CATALOG
    for field in ('name="q"', 'name="municipality"', 'name="direction"', 'name="age"', 'name="birth_date"'):
        assert field in page
    for field in ('name="funding"', 'name="weekday"', 'name="time_of_day"', 'name="special_needs"'):
        assert field in page
    assert 'name="free_seats"' in page and 'name="sort"' in page
    assert 'type="submit"' in page  # works without JavaScript
    assert re.search(r"Найдено программ:\s*<strong>2</strong>", page)
    assert sorted(card_titles(response)) == ["Робототехника", "Шахматы"]
    assert f'href="{reverse("program", args=[robotics.pk])}"' in page
    assert robotics.provider.short_name in page
    assert robotics.provider.municipality.name in page
    assert "7–12 лет" in page
    assert "Бесплатно" in page  # the free program
    assert "250\xa0₽" in page  # lesson price of the certificate program
    assert f"Начало: {days(7).day}" in page


def test_the_form_submitted_as_is_without_javascript_is_accepted(client):
    program("Робототехника")
    # What a browser sends for the untouched form: every field, «Все муниципалитеты» as an empty value.
    untouched = {"q": "", "sort": "relevance", "municipality": "", "age": "", "birth_date": "", "time_of_day": ""}

    response = client.get(CATALOG, untouched)

    assert response.status_code == 200
    assert "Проверьте параметры поиска" not in html(response)
    assert card_titles(response) == ["Робототехника"]


def test_card_shows_certificate_and_parent_shares(client):
    program("Робототехника", lesson_price=Decimal("360.00"), normative_lesson_price=Decimal("290.00"))

    page = html(client.get(CATALOG))

    shares = re.search(r'<div class="catalog-price catalog-price--split">(.*?)</div>\s*</dl>', page, re.S)
    assert shares
    amounts = re.findall(r"<dd>([^<]+)</dd>", shares.group(1))
    assert amounts == ["360\xa0₽", "290\xa0₽", "70\xa0₽"]


def test_card_shows_rating_when_there_is_one(client):
    program("Рисование", DirectionCode.ARTS, rating=Decimal("4.50"), rating_count=12)
    program("Лепка", DirectionCode.ARTS)

    page = html(client.get(CATALOG))

    assert "Рейтинг 4,5 (оценок: 12)" in page
    assert page.count("Рейтинг ") == 1


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"direction": "technical"}, ["Робототехника"]),
        ({"direction": ["technical", "arts"]}, ["Рисование", "Робототехника"]),
        ({"age": "15"}, ["Шахматы"]),
        ({"funding": "FREE"}, ["Шахматы"]),
        ({"funding": "PAID"}, ["Рисование"]),
        ({"weekday": "2"}, ["Шахматы"]),
        ({"time_of_day": "morning"}, []),
        ({"time_of_day": "afternoon"}, ["Рисование", "Робототехника", "Шахматы"]),
        ({"special_needs": "true"}, ["Рисование"]),
        ({"q": "шахматы"}, ["Шахматы"]),
    ],
)
def test_filters_narrow_the_results(client, params, expected):
    program("Робототехника", age=(7, 12))
    program("Рисование", DirectionCode.ARTS, age=(5, 10), special_needs=True, funding=Program.Funding.PAID)
    program(
        "Шахматы", DirectionCode.SOCIAL, age=(6, 16), slots=3, funding=Program.Funding.FREE, lesson_price=Decimal(0)
    )

    response = client.get(CATALOG, params)

    assert response.status_code == 200
    assert sorted(card_titles(response)) == expected


def test_municipality_and_birth_date_filters(client):
    plavsk, kimovsk = MunicipalityFactory(name="Плавский район"), MunicipalityFactory(name="Кимовский район")
    program("Робототехника", provider=ProviderFactory(municipality=plavsk), age=(7, 9))
    program("Шахматы", provider=ProviderFactory(municipality=kimovsk), age=(12, 16))
    nine_years_ago = timezone.localdate().replace(year=timezone.localdate().year - 9) - datetime.timedelta(days=1)

    assert card_titles(client.get(CATALOG, {"municipality": plavsk.pk})) == ["Робототехника"]
    assert card_titles(client.get(CATALOG, {"birth_date": nine_years_ago.isoformat()})) == ["Робототехника"]


def test_only_free_seats_hides_full_groups(client):
    full = program("Робототехника")
    group = full.groups.get()
    group.capacity = 1
    group.save()
    EnrollmentFactory(group=group)
    program("Шахматы", DirectionCode.SOCIAL)

    assert sorted(card_titles(client.get(CATALOG))) == ["Робототехника", "Шахматы"]
    assert card_titles(client.get(CATALOG, {"free_seats": "true"})) == ["Шахматы"]


def test_facet_counts_are_shown_and_honour_the_other_filters(client):
    plavsk = MunicipalityFactory(name="Плавский район")
    provider = ProviderFactory(municipality=plavsk)
    program("Робототехника", provider=provider)
    program("Робототехника для малышей", age=(5, 6), provider=provider)
    program("Рисование", DirectionCode.ARTS, provider=provider, funding=Program.Funding.PAID)

    response = client.get(CATALOG, {"direction": "technical"})

    assert len(card_titles(response)) == 2
    # The direction facet ignores the direction filter itself, so other directions keep their counts.
    assert facet(response, "direction", "technical") == "2"
    assert facet(response, "direction", "arts") == "1"
    assert facet(response, "direction", "sports") == "0"
    # Funding and municipality counts follow the chosen direction.
    assert facet(response, "funding", "CERTIFICATE") == "2"
    assert facet(response, "funding", "PAID") == "0"
    assert f'<option value="{plavsk.pk}">Плавский район (2)</option>' in html(response)

    narrowed = client.get(CATALOG, {"direction": "technical", "age": "6"})
    assert facet(narrowed, "direction", "technical") == "1"
    assert facet(narrowed, "direction", "arts") == "0"


def test_a_misspelt_query_finds_the_program(client):
    program("Робототехника")
    program("Шахматы", DirectionCode.SOCIAL)
    search_vocabulary_refresh()

    response = client.get(CATALOG, {"q": "робатотехника"})

    assert card_titles(response) == ["Робототехника"]
    assert 'value="робатотехника"' in html(response)  # what the parent typed stays in the box
    assert card_titles(client.get(CATALOG, {"q": "шахмоты"})) == ["Шахматы"]


def test_sorting_by_rating(client):
    program("Астрономия", DirectionCode.SCIENCE, rating=Decimal("3.00"), rating_count=2)
    program("Биология", DirectionCode.SCIENCE, rating=Decimal("5.00"), rating_count=2)
    program("Ботаника", DirectionCode.SCIENCE)

    response = client.get(CATALOG, {"sort": "rating"})

    assert card_titles(response) == ["Биология", "Астрономия", "Ботаника"]
    assert re.search(r'<option value="rating" selected>', html(response))


# Paging


def test_results_are_paged_by_twenty(client):
    for n in range(25):
        ProgramFactory(title=f"Программа {n:02d}")

    first = client.get(CATALOG)
    second = client.get(CATALOG, {"page": "2"})

    assert len(card_titles(first)) == 20
    assert "Страница 1 из 2" in html(first)
    assert 'rel="next"' in html(first) and "page=2" in html(first)
    assert len(card_titles(second)) == 5
    assert "Страница 2 из 2" in html(second) and 'rel="prev"' in html(second)
    assert set(card_titles(first)).isdisjoint(card_titles(second))


@pytest.mark.parametrize("page", ["3", "999999999999999999999", "0", "-1"])
def test_a_page_past_the_end_is_an_empty_list_with_a_message(client, page):
    for n in range(25):
        ProgramFactory(title=f"Программа {n:02d}")

    response = client.get(CATALOG, {"page": page, "direction": "technical"})

    assert response.status_code == 200
    assert card_titles(response) == []
    assert "На этой странице программ нет." in html(response)
    assert "К первой странице" in html(response)


def test_a_page_that_is_not_a_number_shows_the_first_page(client):
    ProgramFactory(title="Робототехника")

    response = client.get(CATALOG, {"page": "abc"})

    assert response.status_code == 200
    assert card_titles(response) == ["Робототехника"]


# Bad input: a clear Russian message next to the field, no results, never a 500, always escaped


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"direction": "underwater"}, "direction", "Выберите корректный вариант"),
        ({"direction": "<script>alert(1)</script>"}, "direction", "Выберите корректный вариант"),
        ({"age": "-1"}, "age", "больше либо равно 0"),
        ({"age": "сто"}, "age", "Введите целое число"),
        ({"birth_date": "2999-01-01"}, "birth_date", "не может быть в будущем"),
        ({"q": "я" * 10_240}, "q", "не более 200 символов"),
        ({"q": "робо\x00техника"}, "q", "ноль-байт"),
        ({"q": "робо\x07техника"}, "q", "недопустимые символы"),
        ({"municipality": "abc"}, "municipality", "является неверным значением"),
        ({"municipality": "99999999999999999999"}, "municipality", "Выберите корректный вариант"),
        ({"sort": "price; DROP TABLE catalog_program"}, "sort", "Выберите корректный вариант"),
    ],
)
def test_bad_input_shows_the_error_next_to_the_field_and_no_results(client, params, field, message):
    program("Робототехника")

    response = client.get(CATALOG, params)

    assert response.status_code == 200
    page = html(response)
    errors = re.search(rf'<div class="catalog-field-errors" id="errors-{field}">(.*?)</div>', page, re.S)
    assert errors and message in errors.group(1)
    assert "Проверьте параметры поиска" in page
    assert card_titles(response) == []
    assert "<script>alert" not in page


def test_html_in_the_query_is_escaped_everywhere(client):
    program("Робототехника")
    attack = '"><script>alert(1)</script>'

    response = client.get(CATALOG, {"q": attack})

    assert response.status_code == 200
    page = html(response)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert 'value="&quot;&gt;&lt;script&gt;' in page


@pytest.mark.parametrize("q", ["'; DROP TABLE catalog_program; --", "робо' OR 1=1 --", "%", "_", "\\", "!!!", "&|:*"])
def test_sql_and_punctuation_in_the_query_are_just_text(client, q):
    program("Робототехника")

    response = client.get(CATALOG, {"q": q})

    assert response.status_code == 200
    assert "Проверьте параметры поиска" not in html(response)
    assert Program.objects.count() == 1


def test_an_unknown_direction_echoed_in_the_error_is_escaped(client):
    response = client.get(CATALOG, {"direction": "<script>alert(1)</script>"})

    page = html(response)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>alert(1)</script>" not in page


# htmx: the same URL returns only the results and the facet counts


def test_htmx_request_returns_the_results_partial_with_out_of_band_facets(client):
    program("Робототехника")
    program("Рисование", DirectionCode.ARTS)

    response = client.get(CATALOG, {"direction": "technical"}, headers={"HX-Request": "true"})

    assert response.status_code == 200
    page = html(response)
    assert "<html" not in page and "<form" not in page
    assert card_titles(response) == ["Робототехника"]
    assert re.search(r'id="facet-direction-arts" hx-swap-oob="true">.*?1</span>', page, re.S)
    assert re.search(r'<select[^>]*id="id_municipality"[^>]*hx-swap-oob="outerHTML"', page)
    assert 'id="errors-age" hx-swap-oob="true"' in page
    assert "HX-Request" in response["Vary"]


def test_htmx_request_with_bad_input_swaps_in_the_errors(client):
    response = client.get(CATALOG, {"age": "-3"}, headers={"HX-Request": "true"})

    page = html(response)
    assert response.status_code == 200
    assert "<html" not in page
    assert re.search(r'id="errors-age" hx-swap-oob="true">.*больше либо равно 0', page, re.S)


def test_htmx_history_restore_gets_the_whole_page(client):
    response = client.get(CATALOG, headers={"HX-Request": "true", "HX-History-Restore-Request": "true"})

    assert "<html" in html(response)


def test_the_filter_form_is_wired_for_htmx(client):
    page = html(client.get(CATALOG))

    form = re.search(r'<form id="catalog-form"[^>]*>', page, re.S).group(0)
    assert 'method="get"' in form
    assert 'hx-get="/catalog/"' in form
    assert 'hx-target="#catalog-results"' in form
    assert 'hx-push-url="true"' in form
    assert "change" in form and "input changed delay:300ms from:#id_q" in form  # typing, IME included
    assert 'id="catalog-results"' in page


# Suggest


def test_suggest_returns_json_and_an_htmx_datalist(client):
    program("Робототехника")
    program("Робототехника на LEGO", DirectionCode.TECHNICAL)
    program("Шахматы", DirectionCode.SOCIAL)

    as_json = client.get(reverse("catalog-suggest"), {"q": "робо"})
    as_options = client.get(reverse("catalog-suggest"), {"q": "робо"}, headers={"HX-Request": "true"})

    assert as_json.status_code == 200
    assert as_json.json() == {"suggestions": ["Робототехника", "Робототехника на LEGO"]}
    assert html(as_options).count("<option") == 2
    assert '<option value="Робототехника"></option>' in html(as_options)


@pytest.mark.parametrize("q", ["", "р", "a\x00b", "<script>", "%_\\", "я" * 10_000])
def test_suggest_never_fails(client, q):
    program("Робототехника")

    response = client.get(reverse("catalog-suggest"), {"q": q})

    assert response.status_code == 200
    assert isinstance(response.json()["suggestions"], list)


# The program page


def test_program_page_shows_everything_a_parent_needs(client):
    robotics = program(
        "Робототехника",
        description="Собираем и программируем роботов.",
        activity_type="Конструирование",
        venue_address="г. Плавск, ул. Победы, д. 5",
        special_needs=True,
        form=Program.Form.MIXED,
        rating=Decimal("4.80"),
        rating_count=5,
        lesson_price=Decimal("300.00"),
        normative_lesson_price=Decimal("250.00"),
    )
    group = robotics.groups.get()
    ScheduleSlotFactory(
        group=group,
        weekday=ScheduleSlot.Weekday.THURSDAY,
        start_time=datetime.time(18, 0),
        end_time=datetime.time(19, 30),
        room="каб. 7",
    )
    EnrollmentFactory(group=group)
    EnrollmentFactory(group=group, active=True)
    EnrollmentFactory(group=group, status=EnrollmentStatus.WAITING)  # holds no seat

    response = client.get(reverse("program", args=[robotics.pk]))

    assert response.status_code == 200
    page = html(response)
    assert "<h1" in page and "Робототехника" in page
    assert f'href="{reverse("provider", args=[robotics.provider_id])}"' in page
    assert "Собираем и программируем роботов." in page
    assert "Конструирование" in page and "Техническая" in page
    assert "от 7 до 12 лет" in page
    assert "Очно-заочная" in page
    assert "Детям с ОВЗ" in page and "подходит" in page
    assert "г. Плавск, ул. Победы, д. 5" in page
    assert "Рейтинг 4,8 из 5 (оценок: 5)" in page
    assert re.search(r"Стоимость занятия</dt><dd>300\xa0₽", page)
    assert re.search(r"Оплачивает сертификат</dt><dd>250\xa0₽", page)
    assert re.search(r"Доплата родителей</dt><dd>50\xa0₽", page)
    assert group.name in page and group.teacher in page
    assert "Понедельник" in page and "Четверг" in page
    assert "18:00–19:30" in page and "каб. 7" in page
    assert f"Занятия с {days(7).day} " in page
    assert "Свободных мест: 13 из 15" in page


def test_program_page_lists_every_group_not_ended_with_its_state(client):
    chess = program("Шахматы", DirectionCode.SOCIAL)  # its group starts next week: «идёт набор»
    first = chess.groups.get()
    full = open_group(chess, name="Группа Б", capacity=1)
    EnrollmentFactory(group=full)
    GroupFactory(program=chess, name="Прошлогодняя", start_date=days(-400), end_date=days(-40))
    GroupFactory(program=chess, name="Группа В", start_date=days(7), end_date=days(200), enrollment_open=False)
    running = GroupFactory(program=chess, name="Идёт", start_date=days(-60), end_date=days(200))
    ScheduleSlotFactory(group=running, weekday=2)

    page = html(client.get(reverse("program", args=[chess.pk])))

    assert page.count('class="portal-card group-card"') == 4
    assert "Прошлогодняя" not in page
    states = dict(re.findall(r'data-group-state="(\w+)">\s*<h3 class="group-card__name">([^<]+)</h3>', page))
    assert states == {"enrolling": first.name, "full": "Группа Б", "closed": "Группа В", "joinable": "Идёт"}
    assert "Идёт набор" in page and "Набор закрыт" in page
    assert "Мест нет — можно встать в лист ожидания" in page
    assert "Занятия идут, можно присоединиться" in page
    assert f"Занятия идут с {days(-60).day} " in page
    # A closed group offers no «Записаться»: three buttons for the three groups that take applications.
    assert page.count('class="btn btn-primary w-100"') == 3


@pytest.mark.parametrize(
    ("funding", "price", "says"),
    [
        (Program.Funding.FREE, Decimal("0"), "Бесплатно"),
        (Program.Funding.PAID, Decimal("400.00"), "оплачивают родители"),
    ],
)
def test_program_page_explains_free_and_paid_programs(client, funding, price, says):
    created = program("Хор", DirectionCode.ARTS, funding=funding, lesson_price=price)

    page = html(client.get(reverse("program", args=[created.pk])))

    assert says in page
    assert "Оплачивает сертификат" not in page


@pytest.mark.parametrize(
    "hide",
    [
        {"status": Program.Status.DRAFT},
        {"status": Program.Status.ARCHIVED},
        {"provider": lambda: ProviderFactory(status=Provider.Status.SUSPENDED)},
        {"provider": lambda: ProviderFactory(status=Provider.Status.ON_REVIEW)},
    ],
)
def test_hidden_programs_are_not_found(client, hide):
    attrs = {key: value() if callable(value) else value for key, value in hide.items()}
    hidden = program("Робототехника", **attrs)

    assert client.get(reverse("program", args=[hidden.pk])).status_code == 404
    assert card_titles(client.get(CATALOG)) == []


def test_unknown_program_is_not_found(client):
    assert client.get("/catalog/programs/99999999999999999999/").status_code == 404
    assert client.get("/catalog/programs/abc/").status_code == 404


# The provider page


def test_provider_page_shows_contacts_licence_and_visible_programs(client):
    provider = ProviderFactory(
        short_name="ДДТ Плавск",
        address="г. Плавск, ул. Октябрьская, д. 1",
        phone="+7 (48752) 2-11-11",
        website="https://ddt-plavsk.example.ru",
    )
    program("Робототехника", provider=provider)
    program("Рисование", DirectionCode.ARTS, provider=provider)
    program("Черновик", provider=provider, status=Program.Status.DRAFT)
    program("Чужая программа")

    response = client.get(reverse("provider", args=[provider.pk]))

    assert response.status_code == 200
    page = html(response)
    assert "<h1" in page and "ДДТ Плавск" in page and provider.legal_name in page
    assert provider.municipality.name in page
    assert "г. Плавск, ул. Октябрьская, д. 1" in page
    assert 'href="tel:+74875221111"' in page
    assert provider.email in page and "https://ddt-plavsk.example.ru" in page
    assert provider.licence_number in page
    assert sorted(card_titles(response)) == ["Рисование", "Робототехника"]


def test_provider_page_is_paged(client):
    provider = ProviderFactory()
    for n in range(21):
        ProgramFactory(provider=provider, title=f"Программа {n:02d}")

    first = client.get(reverse("provider", args=[provider.pk]))
    second = client.get(reverse("provider", args=[provider.pk]), {"page": 2})
    past = client.get(reverse("provider", args=[provider.pk]), {"page": 5})

    assert len(card_titles(first)) == 20
    assert len(card_titles(second)) == 1
    assert past.status_code == 200 and "На этой странице программ нет." in html(past)


@pytest.mark.parametrize("status", [s for s in Provider.Status if s != Provider.Status.APPROVED])
def test_hidden_providers_are_not_found(client, status):
    provider = ProviderFactory(status=status)

    assert client.get(reverse("provider", args=[provider.pk])).status_code == 404


# Favourites


def test_anonymous_visitor_is_invited_to_log_in_to_keep_favourites(client):
    robotics = program("Робототехника")
    url = reverse("program", args=[robotics.pk])

    page = html(client.get(url))

    assert "Войдите, чтобы добавить в избранное" in page
    assert f'href="{reverse("login")}?next={url}"' in page
    assert reverse("favourite", args=[robotics.pk]) not in page


def test_anonymous_post_goes_to_login_and_keeps_nothing(client):
    robotics = program("Робототехника")

    response = client.post(reverse("favourite", args=[robotics.pk]), {"action": "add"})

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert not Favourite.objects.exists()


def test_parent_adds_lists_and_removes_a_favourite(parent, parent_client):
    robotics = program("Робототехника")
    url = reverse("program", args=[robotics.pk])
    favourite_url = reverse("favourite", args=[robotics.pk])

    page = html(parent_client.get(url))
    assert f'action="{favourite_url}"' in page and 'name="csrfmiddlewaretoken"' in page
    assert "В избранное" in page

    added = parent_client.post(favourite_url, {"action": "add", "next": url})
    assert added.status_code == 302 and added["Location"] == url
    parent_client.post(favourite_url, {"action": "add", "next": url})  # a double tap changes nothing
    assert list(Favourite.objects.values_list("user", "program")) == [(parent.pk, robotics.pk)]
    assert "В избранном — убрать" in html(parent_client.get(url))

    listed = parent_client.get(reverse("favourites"))
    assert listed.status_code == 200
    assert card_titles(listed) == ["Робототехника"]
    assert "Убрать из избранного" in html(listed)

    removed = parent_client.post(favourite_url, {"action": "remove", "next": reverse("favourites")})
    assert removed["Location"] == reverse("favourites")
    assert not Favourite.objects.exists()
    assert "В избранном пока ничего нет." in html(parent_client.get(reverse("favourites")))


def test_favourites_list_only_the_parents_own_visible_programs(parent, parent_client):
    mine = program("Робототехника")
    FavouriteFactory(user=parent, program=mine)
    FavouriteFactory(user=parent, program=program("Архив", status=Program.Status.ARCHIVED))
    FavouriteFactory(program=program("Чужое избранное"))

    assert card_titles(parent_client.get(reverse("favourites"))) == ["Робототехника"]


def test_favourites_page_needs_login(client):
    response = client.get(reverse("favourites"))

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={reverse('favourites')}"


def test_favourite_post_needs_csrf(parent):
    robotics = program("Робототехника")
    client = Client(enforce_csrf_checks=True)
    client.force_login(parent)

    response = client.post(reverse("favourite", args=[robotics.pk]), {"action": "add"})

    assert response.status_code == 403
    assert not Favourite.objects.exists()


def test_favourite_refuses_hidden_programs_unknown_actions_and_foreign_redirects(parent_client):
    hidden = program("Черновик", status=Program.Status.DRAFT)
    robotics = program("Робототехника")
    favourite_url = reverse("favourite", args=[robotics.pk])

    assert parent_client.post(reverse("favourite", args=[hidden.pk]), {"action": "add"}).status_code == 404
    assert parent_client.post(favourite_url, {"action": "toggle"}).status_code == 400
    assert parent_client.get(favourite_url).status_code == 405
    response = parent_client.post(favourite_url, {"action": "add", "next": "https://evil.example/"})
    assert response["Location"] == reverse("program", args=[robotics.pk])


def test_favourite_with_htmx_returns_the_button_only(parent_client):
    robotics = program("Робототехника")

    response = parent_client.post(
        reverse("favourite", args=[robotics.pk]),
        {"action": "add", "next": reverse("program", args=[robotics.pk])},
        headers={"HX-Request": "true"},
    )

    assert response.status_code == 200
    page = html(response)
    assert page.strip().startswith('<form class="favourite-form"')
    assert 'name="action" value="remove"' in page
    assert Favourite.objects.count() == 1


def test_pages_follow_the_chosen_language(client, settings):
    created = program("Робототехника")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    results = html(client.get(CATALOG))
    detail = html(client.get(reverse("program", args=[created.pk])))

    assert "Programs found:" in results and "Filters" in results and "All municipalities" in results
    assert "Free seats: 15 of 15" in detail and "Enrolling" in detail and "Per month" in detail
    assert "Provider's contacts" in detail


def test_header_links_to_the_catalog_and_for_parents_to_favourites(client, parent_client):
    anonymous = html(client.get("/"))
    logged_in = html(parent_client.get("/"))

    assert f'href="{reverse("catalog")}"' in anonymous
    assert f'href="{reverse("favourites")}"' not in anonymous
    assert f'href="{reverse("favourites")}"' in logged_in


# Query counts: independent of the number of rows


def _programs_with_groups(n: int) -> None:
    plavsk = MunicipalityFactory()
    for i in range(n):
        created = program(f"Робототехника {i:02d}", provider=ProviderFactory(municipality=plavsk), slots=2)
        created.rating, created.rating_count = Decimal("4.50"), 3
        created.save()


# municipalities for the select, the vocabulary lookup for `q`, facets, one page of programs, its
# providers with their municipalities, its directions
RESULTS_QUERIES = 6


@pytest.mark.parametrize("n", [3, 20])
def test_results_page_query_count_does_not_grow_with_rows(client, django_assert_num_queries, n):
    _programs_with_groups(n)
    search_vocabulary_refresh()
    synonym_dictionary()  # cached between requests (search.words)

    with django_assert_num_queries(RESULTS_QUERIES):
        response = client.get(CATALOG, {"q": "робототехника", "age": "9", "free_seats": "true"})

    assert len(card_titles(response)) == n


@pytest.mark.parametrize("n", [3, 20])
def test_results_page_without_a_query_pins_its_queries(client, django_assert_num_queries, n):
    _programs_with_groups(n)

    with django_assert_num_queries(RESULTS_QUERIES - 1):  # no vocabulary lookup
        response = client.get(CATALOG)

    assert len(card_titles(response)) == n


# the program, its open groups with seats left, their schedule slots
PROGRAM_QUERIES = 3


@pytest.mark.parametrize("n", [1, 5])
def test_program_page_query_count_does_not_grow_with_groups(client, django_assert_num_queries, n):
    created = program("Робототехника", slots=2)
    for _ in range(n - 1):
        group = open_group(created)
        ScheduleSlotFactory(group=group, weekday=1)
        ScheduleSlotFactory(group=group, weekday=3)
        EnrollmentFactory(group=group)

    with django_assert_num_queries(PROGRAM_QUERIES):
        response = client.get(reverse("program", args=[created.pk]))

    assert html(response).count('class="portal-card group-card"') == n


def test_program_page_for_a_parent_adds_session_user_and_favourite(parent_client, django_assert_num_queries):
    created = program("Робототехника")

    # the user, the favourite mark, the parent's children (none here)
    with django_assert_num_queries(PROGRAM_QUERIES + 3):
        parent_client.get(reverse("program", args=[created.pk]))


@pytest.mark.parametrize("n", [3, 20])
def test_provider_page_query_count(client, django_assert_num_queries, n):
    provider = ProviderFactory()
    for i in range(n):
        program(f"Программа {i:02d}", provider=provider)

    # the provider, the count, one page of programs
    with django_assert_num_queries(3):
        response = client.get(reverse("provider", args=[provider.pk]))

    assert len(card_titles(response)) == n


@pytest.mark.parametrize("n", [3, 20])
def test_favourites_page_query_count(parent, parent_client, django_assert_num_queries, n):
    for i in range(n):
        FavouriteFactory(user=parent, program=program(f"Программа {i:02d}"))

    # user, the count, one page of programs
    with django_assert_num_queries(3):
        response = parent_client.get(reverse("favourites"))

    assert len(card_titles(response)) == n
