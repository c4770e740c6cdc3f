"""The parent's personal account through the test client: who may come in, what each page shows, the
forms and actions, paging, and the number of queries of every list (pinned, so that a row cannot add
a query)."""

import datetime
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from certificates.models import Certificate, Child, ChildClaim, LedgerEntry
from core.validators import format_snils, snils_with_checksum
from enrollments.models import EnrollmentEvent, EnrollmentStatus
from enrollments.services import enrollment_subject
from notices.models import Notification
from tests.accounts.factories import MunicipalStaffFactory, ParentFactory, ProviderStaffFactory
from tests.catalog.factories import GroupFactory, MunicipalityFactory
from tests.certificates.factories import (
    CertificateFactory,
    ChildFactory,
    FundingPeriodFactory,
    LedgerEntryFactory,
    account_for,
    certificate_with_money,
)
from tests.enrollments.factories import EnrollmentFactory
from tests.navigator.cabinet import lessons_paid, signed_in
from tests.notices.factories import NotificationFactory

pytestmark = pytest.mark.django_db

D = Decimal


def html(response) -> str:
    return response.content.decode()


def text(response) -> str:
    """The page's text without tags, whitespace collapsed (no-break spaces kept)."""
    return re.sub(r"[ \t\r\n]+", " ", re.sub(r"<[^>]+>", " ", html(response)))


@pytest.fixture
def parent():
    return ParentFactory(first_name="Мария", last_name="Иванова", snils=snils_with_checksum("300000001"))


@pytest.fixture
def client_(parent):
    return signed_in(parent)


@pytest.fixture
def certificate(parent):
    return certificate_with_money(
        parent, last_name="Иванов", first_name="Пётр", middle_name="Сергеевич", snils=snils_with_checksum("200111222")
    )


CABINET_PAGES = [
    "/cabinet/",
    "/cabinet/children/",
    "/cabinet/children/add/",
    "/cabinet/certificates/",
    "/cabinet/enrollments/",
    "/cabinet/notifications/",
    "/cabinet/profile/",
]


# --- Who comes in -------------------------------------------------------------------------------------


def test_the_overview_is_named_cabinet():
    assert reverse("cabinet") == "/cabinet/"


@pytest.mark.parametrize("url", CABINET_PAGES)
def test_anonymous_visitors_are_sent_to_login(client, url):
    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={url}"


@pytest.mark.parametrize("staff", [ProviderStaffFactory, MunicipalStaffFactory])
@pytest.mark.parametrize("url", CABINET_PAGES)
def test_staff_get_the_403_page(staff, url):
    response = signed_in(staff()).get(url)

    assert response.status_code == 403
    assert "Доступ запрещён" in html(response)


def test_a_posting_view_refuses_staff_too(certificate):
    enrollment = EnrollmentFactory(child=certificate.child, certificate=certificate)

    response = signed_in(ProviderStaffFactory()).post(f"/cabinet/enrollments/{enrollment.pk}/cancel/")

    assert response.status_code == 403
    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.SUBMITTED


def test_the_header_links_the_cabinet_for_parents_only(client_):
    assert 'href="/cabinet/"' in html(client_.get("/"))
    assert 'href="/cabinet/"' not in html(signed_in(ProviderStaffFactory()).get("/"))


def test_the_header_marks_the_cabinet_current(client_):
    assert re.search(r'href="/cabinet/" aria-current="page"', html(client_.get("/cabinet/children/")))


def test_cabinet_pages_are_not_cached(client_):
    response = client_.get("/cabinet/")

    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


def test_favourites_linked_from_the_cabinet_are_not_cached_either(client_):
    response = client_.get("/favourites/")

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]


# --- Overview ----------------------------------------------------------------------------------------


