"""Every model of the portal is in the admin, and each admin page renders with data in it."""

import pytest
from django.apps import apps
from django.contrib import admin
from django.urls import reverse

from tests.accounts.factories import UserFactory
from tests.test_factories import FACTORIES

pytestmark = pytest.mark.django_db
PORTAL_APPS = ("core", "accounts", "catalog", "notices", "certificates", "enrollments", "billing", "search")


def test_every_portal_model_is_registered_in_the_admin():
    missing = [
        m._meta.label
        for app in PORTAL_APPS
        for m in apps.get_app_config(app).get_models()
        if not admin.site.is_registered(m)
    ]
    assert missing == []


@pytest.fixture
def superuser_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


@pytest.mark.parametrize("factory_class", FACTORIES, ids=lambda f: f.__name__)
def test_changelist_and_change_page_render(superuser_client, factory_class):
    instance = factory_class()
    opts = instance._meta

    changelist = superuser_client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
    change = superuser_client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[instance.pk]))

    assert changelist.status_code == 200
    assert change.status_code == 200
