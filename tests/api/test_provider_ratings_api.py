"""The provider API's ratings: the manager lists the published ratings of the organisation's programs and
answers one; another organisation's is a 404, one not yet published a 409, a teacher a 403."""

import pytest
from django.urls import reverse

from accounts import roles
from enrollments.ratings import rating_publish
from tests.accounts.factories import MunicipalStaffFactory, ProviderStaffFactory
from tests.enrollments.factories import ProgramRatingFactory
from tests.navigator.cabinet import signed_in

pytestmark = pytest.mark.django_db
LIST = reverse("api:provider-rating-list")


def answer_url(pk: int) -> str:
    return reverse("api:provider-rating-answer", args=[pk])


def test_the_manager_lists_and_answers_published_ratings_of_own_programs():
    rating = rating_publish(actor=MunicipalStaffFactory(), rating_id=ProgramRatingFactory().pk)
    pending = ProgramRatingFactory(enrollment__group__program=rating.program)
    other = rating_publish(actor=MunicipalStaffFactory(), rating_id=ProgramRatingFactory().pk)
    client = signed_in(ProviderStaffFactory(provider=rating.program.provider))

    listing = client.get(LIST).json()
    assert [row["id"] for row in listing["results"]] == [rating.pk]
    assert listing["results"][0]["overall"] == rating.overall and listing["results"][0]["answer"] == ""

    response = client.post(answer_url(rating.pk), {"answer": "Спасибо!"}, content_type="application/json")
    assert response.status_code == 200 and response.json()["answer"] == "Спасибо!"

    assert client.post(answer_url(other.pk), {"answer": "Нет"}, content_type="application/json").status_code == 404
    refused = client.post(answer_url(pending.pk), {"answer": "Нет"}, content_type="application/json")
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "decision_not_allowed"
    empty = client.post(answer_url(rating.pk), {"answer": ""}, content_type="application/json")
    assert empty.status_code == 400 and "answer" in empty.json()["error"]["fields"]


def test_a_teacher_is_refused():
    rating = ProgramRatingFactory()
    teacher = ProviderStaffFactory(provider=rating.program.provider, provider_role=roles.TEACHER)
    assert signed_in(teacher).get(LIST).status_code == 403