def test_overview_shows_children_certificates_and_balances(client_, parent, certificate):
    lessons_paid(certificate, 2)  # 2 × 250 ₽ spent from 10 000 ₽
    ChildFactory(parents=[parent], last_name="Иванова", first_name="Анна")  # no certificate yet
    NotificationFactory(user=parent)

    page = text(client_.get("/cabinet/"))

    assert "Здравствуйте, Иванова Мария!" in page
    assert "Иванов Пётр Сергеевич" in page and "Иванова Анна" in page
    assert f"Сертификат № {certificate.number}" in page
    assert "Доступно 9\xa0500\xa0₽" in page
    assert "Сертификата пока нет" in page
    assert "1 Действующие заявки и договоры" in page
    assert "1 Непрочитанные уведомления" in page


def test_overview_without_children_offers_to_add_one(client_):
    response = client_.get("/cabinet/")

    assert "Детей в личном кабинете пока нет." in html(response)
    assert 'href="/cabinet/children/add/"' in html(response)


def test_the_cabinet_menu_links_favourites_and_counts_unread_notices(client_, parent):
    NotificationFactory.create_batch(3, user=parent)
    NotificationFactory(user=parent, read_at=timezone.now())
    NotificationFactory()  # someone else's

    page = html(client_.get("/cabinet/"))

    nav = re.search(r'<nav class="cabinet-nav".*?</nav>', page, re.S).group(0)
    assert 'href="/favourites/"' in nav
    assert re.search(r'class="cabinet-badge">.*?3</span>', nav, re.S)


# --- Children ---------------------------------------------------------------------------------------


def test_children_list_masks_the_snils(client_, certificate):
    child = certificate.child

    page = html(client_.get("/cabinet/children/"))

    assert child.full_name in page
    assert "***-***-*** " + child.snils[9:] in page
    assert child.snils not in page and format_snils(child.snils) not in page


def test_the_child_page_shows_the_full_snils_to_the_parent(client_, certificate):
    child = certificate.child

    response = client_.get(f"/cabinet/children/{child.pk}/")

    assert response.status_code == 200
    page = text(response)
    assert format_snils(child.snils) in page
    assert f"Сертификат № {certificate.number}" in page
    assert "Сертификат финансирования" in page


@pytest.mark.parametrize("url", ["/cabinet/", "/cabinet/certificates/", "/cabinet/enrollments/", "/cabinet/profile/"])
def test_no_other_page_shows_the_full_snils(client_, certificate, url):
    EnrollmentFactory(child=certificate.child, certificate=certificate)
    snils = certificate.child.snils

    page = html(client_.get(url))

    assert snils not in page and format_snils(snils) not in page


def test_the_child_page_lists_the_childs_enrollments_only(client_, parent, certificate):
    mine = lessons_paid(certificate, 0, title="Шахматы")
    sibling = ChildFactory(parents=[parent])
    EnrollmentFactory(child=sibling, group__program__title="Футбол")

    page = text(client_.get(f"/cabinet/children/{certificate.child.pk}/"))

    assert "Шахматы" in page and mine.group.name in page
    assert "Футбол" not in page


@pytest.mark.parametrize("n", [1, 5])
def test_children_list_queries_do_not_grow(client_, parent, django_assert_num_queries, n):
    for i in range(n):
        certificate_with_money(parent, last_name=f"Иванов{i}")
    # user, unread notices, children with certificates, their accounts, claims waiting for review
    with django_assert_num_queries(5):
        response = client_.get("/cabinet/children/")
    assert html(response).count('class="portal-card cabinet-child"') == n


@pytest.mark.parametrize("n", [1, 5])
def test_overview_queries_do_not_grow(client_, parent, django_assert_num_queries, n):
    for i in range(n):
        certificate = certificate_with_money(parent, last_name=f"Иванов{i}")
        EnrollmentFactory(child=certificate.child, certificate=certificate)
    # user, unread notices, children with certificates, their accounts, live enrollments
    with django_assert_num_queries(5):
        response = client_.get("/cabinet/")
    assert html(response).count('class="portal-card cabinet-child"') == n


