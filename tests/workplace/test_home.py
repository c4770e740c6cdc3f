"""The provider's workplace door: its one rule (provider staff only), landing there after login, and its
home page: today's lessons (each opening its register), the inbox and disputes waiting, the
organisation's status; scoped to the staff member's own provider, with a pinned number of queries."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from catalog.models import Group, ScheduleSlot
from tests.accounts.factories import ParentFactory, ProviderStaffFactory, UserFactory
from tests.billing.factories import LessonFactory
from tests.catalog.factories import GroupFactory, ProgramFactory, ScheduleSlotFactory
from tests.enrollments.factories import EnrollmentFactory
from tests.navigator.cabinet import signed_in

pytestmark = pytest.mark.django_db
URL = reverse("workplace:home")
TODAY = timezone.localdate()
TOMORROW = TODAY + datetime.timedelta(days=1)


def test_anonymous_visitors_go_to_the_login_page(client):
    response = client.get(URL)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("make_user", [ParentFactory, lambda: UserFactory(municipal_staff=True, is_staff=True)])
def test_only_provider_staff_come_in(make_user):
    assert signed_in(make_user()).get(URL).status_code == 403


def _login(client, user):
    user.set_password("s3cret-pass")
    user.save()
    return client.post(reverse("login"), {"username": user.username, "password": "s3cret-pass"})


def test_provider_staff_land_on_their_workplace_after_login(client):
    response = _login(client, ProviderStaffFactory())

    assert response.status_code == 302
    assert response["Location"] == URL


def test_parents_still_land_on_the_home_page_after_login(client):
    response = _login(client, ParentFactory())

    assert response["Location"] == reverse("home")


def test_a_next_address_is_still_honoured_for_staff(client):
    user = ProviderStaffFactory()
    user.set_password("s3cret-pass")
    user.save()
    response = client.post(
        f"{reverse('login')}?next={reverse('workplace:statements')}",
        {"username": user.username, "password": "s3cret-pass", "next": reverse("workplace:statements")},
    )

    assert response["Location"] == reverse("workplace:statements")


def _group(provider, title, weekday, start=datetime.time(16, 0), **kwargs):
    group = GroupFactory(program=ProgramFactory(provider=provider, title=title), **kwargs)
    ScheduleSlotFactory(group=group, weekday=weekday, start_time=start, end_time=datetime.time(start.hour + 1, 0))
    return group


def test_home_lists_todays_lessons_by_time_with_a_link_to_mark_each():
    staff = ProviderStaffFactory()
    late = _group(staff.provider, "Шахматы", TODAY.weekday(), datetime.time(17, 0))
    early = _group(staff.provider, "Робототехника", TODAY.weekday(), datetime.time(9, 0))
    _group(staff.provider, "Завтрашняя программа", TOMORROW.weekday())
    _group(
        staff.provider,
        "Закончившаяся группа",
        TODAY.weekday(),
        end_date=TODAY - datetime.timedelta(days=1),
        start_date=TODAY - datetime.timedelta(days=60),
    )
    _group(ProgramFactory().provider, "Чужая программа", TODAY.weekday())

    page = signed_in(staff).get(URL).content.decode()

    assert page.index("Робототехника") < page.index("Шахматы")
    assert f"{reverse('workplace:register', args=[early.pk])}?date={TODAY:%Y-%m-%d}" in page
    assert f"{reverse('workplace:register', args=[late.pk])}?date={TODAY:%Y-%m-%d}" in page
    assert "09:00–10:00" in page
    for absent in ("Завтрашняя программа", "Закончившаяся группа", "Чужая программа"):
        assert absent not in page


def test_a_cancelled_lesson_today_says_so_with_its_reason():
    staff = ProviderStaffFactory()
    group = _group(staff.provider, "Робототехника", TODAY.weekday())
    LessonFactory(group=group, date=TODAY, cancelled=True, cancel_reason="Педагог заболел")

    page = signed_in(staff).get(URL).content.decode()

    assert "Отменено" in page
    assert "Педагог заболел" in page


def test_home_counts_new_applications_offers_and_open_disputes_of_its_own_provider():
    staff = ProviderStaffFactory()
    group = _group(staff.provider, "Робототехника", TOMORROW.weekday())
    EnrollmentFactory.create_batch(2, group=group)
    EnrollmentFactory(group=group, offered=True)
    EnrollmentFactory(group=_group(ProgramFactory().provider, "Чужая", 0))

    response = signed_in(staff).get(URL)
    page = response.content.decode()

    assert response.context["new_applications"] == 2
    assert response.context["offers_waiting"] == 1
    assert response.context["open_disputes"] == 0
    assert "Оферты ждут ответа родителей: 1" in page
    assert "Допущена" in page or staff.provider.get_status_display() in page
    assert response["Cache-Control"].startswith("max-age=0")


def test_home_of_a_provider_not_approved_yet_says_what_that_means():
    staff = ProviderStaffFactory(provider__status="ON_REVIEW")

    page = signed_in(staff).get(URL).content.decode()

    assert "На проверке" in page
    assert "не видны в каталоге" in page


def test_home_of_a_provider_with_200_groups_takes_a_fixed_number_of_queries(django_assert_num_queries):
    staff = ProviderStaffFactory()
    program = ProgramFactory(provider=staff.provider)
    groups = Group.objects.bulk_create(
        Group(
            program=program,
            name=f"Группа {i:03}",
            teacher="Иванова И. И.",
            capacity=15,
            start_date=TODAY - datetime.timedelta(days=30),
            end_date=TODAY + datetime.timedelta(days=200),
        )
        for i in range(200)
    )
    ScheduleSlot.objects.bulk_create(
        ScheduleSlot(
            group=group,
            weekday=(TODAY.weekday() + i) % 7,
            start_time=datetime.time(15, 0),
            end_time=datetime.time(16, 0),
        )
        for i, group in enumerate(groups)
        for _ in (1,)
    )
    LessonFactory(group=groups[0], date=TODAY, cancelled=True, cancel_reason="Ремонт")
    client = signed_in(staff)

    # user, provider, inbox counts, today's groups, their schedules, today's lesson rows,
    # open disputes, role
    with django_assert_num_queries(8):
        response = client.get(URL)

    assert response.status_code == 200
    assert len(response.context["lessons"]) == len(range(0, 200, 7))


def test_a_lesson_moved_to_today_is_among_todays_lessons_at_its_new_time():
    staff = ProviderStaffFactory()
    group = _group(staff.provider, "Керамика", TOMORROW.weekday(), start_date=TODAY - datetime.timedelta(days=30))
    moved_from = LessonFactory(group=group, date=TOMORROW - datetime.timedelta(days=7), cancelled=True)
    LessonFactory(
        group=group,
        date=TODAY,
        extra=True,
        start_time=datetime.time(11, 0),
        end_time=datetime.time(12, 0),
        moved_from=moved_from,
    )

    page = signed_in(staff).get(URL).content.decode()

    assert "Керамика" in page and "11:00–12:00" in page
