"""Municipal staff may view the audit trail's rows (the "<Model>History" event models of core/audit.py),
never change them, by the rule accounts/roles.py declares now; frozen here like 0009's."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

MUNICIPAL = "Муниципальный оператор"
MUNICIPAL_APPS = ("catalog", "certificates", "enrollments", "billing")
MUNICIPAL_VIEW_ONLY_MODELS = (
    "certificateaccount",
    "ledgerentry",
    "parentlink",
    "directioncount",
    "directionchild",
    "reserveentry",
    "enrollmentevent",
    "monthrecheck",
    "statementline",
    "billingnoticesent",
    "termschange",
)


def municipal_permissions(apps, schema_editor):
    db = schema_editor.connection.alias
    for label in MUNICIPAL_APPS:
        app_config = apps.get_app_config(label)
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0, using=db)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permissions = (
        Permission.objects.using(db)
        .filter(content_type__app_label__in=MUNICIPAL_APPS, codename__regex=r"^(view|change)_")
        .exclude(codename__startswith="change_", content_type__model__in=MUNICIPAL_VIEW_ONLY_MODELS)
        .exclude(codename__startswith="change_", content_type__model__endswith="history")
    )
    group, _created = Group.objects.using(db).get_or_create(name=MUNICIPAL)
    group.permissions.set(permissions)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0010_provider_staff_roles"),
        ("billing", "0008_audit_history"),
        ("catalog", "0014_audit_history"),
        ("certificates", "0013_audit_history"),
        ("enrollments", "0010_audit_history"),
        # After the claims' permissions: this sets the whole group by the rule, theirs included.
        ("certificates", "0012_municipal_role_child_claims"),
    ]

    operations = [
        migrations.RunPython(municipal_permissions, migrations.RunPython.noop),
    ]
