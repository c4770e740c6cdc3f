"""Applying for a group and the contract that follows, through the test client: the application page
(the parent's own children with their quotes, the refusals, the waiting place), applying once per form
key, the offer with its terms, accepting (and the funded limit reached), declining, terminating after
seeing the day it takes effect; with the apply page's number of queries pinned."""

import datetime
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from certificates.models import BillingPolicy, Certificate, DirectionCount, FundedCertificateRequest, FundingPeriod
from core.errors import Busy
from enrollments.models import ContractFunding, Enrollment, EnrollmentEvent, EnrollmentStatus
from tests.accounts.factories import ParentFactory, ProviderStaffFactory
from tests.catalog.factories import GroupFactory, ProgramFactory, ScheduleSlotFactory
from tests.certificates.factories import CertificateFactory, ChildFactory, certificate_with_money, period_for
from tests.enrollments.factories import EnrollmentFactory
from tests.navigator.cabinet import signed_in

pytestmark = pytest.mark.django_db


def html(response) -> str:
    return response.content.decode()


def text(response) -> str:
    """The page's text without tags, whitespace collapsed (no-break spaces kept)."""
    return re.sub(r"[ \t\r\n]+", " ", re.sub(r"<[^>]+>", " ", html(response)))


def form_key(response) -> str:
    return re.search(r'name="form_key" value="([0-9a-f]{32})"', html(response)).group(1)


def rub(amount: str) -> str:
    return amount.replace(" ", "\xa0") + "\xa0₽"


@pytest.fixture
def parent():
    return ParentFactory(last_name="Иванова", first_name="Мария")


@pytest.fixture
def client_(parent):
    return signed_in(parent)


@pytest.fixture
def certificate(parent):
    """Пётр, ten or eleven this school year, with a funded certificate: 10 000 ₽ this period (per lesson)."""
    return certificate_with_money(parent, last_name="Иванов", first_name="Пётр", middle_name="Сергеевич")


@pytest.fixture
def group():
    """A group of a program at 400 ₽ a lesson whose normative price is 300 ₽ (8 lessons a month), on Mondays."""
    program = ProgramFactory(
        title="Робототехника", lesson_price=Decimal("400.00"), normative_lesson_price=Decimal("300.00")
    )
    group = GroupFactory(program=program, name="Группа 1", capacity=10)
    ScheduleSlotFactory(group=group)
    return group


def apply_url(group) -> str:
    return reverse("group-apply", args=[group.pk])


def mondays(start: datetime.date, end: datetime.date) -> int:
    return sum(1 for n in range((end - start).days + 1) if (start + datetime.timedelta(days=n)).weekday() == 0)


# --- The program page ----------------------------------------------------------------------------------


def test_the_program_page_offers_each_open_group_to_parents(client_, group):
    other = GroupFactory(program=group.program, name="Группа 2")

    page = html(client_.get(reverse("program", args=[group.program_id])))

    assert f'href="{apply_url(group)}"' in page and f'href="{apply_url(other)}"' in page
    assert page.count(">Записаться<span") == 2


def test_the_program_page_sends_anonymous_visitors_to_sign_in_first(client, group):
    page = html(client.get(reverse("program", args=[group.program_id])))

    assert f'href="/accounts/login/?next=/catalog/groups/{group.pk}/apply/"' in page
    assert "Понадобится вход через Госуслуги" in page


def test_staff_get_no_apply_button(group):
    page = html(signed_in(ProviderStaffFactory()).get(reverse("program", args=[group.program_id])))

    assert apply_url(group) not in page


# --- Who may open the application page ---------------------------------------------------------------


def test_anonymous_visitors_go_to_login(client, group):
    response = client.get(apply_url(group))

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={apply_url(group)}"


def test_staff_get_403(group):
    assert signed_in(ProviderStaffFactory()).get(apply_url(group)).status_code == 403


