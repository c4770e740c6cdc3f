"""A new provider signs up (ИНН and ОГРН checked by kind and checksum, a licence unless an ИП teaching in
person) and waits for the municipality as NEW, its programs unlisted; the manager keeps the profile,
whose legal details are read-only once the municipality has taken the application up."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts import roles
from accounts.models import Role, User
from catalog.models import Program, Provider
from catalog.organisation import Contacts, LegalDetails, OrganisationRefused, provider_profile_update
from catalog.selectors import visible_programs
from core.errors import Conflict
from core.validators import inn_with_checksum, ogrn_is_valid, ogrn_with_checksum
from tests.accounts.factories import MunicipalStaffFactory, ParentFactory, ProviderStaffFactory
from tests.catalog.factories import MunicipalityFactory, ProgramFactory, ProviderFactory
from tests.navigator.cabinet import signed_in

pytestmark = pytest.mark.django_db
ORG_INN, IP_INN = inn_with_checksum("710500123"), inn_with_checksum("7105001234")
ORG_OGRN, IP_OGRN = ogrn_with_checksum("102710000001"), ogrn_with_checksum("30471000000001")


def test_ogrn_checksums():
    assert ogrn_is_valid("1027700132195") and ogrn_is_valid("304500116000157")
    assert not ogrn_is_valid("1027700132194") and not ogrn_is_valid("10277001321") and not ogrn_is_valid("")
    assert ogrn_is_valid(ORG_OGRN) and ogrn_is_valid(IP_OGRN)


@pytest.fixture
def municipality():
    return MunicipalityFactory(name="Плавский район")


def form(municipality, **changes) -> dict:
    data = {
        "kind": "ORG",
        "legal_name": "ООО «Робошкола»",
        "short_name": "Робошкола",
        "inn": ORG_INN,
        "ogrn": ORG_OGRN,
        "licence_number": "Л035-01271-71/00012345",
        "licence_date": "2024-03-01",
        "municipality": municipality.pk,
        "address": "г. Плавск, ул. Победы, 5",
        "phone": "+7 900 000-00-00",
        "email": "info@roboschool.example",
        "website": "",
        "last_name": "Смирнова",
        "first_name": "Ольга",
        "middle_name": "",
        "username": "roboschool",
        "password": "Kruzhok-2026!",
    }
    data.update(changes)
    return data


def test_a_signed_in_parent_signs_up_an_organisation_and_becomes_its_manager(municipality):
    parent = ParentFactory(email="olga@example.ru")
    client = signed_in(parent)
    assert client.get(reverse("workplace:signup")).status_code == 200

    response = client.post(reverse("workplace:signup"), form(municipality), follow=True)

    provider = Provider.objects.get(inn=ORG_INN)
    assert (provider.status, provider.ogrn, provider.licence_date) == (
        Provider.Status.NEW,
        ORG_OGRN,
        datetime.date(2024, 3, 1),
    )
    manager = User.objects.get(username="roboschool")
    assert (manager.role, manager.provider, manager.email) == (Role.PROVIDER, provider, "olga@example.ru")
    assert roles.user_has_role(manager, roles.PROVIDER_MANAGER) and manager.check_password("Kruzhok-2026!")
    # The browser is now the manager's, on the workplace that shows the application waiting.
    assert response.redirect_chain[-1][0] == reverse("workplace:home")
    page = response.content.decode()
    assert "Заявка на подключение отправлена" in page and "Новая" in page
    # The parent's own account is untouched (its children, its Gosuslugi sign-in).
    parent.refresh_from_db()
    assert parent.role == Role.PARENT and parent.provider_id is None


def test_a_sole_trader_teaching_in_person_needs_no_licence(municipality):
    data = form(municipality, kind="IP", inn=IP_INN, ogrn=IP_OGRN, licence_number="", licence_date="")
    signed_in(ParentFactory()).post(reverse("workplace:signup"), data)
    provider = Provider.objects.get(inn=IP_INN)
    assert (provider.kind, provider.licence_number, provider.licence_date) == ("IP", "", None)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"inn": ORG_INN[:-1] + str((int(ORG_INN[-1]) + 1) % 10)}, "ИНН организации — 10 цифр"),
        ({"inn": IP_INN}, "ИНН организации — 10 цифр"),
        ({"kind": "IP", "inn": ORG_INN, "ogrn": IP_OGRN}, "ИНН индивидуального предпринимателя — 12 цифр"),
        ({"ogrn": ORG_OGRN[:-1] + str((int(ORG_OGRN[-1]) + 1) % 10)}, "ОГРН организации — 13 цифр"),
        ({"kind": "IP", "inn": IP_INN}, "ОГРНИП — 15 цифр"),
        ({"licence_number": "", "licence_date": ""}, "Организации нужна лицензия"),
        ({"licence_date": ""}, "Укажите дату лицензии."),
        ({"licence_date": "2999-01-01"}, "Дата лицензии не может быть позже сегодняшней."),
        ({"password": "123"}, "Введённый пароль слишком короткий"),
    ],
)
def test_wrong_details_are_refused_naming_the_field(municipality, changes, message):
    response = signed_in(ParentFactory()).post(reverse("workplace:signup"), form(municipality, **changes))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Provider.objects.filter(legal_name="ООО «Робошкола»").exists()
    assert not User.objects.filter(username="roboschool").exists()


def test_a_registered_inn_or_a_taken_login_is_refused(municipality):
    ProviderFactory(inn=ORG_INN)
    page = signed_in(ParentFactory()).post(reverse("workplace:signup"), form(municipality)).content.decode()
    assert "Этот ИНН уже зарегистрирован." in page
    ProviderStaffFactory(username="taken")
    data = form(municipality, inn=inn_with_checksum("710500999"), username="taken")
    page = signed_in(ParentFactory()).post(reverse("workplace:signup"), data).content.decode()
    assert "Выберите другой логин." in page
    assert Provider.objects.count() == 2  # the factory's and the staff member's: no new one


def test_who_may_open_the_signup(municipality):
    assert signed_in(ProviderStaffFactory()).get(reverse("workplace:signup")).url == reverse("workplace:organisation")
    assert signed_in(MunicipalStaffFactory()).get(reverse("workplace:signup")).status_code == 403
    anonymous = signed_in(ParentFactory()).__class__().get(reverse("workplace:signup"))
    assert anonymous.status_code == 302 and "/login/" in anonymous.url


def test_a_waiting_providers_certified_program_is_not_in_the_catalog_until_approved():
    provider = ProviderFactory(status=Provider.Status.NEW)
    program = ProgramFactory(provider=provider, status=Program.Status.CERTIFIED)
    assert not visible_programs().filter(pk=program.pk).exists()
    assert program.pk not in [
        row["id"] for row in signed_in(ParentFactory()).get("/api/v1/programs/").json()["results"]
    ]

    Provider.objects.filter(pk=provider.pk).update(status=Provider.Status.APPROVED)
    assert visible_programs().filter(pk=program.pk).exists()


def contacts(**changes) -> Contacts:
    values = {"short_name": "Робошкола", "address": "г. Плавск, ул. Победы, 7", "phone": "+7 900", "email": "a@b.ru"}
    return Contacts(website="", **{**values, **changes})


def legal_of(provider, **changes) -> LegalDetails:
    values = {name: getattr(provider, name) for name in ("kind", "legal_name", "inn", "ogrn", "licence_number")}
    values.update(licence_date=provider.licence_date, municipality_id=provider.municipality_id)
    return LegalDetails(**{**values, **changes})


@pytest.fixture
def waiting():
    provider = ProviderFactory(
        status=Provider.Status.NEW, inn=ORG_INN, ogrn=ORG_OGRN, licence_date=datetime.date(2024, 1, 9)
    )
    return ProviderStaffFactory(provider=provider)


def test_the_manager_changes_contacts_and_while_waiting_the_legal_details(waiting):
    client = signed_in(waiting)
    data = {
        **{k: v for k, v in form(waiting.provider.municipality).items() if k not in ("username", "password")},
        "legal_name": "ООО «Робошкола плюс»",
        "address": "г. Плавск, ул. Победы, 9",
    }
    assert client.post(reverse("workplace:organisation"), data).status_code == 302
    provider = Provider.objects.get(pk=waiting.provider_id)
    assert (provider.legal_name, provider.address, provider.status) == (
        "ООО «Робошкола плюс»",
        "г. Плавск, ул. Победы, 9",
        Provider.Status.NEW,
    )


def test_approved_legal_details_are_read_only_and_contacts_still_change():
    manager = ProviderStaffFactory()  # the factory's provider is approved
    provider = manager.provider
    page = signed_in(manager).get(reverse("workplace:organisation")).content.decode()
    assert "изменить их можно только через муниципалитет" in page and 'name="inn"' in page and "disabled" in page

    data = {**{k: v for k, v in form(provider.municipality).items() if k not in ("username", "password")}}
    data.update(inn=ORG_INN, legal_name="Подменённое название", address="г. Плавск, ул. Новая, 1")
    response = signed_in(manager).post(reverse("workplace:organisation"), data)
    assert response.status_code == 302, response.content.decode()[-3000:]
    fresh = Provider.objects.get(pk=provider.pk)
    assert (fresh.inn, fresh.legal_name, fresh.address) == (
        provider.inn,
        provider.legal_name,
        "г. Плавск, ул. Новая, 1",
    )

    with pytest.raises(Conflict, match="только через муниципалитет"):
        provider_profile_update(actor=manager, contacts=contacts(), legal=legal_of(provider, legal_name="Другое"))


def test_a_refused_application_changed_waits_again(waiting):
    Provider.objects.filter(pk=waiting.provider_id).update(status=Provider.Status.REJECTED)
    provider = Provider.objects.get(pk=waiting.provider_id)
    provider, changed = provider_profile_update(
        actor=waiting, contacts=contacts(), legal=legal_of(provider, licence_number="Л035-02")
    )
    assert provider.status == Provider.Status.NEW and "licence_number" in changed
    with pytest.raises(OrganisationRefused):
        provider_profile_update(actor=waiting, contacts=contacts(), legal=legal_of(provider, inn="7100000000"))


def test_a_teacher_reads_the_profile_and_cannot_change_it():
    manager = ProviderStaffFactory()
    teacher = ProviderStaffFactory(provider=manager.provider, provider_role=roles.TEACHER)
    client = signed_in(teacher)
    page = client.get(reverse("workplace:organisation")).content.decode()
    assert manager.provider.short_name in page and "Сохранить" not in page
    assert client.post(reverse("workplace:organisation"), {"address": "x"}).status_code == 403


def test_the_signup_is_linked_from_every_page():
    assert reverse("workplace:signup") in signed_in(ParentFactory()).get(reverse("home")).content.decode()


def test_licence_date_today_is_accepted(municipality):
    today = timezone.localdate().isoformat()
    signed_in(ParentFactory()).post(reverse("workplace:signup"), form(municipality, licence_date=today))
    assert Provider.objects.filter(inn=ORG_INN).exists()