def test_child_page_queries_do_not_grow_with_enrollments(client_, certificate, django_assert_num_queries):
    for _ in range(4):
        EnrollmentFactory(child=certificate.child, certificate=certificate)
    # user, unread notices, the child with certificate, its accounts, its enrollments
    with django_assert_num_queries(5):
        client_.get(f"/cabinet/children/{certificate.child.pk}/")


# --- Adding a child by hand ---------------------------------------------------------------------------


def child_form(**overrides) -> dict:
    municipality = overrides.pop("municipality", None) or MunicipalityFactory(name="Плавский район")
    return {
        "last_name": "Петров",
        "first_name": "Илья",
        "middle_name": "",
        "birth_date": "2016-05-20",
        "sex": "M",
        "snils": "112-233-445 95",
        "municipality": municipality.pk,
        **overrides,
    }


def test_the_add_form_has_every_field(client_):
    page = html(client_.get("/cabinet/children/add/"))

    for name in ("last_name", "first_name", "middle_name", "birth_date", "sex", "snils", "municipality"):
        assert f'name="{name}"' in page
    assert 'name="csrfmiddlewaretoken"' in page


def test_adding_a_child_makes_a_claim_that_shows_only_what_was_typed(client_, parent):
    response = client_.post("/cabinet/children/add/", child_form())

    claim = ChildClaim.objects.get(snils="11223344595")
    assert response.status_code == 302
    assert response["Location"] == "/cabinet/children/"
    assert (claim.user, claim.status, claim.child) == (parent, ChildClaim.Status.PENDING, None)
    assert not Child.objects.exists()  # nothing enters the registry before review
    page = text(client_.get(response["Location"]))
    assert "Заявка принята: Петров Илья." in page
    assert "Ожидают проверки" in page and "20.05.2016" in page and "***-***-*** 95" in page


def _answer(client, snils: str) -> tuple:
    response = client.post(
        "/cabinet/children/add/", child_form(municipality=MunicipalityFactory(name="Плавский район"), snils=snils)
    )
    follow = client.get(response["Location"])
    listed = re.search(r'<li class="portal-card cabinet-claim">(.*?)</li>', html(follow), re.S).group(1)
    messages = re.findall(r'class="alert[^"]*"[^>]*>(.*?)</div>', html(follow), re.S)
    return response.status_code, response["Location"], messages, listed.replace(snils[-2:], "NN")


def test_the_answer_is_the_same_whether_or_not_the_snils_is_registered(parent):
    """No enumeration: a number held by another family's child gets exactly the answer a free one gets."""
    stranger = ChildFactory(last_name="Секретов", first_name="Тайный", birth_date=datetime.date(2014, 1, 2))
    free = snils_with_checksum("400500600")

    registered = _answer(signed_in(ParentFactory()), stranger.snils)
    unregistered = _answer(signed_in(ParentFactory()), free)

    assert registered == unregistered
    for leak in ("Секретов", "Тайный", "02.01.2014"):
        assert leak not in str(registered)
    assert ChildClaim.objects.get(snils=stranger.snils).child == stranger  # for the reviewing officer only


def test_a_snils_of_an_adult_simply_waits_for_review(client_):
    adult = ParentFactory(snils=snils_with_checksum("300000777"))

    response = client_.post("/cabinet/children/add/", child_form(snils=adult.snils))

    assert response.status_code == 302
    assert ChildClaim.objects.get(snils=adult.snils).status == ChildClaim.Status.PENDING