def test_a_group_the_catalog_does_not_show_is_not_found(client_, group):
    hidden = GroupFactory(program=ProgramFactory(status="DRAFT"))

    assert client_.get(apply_url(hidden)).status_code == 404
    assert client_.get("/catalog/groups/999999/apply/").status_code == 404


# --- The application page ---------------------------------------------------------------------------


def test_the_page_shows_only_the_parents_children_with_their_quotes(client_, parent, certificate, group):
    sister = ChildFactory(parents=[parent], last_name="Иванова", first_name="Анна", middle_name="Сергеевна")
    stranger = ChildFactory(last_name="Чужой", first_name="Ребёнок")

    response = client_.get(apply_url(group))

    assert response.status_code == 200
    page = text(response)
    assert "Робототехника" in page and "Группа 1" in page
    assert "Иванов Пётр Сергеевич" in page and "Иванова Анна Сергеевна" in page
    assert "Чужой" not in page and f'value="{stranger.pk}"' not in html(response)
    assert f'name="child" value="{certificate.child.pk}"' in html(response)
    assert f'name="child" value="{sister.pk}"' in html(response)
    # Per lesson: 400 ₽, the certificate 300 ₽ (the normative price), the parents 100 ₽; a month of 8 lessons.
    quote = re.search(r'<table class="quote__table">.*?<tbody>(.*?)</tbody>', html(response), re.S).group(1)
    cells = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td>(.*?)</td>", quote)]
    assert cells == [rub("400"), rub("3 200"), rub("300"), rub("2 400"), rub("100"), rub("800")]
    lessons = mondays(timezone.localdate(), group.end_date)
    assert f"До конца периода занятий: {lessons}." in page
    assert f"зарезервируют {rub(f'{300 * lessons:,}'.replace(',', ' '))}" in page
    assert f"Сертификат № {certificate.number}".lower() in page.lower()
    assert "сертификат выдадут с первой заявкой" in page  # Анна has none yet
    assert "Подать заявку" in page
    assert "Свободных мест нет" not in page


def test_the_only_child_who_can_apply_is_chosen_already(client_, certificate, group):
    page = html(client_.get(apply_url(group)))

    assert re.search(rf'value="{certificate.child.pk}"[^>]*checked', page)


def test_a_full_group_shows_the_place_on_the_waiting_list(client_, certificate, group):
    group.capacity = 1
    group.save()
    EnrollmentFactory(group=group)
    EnrollmentFactory(group=group, status=EnrollmentStatus.WAITING)

    page = text(client_.get(apply_url(group)))

    assert "Свободных мест нет" in page
    assert "ваше место в очереди: 2" in page
    assert "Встать в лист ожидания" in page


def test_children_who_cannot_apply_are_shown_with_the_reason(client_, parent, certificate, group):
    too_old = ChildFactory(parents=[parent], first_name="Старший", birth_date=datetime.date(2005, 1, 1))
    by_hand = ChildFactory(parents=[parent], parents__confirmed=False, first_name="Вписанный")
    enrolled = ChildFactory(parents=[parent], first_name="Записанный")
    EnrollmentFactory(child=enrolled, group=group)

    response = client_.get(apply_url(group))

    page = text(response)
    assert "Программа для детей от 7 до 14 лет" in page
    assert "Вписанный" not in page  # typed in by hand: a claim waiting for review, not a child to choose
    assert "Ребёнок уже записан в эту группу" in page
    for refused in (too_old, by_hand, enrolled):
        assert f'name="child" value="{refused.pk}"' not in html(response)
    assert f'name="child" value="{certificate.child.pk}"' in html(response)


def test_without_children_the_page_says_how_to_add_one(client_, group):
    response = client_.get(apply_url(group))

    assert "Детей в личном кабинете пока нет." in html(response)
    assert "Подать заявку" not in html(response)


def test_apply_page_queries(client_, certificate, group, django_assert_num_queries):
    # user, group with seats and waiting list, its schedule, children with certificates;
    # per child: link, already enrolled, period (eligibility), period, certificate, account (quote),
    # period (the direction's cap)
    with django_assert_num_queries(11):
        response = client_.get(apply_url(group))

    assert response.status_code == 200


