"""Staff roles of an organisation: a manager sees and adds staff accounts; a teacher sees the register
of their own groups only, in the pages and the API; every account belongs to its own organisation."""

import datetime

import pytest
from django.contrib.auth.models import Group as AuthGroup
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from django.utils import timezone

from accounts import roles
from accounts.models import Role, User
from tests.accounts.factories import ProviderStaffFactory
from tests.catalog.factories import GroupFactory, ProgramFactory, ProviderFactory, ScheduleSlotFactory
from tests.navigator.cabinet import signed_in

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def meeting_today(program, **fields):
    group = GroupFactory(program=program, start_date=TODAY - datetime.timedelta(days=14), **fields)
    ScheduleSlotFactory(group=group, weekday=TODAY.weekday())
    return group


@pytest.fixture
def manager():
    return ProviderStaffFactory(last_name="Ковалёва", first_name="Ирина")


@pytest.fixture
def teacher(manager):
    return ProviderStaffFactory(provider=manager.provider, provider_role=roles.TEACHER, last_name="Учителева")


def test_the_factory_makes_managers_and_teachers(manager, teacher):
    assert roles.user_has_role(manager, roles.PROVIDER_MANAGER)
    assert not roles.user_has_role(manager, roles.TEACHER)
    assert roles.user_has_role(teacher, roles.TEACHER)
    assert not roles.user_has_role(teacher, roles.PROVIDER_MANAGER)


def test_a_teacher_sees_only_the_register_of_their_own_groups(manager, teacher):
    program = ProgramFactory(provider=manager.provider)
    own = meeting_today(program, name="Своя группа", teacher="Учителева А.", teacher_user=teacher)
    other = meeting_today(program, name="Чужая группа")
    client = signed_in(teacher)

    page = client.get(reverse("workplace:attendance")).content.decode()
    assert "Своя группа" in page and "Чужая группа" not in page
    assert client.get(reverse("workplace:register", args=[own.pk])).status_code == 200
    assert client.get(reverse("workplace:register", args=[other.pk])).status_code == 404
    home = client.get(reverse("workplace:home")).content.decode()
    assert "Своя группа" in home and "Чужая группа" not in home

    listed = client.get(reverse("api:provider-group-list")).json()["results"]
    assert [row["id"] for row in listed] == [own.pk]
    assert client.get(reverse("api:provider-group-attendance", args=[other.pk])).status_code == 404
    # The manager sees both.
    manager_page = signed_in(manager).get(reverse("workplace:attendance")).content.decode()
    assert "Своя группа" in manager_page and "Чужая группа" in manager_page


def test_a_teacher_cannot_open_the_staff_pages(teacher):
    client = signed_in(teacher)
    assert client.get(reverse("workplace:staff")).status_code == 403
    assert client.post(reverse("workplace:staff-add"), {"username": "x"}).status_code == 403
    assert not User.objects.filter(username="x").exists()


def test_the_manager_lists_the_organisations_staff_only(manager, teacher, django_assert_num_queries):
    ProviderStaffFactory(last_name="Посторонний")
    client = signed_in(manager)
    client.get(reverse("workplace:staff"))  # warm the session

    # role check, provider, staff, their roles (the user is cached)
    with django_assert_num_queries(4):
        response = client.get(reverse("workplace:staff"))
    page = response.content.decode()
    assert "Ковалёва" in page and "Учителева" in page and "Посторонний" not in page


def test_the_manager_adds_a_teacher(manager):
    response = signed_in(manager).post(
        reverse("workplace:staff-add"),
        {
            "last_name": "Петров",
            "first_name": "Пётр",
            "role": roles.TEACHER,
            "username": "petrov",
            "password": "Kruzhok-2026!",
        },
    )

    assert response.status_code == 302
    added = User.objects.get(username="petrov")
    assert added.provider_id == manager.provider_id
    assert added.role == Role.PROVIDER
    assert added.check_password("Kruzhok-2026!")
    assert list(added.groups.values_list("name", flat=True)) == [roles.TEACHER]


@pytest.mark.parametrize(
    ("username", "password", "message"),
    [("taken", "Kruzhok-2026!", "Выберите другой логин."), ("fresh", "123", "Введённый пароль слишком короткий")],
)
def test_a_taken_login_or_a_weak_password_is_refused(manager, username, password, message):
    ProviderStaffFactory(username="taken")
    response = signed_in(manager).post(
        reverse("workplace:staff-add"),
        {
            "last_name": "Петров",
            "first_name": "Пётр",
            "role": roles.TEACHER,
            "username": username,
            "password": password,
        },
    )

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not User.objects.filter(username="fresh").exists()


def test_the_migration_makes_staff_without_a_role_managers():
    provider = ProviderFactory()
    executor = MigrationExecutor(connection)
    executor.migrate([("accounts", "0009_municipal_role_terms_changes")])
    executor.loader.build_graph()
    old = User.objects.create(username="old-staff", role=Role.PROVIDER, provider=provider)
    teacher = User.objects.create(username="old-teacher", role=Role.PROVIDER, provider=provider)
    teacher.groups.add(AuthGroup.objects.get(name=roles.TEACHER))
    parent = User.objects.create(username="parent")

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    assert list(old.groups.values_list("name", flat=True)) == [roles.PROVIDER_MANAGER]
    assert list(teacher.groups.values_list("name", flat=True)) == [roles.TEACHER]
    assert not parent.groups.exists()


def test_a_teacher_has_no_applications_statements_or_disputes_and_reads_only_their_rosters(manager, teacher):
    from tests.enrollments.factories import EnrollmentFactory

    program = ProgramFactory(provider=manager.provider)
    own = EnrollmentFactory(group=GroupFactory(program=program, teacher_user=teacher))
    other = EnrollmentFactory(group=GroupFactory(program=program))
    client = signed_in(teacher)

    for name in ("workplace:applications", "workplace:statements", "workplace:disputes"):
        assert client.get(reverse(name)).status_code == 403
    assert client.post(reverse("workplace:application-offer", args=[own.pk])).status_code == 403
    listed = client.get(reverse("api:enrollment-list")).json()["results"]
    assert [row["id"] for row in listed] == [own.pk]
    assert client.get(reverse("api:enrollment-detail", args=[other.pk])).status_code == 404
    assert client.post(reverse("api:enrollment-offer", args=[own.pk])).status_code == 403
    assert len(signed_in(manager).get(reverse("api:enrollment-list")).json()["results"]) == 2


def test_a_teacher_sees_the_calendar_and_pupils_of_their_own_groups_only_and_no_earnings(manager, teacher):
    program = ProgramFactory(provider=manager.provider)
    own = meeting_today(program, name="Своя группа", teacher_user=teacher)
    other = meeting_today(program, name="Чужая группа")
    client = signed_in(teacher)

    for name in ("workplace:lessons", "workplace:pupils", "workplace:pupils-xlsx"):
        assert client.get(reverse(name, args=[own.pk])).status_code == 200, name
        assert client.get(reverse(name, args=[other.pk])).status_code == 404, name
    assert client.get(reverse("workplace:earnings")).status_code == 403
    assert signed_in(manager).get(reverse("workplace:earnings")).status_code == 200
    home = client.get(reverse("workplace:home")).content.decode()
    assert reverse("workplace:earnings") not in home and reverse("workplace:applications") not in home
