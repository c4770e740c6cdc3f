"""Parents' ratings of programs (enrollments.ratings): only after a month of a contract, one per contract,
public only once municipal staff publish them, the program's mean and count kept from the published ones,
and the provider's public answer."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone
from psycopg2 import errorcodes

from catalog.models import Program
from enrollments.models import EnrollmentStatus, ProgramRating, RatingStatus
from enrollments.ratings import (
    AlreadyRated,
    ContractNotFound,
    DecisionNotAllowed,
    NotAContract,
    RatingNotFound,
    RatingTooEarly,
    contract_rating_state,
    month_after,
    program_published_ratings,
    program_score_means,
    provider_ratings,
    rating_answer,
    rating_publish,
    rating_reject,
    rating_submit,
)
from notices.models import Notification
from tests.accounts.factories import MunicipalStaffFactory, ParentFactory, ProviderStaffFactory
from tests.catalog.factories import ProgramFactory
from tests.db import refused
from tests.enrollments.factories import EnrollmentFactory, ProgramRatingFactory, parent_of

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 11, 30)
SCORES = {"results": 5, "teachers": 4, "facilities": 3, "overall": 5}


def contract(*, starts_on=datetime.date(2026, 10, 1), status=EnrollmentStatus.ACTIVE, **kwargs):
    """An active contract of a new program, started on `starts_on`."""
    return EnrollmentFactory(active=True, status=status, starts_on=starts_on, **kwargs)


def rate(enrollment, *, today=TODAY, parent=None, **scores):
    return rating_submit(
        parent=parent or parent_of(enrollment.child),
        enrollment_id=enrollment.pk,
        comment="  Сыну нравится.  ",
        today=today,
        **{**SCORES, **scores},
    )


def moderator():
    return MunicipalStaffFactory()


def test_month_after_keeps_the_day_or_takes_the_months_last():
    assert month_after(datetime.date(2026, 10, 1)) == datetime.date(2026, 11, 1)
    assert month_after(datetime.date(2026, 1, 31)) == datetime.date(2026, 2, 28)
    assert month_after(datetime.date(2026, 12, 15)) == datetime.date(2027, 1, 15)


def test_a_parent_rates_after_a_month_and_the_rating_waits_for_moderation():
    enrollment = contract(starts_on=datetime.date(2026, 10, 30))
    rating = rate(enrollment)
    assert rating.status == RatingStatus.PENDING
    assert rating.program_id == enrollment.group.program_id
    assert (rating.results, rating.teachers, rating.facilities, rating.overall) == (5, 4, 3, 5)
    assert rating.comment == "Сыну нравится."
    # Not public yet: the program's mean and its page do not count it.
    program = Program.objects.get(pk=rating.program_id)
    assert (program.rating, program.rating_count) == (None, 0)
    assert not program_published_ratings(program_id=program.pk).exists()


def test_too_early_is_refused_with_the_day_it_opens():
    enrollment = contract(starts_on=datetime.date(2026, 11, 1))
    with pytest.raises(RatingTooEarly, match=r"с 01\.12\.2026"):
        rate(enrollment, today=datetime.date(2026, 11, 30))
    assert not ProgramRating.objects.exists()
    state = contract_rating_state(enrollment=enrollment, today=datetime.date(2026, 11, 30))
    assert (state.can_rate, state.opens_on) == (False, datetime.date(2026, 12, 1))
    assert rate(enrollment, today=datetime.date(2026, 12, 1)).pk


def test_a_contract_ended_before_a_month_cannot_be_rated():
    enrollment = contract(
        starts_on=datetime.date(2026, 9, 1), ends_on=datetime.date(2026, 9, 20), status=EnrollmentStatus.TERMINATED
    )
    with pytest.raises(RatingTooEarly):
        rate(enrollment)
    finished = contract(
        starts_on=datetime.date(2026, 9, 1), ends_on=datetime.date(2026, 10, 31), status=EnrollmentStatus.TERMINATED
    )
    assert rate(finished).status == RatingStatus.PENDING


def test_not_your_contract_is_not_found_and_an_application_is_no_contract():
    enrollment = contract()
    with pytest.raises(ContractNotFound):
        rate(enrollment, parent=ParentFactory())
    application = EnrollmentFactory()
    with pytest.raises(NotAContract):
        rate(application)


def test_one_rating_per_contract_by_the_service_and_by_the_database():
    enrollment = contract()
    first = rate(enrollment)
    with pytest.raises(AlreadyRated):
        rate(enrollment)
    with refused("rating_one_per_contract", errorcodes.UNIQUE_VIOLATION):
        ProgramRating.objects.bulk_create(
            [ProgramRating(enrollment=enrollment, program_id=first.program_id, author=first.author, **SCORES)]
        )
    state = contract_rating_state(enrollment=enrollment, today=TODAY)
    assert state.rating == first and not state.can_rate


def test_scores_outside_one_to_five_are_refused_by_the_service_and_the_database():
    enrollment = contract()
    with pytest.raises(Exception, match="от 1 до 5") as excinfo:
        rate(enrollment, overall=6)
    assert set(excinfo.value.fields) == {"overall"}
    rating = ProgramRatingFactory()
    for score in ("results", "teachers", "facilities", "overall"):
        with refused(f"rating_{score}_range"):
            ProgramRating.objects.filter(pk=rating.pk).update(**{score: 0})


def test_a_decision_without_who_and_when_is_refused_by_the_database():
    rating = ProgramRatingFactory()
    with refused("rating_decision_has_who_and_when"):
        ProgramRating.objects.filter(pk=rating.pk).update(status=RatingStatus.PUBLISHED)
    with refused("rating_decision_has_who_and_when"):
        ProgramRating.objects.filter(pk=rating.pk).update(
            status=RatingStatus.REJECTED, moderated_at=timezone.now(), moderated_by=rating.author
        )


def test_publishing_moves_the_mean_and_the_count_and_rejecting_takes_them_back():
    program = ProgramFactory()
    five = rate(contract(group__program=program), overall=5)
    two = rate(contract(group__program=program), overall=2)
    staff = moderator()

    rating_publish(actor=staff, rating_id=five.pk)
    program.refresh_from_db()
    assert (program.rating, program.rating_count) == (Decimal("5.00"), 1)

    rating_publish(actor=staff, rating_id=two.pk)
    rating_publish(actor=staff, rating_id=two.pk)  # idempotent
    program.refresh_from_db()
    assert (program.rating, program.rating_count) == (Decimal("3.50"), 2)
    assert [r.pk for r in program_published_ratings(program_id=program.pk)] == [two.pk, five.pk]
    means = program_score_means(program_id=program.pk)
    assert means["count"] == 2 and means["overall"] == Decimal("3.5")

    # A published one withdrawn: hidden, and out of the mean.
    rating_reject(actor=staff, rating_id=five.pk, reason="Отзыв не о программе")
    program.refresh_from_db()
    assert (program.rating, program.rating_count) == (Decimal("2.00"), 1)
    assert [r.pk for r in program_published_ratings(program_id=program.pk)] == [two.pk]


def test_rejecting_a_pending_rating_needs_a_reason_keeps_the_mean_and_tells_the_parent():
    program = ProgramFactory()
    rating = rate(contract(group__program=program), overall=1)
    staff = moderator()
    with pytest.raises(Exception, match="Укажите причину"):
        rating_reject(actor=staff, rating_id=rating.pk, reason="  ")
    rating = rating_reject(actor=staff, rating_id=rating.pk, reason="Грубые выражения")
    assert rating.status == RatingStatus.REJECTED and rating.moderated_by == staff
    program.refresh_from_db()
    assert (program.rating, program.rating_count) == (None, 0)
    assert not program_published_ratings(program_id=program.pk).exists()
    notice = Notification.objects.get(user=rating.author)
    assert "не опубликована" in notice.title and "Грубые выражения" in notice.body
    # A rejected one is not published later.
    with pytest.raises(DecisionNotAllowed):
        rating_publish(actor=staff, rating_id=rating.pk)


def test_publishing_tells_the_parent():
    rating = rate(contract())
    rating_publish(actor=moderator(), rating_id=rating.pk)
    assert "опубликована" in Notification.objects.get(user=rating.author).title


def test_the_provider_answers_a_published_rating_of_its_own_program_only():
    rating = rate(contract())
    staff = ProviderStaffFactory(provider=rating.program.provider)
    with pytest.raises(DecisionNotAllowed):
        rating_answer(staff=staff, rating_id=rating.pk, answer="Спасибо!")
    rating_publish(actor=moderator(), rating_id=rating.pk)
    with pytest.raises(RatingNotFound):
        rating_answer(staff=ProviderStaffFactory(), rating_id=rating.pk, answer="Спасибо!")
    with pytest.raises(Exception, match="Напишите ответ"):
        rating_answer(staff=staff, rating_id=rating.pk, answer=" ")

    rating_answer(staff=staff, rating_id=rating.pk, answer="  Спасибо, ждём на занятиях!  ")
    shown = program_published_ratings(program_id=rating.program_id).get()
    assert shown.answer == "Спасибо, ждём на занятиях!" and shown.answered_by == staff
    assert list(provider_ratings(provider_id=rating.program.provider_id)) == [shown]
