"""Signing in through the stand-in creates or updates the parent and imports the children by СНИЛС."""

import datetime

import pytest
from django.contrib.auth import SESSION_KEY
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from social_django.models import Partial, UserSocialAuth

from accounts.models import Role, User
from certificates.models import Child
from core.validators import snils_with_checksum
from esia.tasks import clear_abandoned_sign_ins
from tests.accounts.factories import ProviderStaffFactory, UserFactory
from tests.catalog.factories import MunicipalityFactory
from tests.certificates.factories import ChildFactory
from tests.esia.factories import KidFactory, PersonFactory

pytestmark = pytest.mark.django_db(transaction=True)


def signed_in_user(client) -> User:
    return User.objects.get(pk=client.session[SESSION_KEY])


def test_new_parent_is_asked_for_the_municipality_once_then_created_with_the_children(client, sign_in):
    plavsk = MunicipalityFactory(name="Плавский район")
    person = PersonFactory(
        last_name="Кузнецова",
        first_name="Анна",
        middle_name="Сергеевна",
        email="Anna.K@Example.ru",
        mobile="+7 (953) 421-17-05",
    )
    ivan = KidFactory(person=person, first_name="Иван", birth_date=datetime.date(2016, 3, 14))
    olga = KidFactory(person=person, first_name="Ольга", last_name="Кузнецова", gender="F")

    response = sign_in(person.oid)
    assert response.status_code == 302
    assert response["Location"] == reverse("esia:municipality")
    assert not User.objects.filter(esia_oid=person.oid).exists(), "nothing is created before the question"

    page = client.get(reverse("esia:municipality"))
    assert "Где живут дети" in page.content.decode()
    assert "Кузнецов Иван Андреевич" in page.content.decode()
    client.post(reverse("esia:municipality"), {"municipality": plavsk.pk})
    response = client.get(reverse("esia:complete"))

    assert response.status_code == 302
    assert response["Location"] == "/cabinet/"
    parent = signed_in_user(client)
    assert (parent.role, parent.esia_oid, parent.username) == (Role.PARENT, person.oid, f"esia-{person.oid}")
    assert (parent.last_name, parent.first_name, parent.middle_name) == ("Кузнецова", "Анна", "Сергеевна")
    assert parent.snils == person.snils
    assert parent.email == "anna.k@example.ru"
    assert parent.phone == "+7 (953) 421-17-05"
    assert not parent.has_usable_password()
    assert UserSocialAuth.objects.get(provider="esia", uid=person.oid).user == parent
    children = {c.snils: c for c in parent.children.all()}
    assert set(children) == {ivan.snils, olga.snils}
    assert children[ivan.snils].full_name == "Кузнецов Иван Андреевич"
    assert children[ivan.snils].birth_date == datetime.date(2016, 3, 14)
    assert children[olga.snils].sex == Child.Sex.FEMALE
    assert {c.municipality for c in children.values()} == {plavsk}


def test_signing_in_again_updates_and_never_duplicates(client, sign_in):
    plavsk = MunicipalityFactory()
    person = PersonFactory()
    kid = KidFactory(person=person, first_name="Иван")
    sign_in(person.oid, municipality=plavsk)
    client.logout()

    # Gosuslugi data changed in between: a corrected birth date, a new surname, a new phone.
    kid.last_name, kid.birth_date = "Петров", datetime.date(2016, 4, 1)
    kid.save()
    person.mobile, person.email = "+7 (910) 000-11-22", "new@example.ru"
    person.save()

    response = sign_in(person.oid)  # no municipality question: the children are known now

    assert response.status_code == 302 and response["Location"] == "/cabinet/"
    parent = signed_in_user(client)
    assert User.objects.filter(role=Role.PARENT).count() == 1
    assert UserSocialAuth.objects.filter(provider="esia").count() == 1
    assert Child.objects.count() == 1
    child = parent.children.get()
    assert (child.last_name, child.birth_date, child.municipality) == ("Петров", datetime.date(2016, 4, 1), plavsk)
    assert (parent.phone, parent.email) == ("+7 (910) 000-11-22", "new@example.ru")


def test_children_known_to_the_portal_are_matched_by_snils_and_keep_their_municipality(client, sign_in):
    home = MunicipalityFactory(name="Киреевский район")
    existing = ChildFactory(last_name="Старая", first_name="Фамилия", municipality=home)
    other_parents = set(existing.parents.all())
    assert other_parents
    person = PersonFactory()
    KidFactory(person=person, snils=existing.snils, last_name="Кузнецова", first_name="Ольга", gender="F")
    sibling = KidFactory(person=person, first_name="Лев")

    response = sign_in(person.oid)  # the family's municipality is known from the existing child

    assert response["Location"] == "/cabinet/"
    parent = signed_in_user(client)
    existing.refresh_from_db()
    assert (existing.last_name, existing.first_name, existing.municipality) == ("Кузнецова", "Ольга", home)
    assert set(existing.parents.all()) == {*other_parents, parent}, "a shared child keeps the other parent"
    assert Child.objects.get(snils=sibling.snils).municipality == home
    assert Child.objects.count() == 2


