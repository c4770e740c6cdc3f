"""Moderation of parents' ratings in the admin: actions calling enrollments.ratings, scoped to the
officer's municipality; the program's mean follows."""

from decimal import Decimal

import pytest
from django.urls import reverse

from catalog.models import Program
from enrollments.models import ProgramRating, RatingStatus
from tests.catalog.factories import MunicipalityFactory
from tests.enrollments.factories import ProgramRatingFactory
from tests.municipal.test_admin_actions import act

pytestmark = pytest.mark.django_db


def test_an_officer_publishes_and_rejects_ratings_of_their_municipality(client, operator_of):
    rating = ProgramRatingFactory(overall=4)
    municipality = rating.program.provider.municipality
    client.force_login(operator_of(municipality))

    listing = client.get(reverse("admin:enrollments_programrating_changelist") + "?status__exact=PENDING")
    assert listing.status_code == 200 and rating.comment[:40] in listing.content.decode()

    assert act(client, "enrollments_programrating", "publish", rating.pk, reason=None).status_code == 302
    rating.refresh_from_db()
    program = Program.objects.get(pk=rating.program_id)
    assert rating.status == RatingStatus.PUBLISHED
    assert (program.rating, program.rating_count) == (Decimal("4.00"), 1)

    # A rejection needs a reason; with it, the rating is hidden and the mean goes back.
    page = act(client, "enrollments_programrating", "reject", rating.pk, reason="")
    assert page.status_code == 200 and "Обязательное поле" in page.content.decode()
    assert act(client, "enrollments_programrating", "reject", rating.pk, reason="Реклама").status_code == 302
    rating.refresh_from_db()
    program.refresh_from_db()
    assert (rating.status, rating.reject_reason) == (RatingStatus.REJECTED, "Реклама")
    assert (program.rating, program.rating_count) == (None, 0)


def test_another_municipalitys_ratings_are_neither_listed_nor_moderated(client, operator_of):
    rating = ProgramRatingFactory(comment="Чужой муниципалитет")
    client.force_login(operator_of(MunicipalityFactory()))
    listing = client.get(reverse("admin:enrollments_programrating_changelist"))
    assert listing.status_code == 200 and "Чужой муниципалитет" not in listing.content.decode()
    url = reverse("admin:enrollments_programrating_change", args=[rating.pk])
    assert client.get(url).status_code == 404
    client.post(
        reverse("admin:enrollments_programrating_changelist"),
        {"action": "publish", "_selected_action": [rating.pk], "confirm": "yes"},
    )
    assert ProgramRating.objects.get(pk=rating.pk).status == RatingStatus.PENDING


def test_the_rating_form_is_read_only_to_an_officer(client, operator_of):
    rating = ProgramRatingFactory()
    client.force_login(operator_of(rating.program.provider.municipality))
    page = client.get(reverse("admin:enrollments_programrating_change", args=[rating.pk]))
    assert page.status_code == 200 and 'name="status"' not in page.content.decode()
    assert 'name="overall"' not in page.content.decode()
