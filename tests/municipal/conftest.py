import pytest

from accounts import roles
from tests.accounts.factories import MunicipalStaffFactory, UserFactory


@pytest.fixture
def operator_of():
    """A municipal operator of the municipality (with the migrated group's permissions)."""

    def make(municipality):
        user = MunicipalStaffFactory(municipality=municipality)
        user.groups.add(roles.role_group(roles.MUNICIPAL))
        return user

    return make


@pytest.fixture
def regional():
    user = UserFactory(regional_staff=True)
    user.groups.add(roles.role_group(roles.REGIONAL))
    return user
