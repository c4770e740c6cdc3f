"""Operators view parents' ratings of programs (enrollments.ProgramRating) and their history, never
change them (the moderation actions do, through enrollments.ratings), by the rule accounts/roles.py
declares now; frozen here like 0012's."""

from django.contrib.auth.management import create_permissions
from django.db import migrations
from django.db.models import Q

MUNICIPAL = "Муниципальный оператор"
REGIONAL = "Региональный оператор"
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
    "lesson",
    "attendancemark",
    "attendancecorrection",
    "charge",
    "chargereversal",
    "statement",
    "dispute",
    "enrollment",
    "fundedcertificaterequest",
    "programrating",
    "municipality",
    "direction",
    "searchsynonym",
)
REGIONAL_DICTIONARY_MODELS = ("searchsynonym",)
TECHNICAL_MODELS = ("searchword", "facetcell", "favourite", "monthrecheck", "billingnoticesent")
REGIONAL_EXTRA_VIEW_MODELS = ("monthrecheck", "billingnoticesent")
MUNICIPAL_ADD_MODELS = ("fundingperiod",)


def operator_groups(apps, schema_editor):
    db = schema_editor.connection.alias
    for label in MUNICIPAL_APPS:
        app_config = apps.get_app_config(label)
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0, using=db)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    own = Q(content_type__app_label__in=MUNICIPAL_APPS)
    municipal = (
        own
        & Q(codename__regex=r"^(view|change)_")
        & ~Q(content_type__model__in=TECHNICAL_MODELS)
        & ~Q(codename__startswith="change_", content_type__model__in=MUNICIPAL_VIEW_ONLY_MODELS)
        & ~Q(codename__startswith="change_", content_type__model__endswith="history")
    ) | (own & Q(codename__startswith="add_", content_type__model__in=MUNICIPAL_ADD_MODELS))
    regional = (
        municipal
        | (own & Q(codename__startswith="view_", content_type__model__in=REGIONAL_EXTRA_VIEW_MODELS))
        | (own & Q(codename__regex=r"^(add|change|delete)_", content_type__model__in=REGIONAL_DICTIONARY_MODELS))
    )
    for name, rule in ((MUNICIPAL, municipal), (REGIONAL, regional)):
        group, _created = Group.objects.using(db).get_or_create(name=name)
        group.permissions.set(Permission.objects.using(db).filter(rule))


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0013_search_synonym_roles"),
        ("enrollments", "0011_ratings"),
    ]

    operations = [
        migrations.RunPython(operator_groups, migrations.RunPython.noop),
    ]