def test_apply_page_warns_when_the_directions_cap_is_reached(client_, certificate, group):
    period = FundingPeriod.objects.get(municipality=certificate.municipality)
    FundingPeriod.objects.filter(pk=period.pk).update(direction_cap=1)
    DirectionCount.objects.create(period=period, direction_id=group.program.direction_id, children=1)

    page = client_.get(apply_url(group)).content.decode()

    assert "предельное число мест по сертификатам" in page


# --- Applying -----------------------------------------------------------------------------------------


def test_applying_creates_one_enrollment_and_a_repeat_of_the_form_creates_none(client_, parent, certificate, group):
    key = form_key(client_.get(apply_url(group)))
    data = {"child": certificate.child.pk, "form_key": key}

    first = client_.post(apply_url(group), data)
    again = client_.post(apply_url(group), data)

    enrollment = Enrollment.objects.get()
    assert (enrollment.child, enrollment.group, enrollment.status) == (certificate.child, group, "SUBMITTED")
    assert first.status_code == again.status_code == 302
    assert first["Location"] == again["Location"] == reverse("cabinet-enrollment", args=[enrollment.pk])
    page = text(client_.get(first["Location"]))
    assert "Заявка подана" in page


def test_the_first_application_issues_the_certificate(client_, parent, group):
    child = ChildFactory(parents=[parent])
    period_for(child.municipality, timezone.localdate())

    response = client_.post(apply_url(group), {"child": child.pk, "form_key": "k1"})

    assert response.status_code == 302
    certificate = Certificate.objects.get(child=child)
    assert Enrollment.objects.get().certificate == certificate


def test_applying_to_a_full_group_says_the_place_in_line(client_, certificate, group):
    group.capacity = 1
    group.save()
    EnrollmentFactory(group=group)

    response = client_.post(apply_url(group), {"child": certificate.child.pk, "form_key": "k1"}, follow=True)

    assert "Заявка в листе ожидания, ваше место: 1." in text(response)
    assert "Ваше место в очереди: 1" in text(response)
    assert Enrollment.objects.get(child=certificate.child).status == EnrollmentStatus.WAITING


def test_a_refused_application_comes_back_with_the_reason(client_, parent, group):
    too_old = ChildFactory(parents=[parent], birth_date=datetime.date(2005, 1, 1))

    response = client_.post(apply_url(group), {"child": too_old.pk, "form_key": "k1"}, follow=True)

    assert response.redirect_chain[-1][0] == apply_url(group)
    assert "Программа для детей от 7 до 14 лет" in text(response)
    assert not Enrollment.objects.exists()


def test_another_familys_child_is_not_found(client_, group):
    stranger = ChildFactory()

    assert client_.post(apply_url(group), {"child": stranger.pk, "form_key": "k1"}).status_code == 404
    assert not Enrollment.objects.exists()


def test_no_child_chosen_asks_to_choose(client_, certificate, group):
    response = client_.post(apply_url(group), {"form_key": "k1"}, follow=True)

    assert "Выберите ребёнка." in text(response)
    assert not Enrollment.objects.exists()


def test_busy_asks_to_retry_in_a_few_seconds_and_frees_the_key(client_, certificate, group, monkeypatch):
    from navigator.views import enroll

    def busy(**kwargs):
        raise Busy("locked")

    monkeypatch.setattr(enroll, "enrollment_apply", busy)
    data = {"child": certificate.child.pk, "form_key": "k1"}

    response = client_.post(apply_url(group), data, follow=True)

    assert response.status_code == 200
    assert "Повторите через несколько секунд." in text(response)
    monkeypatch.undo()
    client_.post(apply_url(group), data)  # the same form again: it runs this time
    assert Enrollment.objects.filter(child=certificate.child).count() == 1


# --- The offer ------------------------------------------------------------------------------------------


@pytest.fixture
def offer(certificate, group):
    return EnrollmentFactory(
        child=certificate.child, certificate=certificate, group=group, offered=True, lessons_per_month=8
    )


