"""A manager changes staff roles and switches accounts off and on: the organisation always keeps an
active manager; a switched-off member cannot sign in and is signed out everywhere, their groups keep
them as teacher until reassigned; a teacher has none of it; another organisation's member is a 404."""

import uuid

import pytest
from django.test import Client
from django.urls import reverse

from accounts import roles
from accounts.models import User
from accounts.services import LastManager, provider_staff_active_set, provider_staff_role_change
from core.errors import Forbidden
from tests.accounts.factories import ProviderStaffFactory
from tests.catalog.factories import GroupFactory, ProgramFactory
from tests.navigator.cabinet import signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager():
    return ProviderStaffFactory(last_name="Ковалёва", username="kovaleva")


@pytest.fixture
def teacher(manager):
    return ProviderStaffFactory(provider=manager.provider, provider_role=roles.TEACHER, username="uchitel")


def role_names(user) -> list[str]:
    return list(User.objects.get(pk=user.pk).groups.values_list("name", flat=True))


def post(client, name, pk, **data):
    return client.post(reverse(name, args=[pk]), {"form_key": uuid.uuid4().hex, **data}, follow=True)


def test_the_manager_makes_a_teacher_a_manager_and_back(manager, teacher):
    client = signed_in(manager)

    post(client, "workplace:staff-role", teacher.pk, role=roles.PROVIDER_MANAGER)
    assert role_names(teacher) == [roles.PROVIDER_MANAGER]

    response = client.post(
        reverse("workplace:staff-role", args=[teacher.pk]), {"form_key": "b" * 32, "role": roles.TEACHER}, follow=True
    )
    assert role_names(teacher) == [roles.TEACHER]
    assert "Роль изменена" in response.content.decode()


def test_the_last_manager_can_neither_step_down_nor_switch_themselves_off(manager, teacher):
    client = signed_in(manager)

    page = post(client, "workplace:staff-role", manager.pk, role=roles.TEACHER).content.decode()
    assert "хотя бы один действующий руководитель" in page
    assert role_names(manager) == [roles.PROVIDER_MANAGER]
    client.post(reverse("workplace:staff-active", args=[manager.pk]), {"form_key": "c" * 32, "active": "0"})
    assert User.objects.get(pk=manager.pk).is_active

    # With a second manager, either may step down.
    provider_staff_role_change(actor=manager, user_id=teacher.pk, role=roles.PROVIDER_MANAGER)
    provider_staff_role_change(actor=manager, user_id=manager.pk, role=roles.TEACHER)
    assert role_names(manager) == [roles.TEACHER]


def test_a_switched_off_manager_does_not_count_as_the_remaining_one(manager):
    other = ProviderStaffFactory(provider=manager.provider)
    provider_staff_active_set(actor=manager, user_id=other.pk, active=False)
    with pytest.raises(LastManager):
        provider_staff_active_set(actor=manager, user_id=manager.pk, active=False)


def test_a_switched_off_teacher_cannot_sign_in_and_keeps_their_groups_until_reassigned(manager, teacher):
    group = GroupFactory(program=ProgramFactory(provider=manager.provider), teacher_user=teacher)
    teachers_phone = signed_in(teacher)
    assert teachers_phone.get(reverse("workplace:home")).status_code == 200

    page = post(signed_in(manager), "workplace:staff-active", teacher.pk, active="0").content.decode()

    assert "Учётная запись отключена" in page
    assert not User.objects.get(pk=teacher.pk).is_active
    assert teachers_phone.get(reverse("workplace:home")).status_code == 302  # signed out
    assert not Client().login(username="uchitel", password="password")
    group.refresh_from_db()
    assert group.teacher_user_id == teacher.pk

    post(signed_in(manager), "workplace:staff-active", teacher.pk, active="1")
    assert Client().login(username="uchitel", password="password")


def test_another_organisations_member_is_a_404_and_unchanged(manager):
    stranger = ProviderStaffFactory(provider_role=roles.TEACHER)
    client = signed_in(manager)

    for name, data in (
        ("workplace:staff-role", {"role": roles.PROVIDER_MANAGER}),
        ("workplace:staff-active", {"active": "0"}),
    ):
        assert client.post(reverse(name, args=[stranger.pk]), {"form_key": "d" * 32, **data}).status_code == 404
    stranger.refresh_from_db()
    assert stranger.is_active and role_names(stranger) == [roles.TEACHER]


def test_a_teacher_can_change_no_one(manager, teacher):
    client = signed_in(teacher)
    assert (
        client.post(reverse("workplace:staff-role", args=[teacher.pk]), {"role": roles.PROVIDER_MANAGER}).status_code
        == 403
    )
    assert client.post(reverse("workplace:staff-active", args=[manager.pk]), {"active": "0"}).status_code == 403
    with pytest.raises(Forbidden):
        provider_staff_role_change(actor=teacher, user_id=teacher.pk, role=roles.PROVIDER_MANAGER)
    assert role_names(teacher) == [roles.TEACHER] and User.objects.get(pk=manager.pk).is_active


def test_the_staff_list_offers_each_change(manager, teacher):
    page = signed_in(manager).get(reverse("workplace:staff")).content.decode()
    assert reverse("workplace:staff-role", args=[teacher.pk]) in page
    assert "Сделать руководителем" in page and "Сделать педагогом" in page and "Отключить" in page