def test_a_parent_registered_by_snils_or_by_oid_gets_the_same_account(client, sign_in):
    plavsk = MunicipalityFactory()
    by_snils = UserFactory(snils=snils_with_checksum("500000001"), esia_oid=None)
    by_oid = UserFactory(snils=None, esia_oid="1000700001")
    first = PersonFactory(snils=by_snils.snils)
    second = PersonFactory(oid="1000700001")
    KidFactory(person=first)
    KidFactory(person=second)

    sign_in(first.oid, municipality=plavsk)
    assert signed_in_user(client) == by_snils
    by_snils.refresh_from_db()
    assert by_snils.esia_oid == first.oid

    other = Client()
    sign_in(second.oid, municipality=plavsk, as_client=other)
    assert signed_in_user(other) == by_oid
    by_oid.refresh_from_db()
    assert by_oid.snils == second.snils
    assert User.objects.count() == 2


def test_kids_without_snils_or_adults_are_not_imported_and_the_parent_is_told(client, sign_in):
    plavsk = MunicipalityFactory()
    person = PersonFactory()
    KidFactory(person=person, first_name="Без", last_name="Снилса", snils="")
    KidFactory(person=person, first_name="Взрослый", birth_date=datetime.date(2001, 1, 1))
    kept = KidFactory(person=person, first_name="Иван")

    response = sign_in(person.oid, municipality=plavsk)

    assert list(Child.objects.values_list("snils", flat=True)) == [kept.snils]
    told = [str(m) for m in get_messages(response.wsgi_request)]
    assert any("Снилса Без" in m and "вручную" in m for m in told)
    assert any("Взрослый" in m for m in told)
    assert any("добавлен 1 ребёнок" in m for m in told)


def test_no_question_and_no_children_when_gosuslugi_has_none(client, sign_in):
    person = PersonFactory()

    response = sign_in(person.oid)

    assert response["Location"] == "/cabinet/"
    assert signed_in_user(client).children.count() == 0


def test_snils_of_a_staff_account_is_a_conflict_for_an_operator(client, sign_in):
    staff = ProviderStaffFactory(snils=snils_with_checksum("500000002"))
    person = PersonFactory(snils=staff.snils)

    response = sign_in(person.oid)

    assert response.status_code == 409
    assert "Обратитесь к оператору портала" in response.content.decode()
    assert User.objects.count() == 1
    assert SESSION_KEY not in client.session


def test_someone_signed_in_before_is_replaced_not_linked(client, sign_in):
    staff = ProviderStaffFactory()
    client.force_login(staff)
    person = PersonFactory()

    sign_in(person.oid)

    parent = signed_in_user(client)
    assert parent != staff and parent.esia_oid == person.oid
    assert not UserSocialAuth.objects.filter(user=staff).exists()


def test_abandoned_sign_ins_are_cleared_nightly(client, sign_in):
    MunicipalityFactory()
    person = PersonFactory()
    KidFactory(person=person)
    sign_in(person.oid)  # stops at the municipality question
    assert Partial.objects.count() == 1
    Partial.objects.update(timestamp=timezone.now() - datetime.timedelta(days=2))

    clear_abandoned_sign_ins()

    assert Partial.objects.count() == 0


def test_a_new_sign_in_supersedes_one_paused_at_the_municipality_question(client, sign_in):
    plavsk = MunicipalityFactory()
    first, second = PersonFactory(), PersonFactory()
    KidFactory(person=first)
    KidFactory(person=second)
    assert sign_in(first.oid)["Location"] == reverse("esia:municipality")

    # The parent gives up on the question and signs in again, this time as someone else.
    response = sign_in(second.oid, municipality=plavsk)

    assert response["Location"] == "/cabinet/"
    assert signed_in_user(client).esia_oid == second.oid
    assert not User.objects.filter(esia_oid=first.oid).exists()
    assert Partial.objects.count() == 0


def test_an_account_linked_to_gosuslugi_that_became_staff_is_not_entered_through_gosuslugi(client, sign_in):
    person = PersonFactory()
    sign_in(person.oid)
    # The operator makes the parent a municipal operator; their Gosuslugi link stays in the database.
    account = User.objects.get(esia_oid=person.oid)
    User.objects.filter(pk=account.pk).update(role=Role.MUNICIPAL, municipality=MunicipalityFactory(), is_staff=True)
    client.logout()

    response = sign_in(person.oid)

    assert response.status_code == 409
    assert "Обратитесь к оператору портала" in response.content.decode()
    assert SESSION_KEY not in client.session


def test_snils_of_a_superuser_with_the_default_role_is_a_conflict(client, sign_in):
    # `createsuperuser` leaves the role at its default, PARENT: Gosuslugi must not open the admin.
    admin = User.objects.create_superuser("root", "root@example.ru", "password", snils=snils_with_checksum("500000003"))
    person = PersonFactory(snils=admin.snils)

    response = sign_in(person.oid)

    assert response.status_code == 409
    assert SESSION_KEY not in client.session
    admin.refresh_from_db()
    assert admin.esia_oid is None and not UserSocialAuth.objects.exists()


def test_an_unconfirmed_gosuslugi_account_cannot_sign_in(client, sign_in):
    person = PersonFactory(trusted=False)
    KidFactory(person=person)

    response = sign_in(person.oid)

    assert response.status_code == 403
    assert "Учётная запись на Госуслугах не подтверждена" in response.content.decode()
    assert not User.objects.exists() and not Child.objects.exists()
    assert SESSION_KEY not in client.session
