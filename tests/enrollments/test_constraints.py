"""The database refuses a second live application of a child to one group, an unaccepted contract
and a negative contract price, whatever path the write takes."""

from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone
from psycopg2 import errorcodes

from certificates.models import ParentLink
from enrollments.models import LIVE_STATUSES, Enrollment, EnrollmentStatus
from tests.accounts.factories import ParentFactory
from tests.catalog.factories import GroupFactory
from tests.db import refused
from tests.enrollments.factories import EnrollmentFactory

pytestmark = pytest.mark.django_db


def again(enrollment: Enrollment, **kwargs) -> Enrollment:
    """An unsaved application of the same child to the same group."""
    return EnrollmentFactory.build(
        child=enrollment.child,
        group=enrollment.group,
        applicant=enrollment.applicant,
        certificate=enrollment.certificate,
        **kwargs,
    )


def test_second_submitted_application_refused():
    first = EnrollmentFactory()
    with refused("enrollment_one_live_per_child_group", errorcodes.UNIQUE_VIOLATION):
        Enrollment.objects.bulk_create([again(first)])
    assert Enrollment.objects.filter(child=first.child, group=first.group).count() == 1


def in_status(status: str) -> dict:
    """Field values of an enrollment in `status` (an active one was accepted)."""
    return {"status": status, "accepted_at": timezone.now() if status == EnrollmentStatus.ACTIVE else None}


@pytest.mark.parametrize("existing", LIVE_STATUSES)
@pytest.mark.parametrize("new", LIVE_STATUSES)
def test_any_two_live_applications_refused(existing, new):
    first = EnrollmentFactory(**in_status(existing))
    with refused("enrollment_one_live_per_child_group", errorcodes.UNIQUE_VIOLATION):
        Enrollment.objects.bulk_create([again(first, **in_status(new))])


@pytest.mark.parametrize(
    "ended",
    [
        EnrollmentStatus.CANCELLED,
        EnrollmentStatus.REJECTED,
        EnrollmentStatus.EXPIRED,
        EnrollmentStatus.TERMINATED,
    ],
)
def test_new_application_allowed_after_the_first_ended(ended):
    first = EnrollmentFactory()
    accepted = {"accepted_at": timezone.now(), "accepted_by": first.applicant}
    Enrollment.objects.filter(pk=first.pk).update(status=ended, **accepted)

    second = again(first)
    second.save()
    # Ended ones do not count: a third try after the second ends is fine too.
    Enrollment.objects.filter(pk=second.pk).update(status=ended, **accepted)
    again(first).save()
    assert Enrollment.objects.filter(child=first.child, group=first.group).count() == 3


def test_ended_application_cannot_be_revived_next_to_a_live_one():
    first = EnrollmentFactory(cancelled=True)
    again(first).save()
    with refused("enrollment_one_live_per_child_group", errorcodes.UNIQUE_VIOLATION):
        Enrollment.objects.filter(pk=first.pk).update(status=EnrollmentStatus.SUBMITTED)


def test_same_child_may_apply_to_another_group():
    first = EnrollmentFactory()
    EnrollmentFactory(child=first.child, certificate=first.certificate, group=GroupFactory())


def test_a_contract_without_the_parents_acceptance_is_refused():
    """A provider can never make a contract ACTIVE: the database wants who accepted it and when."""
    offered = EnrollmentFactory(offered=True)
    parent = offered.applicant
    with refused("enrollment_contract_was_accepted"):
        Enrollment.objects.filter(pk=offered.pk).update(status=EnrollmentStatus.ACTIVE)
    with refused("enrollment_contract_was_accepted"):
        Enrollment.objects.filter(pk=offered.pk).update(status=EnrollmentStatus.ACTIVE, accepted_at=timezone.now())
    with refused("enrollment_contract_was_accepted"):
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE enrollments_enrollment SET status = 'TERMINATED', accepted_by_id = %s WHERE id = %s",
                [parent.pk, offered.pk],
            )
    Enrollment.objects.filter(pk=offered.pk).update(
        status=EnrollmentStatus.ACTIVE, accepted_at=timezone.now(), accepted_by=parent
    )


def test_only_a_confirmed_parent_of_the_child_can_have_accepted():
    offered = EnrollmentFactory(offered=True)
    stranger = ParentFactory()
    typed_in = ParentFactory()
    ParentLink.objects.create(child=offered.child, user=typed_in)  # a link typed in by hand: unconfirmed
    for user in (stranger, typed_in):
        with refused("only a confirmed parent of the child accepts a contract"):
            Enrollment.objects.filter(pk=offered.pk).update(
                status=EnrollmentStatus.ACTIVE, accepted_at=timezone.now(), accepted_by=user
            )


def test_contract_keeps_its_acceptance():
    active = EnrollmentFactory(active=True)
    with refused("enrollment_contract_was_accepted"):
        Enrollment.objects.filter(pk=active.pk).update(accepted_at=None)
    with refused("enrollment_contract_was_accepted"):
        Enrollment.objects.filter(pk=active.pk).update(accepted_by=None)


def test_enrollment_price_never_negative():
    enrollment = EnrollmentFactory()
    with refused("enrollment_price_not_negative"):
        Enrollment.objects.filter(pk=enrollment.pk).update(lesson_price=Decimal("-0.01"))