def test_the_parents_own_snils_and_an_own_child_get_their_own_words(client_, parent, certificate):
    own = client_.post("/cabinet/children/add/", child_form(snils=parent.snils))
    twice = client_.post("/cabinet/children/add/", child_form(snils=certificate.child.snils))
    client_.post("/cabinet/children/add/", child_form())
    claimed_twice = client_.post("/cabinet/children/add/", child_form())

    assert "Это ваш СНИЛС. Укажите СНИЛС ребёнка." in html(own)
    assert "Этот ребёнок уже есть в вашем личном кабинете." in html(twice)
    assert "заявка ждёт проверки" in html(claimed_twice)
    assert ChildClaim.objects.count() == 1


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"snils": "112-233-445 96"}, "snils", "Неверный СНИЛС"),
        ({"snils": "1234"}, "snils", "Неверный СНИЛС"),
        ({"last_name": ""}, "last_name", "Обязательное поле"),
        ({"birth_date": "завтра"}, "birth_date", "Введите правильную дату"),
        ({"sex": "X"}, "sex", "Выберите корректный вариант"),
    ],
)
def test_bad_input_is_shown_next_to_the_field(client_, overrides, field, message):
    response = client_.post("/cabinet/children/add/", child_form(**overrides))

    assert response.status_code == 200
    assert not Child.objects.exists() and not ChildClaim.objects.exists()
    errors = re.search(
        rf'<div class="invalid-feedback d-block" id="id_{field}_errors">(.*?)</div>', html(response), re.S
    )
    assert errors and message in errors.group(1)
    assert re.search(rf'name="{field}"[^>]*aria-invalid="true"|aria-invalid="true"[^>]*name="{field}"', html(response))


def test_a_future_or_adult_birth_date_is_refused(client_):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    adult = timezone.localdate().replace(year=timezone.localdate().year - 18) - datetime.timedelta(days=1)

    future = client_.post("/cabinet/children/add/", child_form(birth_date=tomorrow.isoformat()))
    grown = client_.post("/cabinet/children/add/", child_form(birth_date=adult.isoformat()))

    assert "Дата рождения не может быть в будущем." in html(future)
    assert "исполнилось 18 лет" in html(grown)
    assert not Child.objects.exists() and not ChildClaim.objects.exists()


def test_a_certificate_is_issued_on_request_once(client_, parent):
    child = ChildFactory(parents=[parent])
    FundingPeriodFactory(municipality=child.municipality, year=timezone.localdate().year - 1)
    FundingPeriodFactory(municipality=child.municipality, year=timezone.localdate().year)
    url = f"/cabinet/children/{child.pk}/certificate/"

    first = client_.post(url, follow=True)
    second = client_.post(url, follow=True)

    certificate = Certificate.objects.get(child=child)
    assert f"Сертификат № {certificate.number} выдан." in html(first)
    assert f"У ребёнка уже есть сертификат № {certificate.number}." in html(second)
    assert Certificate.objects.count() == 1


def test_the_certificate_request_is_post_only(client_, parent):
    child = ChildFactory(parents=[parent])

    assert client_.get(f"/cabinet/children/{child.pk}/certificate/").status_code == 405
    assert not Certificate.objects.exists()


# --- Certificates and the statement --------------------------------------------------------------------


def test_certificates_show_number_kind_status_period_and_figures(client_, certificate):
    lessons_paid(certificate, 3)
    account = certificate.accounts.get()
    LedgerEntryFactory(account=account, kind=LedgerEntry.Kind.RESERVE, nominal_delta=D(0), reserved_delta=D("2000"))

    page = text(client_.get("/cabinet/certificates/"))

    assert f"Сертификат № {certificate.number}" in page
    assert "Сертификат финансирования" in page and "Действует" in page
    assert f"действует до {certificate.valid_until:%d.%m.%Y}" in page
    assert account.period.name in page
    assert "Доступно 7\xa0250\xa0₽" in page
    assert "Номинал 10\xa0000\xa0₽" in page
    assert "Зарезервировано 2\xa0000\xa0₽" in page
    assert "Списано 750\xa0₽" in page


def test_an_accounting_certificate_says_it_carries_no_money(client_, parent):
    CertificateFactory(child=ChildFactory(parents=[parent]))  # no account in the current period

    page = text(client_.get("/cabinet/certificates/"))

    assert "Сертификат учёта" in page
    assert "бесплатных (бюджетных) программах" in page


