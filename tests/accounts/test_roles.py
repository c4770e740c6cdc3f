"""Staff roles: the data migration creates the groups that accounts/roles.py declares."""

import io

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from accounts import roles
from accounts.models import User

BEFORE_ROLES = ("accounts", "0003_user_session_generation")
# The latest roles migration (0004 made the groups; 0006 to 0009 brought the municipal rule to the models added
# since; 0011 let municipal staff view the audit trail; 0012 narrowed the rule for the scoped admin and added the
# regional operators' group; 0013 the search synonyms; 0014 let them view parents' ratings of programs).
ROLES_MIGRATION = ("accounts", "0014_municipal_role_ratings")


def permission_names(permissions) -> set[str]:
    return {f"{p.content_type.app_label}.{p.codename}" for p in permissions.select_related("content_type")}


def migrate(target: tuple[str, str]) -> None:
    executor = MigrationExecutor(connection)
    executor.migrate([target])


@pytest.mark.django_db
def test_the_migration_created_the_four_groups():
    assert set(Group.objects.filter(name__in=roles.STAFF_ROLES).values_list("name", flat=True)) == {
        "Муниципальный оператор",
        "Региональный оператор",
        "Руководитель организации",
        "Педагог",
    }


@pytest.mark.django_db
@pytest.mark.parametrize("name", roles.STAFF_ROLES, ids=["municipal", "regional", "provider_manager", "teacher"])
def test_migrated_permissions_equal_the_declaration(name):
    """A change of accounts/roles.py without a data migration fails here."""
    group = Group.objects.get(name=name)
    assert permission_names(group.permissions.all()) == permission_names(roles.role_permissions(name))


@pytest.mark.django_db
def test_municipal_staff_view_and_change_but_never_edit_the_ledger():
    granted = permission_names(roles.role_permissions(roles.MUNICIPAL))
    assert {"catalog.change_program", "certificates.view_ledgerentry", "billing.view_charge"} <= granted
    assert {
        "certificates.change_ledgerentry",
        "certificates.change_certificateaccount",
        "certificates.change_certificatenumbersequence",
    }.isdisjoint(granted)
    assert not any(name.split(".")[1].startswith("delete_") for name in granted)
    # Only funding periods are added, through the form the service validates.
    assert {name for name in granted if name.split(".")[1].startswith("add_")} == {"certificates.add_fundingperiod"}
    # Shared reference data, users, money and statuses: not a municipal operator's to change.
    assert {
        "catalog.change_municipality",
        "catalog.change_direction",
        "accounts.change_user",
        "billing.change_charge",
        "enrollments.change_enrollment",
    }.isdisjoint(granted)
    # Technical tables are hidden; the regional operator sees the debit job's work queue.
    assert {"catalog.view_searchword", "catalog.view_facetcell", "billing.view_monthrecheck"}.isdisjoint(granted)
    assert "billing.view_monthrecheck" in permission_names(roles.role_permissions(roles.REGIONAL))
    assert {name.split(".")[0] for name in granted} == set(roles.MUNICIPAL_APPS)
    assert not roles.role_permissions(roles.PROVIDER_MANAGER).exists()
    assert not roles.role_permissions(roles.TEACHER).exists()


@pytest.mark.django_db
def test_the_migration_reverses_and_applies_on_a_database_without_permissions():
    """Forwards on a fresh database: post_migrate has not created the permissions yet; a group the demo
    created earlier is brought to the rule."""
    migrate(BEFORE_ROLES)
    assert not Group.objects.filter(name__in=roles.STAFF_ROLES).exists()
    Permission.objects.filter(content_type__app_label__in=roles.MUNICIPAL_APPS).delete()
    Group.objects.create(name=roles.MUNICIPAL).permissions.add(Permission.objects.get(codename="add_group"))

    migrate(ROLES_MIGRATION)

    for name in roles.STAFF_ROLES:
        group = Group.objects.get(name=name)
        assert permission_names(group.permissions.all()) == permission_names(roles.role_permissions(name))
    assert Permission.objects.filter(content_type__app_label="billing", codename="view_charge").exists()


@pytest.mark.django_db
def test_sync_role_permissions_restores_the_declaration():
    Group.objects.filter(name__in=roles.STAFF_ROLES).delete()
    roles.sync_role_permissions()
    for name in roles.STAFF_ROLES:
        assert permission_names(roles.role_group(name).permissions.all()) == permission_names(
            roles.role_permissions(name)
        )


@pytest.mark.django_db
def test_the_demo_municipal_login_is_in_the_migrated_municipal_group():
    migrated = Group.objects.get(name=roles.MUNICIPAL)
    call_command("demo_region", "--scale", "tiny", stdout=io.StringIO())

    municipal = User.objects.get(username="municipal")
    assert list(municipal.groups.all()) == [migrated]
    assert roles.user_has_role(municipal, roles.MUNICIPAL)
    assert not roles.user_has_role(municipal, roles.TEACHER)
    assert municipal.has_perm("catalog.change_program")
    assert not municipal.has_perm("certificates.change_ledgerentry")
