"""Applying (enrollments.services.enrollment_apply): a seat or a place in line, the certificate issued on
the first application, and every refusal of enrollments.eligibility, each leaving nothing behind."""

import datetime

import pytest
from django.utils import timezone

from catalog.models import Program, Provider
from certificates.models import Certificate, ParentLink
from core.errors import NotFound
from enrollments.eligibility import (
    AgeOutOfRange,
    AlreadyEnrolled,
    CertificateNotActive,
    ChildNotFound,
    GroupClosed,
    PeriodClosed,
    ProgramNotListed,
)
from enrollments.models import Enrollment, EnrollmentEvent, EnrollmentStatus
from enrollments.services import enrollment_apply
from tests.accounts.factories import ParentFactory
from tests.catalog.factories import GroupFactory, ProgramFactory
from tests.certificates.factories import CertificateFactory, ChildFactory, ParentLinkFactory
from tests.enrollments.factories import applied, child_in, parent_of

pytestmark = pytest.mark.django_db


def apply(child, group, parent=None):
    return enrollment_apply(parent=parent or parent_of(child), child_id=child.pk, group_id=group.pk)


def years_before(day: datetime.date, years: int) -> datetime.date:
    return day.replace(year=day.year - years)


def nothing_created() -> bool:
    return not Enrollment.objects.exists() and not EnrollmentEvent.objects.exists()


# --- Seats and the waiting list --------------------------------------------------------------------------


def test_a_free_seat_makes_a_submitted_application_and_issues_the_certificate(period):
    child = child_in(period)
    group = GroupFactory(capacity=1)

    result = apply(child, group)

    assert result.waiting_place is None
    assert result.enrollment.status == EnrollmentStatus.SUBMITTED
    certificate = Certificate.objects.get(child=child)
    assert result.enrollment.certificate == certificate
    assert certificate.number.startswith(f"71{period.municipality.code}")
    event = EnrollmentEvent.objects.get(enrollment=result.enrollment)
    assert (event.from_status, event.to_status, event.actor) == ("", "SUBMITTED", parent_of(child))


def test_a_full_group_puts_applications_on_the_waiting_list_in_order(period):
    group = GroupFactory(capacity=1)
    apply(child_in(period), group)

    places = [apply(child_in(period), group) for _ in range(3)]

    assert [r.waiting_place for r in places] == [1, 2, 3]
    assert {r.enrollment.status for r in places} == {EnrollmentStatus.WAITING}
    assert all(r.enrollment.expires_at is None for r in places)


def test_a_second_child_of_a_family_gets_its_own_certificate(period):
    first = child_in(period)
    second = child_in(period, parents=[parent_of(first)])

    apply(first, GroupFactory())
    apply(second, GroupFactory())

    assert Certificate.objects.filter(child__in=[first, second]).count() == 2


# --- Refusals: nothing is created ------------------------------------------------------------------------


def test_another_familys_child_is_not_found_exactly_like_a_missing_one(period):
    group = GroupFactory()
    someone_elses = child_in(period)
    stranger = ParentFactory()

    with pytest.raises(ChildNotFound) as other_family:
        apply(someone_elses, group, parent=stranger)
    with pytest.raises(ChildNotFound) as missing:
        enrollment_apply(parent=stranger, child_id=someone_elses.pk + 10_000, group_id=group.pk)

    assert (other_family.value.code, other_family.value.message) == (missing.value.code, missing.value.message)
    assert nothing_created()
    assert not Certificate.objects.exists()


def test_a_missing_group_is_not_found(period):
    child = child_in(period)

    with pytest.raises(NotFound) as refused:
        enrollment_apply(parent=parent_of(child), child_id=child.pk, group_id=10**9)

    assert refused.value.code == "group_not_found"
    assert nothing_created()


def test_a_pending_claimant_cannot_apply(period):
    """A child typed in by hand is a claim, not a link: to its claimant the child is not found."""
    parent = ParentFactory()
    child = child_in(period, parents=[parent], parents__confirmed=False)

    with pytest.raises(NotFound) as refused:
        apply(child, GroupFactory(), parent=parent)

    assert refused.value.code == "child_not_found"

    assert nothing_created()
    assert not Certificate.objects.exists()


def test_a_link_confirmed_by_municipal_staff_may_apply(period):
    parent = ParentFactory()
    child = child_in(period, parents=[])
    ParentLinkFactory(child=child, user=parent, confirmation=ParentLink.Confirmation.MUNICIPAL)

    assert apply(child, GroupFactory(), parent=parent).enrollment.status == EnrollmentStatus.SUBMITTED