def test_the_certificate_page_lists_every_period(client_, certificate):
    last_year = account_for(certificate, timezone.localdate() - datetime.timedelta(days=366))

    page = text(client_.get(f"/cabinet/certificates/{certificate.number}/"))

    assert last_year.period.name in page
    assert certificate.accounts.exclude(pk=last_year.pk).get().period.name in page


@pytest.mark.parametrize("n", [1, 5])
def test_certificates_queries_do_not_grow(client_, parent, django_assert_num_queries, n):
    for i in range(n):
        certificate_with_money(parent, last_name=f"Иванов{i}")
    # user, unread notices, certificates with children, their accounts with periods
    with django_assert_num_queries(4):
        response = client_.get("/cabinet/certificates/")
    assert html(response).count('class="cabinet-certificate"') == n


@pytest.mark.parametrize("n", [1, 8])
def test_certificate_page_queries_do_not_grow(client_, certificate, django_assert_num_queries, n):
    lessons_paid(certificate, n)
    for years in range(1, 3):
        account_for(certificate, timezone.localdate() - datetime.timedelta(days=366 * years))
    # user, unread notices, the certificate, its accounts, the latest entries
    with django_assert_num_queries(5):
        response = client_.get(f"/cabinet/certificates/{certificate.number}/")
    assert len(statement_lines(response)) == min(n + 3, 5)  # the lessons and three nominals


def statement_lines(response) -> list[str]:
    return [
        re.sub(r"[ \t\r\n]+", " ", re.sub(r"<[^>]+>", " ", line)).strip()
        for line in re.findall(r'<li class="statement__line[^"]*">(.*?)</li>', html(response), re.S)
    ]


def test_the_statement_lists_every_entry_with_date_program_lesson_and_amount(client_, certificate):
    contract = lessons_paid(certificate, 2, title="Робототехника")
    lesson_dates = sorted(contract.charges.values_list("service_date", flat=True))

    response = client_.get(f"/cabinet/certificates/{certificate.number}/statement/")

    assert response.status_code == 200
    lines = statement_lines(response)
    assert len(lines) == 3  # the nominal and two lessons, newest first
    assert lines[-1].startswith("Начисление номинала")
    assert lines[-1].endswith("+10\xa0000\xa0₽")
    for line in lines[:2]:
        assert line.startswith("Списание за занятие Робототехника занятие ")
        assert line.endswith("\u2212250\xa0₽")
    assert {f"занятие {d:%d.%m.%Y}" for d in lesson_dates} == {
        re.search(r"занятие \d\d\.\d\d\.\d{4}", line).group(0) for line in lines[:2]
    }
    today = timezone.localdate()
    assert all(f"{today:%d.%m.%Y}" in line for line in lines)
    assert "Всего операций: 3" in text(response)


def test_a_refund_shows_the_lesson_it_gives_back(client_, certificate):
    from tests.billing.factories import ChargeReversalFactory

    contract = lessons_paid(certificate, 1)
    charge = contract.charges.get()
    ChargeReversalFactory(charge=charge)

    lines = statement_lines(client_.get(f"/cabinet/certificates/{certificate.number}/statement/"))

    assert lines[0].startswith(f"Возврат (сторно) Робототехника занятие {charge.service_date:%d.%m.%Y}")
    assert lines[0].endswith("+250\xa0₽")


def test_the_statement_is_paged_by_twenty(client_, certificate):
    lessons_paid(certificate, 24)  # 25 entries with the nominal
    url = f"/cabinet/certificates/{certificate.number}/statement/"

    first = client_.get(url)
    second = client_.get(url, {"page": "2"})

    assert len(statement_lines(first)) == 20
    assert "Страница 1 из 2" in html(first) and 'rel="next"' in html(first)
    assert len(statement_lines(second)) == 5
    assert statement_lines(second)[-1].startswith("Начисление номинала")


