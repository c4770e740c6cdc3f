"""The catalog search's synonym dictionary (catalog.SearchSynonym) in the operators' roles as
accounts/roles.py declares them: municipal staff view it; regional operators keep it (add, change,
delete). Frozen: a landed migration never changes, and roles.py may."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

MUNICIPAL = "Муниципальный оператор"
REGIONAL = "Региональный оператор"


def synonym_permissions(apps, schema_editor):
    db = schema_editor.connection.alias
    app_config = apps.get_app_config("catalog")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0, using=db)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    synonyms = Permission.objects.using(db).filter(
        content_type__app_label="catalog", content_type__model="searchsynonym"
    )
    for name, codenames in (
        (MUNICIPAL, ["view_searchsynonym"]),
        (REGIONAL, ["view_searchsynonym", "add_searchsynonym", "change_searchsynonym", "delete_searchsynonym"]),
    ):
        group, _created = Group.objects.using(db).get_or_create(name=name)
        # Exactly these: 0012's rule gave municipal staff the change of every catalog model it found,
        # the dictionary's too when its table was migrated first.
        group.permissions.remove(*synonyms)
        group.permissions.add(*synonyms.filter(codename__in=codenames))


def synonym_permissions_removed(apps, schema_editor):
    db = schema_editor.connection.alias
    Permission = apps.get_model("auth", "Permission")
    synonyms = Permission.objects.using(db).filter(
        content_type__app_label="catalog", content_type__model="searchsynonym"
    )
    for group in apps.get_model("auth", "Group").objects.using(db).filter(name__in=[MUNICIPAL, REGIONAL]):
        group.permissions.remove(*synonyms)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0012_admin_roles"),
        ("catalog", "0017_search_synonyms"),
    ]

    operations = [
        migrations.RunPython(synonym_permissions, synonym_permissions_removed),
    ]
