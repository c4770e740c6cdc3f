"""The admin in Russian that reads right: titles with the model's name in the accusative or genitive,
every column header translated."""

import re

import pytest
from django.contrib import admin
from django.contrib.admin.utils import label_for_field
from django.urls import reverse
from django.utils import translation

from municipal.admin.base import MunicipalityScopedAdmin
from municipal.admin.names import NAMES
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db
CYRILLIC = re.compile("[а-яё]", re.IGNORECASE)


def test_every_portal_model_has_its_cases():
    portal = {m._meta.label for m, a in admin.site._registry.items() if isinstance(a, MunicipalityScopedAdmin)}
    assert portal - set(NAMES) == set()


def test_titles_use_the_accusative(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))

    groups = client.get(reverse("admin:auth_group_changelist")).content.decode()
    programs = client.get(reverse("admin:catalog_program_changelist")).content.decode()
    add = client.get(reverse("admin:auth_group_add")).content.decode()

    assert "Выберите группу для изменения" in groups and "Выберите группа" not in groups
    assert "Выберите программу для изменения" in programs
    assert "Добавить группу" in add


def test_a_view_only_page_uses_the_genitive(client, operator_of):
    from tests.certificates.factories import CertificateAccountFactory

    account = CertificateAccountFactory()
    client.force_login(operator_of(account.certificate.municipality))

    page = client.get(reverse("admin:certificates_certificateaccount_change", args=[account.pk])).content.decode()
    listing = client.get(reverse("admin:certificates_certificateaccount_changelist")).content.decode()

    assert "Просмотр счёта сертификата" in page
    assert "Выберите счёт сертификата для просмотра" in listing


def test_every_column_header_an_operator_sees_is_russian():
    untranslated = []
    with translation.override("ru"):
        for model, model_admin in admin.site._registry.items():
            if not isinstance(model_admin, MunicipalityScopedAdmin) or model_admin.regional_only:
                continue
            for name in model_admin.list_display:
                label = str(label_for_field(name, model, model_admin))
                if not CYRILLIC.search(label):
                    untranslated.append(f"{model._meta.label}.{name}: {label}")
    assert untranslated == []
