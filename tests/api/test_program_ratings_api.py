"""`GET /api/v1/programs/{id}/ratings/`: a catalog program's published ratings for other systems, as its
page shows them — moderated ones only, newest first, with the provider's answers and the means of each
score; never who wrote them; a program not in the catalog is a 404."""

import pytest
from django.urls import reverse

from catalog.models import Program
from enrollments.ratings import rating_answer, rating_publish, rating_reject
from tests.accounts.factories import MunicipalStaffFactory, ProviderStaffFactory
from tests.enrollments.factories import EnrollmentFactory, ProgramRatingFactory

pytestmark = pytest.mark.django_db


def url(program_id: int) -> str:
    return reverse("api:program-ratings", args=[program_id])


def published(program=None, **scores):
    extra = {"enrollment": EnrollmentFactory(active=True, group__program=program)} if program else {}
    rating = ProgramRatingFactory(**extra, **scores)
    return rating_publish(actor=MunicipalStaffFactory(), rating_id=rating.pk)


def test_published_ratings_newest_first_with_answers_and_means(client, django_assert_num_queries):
    first = published(results=5, teachers=4, facilities=3, overall=5)
    program = first.program
    second = published(program, results=4, teachers=4, facilities=4, overall=4)
    rating_answer(staff=ProviderStaffFactory(provider=program.provider), rating_id=second.pk, answer="Спасибо!")
    ProgramRatingFactory(enrollment=EnrollmentFactory(active=True, group__program=program))  # awaiting moderation
    refused = ProgramRatingFactory(enrollment=EnrollmentFactory(active=True, group__program=program))
    rating_reject(actor=MunicipalStaffFactory(), rating_id=refused.pk, reason="Реклама")

    # the program, the means (with the count), the page
    with django_assert_num_queries(3):
        body = client.get(url(program.pk)).json()

    assert body["count"] == 2
    assert [row["id"] for row in body["results"]] == [second.pk, first.pk]
    assert body["results"][0]["answer"] == "Спасибо!" and body["results"][0]["answered_at"]
    assert body["results"][1] == {
        "id": first.pk,
        "results": 5,
        "teachers": 4,
        "facilities": 3,
        "overall": 5,
        "comment": first.comment,
        "created_at": body["results"][1]["created_at"],
        "answer": "",
        "answered_at": None,
    }
    assert body["means"] == {"count": 2, "results": "4.50", "teachers": "4.00", "facilities": "3.50", "overall": "4.50"}
    assert "author" not in body["results"][0]


def test_a_program_without_ratings_answers_an_empty_page_without_reading_them(client, django_assert_num_queries):
    rating = ProgramRatingFactory()  # not published: the program's kept count is 0
    with django_assert_num_queries(1):
        body = client.get(url(rating.program_id)).json()
    assert body["count"] == 0 and body["results"] == []
    assert body["means"] == {"count": 0, "results": None, "teachers": None, "facilities": None, "overall": None}


def test_a_program_not_in_the_catalog_is_a_404(client):
    rating = published()
    Program.objects.filter(pk=rating.program_id).update(status=Program.Status.DRAFT)
    response = client.get(url(rating.program_id))
    assert response.status_code == 404 and response.json()["error"]["code"]
    assert client.get(url(rating.program_id + 10_000)).status_code == 404


def test_pages_of_twenty(client):
    program = published().program
    for _ in range(20):
        published(program)
    first, second = client.get(url(program.pk)).json(), client.get(url(program.pk) + "?page=2").json()
    assert first["count"] == second["count"] == 21
    assert len(first["results"]) == 20 and len(second["results"]) == 1 and first["next"]
    assert client.get(url(program.pk) + "?page=x").status_code == 400
