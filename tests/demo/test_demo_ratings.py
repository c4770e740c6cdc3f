"""The demo region's ratings: the demo provider's contract program has published ratings (some answered)
and one awaiting moderation in the demo officer's admin; the demo parent's own contract is left to rate."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.models import User
from enrollments.models import ProgramRating, RatingStatus
from enrollments.ratings import contract_rating_state


@pytest.mark.django_db
@pytest.mark.usefixtures("small_region")
class TestDemoRatings:
    def test_published_answered_and_pending_ratings(self):
        provider = User.objects.get(username="provider").provider
        ratings = ProgramRating.objects.filter(program__provider=provider)
        published = ratings.filter(status=RatingStatus.PUBLISHED)
        assert published.count() == 3
        assert published.exclude(answer="").count() == 2
        assert ratings.filter(status=RatingStatus.PENDING).count() == 1
        program = published.first().program
        program.refresh_from_db()
        assert (program.rating, program.rating_count) == (Decimal("4.67"), 3)

    def test_the_officer_sees_the_pending_one_and_the_program_page_the_published(self, client):
        pending = ProgramRating.objects.get(status=RatingStatus.PENDING)
        client.force_login(User.objects.get(username="municipal"))
        listing = client.get(reverse("admin:enrollments_programrating_changelist") + "?status__exact=PENDING")
        assert listing.status_code == 200 and pending.comment[:30] in listing.content.decode()
        page = client.get(reverse("program", args=[pending.program_id])).content.decode()
        assert "Спасибо за тёплые слова!" in page and pending.comment not in page

    def test_the_demo_parents_contract_is_left_to_rate(self):
        parent = User.objects.get(username="parent")
        contract = parent.accepted_contracts.get()
        state = contract_rating_state(enrollment=contract)
        assert state.rating is None and state.opens_on is not None
