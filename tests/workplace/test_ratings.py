"""The provider's workplace: published ratings of its own programs, answered publicly."""

import re

import pytest
from django.urls import reverse

from accounts import roles
from enrollments.models import ProgramRating
from enrollments.ratings import rating_publish
from tests.accounts.factories import MunicipalStaffFactory, ProviderStaffFactory
from tests.enrollments.factories import ProgramRatingFactory
from tests.navigator.cabinet import signed_in

pytestmark = pytest.mark.django_db


def published(**kwargs) -> ProgramRating:
    rating = ProgramRatingFactory(**kwargs)
    return rating_publish(actor=MunicipalStaffFactory(), rating_id=rating.pk)


def manager_of(provider):
    user = ProviderStaffFactory(provider=provider)
    roles.role_set(user, roles.PROVIDER_MANAGER)
    return user


def form_key(page) -> str:
    return re.search(r'name="form_key" value="([^"]+)"', page.content.decode()).group(1)


def test_the_manager_sees_published_ratings_of_own_programs_and_answers_one():
    rating = published(comment="Сыну нравится")
    pending = ProgramRatingFactory(enrollment__group__program=rating.program, comment="Ждёт проверки")
    other = published(comment="Чужая программа")
    client = signed_in(manager_of(rating.program.provider))

    page = client.get(reverse("workplace:ratings"))
    text = page.content.decode()
    assert "Сыну нравится" in text and "Ждёт проверки" not in text and "Чужая программа" not in text

    response = client.post(
        reverse("workplace:rating-answer", args=[rating.pk]),
        {"answer": "Спасибо, ждём!", "form_key": form_key(page)},
        follow=True,
    )
    assert "Ответ опубликован" in response.content.decode()
    assert ProgramRating.objects.get(pk=rating.pk).answer == "Спасибо, ждём!"
    program_page = client.get(reverse("program", args=[rating.program_id])).content.decode()
    assert "Спасибо, ждём!" in program_page

    # Another provider's rating, or one not yet published, cannot be answered from here.
    page = client.get(reverse("workplace:ratings"))
    assert (
        client.post(
            reverse("workplace:rating-answer", args=[other.pk]), {"answer": "Нет", "form_key": form_key(page)}
        ).status_code
        == 404
    )
    page = client.get(reverse("workplace:ratings"))
    refused = client.post(
        reverse("workplace:rating-answer", args=[pending.pk]),
        {"answer": "Нет", "form_key": form_key(page)},
        follow=True,
    )
    assert "Ответить можно только на опубликованную оценку." in refused.content.decode()
    assert ProgramRating.objects.get(pk=pending.pk).answer == ""


def test_a_teacher_may_not_answer():
    rating = published()
    teacher = ProviderStaffFactory(provider=rating.program.provider)
    roles.role_set(teacher, roles.TEACHER)
    assert signed_in(teacher).get(reverse("workplace:ratings")).status_code == 403
