"""The staff roles as auth groups: municipal staff, a provider's manager, a teacher.

Names and the permission rule are frozen here, as accounts/roles.py declared them when this
migration landed: a landed migration never changes, and roles.py may. A later change of the
declaration comes with a new data migration (tests/accounts/test_roles.py compares the two).
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

MUNICIPAL = "Муниципальный оператор"
ROLES = (MUNICIPAL, "Руководитель организации", "Педагог")
MUNICIPAL_APPS = ("catalog", "certificates", "enrollments", "billing")
MUNICIPAL_VIEW_ONLY_MODELS = ("certificateaccount", "ledgerentry", "certificatenumbersequence")


def create_roles(apps, schema_editor):
    db = schema_editor.connection.alias
    # Permissions are created by post_migrate, after every migration has run: on a fresh database
    # they do not exist yet. The historical app configs have no models module, which would make
    # create_permissions skip them.
    for label in MUNICIPAL_APPS:
        app_config = apps.get_app_config(label)
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0, using=db)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name in ROLES:
        Group.objects.using(db).get_or_create(name=name)
    municipal_permissions = (
        Permission.objects.using(db)
        .filter(content_type__app_label__in=MUNICIPAL_APPS, codename__regex=r"^(view|change)_")
        .exclude(codename__startswith="change_", content_type__model__in=MUNICIPAL_VIEW_ONLY_MODELS)
    )
    # A development database may already hold the group the demo used to create: its permissions
    # are replaced by the rule.
    Group.objects.using(db).get(name=MUNICIPAL).permissions.set(municipal_permissions)


def delete_roles(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Group.objects.using(schema_editor.connection.alias).filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_user_session_generation"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        # The latest migration of every app in the municipal rule, so that all its models have permissions.
        ("catalog", "0010_favourite"),
        ("certificates", "0005_ledger_entry_without_enrollment"),
        ("enrollments", "0002_tables_renamed"),
        ("billing", "0004_enrollment_moved"),
    ]

    operations = [
        migrations.RunPython(create_roles, delete_roles),
    ]
