"""Provider staff get one of two roles: a manager (everything of the organisation) or a teacher (the
register and rosters of their own groups). The groups came with 0004; provider staff who joined before
roles mattered were the organisation's managers in all but name, so each of them without a role becomes
a manager. Frozen here like 0004's names: a landed migration never changes, and roles.py may."""

from django.db import migrations

PROVIDER_MANAGER = "Руководитель организации"
TEACHER = "Педагог"


def managers_named(apps, schema_editor):
    db = schema_editor.connection.alias
    Group = apps.get_model("auth", "Group")
    User = apps.get_model("accounts", "User")
    manager, _created = Group.objects.using(db).get_or_create(name=PROVIDER_MANAGER)
    Group.objects.using(db).get_or_create(name=TEACHER)
    without_role = (
        User.objects.using(db)
        .filter(role="PROVIDER")
        .exclude(groups__name__in=(PROVIDER_MANAGER, TEACHER))
        .values_list("pk", flat=True)
    )
    Membership = User.groups.through
    Membership.objects.using(db).bulk_create(
        [Membership(user_id=pk, group_id=manager.pk) for pk in without_role], ignore_conflicts=True
    )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0009_municipal_role_terms_changes"),
        ("catalog", "0011_group_teacher_user"),
    ]

    operations = [
        migrations.RunPython(managers_named, migrations.RunPython.noop),
    ]