@pytest.mark.parametrize("page", ["3", "999999999999999999999", "0", "-1"])
def test_a_statement_page_past_the_end_says_so(client_, certificate, page):
    response = client_.get(f"/cabinet/certificates/{certificate.number}/statement/", {"page": page})

    assert response.status_code == 200
    assert statement_lines(response) == []
    assert "На этой странице записей нет." in html(response)
    assert "К первой странице" in html(response)


def test_a_statement_page_that_is_not_a_number_is_the_first(client_, certificate):
    response = client_.get(f"/cabinet/certificates/{certificate.number}/statement/", {"page": "abc"})

    assert len(statement_lines(response)) == 1


@pytest.mark.parametrize("n", [2, 12])
def test_statement_queries_do_not_grow(client_, certificate, django_assert_num_queries, n):
    lessons_paid(certificate, n)
    # user, unread notices, the certificate, its accounts, COUNT, the page, the page's charges
    # and their disputes (for «Оспорить»)
    with django_assert_num_queries(8):
        response = client_.get(f"/cabinet/certificates/{certificate.number}/statement/")
    assert len(statement_lines(response)) == n + 1


# --- Enrollments ---------------------------------------------------------------------------------------


def test_enrollments_show_status_and_the_actions_allowed_now(client_, certificate):
    submitted = EnrollmentFactory(child=certificate.child, certificate=certificate, group__program__title="Шахматы")
    offered = EnrollmentFactory(child=certificate.child, certificate=certificate, offered=True)
    waiting = EnrollmentFactory(child=certificate.child, certificate=certificate, status=EnrollmentStatus.WAITING)
    active = lessons_paid(certificate, 0, title="Футбол")
    rejected = EnrollmentFactory(child=certificate.child, certificate=certificate, status=EnrollmentStatus.REJECTED)

    page = html(client_.get("/cabinet/enrollments/"))

    cards = dict(re.findall(r'href="/cabinet/enrollments/(\d+)/">[^<]*</a>(.*?)</li>', page, re.S))
    assert set(cards) == {str(e.pk) for e in (submitted, offered, waiting, active, rejected)}
    assert "Отозвать заявку" in cards[str(submitted.pk)]
    assert "Отказаться от оферты" in cards[str(offered.pk)]
    assert "Выйти из листа ожидания" in cards[str(waiting.pk)]
    assert "/cancel/" not in cards[str(active.pk)] and "/cancel/" not in cards[str(rejected.pk)]
    for label in ("Заявка подана", "Оферта направлена", "В листе ожидания", "Договор действует", "Заявка отклонена"):
        assert label in page
    assert "Оферту нужно принять до" in page


def test_enrollments_are_paged(client_, certificate):
    for _ in range(21):
        EnrollmentFactory(child=certificate.child, certificate=certificate)

    first = client_.get("/cabinet/enrollments/")
    past = client_.get("/cabinet/enrollments/", {"page": "5"})

    assert html(first).count('class="portal-card cabinet-enrollment"') == 20
    assert "Страница 1 из 2" in html(first)
    assert "На этой странице записей нет." in html(past)


@pytest.mark.parametrize("n", [1, 8])
def test_enrollments_queries_do_not_grow(client_, certificate, django_assert_num_queries, n):
    for _ in range(n):
        EnrollmentFactory(child=certificate.child, certificate=certificate)
    # user, unread notices, COUNT, the page with child, group, program, provider
    with django_assert_num_queries(4):
        response = client_.get("/cabinet/enrollments/")
    assert html(response).count('class="portal-card cabinet-enrollment"') == n


def test_the_enrollment_page_shows_its_history(client_, certificate, parent):
    enrollment = EnrollmentFactory(child=certificate.child, certificate=certificate, offered=True)
    EnrollmentEvent.objects.create(enrollment=enrollment, from_status="", to_status="SUBMITTED", actor=parent)
    EnrollmentEvent.objects.create(enrollment=enrollment, from_status="SUBMITTED", to_status="OFFERED")

    page = text(client_.get(f"/cabinet/enrollments/{enrollment.pk}/"))

    assert page.index("— Заявка подана") < page.index("— Оферта направлена")
    assert enrollment.group.program.provider.short_name in page


