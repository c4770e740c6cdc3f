"""Factories for accounts: users of every role."""

import factory
from factory.django import DjangoModelFactory

from accounts import roles
from accounts.models import Role, User


class UserFactory(DjangoModelFactory):
    """A parent by default; the traits make provider, municipal or regional staff with their scope."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    class Params:
        provider_staff = factory.Trait(
            role=Role.PROVIDER,
            provider=factory.SubFactory("tests.catalog.factories.ProviderFactory"),
        )
        municipal_staff = factory.Trait(
            role=Role.MUNICIPAL,
            municipality=factory.SubFactory("tests.catalog.factories.MunicipalityFactory"),
        )
        regional_staff = factory.Trait(role=Role.REGIONAL, is_staff=True)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.ru")
    password = factory.django.Password("password")
    first_name = factory.Faker("first_name", locale="ru_RU")
    last_name = factory.Faker("last_name", locale="ru_RU")
    role = Role.PARENT

    @factory.post_generation
    def provider_role(self, create, extracted, **kwargs):
        """Provider staff are managers unless given `provider_role=roles.TEACHER` (or "": no role)."""
        if not create or self.role != Role.PROVIDER:
            return
        name = roles.PROVIDER_MANAGER if extracted is None else extracted
        if name:
            roles.role_set(self, name)


class ParentFactory(UserFactory):
    esia_oid = factory.Sequence(lambda n: f"esia-{n}")


class ProviderStaffFactory(UserFactory):
    provider_staff = True


class MunicipalStaffFactory(UserFactory):
    municipal_staff = True
    is_staff = True
