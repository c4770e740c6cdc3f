"""The parent's rating pages: the contract's page offers the rating after a month of it (or says from
which day), the form sends it to moderation once, and the program page shows only published ratings with
the provider's answers."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from catalog.models import Program
from enrollments.models import ProgramRating, RatingStatus
from enrollments.ratings import rating_answer, rating_publish
from tests.accounts.factories import MunicipalStaffFactory, ParentFactory, ProviderStaffFactory
from tests.catalog.factories import ProgramFactory
from tests.enrollments.factories import EnrollmentFactory, ProgramRatingFactory, parent_of
from tests.navigator.cabinet import signed_in

pytestmark = pytest.mark.django_db

FORM = {"results": "5", "teachers": "4", "facilities": "3", "overall": "5", "comment": "Сыну нравится."}


def contract(days_ago: int, **kwargs):
    return EnrollmentFactory(active=True, starts_on=timezone.localdate() - datetime.timedelta(days=days_ago), **kwargs)


def form_key(page) -> str:
    return re.search(r'name="form_key" value="([^"]+)"', page.content.decode()).group(1)


def test_the_contract_page_offers_the_rating_after_a_month_and_says_when_before():
    enrollment = contract(40)
    client = signed_in(parent_of(enrollment.child))
    page = client.get(reverse("cabinet-enrollment", args=[enrollment.pk])).content.decode()
    assert "Оценить программу" in page and reverse("cabinet-enrollment-rate", args=[enrollment.pk]) in page

    early = contract(10)
    page = signed_in(parent_of(early.child)).get(reverse("cabinet-enrollment", args=[early.pk])).content.decode()
    opens = (early.starts_on + datetime.timedelta(days=31)).strftime("%m.%Y")
    assert "Оценить программу можно будет с" in page and opens in page
    assert reverse("cabinet-enrollment-rate", args=[early.pk]) not in page


def test_too_early_the_rating_page_sends_back_with_the_reason():
    early = contract(10)
    response = signed_in(parent_of(early.child)).get(reverse("cabinet-enrollment-rate", args=[early.pk]), follow=True)
    assert response.redirect_chain[-1][0] == reverse("cabinet-enrollment", args=[early.pk])
    assert "через месяц занятий по договору" in response.content.decode()


def test_another_familys_contract_is_not_found():
    enrollment = contract(40)
    client = signed_in(ParentFactory())
    assert client.get(reverse("cabinet-enrollment-rate", args=[enrollment.pk])).status_code == 404
    assert client.post(reverse("cabinet-enrollment-rate", args=[enrollment.pk]), FORM).status_code == 404


def test_a_parent_rates_once_and_sees_it_awaiting_moderation():
    enrollment = contract(40)
    client = signed_in(parent_of(enrollment.child))
    url = reverse("cabinet-enrollment-rate", args=[enrollment.pk])

    missing = client.post(url, {**FORM, "overall": "", "form_key": form_key(client.get(url))})
    assert missing.status_code == 200 and "Поставьте оценку от 1 до 5." in missing.content.decode()
    assert not ProgramRating.objects.exists()

    response = client.post(url, {**FORM, "form_key": form_key(client.get(url))}, follow=True)
    assert "Оценка отправлена" in response.content.decode()
    rating = ProgramRating.objects.get()
    assert (rating.enrollment_id, rating.overall, rating.status) == (enrollment.pk, 5, RatingStatus.PENDING)
    assert "На модерации" in response.content.decode()

    again = client.get(url, follow=True)
    assert "Вы уже оценили программу по этому договору." in again.content.decode()
    assert ProgramRating.objects.count() == 1


def test_the_program_page_lists_published_ratings_with_answers_only(client):
    program = ProgramFactory()
    published = ProgramRatingFactory(enrollment__group__program=program, comment="Отличный кружок")
    ProgramRatingFactory(enrollment__group__program=program, comment="Ещё не проверена")
    page = client.get(reverse("program", args=[program.pk])).content.decode()
    assert "Оценок пока нет" in page and "Отличный кружок" not in page

    # Published through the service: the mean and count move, the page lists it with the answer.
    ProgramRating.objects.filter(pk=published.pk).update(status=RatingStatus.PENDING)
    rating_publish(actor=MunicipalStaffFactory(), rating_id=published.pk)
    rating_answer(staff=ProviderStaffFactory(provider=program.provider), rating_id=published.pk, answer="Спасибо!")
    page = client.get(reverse("program", args=[program.pk])).content.decode()
    assert "Отличный кружок" in page and "Спасибо!" in page and "Ещё не проверена" not in page
    assert "Рейтинг 5,0 из 5 (оценок: 1)" in page or "Рейтинг 5.0 из 5 (оценок: 1)" in page
    assert Program.objects.get(pk=program.pk).rating_count == 1


def test_the_program_pages_queries_do_not_grow_with_its_ratings(client, django_assert_max_num_queries):
    program = ProgramFactory()
    staff = MunicipalStaffFactory()
    for _ in range(3):
        rating_publish(actor=staff, rating_id=ProgramRatingFactory(enrollment__group__program=program).pk)
    client.get(reverse("program", args=[program.pk]))  # warm the session
    with CaptureQueriesContext(connection) as three:
        client.get(reverse("program", args=[program.pk]))
    for _ in range(3):
        rating_publish(actor=staff, rating_id=ProgramRatingFactory(enrollment__group__program=program).pk)
    with django_assert_max_num_queries(len(three)):
        client.get(reverse("program", args=[program.pk]))