def enrollment_url(enrollment) -> str:
    return reverse("cabinet-enrollment", args=[enrollment.pk])


def test_the_offer_page_shows_the_contract_terms(client_, offer, group):
    response = client_.get(enrollment_url(offer))

    page = text(response)
    assert "Оферта: условия договора" in page
    assert "Группа 1" in page and group.teacher in page
    assert "Понедельник, 16:00–17:30" in page
    assert f"{timezone.localdate():%d.%m.%Y}–{group.end_date:%d.%m.%Y}" in page
    assert rub("400") in page and rub("300") in page and rub("100") in page and rub("800") in page
    assert "За каждое посещённое занятие" in page
    assert "Оплачиваются только посещённые занятия" in page
    assert "Оферту нужно принять до" in page
    assert ">Принять<" in html(response)
    assert f'href="{reverse("cabinet-enrollment-decline", args=[offer.pk])}"' in html(response)


def test_accepting_makes_the_contract_and_reserves_the_certificates_share(client_, parent, offer, group):
    key = form_key(client_.get(enrollment_url(offer)))
    accept = reverse("cabinet-enrollment-accept", args=[offer.pk])

    response = client_.post(accept, {"form_key": key}, follow=True)
    client_.post(accept, {"form_key": key})  # a double click

    offer.refresh_from_db()
    lessons = mondays(timezone.localdate(), group.end_date)
    assert offer.status == EnrollmentStatus.ACTIVE and offer.accepted_by == parent
    assert offer.reserve_remaining == Decimal("300.00") * lessons
    assert EnrollmentEvent.objects.filter(enrollment=offer, to_status="ACTIVE").count() == 1
    page = text(response)
    assert "Договор заключён." in page
    assert "Остаток резерва на сертификате" in page
    assert rub(f"{300 * lessons:,}".replace(",", " ")) in page
    assert "Расторгнуть договор" in page


def test_when_the_funded_certificates_run_out_the_page_offers_a_paid_contract_or_the_queue(client_, parent, group):
    child = ChildFactory(parents=[parent])
    certificate = CertificateFactory(child=child)
    period = period_for(child.municipality, timezone.localdate())
    FundingPeriod.objects.filter(pk=period.pk).update(max_funded_certificates=0)
    offer = EnrollmentFactory(child=child, certificate=certificate, group=group, offered=True)

    page = text(client_.get(enrollment_url(offer)))
    assert "Сертификаты финансирования на этот период закончились" in page
    assert "Заключить договор за счёт родителей" in page and "Встать в очередь на сертификат" in page

    response = client_.post(reverse("cabinet-enrollment-accept", args=[offer.pk]), {"form_key": "k1"}, follow=True)

    page = text(response)
    assert "Сертификат поставлен в очередь" in page
    assert "Сертификат в очереди на финансирование, место: 1." in page
    assert FundedCertificateRequest.objects.filter(certificate=certificate, period=period).exists()
    offer.refresh_from_db()
    assert offer.status == EnrollmentStatus.OFFERED

    client_.post(reverse("cabinet-enrollment-accept", args=[offer.pk]), {"form_key": "k2", "as_paid": "1"})

    offer.refresh_from_db()
    assert offer.status == EnrollmentStatus.ACTIVE
    assert offer.funding == ContractFunding.PAID and offer.reserve_remaining == 0


def test_the_direction_cap_is_explained(client_, offer, certificate, group):
    period = FundingPeriod.objects.get(municipality=certificate.municipality)
    FundingPeriod.objects.filter(pk=period.pk).update(direction_cap=1)
    DirectionCount.objects.create(period=period, direction=group.program.direction, children=1)

    response = client_.post(reverse("cabinet-enrollment-accept", args=[offer.pk]), {"form_key": "k1"}, follow=True)

    assert "В этой направленности в период" in text(response)
    offer.refresh_from_db()
    assert offer.status == EnrollmentStatus.OFFERED


