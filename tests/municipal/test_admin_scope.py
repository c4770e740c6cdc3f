"""Every admin of the registry is scoped: staff of municipality A see nothing of municipality B's rows
(not listed, a 404 on the change, history and delete pages, no action reaches them), the regional operator
sees both. An admin registered without a scope, and not listed below with a reason, fails the first test."""

import pytest
from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from catalog.models import Municipality
from municipal.admin.base import MunicipalityScopedAdmin
from tests.catalog.factories import MunicipalityFactory
from tests.test_factories import FACTORIES

pytestmark = pytest.mark.django_db

# Admins of other apps: no operator's group holds a permission on them (superusers only).
NOT_OPERATORS = {
    "auth.Group": "the roles themselves, made by migrations",
    "accounts.User": "people and their roles: municipal staff never change users",
    "authtoken.TokenProxy": "API tokens",
    "django_celery_beat.PeriodicTask": "the beat schedule",
    "django_celery_beat.ClockedSchedule": "the beat schedule",
    "django_celery_beat.CrontabSchedule": "the beat schedule",
    "django_celery_beat.SolarSchedule": "the beat schedule",
    "django_celery_beat.IntervalSchedule": "the beat schedule",
    "social_django.UserSocialAuth": "Gosuslugi sign-in records",
    "social_django.Nonce": "Gosuslugi sign-in records",
    "social_django.Association": "Gosuslugi sign-in records",
    "axes.AccessAttempt": "sign-in throttling",
    "axes.AccessLog": "sign-in throttling",
    "axes.AccessFailureLog": "sign-in throttling",
}
# Portal admins tied to no municipality, and why.
UNSCOPED = {
    "catalog.Direction": "directory: the six fixed directions, read-only to operators",
    "billing.JobRun": "the region-wide debit job's log, read-only; started by a regional operator",
    "catalog.SearchWord": "technical: the search vocabulary",
    "catalog.SearchSynonym": "directory: the search's synonym dictionary, one for the region",
    "catalog.FacetCell": "technical: the catalog's counters",
    "search.GroupFreeSeats": "technical: the search's free-seat rows, kept by triggers",
    "search.CatalogIndexFeed": "technical: whether the triggers feed the search index",
    "catalog.Favourite": "a person's bookmarks",
    "billing.MonthRecheck": "technical: the debit job's queue",
    "billing.BillingNoticeSent": "technical: markers of sent notices",
    "core.Heartbeat": "technical",
    "core.OutboxMessage": "technical: the task outbox",
    "core.IdempotencyRecord": "technical: stored API answers",
    "notices.Notification": "a person's notices",
}
HIDDEN = {
    label
    for label, admin_ in ((m._meta.label, a) for m, a in admin.site._registry.items())
    if getattr(admin_, "regional_only", False)
}


def _admin_of(model):
    return admin.site._registry[model]


def test_every_registered_admin_is_scoped_or_listed_with_a_reason():
    unexplained = []
    for model, model_admin in admin.site._registry.items():
        label = model._meta.label
        if label in NOT_OPERATORS:
            assert not isinstance(model_admin, MunicipalityScopedAdmin) or model_admin.regional_only, label
            continue
        scoped = isinstance(model_admin, MunicipalityScopedAdmin) and model_admin.municipality_path is not None
        declared = isinstance(model_admin, MunicipalityScopedAdmin) and (
            model_admin.directory or model_admin.regional_only
        )
        if scoped:
            continue
        if not (declared and label in UNSCOPED):
            unexplained.append(label)
    assert unexplained == []
    # The technical tables are hidden from municipal staff.
    assert {"catalog.SearchWord", "catalog.FacetCell", "billing.MonthRecheck", "core.OutboxMessage"} <= HIDDEN


def _municipality_of(instance) -> int | None:
    path = _admin_of(type(instance)).municipality_path
    return type(instance).objects.filter(pk=instance.pk).values_list(path, flat=True).get()


SCOPED_FACTORIES = [
    f
    for f in FACTORIES
    if isinstance(admin.site._registry.get(f._meta.model), MunicipalityScopedAdmin)
    and admin.site._registry[f._meta.model].municipality_path
]


@pytest.mark.parametrize("factory_class", SCOPED_FACTORIES, ids=lambda f: f.__name__)
def test_staff_of_another_municipality_get_a_404_and_the_regional_operator_sees_it(
    client, operator_of, regional, factory_class
):
    instance = factory_class()
    opts = instance._meta
    model_admin = _admin_of(type(instance))
    home = Municipality.objects.get(pk=_municipality_of(instance))
    own, stranger = operator_of(home), operator_of(MunicipalityFactory())
    changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
    change = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[instance.pk])
    history = reverse(f"admin:{opts.app_label}_{opts.model_name}_history", args=[instance.pk])
    delete = reverse(f"admin:{opts.app_label}_{opts.model_name}_delete", args=[instance.pk])

    client.force_login(stranger)
    listed = client.get(changelist)
    assert listed.status_code == 200
    assert instance.pk not in {row.pk for row in listed.context["cl"].result_list}
    assert client.get(change).status_code == 404
    assert client.get(history).status_code == 404
    assert client.get(delete).status_code in (403, 404)
    # Every action the stranger has, confirmed with a reason: the row is out of reach, nothing changes.
    before = type(instance).objects.filter(pk=instance.pk).values().get()
    for name in model_admin.get_actions(listed.wsgi_request):
        response = client.post(
            changelist, {"action": name, ACTION_CHECKBOX_NAME: [instance.pk], "confirm": "yes", "reason": "проверка"}
        )
        assert response.status_code == 302, name
        assert type(instance).objects.filter(pk=instance.pk).values().get() == before, name

    for user in (own, regional):
        client.force_login(user)
        listed = client.get(changelist)
        assert instance.pk in {row.pk for row in listed.context["cl"].result_list}, user.role
        assert client.get(change).status_code == 200, user.role
        assert client.get(history).status_code == 200, user.role


def test_hidden_and_other_apps_admins_refuse_municipal_staff(client, operator_of):
    client.force_login(operator_of(MunicipalityFactory()))
    index = client.get(reverse("admin:index"))
    shown = {m["model"]._meta.label for app in index.context["app_list"] for m in app["models"]}
    refused = HIDDEN | set(NOT_OPERATORS)

    assert shown and shown.isdisjoint(refused)
    for model in admin.site._registry:
        if model._meta.label in refused:
            opts = model._meta
            response = client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
            assert response.status_code == 403, model._meta.label


def test_foreign_key_choices_and_list_filters_are_scoped(client, operator_of):
    from tests.catalog.factories import ProgramFactory, ProviderFactory

    mine, other = ProviderFactory(), ProviderFactory()
    program = ProgramFactory(provider=mine)
    client.force_login(operator_of(mine.municipality))

    # The autocomplete of the program's provider offers only the operator's providers.
    found = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "catalog", "model_name": "program", "field_name": "provider", "term": ""},
    ).json()
    assert {int(r["id"]) for r in found["results"]} == {mine.pk}
    # A group's program choices, and the provider list's filters name no other municipality.
    form = _admin_of(type(program)).get_form(client.get(reverse("admin:index")).wsgi_request)
    assert other.municipality.name not in client.get(reverse("admin:catalog_provider_changelist")).content.decode()
    assert form is not None
    group_admin = admin.site._registry[type(program).groups.rel.related_model]
    request = client.get(reverse("admin:catalog_group_changelist")).wsgi_request
    field = group_admin.formfield_for_foreignkey(
        type(program).groups.rel.related_model._meta.get_field("program"), request
    )
    assert list(field.queryset) == [program]