def test_cancelling_asks_first_then_cancels_with_an_event(client_, certificate, parent):
    enrollment = EnrollmentFactory(child=certificate.child, certificate=certificate)
    url = f"/cabinet/enrollments/{enrollment.pk}/cancel/"

    confirm = client_.get(url)
    assert "Да, отменить заявку" in html(confirm)
    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.SUBMITTED

    response = client_.post(url, follow=True)

    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.CANCELLED
    assert "Заявка отменена." in html(response)
    event = enrollment.events.get()
    assert (event.from_status, event.to_status, event.actor) == ("SUBMITTED", "CANCELLED", parent)
    assert Notification.objects.filter(
        user=parent, subject=enrollment_subject(enrollment.pk), title="Заявка отменена"
    ).exists()


def test_cancelling_again_changes_nothing(client_, certificate):
    enrollment = EnrollmentFactory(child=certificate.child, certificate=certificate)
    url = f"/cabinet/enrollments/{enrollment.pk}/cancel/"
    client_.post(url)

    again = client_.post(url, follow=True)

    assert "Заявка уже отменена." in html(again)
    assert enrollment.events.count() == 1
    assert Notification.objects.filter(subject=enrollment_subject(enrollment.pk)).count() == 1


def test_a_contract_in_force_cannot_be_cancelled_here(client_, certificate):
    contract = lessons_paid(certificate, 0)

    confirm = client_.get(f"/cabinet/enrollments/{contract.pk}/cancel/")
    response = client_.post(f"/cabinet/enrollments/{contract.pk}/cancel/", follow=True)

    assert confirm.status_code == 302
    assert "Заявку в статусе «Договор действует» отменить нельзя." in html(response)
    contract.refresh_from_db()
    assert contract.status == EnrollmentStatus.ACTIVE
    assert not contract.events.exists()


def test_cancelling_needs_the_csrf_token(parent, certificate):
    enrollment = EnrollmentFactory(child=certificate.child, certificate=certificate)
    strict = signed_in(parent, enforce_csrf_checks=True)

    response = strict.post(f"/cabinet/enrollments/{enrollment.pk}/cancel/")

    assert response.status_code == 403
    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.SUBMITTED


def test_a_freed_seat_goes_to_the_first_on_the_waiting_list(client_, certificate):
    group = GroupFactory(capacity=1)
    mine = EnrollmentFactory(child=certificate.child, certificate=certificate, group=group)
    first = EnrollmentFactory(group=group, status=EnrollmentStatus.WAITING)
    second = EnrollmentFactory(group=group, status=EnrollmentStatus.WAITING)

    client_.post(f"/cabinet/enrollments/{mine.pk}/cancel/")

    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == EnrollmentStatus.SUBMITTED
    assert second.status == EnrollmentStatus.WAITING
    assert first.events.get().to_status == EnrollmentStatus.SUBMITTED
    parent_of_first = first.child.parents.get()
    assert Notification.objects.filter(user=parent_of_first, subject=enrollment_subject(first.pk)).exists()


# --- Notifications --------------------------------------------------------------------------------------


def test_notifications_list_newest_first_and_mark_read(client_, parent):
    old = NotificationFactory(user=parent, title="Первое")
    new = NotificationFactory(user=parent, title="Второе")
    Notification.objects.filter(pk=old.pk).update(created_at=timezone.now() - datetime.timedelta(days=1))

    page = html(client_.get("/cabinet/notifications/"))
    assert page.index("Второе") < page.index("Первое")
    assert page.count("cabinet-notice--unread") == 2

    response = client_.post(f"/cabinet/notifications/{new.pk}/read/")
    assert response.status_code == 302
    new.refresh_from_db()
    old.refresh_from_db()
    assert new.read_at is not None and old.read_at is None

    client_.post("/cabinet/notifications/read/")
    old.refresh_from_db()
    assert old.read_at is not None
    assert "cabinet-notice--unread" not in html(client_.get("/cabinet/notifications/"))


