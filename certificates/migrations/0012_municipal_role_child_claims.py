"""Municipal staff review the claims on children (ChildClaim): view and change, as accounts/roles.py
declares for the certificates app. Added to the role's group here, not by a new roles migration that
sets every permission again, because only these two are new."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

MUNICIPAL = "Муниципальный оператор"
CODENAMES = ("view_childclaim", "change_childclaim")


def grant(apps, schema_editor):
    db = schema_editor.connection.alias
    app_config = apps.get_app_config("certificates")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0, using=db)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.using(db).filter(name=MUNICIPAL).first()
    if group is not None:
        group.permissions.add(
            *Permission.objects.using(db).filter(content_type__app_label="certificates", codename__in=CODENAMES)
        )


def revoke(apps, schema_editor):
    db = schema_editor.connection.alias
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.using(db).filter(name=MUNICIPAL).first()
    if group is not None:
        group.permissions.remove(
            *Permission.objects.using(db).filter(content_type__app_label="certificates", codename__in=CODENAMES)
        )


class Migration(migrations.Migration):
    dependencies = [
        ("certificates", "0011_parent_link_confirmed_only"),
        ("accounts", "0010_provider_staff_roles"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
