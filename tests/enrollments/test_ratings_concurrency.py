"""Moderators publishing ratings of one program at once, in real parallel transactions: the program's row
lock makes each decision count every one committed before it, so the mean and count end right; with that
lock switched off the count comes out short, so the test does see the race."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest

from catalog.models import Program
from core.locking import lock_one
from enrollments import ratings
from enrollments.ratings import rating_publish
from tests.accounts.factories import MunicipalStaffFactory
from tests.catalog.factories import ProgramFactory
from tests.enrollments.factories import ProgramRatingFactory
from tests.enrollments.test_concurrency import at_once

pytestmark = pytest.mark.django_db(transaction=True)
RATINGS = 6


@pytest.fixture(autouse=True)
def _patient_locks(settings):
    settings.LOCK_TIMEOUT_MS = 10_000


@pytest.fixture
def pending():
    program = ProgramFactory()
    made = [ProgramRatingFactory(enrollment__group__program=program, overall=1 + i % 5) for i in range(RATINGS)]
    return program, made


@pytest.fixture
def slow_refresh(monkeypatch):
    """Every decision waits a moment after changing its rating, so all of them are under way at once."""
    refresh = ratings.program_rating_refresh

    def slowly(program_id: int) -> None:
        time.sleep(0.3)
        refresh(program_id)

    monkeypatch.setattr(ratings, "program_rating_refresh", slowly)

    def lock_then_slowly(queryset, **kwargs):
        if queryset.model is Program:
            time.sleep(0.3)
        return lock_one(queryset, **kwargs)

    monkeypatch.setattr(ratings, "lock_one", lock_then_slowly)


def _publish_all(made) -> None:
    staff = MunicipalStaffFactory()
    results = at_once([lambda pk=r.pk: rating_publish(actor=staff, rating_id=pk) for r in made])
    assert not [r for r in results if isinstance(r, Exception)]


def test_publishing_at_once_counts_every_rating(pending, slow_refresh):
    program, made = pending
    _publish_all(made)
    program.refresh_from_db()
    expected = (Decimal(sum(r.overall for r in made)) / RATINGS).quantize(Decimal("0.01"))
    assert (program.rating, program.rating_count) == (expected, RATINGS)


def test_without_the_program_lock_the_count_comes_out_short(pending, monkeypatch):
    program, made = pending
    refresh = ratings.program_rating_refresh

    def slowly(program_id: int) -> None:
        time.sleep(0.3)
        refresh(program_id)

    monkeypatch.setattr(ratings, "program_rating_refresh", slowly)
    monkeypatch.setattr(
        ratings,
        "lock_one",
        lambda queryset, **kwargs: queryset.get() if queryset.model is Program else lock_one(queryset, **kwargs),
    )
    _publish_all(made)
    program.refresh_from_db()
    assert program.rating_count < RATINGS
