"""/api/v1/provider/organisation/ and /api/v1/provider/staff/: the profile every member of staff reads and
the manager changes (legal details locked once the municipality has taken them up: catalog.organisation
decides); the staff accounts the manager gives roles and switches off; another organisation's member is
a 404; a teacher changes nothing."""

import datetime

import pytest
from django.urls import reverse

from accounts import roles
from accounts.models import User
from catalog.models import Provider
from core.validators import ogrn_with_checksum
from tests.accounts.factories import ProviderStaffFactory
from tests.navigator.cabinet import signed_in

pytestmark = pytest.mark.django_db
ORG = reverse("api:provider-organisation")
STAFF = reverse("api:provider-staff-list")


def member(user_id: int) -> str:
    return reverse("api:provider-staff-detail", args=[user_id])


@pytest.fixture
def manager():
    return ProviderStaffFactory(last_name="Андреева")


@pytest.fixture
def teacher(manager):
    return ProviderStaffFactory(provider=manager.provider, provider_role=roles.TEACHER, last_name="Борисов")


def test_every_member_reads_the_profile_the_manager_changes_the_contacts(manager, teacher):
    provider = manager.provider
    answer = signed_in(teacher).get(ORG).json()
    assert answer["id"] == provider.pk and answer["inn"] == provider.inn and answer["status"] == "APPROVED"
    assert answer["legal_editable"] is False

    response = signed_in(teacher).patch(ORG, {"phone": "+7 900 000-00-00"}, content_type="application/json")
    assert response.status_code == 403

    response = signed_in(manager).patch(
        ORG, {"phone": "+7 900 000-00-00", "website": "https://club.example"}, content_type="application/json"
    )
    assert response.status_code == 200, response.json()
    provider.refresh_from_db()
    assert provider.phone == "+7 900 000-00-00" and provider.website == "https://club.example"
    assert response.json()["phone"] == "+7 900 000-00-00"


def test_legal_details_of_an_approved_provider_are_locked(manager):
    provider = manager.provider
    response = signed_in(manager).patch(ORG, {"legal_name": "ООО «Другое»"}, content_type="application/json")
    assert response.status_code == 409 and response.json()["error"]["code"] == "legal_details_locked"
    provider.refresh_from_db()
    assert provider.legal_name != "ООО «Другое»"


def test_a_refused_application_changed_waits_again_and_a_bad_inn_is_refused(manager):
    provider = manager.provider
    Provider.objects.filter(pk=provider.pk).update(
        status=Provider.Status.REJECTED, ogrn=ogrn_with_checksum("102710000099"), licence_date=datetime.date(2020, 1, 9)
    )
    client = signed_in(manager)

    response = client.patch(ORG, {"inn": "1234567890", "email": "нет"}, content_type="application/json")
    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"email"}

    response = client.patch(ORG, {"inn": "1234567890"}, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["inn"] == ["ИНН организации — 10 цифр с верной контрольной суммой."]
    provider.refresh_from_db()
    assert provider.inn != "1234567890" and provider.status == Provider.Status.REJECTED

    response = client.patch(ORG, {"legal_name": "МБУ ДО «Новое имя»"}, content_type="application/json")
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "NEW" and response.json()["legal_editable"] is True


def test_the_manager_lists_the_staff_and_changes_roles_and_access(manager, teacher, django_assert_max_num_queries):
    for n in range(5):
        ProviderStaffFactory(provider=manager.provider, provider_role=roles.TEACHER, last_name=f"Викторов{n}")
    ProviderStaffFactory(last_name="Чужой")
    client = signed_in(manager)

    with django_assert_max_num_queries(6):
        rows = client.get(STAFF).json()["results"]
    assert len(rows) == 7
    assert (rows[0]["id"], rows[0]["role"], rows[0]["active"]) == (manager.pk, "manager", True)
    assert (rows[1]["id"], rows[1]["role"]) == (teacher.pk, "teacher")

    response = client.patch(member(teacher.pk), {"role": "manager"}, content_type="application/json")
    assert response.status_code == 200 and response.json()["role"] == "manager"
    response = client.patch(member(teacher.pk), {"active": False}, content_type="application/json")
    assert response.status_code == 200 and response.json()["active"] is False
    assert User.objects.get(pk=teacher.pk).is_active is False

    # The organisation keeps an active manager.
    response = client.patch(member(manager.pk), {"role": "teacher"}, content_type="application/json")
    assert response.status_code == 409 and response.json()["error"]["code"] == "last_manager"

    response = client.patch(member(teacher.pk), {"role": "boss"}, content_type="application/json")
    assert response.status_code == 400 and "role" in response.json()["error"]["fields"]


def test_a_teacher_is_refused_and_another_organisations_member_is_not_found(manager, teacher):
    assert signed_in(teacher).get(STAFF).status_code == 403
    response = signed_in(teacher).patch(member(teacher.pk), {"role": "manager"}, content_type="application/json")
    assert response.status_code == 403
    assert User.objects.get(pk=teacher.pk).groups.get().name == roles.TEACHER

    foreign = ProviderStaffFactory(provider_role=roles.TEACHER)
    response = signed_in(manager).patch(member(foreign.pk), {"active": False}, content_type="application/json")
    assert response.status_code == 404
    assert User.objects.get(pk=foreign.pk).is_active is True
