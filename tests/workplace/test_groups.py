"""The organisation's groups as pages: the manager creates a group with its weekly schedule and edits it;
an overlap is refused naming the clash; capacity never below the seats held; other organisations' groups
are a 404 and a teacher has no way in; the list has a pinned number of queries."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts import roles
from catalog.models import Group
from tests.accounts.factories import ProviderStaffFactory
from tests.catalog.factories import GroupFactory, ProgramFactory, ScheduleSlotFactory
from tests.enrollments.factories import EnrollmentFactory
from tests.navigator.cabinet import signed_in

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


@pytest.fixture
def manager():
    return ProviderStaffFactory()


@pytest.fixture
def program(manager):
    return ProgramFactory(provider=manager.provider, title="Шахматы")


def slots(*rows):
    data = {"slot-TOTAL_FORMS": str(len(rows)), "slot-INITIAL_FORMS": "0"}
    for i, (weekday, start, end, room) in enumerate(rows):
        data.update(
            {f"slot-{i}-weekday": weekday, f"slot-{i}-start": start, f"slot-{i}-end": end, f"slot-{i}-room": room}
        )
    return data


def form(**changes):
    data = {
        "name": "Группа 1",
        "teacher_name": "Иванова Анна Петровна",
        "capacity": "10",
        "start_date": TODAY.isoformat(),
        "end_date": (TODAY + datetime.timedelta(days=100)).isoformat(),
        "enrollment_open": "on",
        **slots(("0", "16:00", "17:30", "каб. 5"), ("", "", "", "")),
    }
    data.update(changes)
    return data


def test_the_manager_creates_a_group_with_its_schedule(manager, program):
    client = signed_in(manager)
    assert client.get(reverse("workplace:group-new") + f"?program={program.pk}").status_code == 200

    response = client.post(reverse("workplace:group-new"), form(program=program.pk))

    assert response.status_code == 302
    group = Group.objects.get(program=program)
    assert group.start_date == TODAY and group.capacity == 10 and group.enrollment_open
    assert [(s.weekday, s.start_time, s.room) for s in group.schedule.all()] == [(0, datetime.time(16), "каб. 5")]


def test_an_overlap_is_refused_naming_the_clash(manager, program):
    busy = GroupFactory(program=program, name="Утренняя")
    ScheduleSlotFactory(group=busy, weekday=0, start_time=datetime.time(17), end_time=datetime.time(18), room="каб. 5")

    response = signed_in(manager).post(reverse("workplace:group-new"), form(program=program.pk))

    assert response.status_code == 200
    assert "Помещение «каб. 5» в это время занято: понедельник 17:00–18:00, группа «Шахматы — Утренняя»." in (
        response.content.decode()
    )
    assert Group.objects.filter(program=program).count() == 1


def test_capacity_below_the_seats_held_is_refused(manager, program):
    group = GroupFactory(program=program, capacity=3, start_date=TODAY)
    ScheduleSlotFactory(group=group)
    EnrollmentFactory.create_batch(2, group=group)

    response = signed_in(manager).post(
        reverse("workplace:group-edit", args=[group.pk]),
        form(capacity="1", name="Другое", end_date=group.end_date.isoformat(), start_date=group.start_date.isoformat()),
    )

    assert response.status_code == 200
    assert "Мест не может быть меньше, чем уже занято заявками и договорами: 2." in response.content.decode()
    group.refresh_from_db()
    assert group.capacity == 3 and group.name != "Другое"


def test_the_manager_edits_a_group_and_closes_enrollment(manager, program):
    group = GroupFactory(program=program, capacity=3, start_date=TODAY - datetime.timedelta(days=30))
    ScheduleSlotFactory(group=group)
    data = form(
        capacity="5", name="Старшая", start_date=group.start_date.isoformat(), end_date=group.end_date.isoformat()
    )
    del data["enrollment_open"]

    response = signed_in(manager).post(reverse("workplace:group-edit", args=[group.pk]), data)

    assert response.status_code == 302
    group.refresh_from_db()
    assert (group.capacity, group.name, group.enrollment_open) == (5, "Старшая", False)


def test_other_organisations_groups_are_a_404_and_teachers_have_no_way_in(manager, program):
    foreign = GroupFactory()
    client = signed_in(manager)
    assert client.get(reverse("workplace:group-edit", args=[foreign.pk])).status_code == 404
    assert client.post(reverse("workplace:group-edit", args=[foreign.pk]), form()).status_code == 404
    client.post(reverse("workplace:group-new"), form(program=foreign.program_id))
    assert not Group.objects.filter(program=foreign.program, name="Группа 1").exists()

    teacher = ProviderStaffFactory(provider=manager.provider, provider_role=roles.TEACHER)
    own = GroupFactory(program=program, teacher_user=teacher)
    client = signed_in(teacher)
    assert client.get(reverse("workplace:groups")).status_code == 403
    assert client.post(reverse("workplace:group-edit", args=[own.pk]), form()).status_code == 403


def test_the_group_list_has_a_pinned_number_of_queries(manager, program, django_assert_num_queries):
    for n in range(5):
        ScheduleSlotFactory(group=GroupFactory(program=program, name=f"Группа {n}"))
    GroupFactory(name="Чужая группа")
    client = signed_in(manager)
    client.get(reverse("workplace:groups"))

    # role check, provider, groups with seats, their schedules (the user is cached)
    with django_assert_num_queries(4):
        response = client.get(reverse("workplace:groups"))
    page = response.content.decode()
    assert "Группа 4" in page and "Чужая группа" not in page
