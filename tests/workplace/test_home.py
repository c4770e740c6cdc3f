"""The provider's workplace door: its one rule (provider staff only) and its home page, scoped to the
staff member's own provider, with a pinned number of queries."""

import pytest
from django.urls import reverse

from tests.accounts.factories import ParentFactory, ProviderStaffFactory, UserFactory
from tests.catalog.factories import GroupFactory, ProgramFactory, ScheduleSlotFactory
from tests.enrollments.factories import EnrollmentFactory
from tests.navigator.cabinet import signed_in

pytestmark = pytest.mark.django_db
URL = reverse("workplace:home")


def test_anonymous_visitors_go_to_the_login_page(client):
    response = client.get(URL)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("make_user", [ParentFactory, lambda: UserFactory(municipal_staff=True, is_staff=True)])
def test_only_provider_staff_come_in(make_user):
    assert signed_in(make_user()).get(URL).status_code == 403


def test_home_lists_the_providers_own_groups_with_seats_left(django_assert_num_queries):
    staff = ProviderStaffFactory()
    group = GroupFactory(program=ProgramFactory(provider=staff.provider, title="Робототехника"), capacity=10)
    ScheduleSlotFactory(group=group)
    EnrollmentFactory(group=group)
    GroupFactory(program=ProgramFactory(title="Чужая программа"))
    client = signed_in(staff)

    # session, user, provider, groups with seats, their schedules, new applications, open disputes
    with django_assert_num_queries(7):
        response = client.get(URL)

    page = response.content.decode()
    assert response.status_code == 200
    assert staff.provider.short_name in page
    assert "Робототехника" in page
    assert "мест свободно: 9 из 10" in page
    assert "Чужая программа" not in page
    assert response["Cache-Control"].startswith("max-age=0")
