"""Who may see a child: a parent who typed in another family's child by hand sees nothing of it, before
or after the real parent signs in through Gosuslugi (the stand-in), and the claim waits for municipal
review (the acceptance scenario of issue 13)."""

import datetime

import pytest
from django.test import Client

from accounts.models import User
from certificates.models import ChildClaim, ParentLink
from core.validators import format_snils
from tests.accounts.factories import ParentFactory
from tests.catalog.factories import MunicipalityFactory
from tests.certificates.factories import certificate_with_money
from tests.enrollments.factories import EnrollmentFactory
from tests.esia.factories import KidFactory, PersonFactory
from tests.navigator.cabinet import signed_in

pytestmark = pytest.mark.django_db(transaction=True)

REGISTRY_NAMES = ("Кузнецова", "Ольга")


@pytest.fixture
def registered():
    """A registry child of Плавский район with a certificate, money on it, and a contract; loaded from
    the municipal registry, so no parent is linked yet."""
    certificate = certificate_with_money(
        last_name="Кузнецова",
        first_name="Ольга",
        middle_name="Андреевна",
        birth_date=datetime.date(2016, 3, 14),
        municipality=MunicipalityFactory(name="Плавский район"),
    )
    enrollment = EnrollmentFactory(child=certificate.child, certificate=certificate, active=True)
    certificate.child.parent_links.all().delete()
    return certificate, enrollment


def hand_add(client: Client, snils: str):
    return client.post(
        "/cabinet/children/add/",
        {
            "last_name": "Захватов",
            "first_name": "Чужой",
            "middle_name": "",
            "birth_date": "2016-03-14",
            "sex": "F",
            "snils": format_snils(snils),
            "municipality": MunicipalityFactory(name="Киреевский район").pk,
        },
    )


def sees_nothing_of(client: Client, certificate, enrollment) -> None:
    child = certificate.child
    for url in (
        f"/cabinet/children/{child.pk}/",
        f"/cabinet/certificates/{certificate.number}/",
        f"/cabinet/certificates/{certificate.number}/statement/",
        f"/cabinet/enrollments/{enrollment.pk}/",
        f"/api/v1/certificates/{certificate.number}/statement/",
        f"/api/v1/enrollments/{enrollment.pk}/",
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/cabinet/children/{child.pk}/certificate/").status_code == 404
    assert client.get("/api/v1/me/children/").json()["results"] == []
    assert client.get("/api/v1/me/certificates/").json()["results"] == []
    assert client.get("/api/v1/enrollments/").json()["results"] == []
    for page in ("/cabinet/", "/cabinet/children/", "/cabinet/certificates/", "/cabinet/enrollments/"):
        body = client.get(page).content.decode()
        assert certificate.number not in body, page
        for name in REGISTRY_NAMES:
            assert name not in body, (page, name)


def test_a_hand_typed_claim_shows_nothing_and_is_suspended_for_review_when_the_real_parent_signs_in(
    sign_in, registered
):
    certificate, enrollment = registered
    child = certificate.child
    x = ParentFactory()
    typist = signed_in(x)

    assert hand_add(typist, child.snils).status_code == 302
    claim = ChildClaim.objects.get(user=x)
    assert claim.status == ChildClaim.Status.PENDING
    sees_nothing_of(typist, certificate, enrollment)
    assert "Захватов Чужой" in typist.get("/cabinet/children/").content.decode()  # only what X typed

    # The real mother signs in through Gosuslugi; the child is in her profile.
    mother = PersonFactory()
    KidFactory(person=mother, snils=child.snils, last_name="Кузнецова", first_name="Ольга", gender="F")
    response = sign_in(mother.oid, as_client=Client())
    assert response.status_code == 302 and response["Location"] == "/cabinet/"
    real = User.objects.get(esia_oid=mother.oid)
    assert ParentLink.objects.get(child=child, user=real).confirmation == ParentLink.Confirmation.ESIA

    # X still sees nothing of the child, and the claim is queued for the child's municipality.
    sees_nothing_of(typist, certificate, enrollment)
    claim.refresh_from_db()
    assert claim.status == ChildClaim.Status.SUSPENDED
    assert (claim.child, claim.review_municipality) == (child, child.municipality)
    assert claim.suspended_at is not None
    assert not ParentLink.objects.filter(user=x).exists()
    # The mother sees her child.
    mother_client = signed_in(real)
    assert mother_client.get(f"/cabinet/children/{child.pk}/").status_code == 200
    assert mother_client.get(f"/cabinet/certificates/{certificate.number}/statement/").status_code == 200


def test_a_parent_who_typed_in_their_own_child_gets_it_confirmed_by_gosuslugi(client, sign_in, registered):
    certificate, _enrollment = registered
    child = certificate.child
    mother = PersonFactory()
    KidFactory(person=mother, snils=child.snils)
    sign_in(mother.oid)
    parent = User.objects.get(esia_oid=mother.oid)
    ParentLink.objects.filter(user=parent).delete()  # as if she had typed the child in before
    other = ParentFactory()
    assert hand_add(signed_in(parent), child.snils).status_code == 302
    assert hand_add(signed_in(other), child.snils).status_code == 302
    client.logout()

    sign_in(mother.oid)

    assert ChildClaim.objects.get(user=parent).status == ChildClaim.Status.CONFIRMED
    assert ChildClaim.objects.get(user=other).status == ChildClaim.Status.SUSPENDED
    assert client.get(f"/cabinet/children/{child.pk}/").status_code == 200
