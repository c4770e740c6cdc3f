"""The lesson calendar pages: a group's coming and past lessons with links to move or cancel each
coming one, the cancel and move forms (once per form key, a refusal shown with its reason), and
another provider's group a 404. The group meets on the weekday two days after today."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from billing.models import Lesson
from notices.models import Notification
from tests.accounts.factories import ProviderStaffFactory
from tests.enrollments.factories import EnrollmentFactory, group_with_lessons, staff_of
from tests.navigator.cabinet import signed_in

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
NEXT = TODAY + datetime.timedelta(days=2)


@pytest.fixture
def group():
    return group_with_lessons(weekdays=(NEXT.weekday(),), start_date=TODAY - datetime.timedelta(days=30))


@pytest.fixture
def client_(group):
    return signed_in(staff_of(group))


def url(name, group, day=None):
    return reverse(f"workplace:{name}", args=[group.pk] if day is None else [group.pk, day.isoformat()])


def test_the_calendar_lists_coming_lessons_with_move_and_cancel_and_past_ones(client_, group):
    page = client_.get(url("lessons", group)).content.decode()

    coming, past = page.split("Прошедшие занятия")
    assert NEXT.strftime("%d.%m.%Y") in coming
    assert url("lesson-move", group, NEXT) in coming and url("lesson-cancel", group, NEXT) in coming
    assert (NEXT - datetime.timedelta(days=7)).strftime("%d.%m.%Y") in past


def test_the_calendar_takes_a_fixed_number_of_queries(client_, group, django_assert_num_queries):
    Lesson.objects.create(group=group, date=NEXT, cancelled=True, cancel_reason="Праздник")

    # user, group with provider, schedule, lesson rows
    with django_assert_num_queries(4):
        response = client_.get(url("lessons", group))

    assert "Праздник" in response.content.decode()


def test_cancelling_through_the_page_tells_the_parents_once_per_form(client_, group):
    EnrollmentFactory(group=group, active=True)
    form = {"reason": "Ремонт кабинета", "form_key": "k1"}

    first = client_.post(url("lesson-cancel", group, NEXT), form)
    again = client_.post(url("lesson-cancel", group, NEXT), form)

    assert first.status_code == again.status_code == 302
    assert first["Location"] == url("lessons", group)
    assert Lesson.objects.get(group=group, date=NEXT).cancel_reason == "Ремонт кабинета"
    assert Notification.objects.filter(title__startswith=f"Занятие {NEXT:%d.%m.%Y}").count() == 1


def test_a_refused_move_comes_back_with_its_reason(client_, group):
    form = {
        "new_date": (NEXT + datetime.timedelta(days=7)).isoformat(),
        "start": "16:00",
        "end": "17:00",
        "form_key": "k",
    }

    response = client_.post(url("lesson-move", group, NEXT), form, follow=True)

    assert "уже есть занятие" in response.content.decode()
    assert not Lesson.objects.exists()


def test_moving_through_the_page(client_, group):
    new_day = NEXT + datetime.timedelta(days=1)
    form = {"new_date": new_day.isoformat(), "start": "10:00", "end": "11:00", "room": "зал", "form_key": "k"}

    response = client_.post(url("lesson-move", group, NEXT), form, follow=True)

    assert f"перенесено на {new_day:%d.%m.%Y}" in response.content.decode()
    assert Lesson.objects.get(group=group, date=new_day).moved_from.date == NEXT


@pytest.mark.parametrize("name", ["lessons", "lesson-cancel", "lesson-move"])
def test_another_providers_group_is_a_404(group, name):
    client = signed_in(ProviderStaffFactory())

    assert client.get(url(name, group) if name == "lessons" else url(name, group, NEXT)).status_code == 404
    if name != "lessons":
        assert client.post(url(name, group, NEXT), {"reason": "x", "form_key": "k"}).status_code == 404


def test_a_day_without_a_lesson_is_a_404(client_, group):
    assert client_.get(url("lesson-cancel", group, NEXT + datetime.timedelta(days=1))).status_code == 404
    assert client_.get(f"{url('lessons', group)}not-a-date/cancel/").status_code == 404