def test_the_age_is_taken_on_the_groups_start_date(period):
    """Fits today (14), but turns 15 before the group starts: refused; 6 today but 7 at the start: fine."""
    today = timezone.localdate()
    starts = today + datetime.timedelta(days=30)
    group = GroupFactory(start_date=starts, program=ProgramFactory(age_min=7, age_max=14))
    too_old = child_in(period, birth_date=years_before(today + datetime.timedelta(days=10), 15))
    old_enough = child_in(period, birth_date=years_before(today + datetime.timedelta(days=10), 7))

    with pytest.raises(AgeOutOfRange):
        apply(too_old, group)

    assert not Enrollment.objects.exists()
    assert apply(old_enough, group).enrollment.status == EnrollmentStatus.SUBMITTED


def test_a_child_too_young_on_the_start_date_is_refused(period):
    group = GroupFactory(program=ProgramFactory(age_min=7, age_max=14))
    child = child_in(period, birth_date=years_before(group.start_date, 7) + datetime.timedelta(days=1))

    with pytest.raises(AgeOutOfRange):
        apply(child, group)
    assert nothing_created()


@pytest.mark.parametrize("status", [Certificate.Status.FROZEN, Certificate.Status.CLOSED])
def test_a_frozen_or_closed_certificate_cannot_apply(period, status):
    child = child_in(period)
    CertificateFactory(child=child, status=status)

    with pytest.raises(CertificateNotActive):
        apply(child, GroupFactory())

    assert nothing_created()


@pytest.mark.parametrize(
    "program",
    [
        {"status": Program.Status.DRAFT},
        {"status": Program.Status.ON_REVIEW},
        {"status": Program.Status.ARCHIVED},
        {"provider__status": Provider.Status.SUSPENDED},
        {"provider__status": Provider.Status.ON_REVIEW},
    ],
    ids=["draft", "on review", "archived", "provider suspended", "provider not approved yet"],
)
def test_a_program_not_in_the_catalog_takes_no_applications(period, program):
    group = GroupFactory(program=ProgramFactory(**program))

    with pytest.raises(ProgramNotListed):
        apply(child_in(period), group)

    assert nothing_created()


def test_a_group_closed_for_enrollment_takes_no_applications(period):
    with pytest.raises(GroupClosed):
        apply(child_in(period), GroupFactory(enrollment_open=False))
    assert nothing_created()


def test_a_group_that_has_ended_takes_no_applications(period):
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    group = GroupFactory(start_date=yesterday - datetime.timedelta(days=90), end_date=yesterday)

    with pytest.raises(GroupClosed):
        apply(child_in(period), group)
    assert nothing_created()


def test_applying_twice_is_refused_and_creates_nothing(period):
    child = child_in(period)
    group = GroupFactory()
    first = apply(child, group).enrollment

    with pytest.raises(AlreadyEnrolled):
        apply(child, group)

    assert list(Enrollment.objects.values_list("pk", flat=True)) == [first.pk]
    assert EnrollmentEvent.objects.count() == 1
    assert Certificate.objects.count() == 1


def test_a_child_waiting_for_a_seat_cannot_apply_again(period):
    group = GroupFactory(capacity=1)
    applied(child_in(period), group)
    child = child_in(period)
    assert apply(child, group).waiting_place == 1

    with pytest.raises(AlreadyEnrolled):
        apply(child, group)
    assert Enrollment.objects.filter(child=child).count() == 1


def test_after_a_cancellation_the_child_may_apply_again(period):
    child = child_in(period)
    group = GroupFactory()
    first = applied(child, group)
    Enrollment.objects.filter(pk=first.pk).update(status=EnrollmentStatus.CANCELLED)

    assert apply(child, group).enrollment.pk != first.pk


def test_a_period_closed_for_new_contracts_takes_no_applications(period):
    period.accepting_contracts = False
    period.save(update_fields=["accepting_contracts"])

    with pytest.raises(PeriodClosed):
        apply(child_in(period), GroupFactory())
    assert nothing_created()


def test_a_municipality_without_a_period_still_takes_applications():
    """No period: nothing to close; the application waits for the provider as usual."""
    child = ChildFactory()

    assert apply(child, GroupFactory()).enrollment.status == EnrollmentStatus.SUBMITTED
