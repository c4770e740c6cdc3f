"""The provider's inbox of applications: its own groups' applications only (another provider's answer
404), new ones first with the child's age and certificate kind, offers and rejections (a reason
required) once per form key, the count on the workplace home, and a pinned number of queries."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from enrollments.models import Enrollment, EnrollmentEvent, EnrollmentStatus
from tests.accounts.factories import ParentFactory, ProviderStaffFactory
from tests.catalog.factories import GroupFactory, ProgramFactory
from tests.certificates.factories import ChildFactory, certificate_with_money
from tests.enrollments.factories import EnrollmentFactory
from tests.navigator.cabinet import signed_in

pytestmark = pytest.mark.django_db
URL = reverse("workplace:applications")


def html(response) -> str:
    return response.content.decode()


def text(response) -> str:
    return re.sub(r"[ \t\r\n]+", " ", re.sub(r"<[^>]+>", " ", html(response)))


def offer_url(enrollment) -> str:
    return reverse("workplace:application-offer", args=[enrollment.pk])


def reject_url(enrollment) -> str:
    return reverse("workplace:application-reject", args=[enrollment.pk])


@pytest.fixture
def staff():
    return ProviderStaffFactory()


@pytest.fixture
def group(staff):
    program = ProgramFactory(provider=staff.provider, title="Робототехника")
    return GroupFactory(program=program, name="Группа 1", start_date=datetime.date(2026, 9, 1))


@pytest.fixture
def client_(staff):
    return signed_in(staff)


def test_only_provider_staff_come_in(client, group):
    assert client.get(URL).status_code == 302
    assert signed_in(ParentFactory()).get(URL).status_code == 403


def test_the_inbox_lists_new_applications_first_with_age_and_certificate_kind(client_, group):
    funded = certificate_with_money(last_name="Иванов", first_name="Пётр", birth_date=datetime.date(2015, 3, 14))
    offered = EnrollmentFactory(group=group, offered=True, child__last_name="Офертов")
    waiting = EnrollmentFactory(group=group, status=EnrollmentStatus.WAITING, child__last_name="Ждущий")
    new = EnrollmentFactory(child=funded.child, certificate=funded, group=group)
    accounting = EnrollmentFactory(group=group, child__last_name="Учётов")
    EnrollmentFactory(group=group, cancelled=True, child__last_name="Отменённый")
    EnrollmentFactory(group=group, active=True, child__last_name="Договорный")
    EnrollmentFactory(group=GroupFactory(), child__last_name="Чужой")

    response = client_.get(URL)

    assert response.status_code == 200
    ids = [int(pk) for pk in re.findall(r'id="application-(\d+)"', html(response))]
    assert ids == [new.pk, accounting.pk, waiting.pk, offered.pk]
    page = text(response)
    assert "Отменённый" not in page and "Договорный" not in page and "Чужой" not in page
    card = re.search(rf'id="application-{new.pk}".*?</li>', html(response), re.S).group(0)
    card_text = re.sub(r"[ \t\r\n]+", " ", re.sub(r"<[^>]+>", " ", card))
    assert "Иванов Пётр" in card_text
    assert "Возраст на начало занятий 11" in card_text  # on 1 September 2026
    assert f"№ {funded.number} сертификат финансирования" in card_text
    assert "Робототехника" in card_text and "Группа 1" in card_text
    assert "Направить оферту" in card_text and "Отклонить" in card_text
    accounting_card = re.search(rf'id="application-{accounting.pk}".*?</li>', html(response), re.S).group(0)
    assert "сертификат учёта" in accounting_card
    waiting_card = re.search(rf'id="application-{waiting.pk}".*?</li>', html(response), re.S).group(0)
    assert "Направить оферту" not in waiting_card and "Отклонить" in waiting_card
    offered_card = re.search(rf'id="application-{offered.pk}".*?</li>', html(response), re.S).group(0)
    assert "Ждём ответа родителей" in offered_card


@pytest.mark.parametrize("n", [1, 10])
def test_inbox_queries_do_not_grow(client_, group, django_assert_num_queries, n):
    for _ in range(n):
        certificate = certificate_with_money()
        EnrollmentFactory(child=certificate.child, certificate=certificate, group=group)

    # user, role, provider, COUNT, the applications (children, certificates, groups, programs joined)
    with django_assert_num_queries(5):
        response = client_.get(URL)

    assert len(re.findall(r'id="application-\d+"', html(response))) == n


def test_the_home_page_links_the_inbox_with_the_count_of_new_applications(client_, group):
    EnrollmentFactory.create_batch(2, group=group)
    EnrollmentFactory(group=group, offered=True)

    page = html(client_.get(reverse("workplace:home")))

    assert f'href="{URL}"' in page
    assert re.search(r'class="cabinet-badge">.*?2</span>', page, re.S)


def test_offering_sends_the_offer_once(client_, group):
    application = EnrollmentFactory(group=group)

    first = client_.post(offer_url(application), {"form_key": "k1"})
    again = client_.post(offer_url(application), {"form_key": "k1"})

    assert first.status_code == again.status_code == 302 and first["Location"] == URL
    application.refresh_from_db()
    assert application.status == EnrollmentStatus.OFFERED
    assert EnrollmentEvent.objects.filter(enrollment=application).count() == 1
    assert "Оферта направлена" in text(client_.get(URL))


def test_a_rejection_needs_a_reason(client_, group):
    application = EnrollmentFactory(group=group)

    form = client_.get(reject_url(application))
    assert form.status_code == 200 and 'name="reason"' in html(form)
    response = client_.post(reject_url(application), {"reason": "  ", "form_key": "k1"})

    assert response.status_code == 200
    assert "Укажите причину отказа." in text(response)
    application.refresh_from_db()
    assert application.status == EnrollmentStatus.SUBMITTED


def test_rejecting_with_a_reason(client_, group):
    application = EnrollmentFactory(group=group)

    response = client_.post(reject_url(application), {"reason": "Группа для начинающих", "form_key": "k1"})

    assert response.status_code == 302 and response["Location"] == URL
    application.refresh_from_db()
    assert application.status == EnrollmentStatus.REJECTED
    assert application.reject_reason == "Группа для начинающих"


def test_an_offer_cannot_be_rejected(client_, group):
    offered = EnrollmentFactory(group=group, offered=True)

    response = client_.post(reject_url(offered), {"reason": "Передумали", "form_key": "k1"}, follow=True)

    assert "нельзя отклонить" in text(response)
    offered.refresh_from_db()
    assert offered.status == EnrollmentStatus.OFFERED


def test_another_providers_applications_are_not_found(group):
    application = EnrollmentFactory(group=group)
    other = signed_in(ProviderStaffFactory())

    assert other.get(reject_url(application)).status_code == 404
    assert other.post(reject_url(application), {"reason": "Нет", "form_key": "k1"}).status_code == 404
    assert other.post(offer_url(application), {"form_key": "k2"}).status_code == 404
    application.refresh_from_db()
    assert application.status == EnrollmentStatus.SUBMITTED
    assert "application-" not in html(other.get(URL))


def test_a_promoted_application_can_be_offered_from_the_inbox(client_, group):
    group.capacity = 1
    group.save()
    leaving = EnrollmentFactory(group=group)
    waiting = EnrollmentFactory(group=group, status=EnrollmentStatus.WAITING, child=ChildFactory())

    client_.post(reject_url(leaving), {"reason": "Не подходит по уровню", "form_key": "k1"})

    waiting.refresh_from_db()
    assert waiting.status == EnrollmentStatus.SUBMITTED and waiting.expires_at > timezone.now()
    assert Enrollment.objects.filter(group=group, status=EnrollmentStatus.SUBMITTED).count() == 1
