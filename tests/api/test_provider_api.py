"""The provider's API door: its own groups only, for provider staff only, in a pinned number of
queries."""

import pytest
from django.urls import reverse

from tests.accounts.factories import ParentFactory, ProviderStaffFactory
from tests.catalog.factories import GroupFactory, ProgramFactory, ScheduleSlotFactory
from tests.enrollments.factories import EnrollmentFactory
from tests.navigator.cabinet import signed_in

pytestmark = pytest.mark.django_db
URL = reverse("api:provider-group-list")


def test_anonymous_and_parents_are_refused(client):
    assert client.get(URL).status_code in (401, 403)
    refused = signed_in(ParentFactory()).get(URL)
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "permission_denied"


def test_staff_see_their_own_groups_with_seats_and_schedule(django_assert_num_queries):
    staff = ProviderStaffFactory()
    mine = [GroupFactory(program=ProgramFactory(provider=staff.provider), capacity=5) for _ in range(3)]
    for group in mine:
        ScheduleSlotFactory(group=group)
    EnrollmentFactory(group=mine[0])
    GroupFactory()  # another provider's
    client = signed_in(staff)

    # user, count, page of groups with seats, their schedules
    with django_assert_num_queries(4):
        body = client.get(URL).json()

    assert body["count"] == 3
    assert {row["id"] for row in body["results"]} == {g.pk for g in mine}
    seats = {row["id"]: row["seats_left"] for row in body["results"]}
    assert seats[mine[0].pk] == 4 and seats[mine[1].pk] == 5
    assert all(len(row["schedule"]) == 1 for row in body["results"])
