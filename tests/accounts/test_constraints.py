"""The database refuses users whose role and scope disagree, whatever the ORM would say."""

import pytest
from django.db import connection
from psycopg2 import errorcodes

from accounts.models import Role, User
from core.validators import snils_with_checksum
from tests.accounts.factories import MunicipalStaffFactory, ParentFactory, ProviderStaffFactory, UserFactory
from tests.catalog.factories import ProviderFactory
from tests.db import refused

pytestmark = pytest.mark.django_db


def test_provider_role_without_provider_refused():
    parent = ParentFactory()
    with refused("user_provider_staff_has_provider"):
        User.objects.filter(pk=parent.pk).update(role=Role.PROVIDER)
    with refused("user_provider_staff_has_provider"):
        User.objects.bulk_create([UserFactory.build(role=Role.PROVIDER, provider=None)])

    User.objects.filter(pk=parent.pk).update(role=Role.PROVIDER, provider=ProviderFactory())


def test_provider_staff_cannot_lose_their_provider():
    staff = ProviderStaffFactory()
    with refused("user_provider_staff_has_provider"):
        with connection.cursor() as cursor:
            cursor.execute("UPDATE accounts_user SET provider_id = NULL WHERE id = %s", [staff.pk])


def test_municipal_role_without_municipality_refused():
    staff = MunicipalStaffFactory()
    with refused("user_municipal_staff_has_municipality"):
        User.objects.filter(pk=staff.pk).update(municipality=None)


def test_parent_and_regional_roles_need_no_scope():
    UserFactory(role=Role.PARENT)
    UserFactory(regional_staff=True)


@pytest.mark.parametrize(
    "snils",
    ["1122334459", "1122334459a", "112-233-445", "１１２２３３４４５９５"],
    ids=["10-digits", "letter", "formatted", "fullwidth-digits"],
)
def test_user_snils_eleven_digits(snils):
    user = ParentFactory()
    with refused("user_snils_digits"):
        with connection.cursor() as cursor:
            cursor.execute("UPDATE accounts_user SET snils = %s WHERE id = %s", [snils, user.pk])


def test_user_snils_unique():
    snils = snils_with_checksum("112233445")
    ParentFactory(snils=snils)
    with refused("snils", errorcodes.UNIQUE_VIOLATION):
        User.objects.bulk_create([UserFactory.build(snils=snils)])
    # Many users without a СНИЛС are fine.
    UserFactory(snils=None)
    UserFactory(snils=None)
