"""POST /api/v1/provider/groups/ and GET/PATCH of one group: the organisation's manager creates and changes
its groups; schedules never overlap for a teacher or a room (the message names the clash); capacity never
below the seats held, a raise promotes the waiting list; another organisation's group is a 404."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts import roles
from catalog.models import Group
from enrollments.models import EnrollmentStatus
from tests.accounts.factories import ProviderStaffFactory
from tests.catalog.factories import GroupFactory, ProgramFactory, ScheduleSlotFactory
from tests.enrollments.factories import EnrollmentFactory
from tests.navigator.cabinet import signed_in

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
LIST = reverse("api:provider-group-list")


@pytest.fixture
def manager():
    return ProviderStaffFactory()


@pytest.fixture
def program(manager):
    return ProgramFactory(provider=manager.provider, title="Шахматы")


def body(program, **changes):
    data = {
        "program": program.pk,
        "name": "Группа 1",
        "teacher": "Иванова Анна Петровна",
        "capacity": 12,
        "start_date": TODAY.isoformat(),
        "end_date": (TODAY + datetime.timedelta(days=200)).isoformat(),
        "schedule": [
            {"weekday": 0, "start": "16:00", "end": "17:30", "room": "каб. 5"},
            {"weekday": 3, "start": "16:00", "end": "17:30", "room": "каб. 5"},
        ],
    }
    data.update(changes)
    return data


def test_the_manager_creates_a_group_starting_today(manager, program):
    response = signed_in(manager).post(LIST, body(program), content_type="application/json")

    assert response.status_code == 201, response.json()
    answer = response.json()
    group = Group.objects.get(pk=answer["id"])
    assert group.program == program and group.teacher == "Иванова Анна Петровна" and group.teacher_user is None
    assert group.start_date == TODAY
    assert [(s.weekday, s.start_time, s.room) for s in group.schedule.all()] == [
        (0, datetime.time(16), "каб. 5"),
        (3, datetime.time(16), "каб. 5"),
    ]
    assert answer["seats_left"] == 12


def test_a_group_cannot_start_in_the_past(manager, program):
    response = signed_in(manager).post(
        LIST,
        body(program, start_date=(TODAY - datetime.timedelta(days=1)).isoformat()),
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "start_date" in response.json()["error"]["fields"]


def test_the_teacher_by_account_id_and_names_refused_once_the_organisation_has_accounts(manager, program):
    teacher = ProviderStaffFactory(provider=manager.provider, provider_role=roles.TEACHER, last_name="Петрова")
    foreign_teacher = ProviderStaffFactory(provider_role=roles.TEACHER)
    client = signed_in(manager)

    response = client.post(LIST, body(program, teacher=teacher.pk), content_type="application/json")
    assert response.status_code == 201
    assert Group.objects.get(pk=response.json()["id"]).teacher_user == teacher

    for other in (foreign_teacher.pk, manager.pk, "Сидоров Иван"):
        response = client.post(LIST, body(program, teacher=other, name="Б"), content_type="application/json")
        assert response.status_code == 400
        assert "teacher" in response.json()["error"]["fields"]


def test_an_overlap_for_the_same_teacher_or_room_is_refused_naming_the_clash(manager, program):
    busy = GroupFactory(program=program, name="Утренняя", teacher="Иванова Анна Петровна")
    ScheduleSlotFactory(group=busy, weekday=0, start_time=datetime.time(17), end_time=datetime.time(18), room="каб. 1")
    client = signed_in(manager)

    response = client.post(LIST, body(program), content_type="application/json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "schedule_clash"
    assert error["message"] == (
        "Педагог Иванова Анна Петровна в это время уже ведёт занятие: "
        "понедельник 17:00–18:00, группа «Шахматы — Утренняя»."
    )

    response = client.post(
        LIST,
        body(
            program,
            teacher="Другой Педагог",
            schedule=[{"weekday": 0, "start": "17:30", "end": "18:30", "room": "КАБ. 1"}],
        ),
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["error"]["message"].startswith("Помещение «КАБ. 1» в это время занято: понедельник")

    # Back to back is no overlap.
    response = client.post(
        LIST,
        body(program, schedule=[{"weekday": 0, "start": "18:00", "end": "19:00", "room": "каб. 1"}]),
        content_type="application/json",
    )
    assert response.status_code == 201
    assert Group.objects.filter(program=program).count() == 2


def test_capacity_never_below_the_seats_held_and_a_raise_promotes_the_waiting_list(manager, program):
    group = GroupFactory(program=program, capacity=2)
    ScheduleSlotFactory(group=group)
    EnrollmentFactory.create_batch(2, group=group)
    waiting = EnrollmentFactory(group=group, status=EnrollmentStatus.WAITING)
    url = reverse("api:provider-group-detail", args=[group.pk])
    client = signed_in(manager)

    response = client.patch(url, {"capacity": 1, "name": "Новое имя"}, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "capacity_below_held"
    group.refresh_from_db()
    assert group.capacity == 2 and group.name != "Новое имя"

    response = client.patch(url, {"capacity": 3, "name": "Новое имя"}, content_type="application/json")
    assert response.status_code == 200, response.json()
    assert response.json()["capacity"] == 3 and response.json()["name"] == "Новое имя"
    waiting.refresh_from_db()
    assert waiting.status == EnrollmentStatus.SUBMITTED


def test_close_and_reopen_enrollment(manager, program):
    group = GroupFactory(program=program)
    ScheduleSlotFactory(group=group)
    url = reverse("api:provider-group-detail", args=[group.pk])
    client = signed_in(manager)

    assert (
        client.patch(url, {"enrollment_open": False}, content_type="application/json").json()["enrollment_open"]
        is False
    )
    assert (
        client.patch(url, {"enrollment_open": True}, content_type="application/json").json()["enrollment_open"] is True
    )


def test_another_providers_group_is_a_404_and_a_teacher_cannot_write(manager, program):
    foreign = GroupFactory()
    client = signed_in(manager)
    url = reverse("api:provider-group-detail", args=[foreign.pk])
    assert client.get(url).status_code == 404
    assert client.patch(url, {"name": "x"}, content_type="application/json").status_code == 404
    response = client.post(LIST, {**body(program), "program": foreign.program_id}, content_type="application/json")
    assert response.status_code == 400 and "program" in response.json()["error"]["fields"]

    teacher = ProviderStaffFactory(provider=manager.provider, provider_role=roles.TEACHER)
    own = GroupFactory(program=program, teacher_user=teacher)
    client = signed_in(teacher)
    assert client.get(reverse("api:provider-group-detail", args=[own.pk])).status_code == 200
    assert client.post(LIST, body(program), content_type="application/json").status_code == 403
    patch = client.patch(
        reverse("api:provider-group-detail", args=[own.pk]), {"name": "x"}, content_type="application/json"
    )
    assert patch.status_code == 403