def test_marking_read_twice_keeps_the_first_time(client_, parent):
    notice = NotificationFactory(user=parent)
    client_.post(f"/cabinet/notifications/{notice.pk}/read/")
    notice.refresh_from_db()
    first_read = notice.read_at

    client_.post(f"/cabinet/notifications/{notice.pk}/read/")

    notice.refresh_from_db()
    assert notice.read_at == first_read


def test_marking_read_returns_to_the_same_page(client_, parent):
    NotificationFactory.create_batch(21, user=parent)
    notice = Notification.objects.filter(user=parent).order_by("created_at", "pk").first()

    response = client_.post(f"/cabinet/notifications/{notice.pk}/read/", {"page": "2"})
    junk = client_.post("/cabinet/notifications/read/", {"page": "//evil.example"})

    assert response["Location"] == "/cabinet/notifications/?page=2"
    assert junk["Location"] == "/cabinet/notifications/"


@pytest.mark.parametrize("n", [1, 8])
def test_notifications_queries_do_not_grow(client_, parent, django_assert_num_queries, n):
    NotificationFactory.create_batch(n, user=parent)
    # user, unread notices, COUNT, the page
    with django_assert_num_queries(4):
        response = client_.get("/cabinet/notifications/")
    assert html(response).count("cabinet-notice--unread") == n


# --- Profile ----------------------------------------------------------------------------------------


def test_profile_shows_name_masked_snils_and_contacts(client_, parent):
    page = text(client_.get("/cabinet/profile/"))

    assert "Иванова Мария" in page
    assert "***-***-*** " + parent.snils[9:] in page
    assert parent.snils not in page and format_snils(parent.snils) not in page
    assert parent.email in html(client_.get("/cabinet/profile/"))


def test_profile_saves_contacts(client_, parent):
    response = client_.post(
        "/cabinet/profile/", {"email": "mama@example.ru", "phone": "+7 (900) 123-45-67", "language": "ru"}, follow=True
    )

    parent.refresh_from_db()
    assert (parent.email, parent.phone) == ("mama@example.ru", "+7 (900) 123-45-67")
    assert "Контакты сохранены." in html(response)


def test_a_parent_is_russian_by_default_and_chooses_english_e_mails(client_, parent):
    page = html(client_.get("/cabinet/profile/"))
    assert parent.language == "ru"
    assert '<option value="ru" selected>' in page and "Язык писем" in page

    client_.post("/cabinet/profile/", {"email": parent.email, "phone": "", "language": "en"})

    parent.refresh_from_db()
    assert parent.language == "en"
    page = client_.get("/cabinet/profile/")
    assert '<option value="en" selected>' in html(page)
    assert page.headers["Content-Language"] == "ru"  # the site itself stays in the switcher's language


def test_profile_refuses_an_unknown_language(client_, parent):
    response = client_.post("/cabinet/profile/", {"email": parent.email, "phone": "", "language": "de"})

    assert response.status_code == 200
    assert 'id="id_language_errors"' in html(response)
    parent.refresh_from_db()
    assert parent.language == "ru"


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"email": "not-an-email", "phone": "", "language": "ru"}, "email"),
        ({"email": "", "phone": "12-34", "language": "ru"}, "phone"),
    ],
)
def test_profile_refuses_bad_contacts(client_, parent, data, field):
    before = (parent.email, parent.phone)

    response = client_.post("/cabinet/profile/", data)

    assert response.status_code == 200
    assert f'id="id_{field}_errors"' in html(response)
    parent.refresh_from_db()
    assert (parent.email, parent.phone) == before


def test_a_claim_waiting_for_review_in_english(client_):
    client_.post("/cabinet/children/add/", child_form())
    client_.cookies["django_language"] = "en"

    page = text(client_.get("/cabinet/children/"))

    assert "Awaiting review" in page and "awaiting review" in page
    assert "Children added by hand are checked by the municipal operator" in page
