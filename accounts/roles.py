"""Staff roles as Django auth groups: municipal and regional operators, a provider's manager, a teacher.

The database gets the groups and their permissions from data migrations (accounts/0004_staff_roles
first, the latest 0014_municipal_role_ratings); this module declares what they should be, for the code
and the tests. When a declaration here changes, a new data migration must bring existing databases along:
tests/accounts/test_roles.py fails while the migrated groups and this module disagree.

Municipal staff work in the Django admin, so their group carries model permissions: view of the
domain models (not of the technical tables), change of those whose plain fields an officer corrects
(never money or statuses: the admin keeps those read-only and changes them through services), never
municipalities, directions or users. A regional operator's group adds the view of the debit job's work
queue and markers; what either sees is further limited to their municipality by the admin
(municipal/admin/base.py). A provider's
manager and a teacher have no admin permissions: the provider workplace checks membership of their
group (`user_has_role`, accounts.access), not permissions. A manager does everything of the
organisation; a teacher keeps the register and rosters of their own groups only (accounts/0010 made
every provider staff member without a role a manager).
"""

from __future__ import annotations

from django.apps import apps
from django.contrib.auth.management import create_permissions
from django.contrib.auth.models import Group, Permission
from django.db.models import Q, QuerySet

# Group names are stored data that migrations and existing databases refer to, not UI text: they
# are not translated.
MUNICIPAL = "Муниципальный оператор"
REGIONAL = "Региональный оператор"
PROVIDER_MANAGER = "Руководитель организации"
TEACHER = "Педагог"
STAFF_ROLES = (MUNICIPAL, REGIONAL, PROVIDER_MANAGER, TEACHER)
OPERATOR_ROLES = (MUNICIPAL, REGIONAL)
PROVIDER_ROLES = (PROVIDER_MANAGER, TEACHER)

# The apps whose models municipal staff view and change in the admin, by app label: the one place
# to update when models move between apps (with a data migration, see the module docstring).
MUNICIPAL_APPS = ("catalog", "certificates", "enrollments", "billing")
# Written only by the ledger trigger or the numbering service: municipal staff may look, not edit.
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
    # Changed only by the services (attendance through the register, lessons through the calendar,
    # money and statements through billing, enrollments through their workflow).
    "lesson",
    "attendancemark",
    "attendancecorrection",
    "charge",
    "chargereversal",
    "statement",
    "dispute",
    "enrollment",
    "fundedcertificaterequest",
    # Parents' ratings: published or rejected by the moderation actions (enrollments.ratings).
    "programrating",
    # Shared reference data: not a municipality's to change.
    "municipality",
    "direction",
    "searchsynonym",
)
# The audit trail's event models (core/audit.py `tracked`): view only, whichever models are tracked.
AUDIT_MODEL_SUFFIX = "history"
# Technical tables: rebuilt by jobs or triggers, or a person's own rows; not shown to municipal staff.
TECHNICAL_MODELS = ("searchword", "facetcell", "favourite", "monthrecheck", "billingnoticesent")
# What a regional operator sees beyond a municipal one: the region-wide debit job's queue and markers.
REGIONAL_EXTRA_VIEW_MODELS = ("monthrecheck", "billingnoticesent")
# The region's shared dictionaries, kept by regional operators: the catalog search's synonyms.
REGIONAL_DICTIONARY_MODELS = ("searchsynonym",)
# Added only through a form that a service validates (certificates.periods.funding_period_save).
MUNICIPAL_ADD_MODELS = ("fundingperiod",)


def role_permissions(name: str) -> QuerySet[Permission]:
    """The permissions the role's group should hold, as declared here."""
    if name not in STAFF_ROLES:
        raise ValueError(f"unknown staff role: {name}")
    if name not in OPERATOR_ROLES:
        return Permission.objects.none()
    own = Q(content_type__app_label__in=MUNICIPAL_APPS)
    view_change = (
        own
        & Q(codename__regex=r"^(view|change)_")
        & ~Q(content_type__model__in=TECHNICAL_MODELS)
        & ~Q(codename__startswith="change_", content_type__model__in=MUNICIPAL_VIEW_ONLY_MODELS)
        # Audit rows (core/audit.py: every event model is named "<Model>History") are never changed.
        & ~Q(codename__startswith="change_", content_type__model__endswith=AUDIT_MODEL_SUFFIX)
    )
    add = own & Q(codename__startswith="add_", content_type__model__in=MUNICIPAL_ADD_MODELS)
    granted = view_change | add
    if name == REGIONAL:
        granted |= own & Q(codename__startswith="view_", content_type__model__in=REGIONAL_EXTRA_VIEW_MODELS)
        granted |= own & Q(codename__regex=r"^(add|change|delete)_", content_type__model__in=REGIONAL_DICTIONARY_MODELS)
    return Permission.objects.filter(granted)


def role_group(name: str) -> Group:
    """The role's group; missing only where tests flushed the database, and then recreated as declared."""
    group = Group.objects.filter(name=name).first()
    if group is None:
        if name not in STAFF_ROLES:
            raise ValueError(f"unknown staff role: {name}")
        _create_declared_permissions()
        group = Group.objects.create(name=name)
        group.permissions.set(role_permissions(name))
    return group


def user_has_role(user, name: str) -> bool:
    """Whether the user belongs to the role's group (how the provider workplace tells a manager from a teacher).

    Read once per user object: a request asks several times and the answer does not change within it."""
    if not user.is_authenticated:
        return False
    cache = user.__dict__.setdefault("_role_names", None)
    if cache is None:
        cache = user.__dict__["_role_names"] = frozenset(user.groups.values_list("name", flat=True))
    return name in cache


def role_set(user, name: str) -> None:
    """Give a provider staff member exactly one of the provider roles."""
    if name not in PROVIDER_ROLES:
        raise ValueError(f"not a provider role: {name}")
    user.groups.remove(*Group.objects.filter(name__in=PROVIDER_ROLES).exclude(name=name))
    user.groups.add(role_group(name))
    user.__dict__.pop("_role_names", None)


def sync_role_permissions() -> None:
    """Give every role's group exactly its declared permissions, creating what is missing (tests)."""
    _create_declared_permissions()
    for name in STAFF_ROLES:
        group, _created = Group.objects.get_or_create(name=name)
        group.permissions.set(role_permissions(name))


def _create_declared_permissions() -> None:
    # post_migrate creates them, but a flushed test database or a migration in progress may lack them.
    for label in MUNICIPAL_APPS:
        create_permissions(apps.get_app_config(label), verbosity=0)