def test_a_pending_claimant_of_the_child_sees_nothing_of_its_offer(parent, group):
    child = ChildFactory(parents=[parent], parents__confirmed=False)
    enrollment = EnrollmentFactory(child=child, group=group, offered=True, applicant=ParentFactory())
    client = signed_in(parent)

    assert client.get(enrollment_url(enrollment)).status_code == 404
    response = client.post(reverse("cabinet-enrollment-accept", args=[enrollment.pk]), {"form_key": "k"})
    assert response.status_code == 404
    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.OFFERED


def test_declining_asks_first_then_cancels_the_offer(client_, offer):
    decline = reverse("cabinet-enrollment-decline", args=[offer.pk])

    confirm = client_.get(decline)
    assert "Да, отказаться от оферты" in html(confirm)
    response = client_.post(decline, {"form_key": form_key(confirm)}, follow=True)

    assert "Вы отказались от оферты." in text(response)
    offer.refresh_from_db()
    assert offer.status == EnrollmentStatus.CANCELLED


def test_decline_is_for_offers_only(client_, certificate, group):
    application = EnrollmentFactory(child=certificate.child, certificate=certificate, group=group)

    assert client_.get(reverse("cabinet-enrollment-decline", args=[application.pk])).status_code == 302
    response = client_.post(reverse("cabinet-enrollment-decline", args=[application.pk]), {"form_key": "k"})

    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == EnrollmentStatus.SUBMITTED


def test_another_familys_offer_is_not_found(offer):
    client = signed_in(ParentFactory())

    assert client.get(enrollment_url(offer)).status_code == 404
    assert client.post(reverse("cabinet-enrollment-accept", args=[offer.pk]), {"form_key": "k"}).status_code == 404
    offer.refresh_from_db()
    assert offer.status == EnrollmentStatus.OFFERED


def test_the_waiting_list_shows_the_place_in_line(client_, certificate, group):
    EnrollmentFactory(group=group, status=EnrollmentStatus.WAITING)
    waiting = EnrollmentFactory(child=certificate.child, certificate=certificate, group=group, status="WAITING")

    assert "Ваше место в очереди: 2" in text(client_.get(enrollment_url(waiting)))


# --- Termination ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "policy, last_day",
    [
        (BillingPolicy.PER_LESSON, lambda today: today - datetime.timedelta(days=1)),
        (
            BillingPolicy.MONTHLY,
            lambda today: (
                (today.replace(day=28) + datetime.timedelta(days=4)).replace(day=1) - datetime.timedelta(days=1)
            ),
        ),
    ],
)
def test_terminating_shows_the_day_it_takes_effect_first(client_, certificate, group, policy, last_day):
    contract = EnrollmentFactory(
        child=certificate.child, certificate=certificate, group=group, active=True, billing_policy=policy
    )
    terminate = reverse("cabinet-enrollment-terminate", args=[contract.pk])
    expected = last_day(timezone.localdate())

    confirm = client_.get(terminate)

    page = text(confirm)
    assert f"Последний день договора {expected:%d.%m.%Y}" in page
    assert f"Место в группе освободится {expected + datetime.timedelta(days=1):%d.%m.%Y}" in page
    contract.refresh_from_db()
    assert contract.status == EnrollmentStatus.ACTIVE

    response = client_.post(terminate, {"form_key": form_key(confirm)}, follow=True)

    contract.refresh_from_db()
    assert contract.status == EnrollmentStatus.TERMINATED and contract.ends_on == expected
    assert f"Договор расторгнут. Последний день договора: {expected:%d.%m.%Y}." in text(response)


def test_only_a_contract_in_force_is_terminated(client_, offer):
    terminate = reverse("cabinet-enrollment-terminate", args=[offer.pk])

    assert client_.get(terminate).status_code == 302
    response = client_.post(terminate, {"form_key": "k"}, follow=True)

    assert "Расторгнуть можно только действующий договор." in text(response)
    offer.refresh_from_db()
    assert offer.status == EnrollmentStatus.OFFERED
