"""Children added by hand: claims, their municipal review (confirm with documents, reject with a
reason), the officer's scope, and the database's refusals."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection

from certificates.claims import (
    ClaimDecided,
    ClaimNotFound,
    child_claim_add,
    child_claim_confirm,
    child_claim_reject,
    child_claims_settle,
)
from certificates.models import Child, ChildClaim, ParentLink
from core.validators import snils_with_checksum
from enrollments.eligibility import ChildNotFound
from enrollments.services import enrollment_apply
from notices.models import Notification
from tests.accounts.factories import MunicipalStaffFactory, ParentFactory, UserFactory
from tests.catalog.factories import GroupFactory, MunicipalityFactory
from tests.certificates.factories import ChildClaimFactory, ChildFactory, FundingPeriodFactory, claim_on
from tests.navigator.cabinet import signed_in

pytestmark = pytest.mark.django_db


def add(parent, municipality, snils, **overrides):
    return child_claim_add(
        parent=parent,
        **{
            "last_name": "Петров",
            "first_name": "Илья",
            "birth_date": datetime.date(2016, 5, 20),
            "sex": "M",
            "snils": snils,
            "municipality": municipality,
            **overrides,
        },
    )


@pytest.fixture
def plavsk():
    return MunicipalityFactory(name="Плавский район")


@pytest.fixture
def officer(plavsk):
    return MunicipalStaffFactory(municipality=plavsk)


def test_a_claim_on_a_free_number_enters_nothing_in_the_registry(plavsk):
    claim = add(ParentFactory(), plavsk, snils_with_checksum("500100200"))

    assert (claim.status, claim.child, claim.review_municipality) == (ChildClaim.Status.PENDING, None, plavsk)
    assert not Child.objects.exists() and not ParentLink.objects.exists()


def test_a_claim_on_a_registered_number_is_reviewed_where_the_child_lives(plavsk):
    home = MunicipalityFactory(name="Киреевский район")
    confirmed = ChildFactory(municipality=home)  # a parent linked through Gosuslugi
    unlinked = ChildFactory(municipality=home, parents=[])

    on_confirmed = add(ParentFactory(), plavsk, confirmed.snils)
    on_unlinked = add(ParentFactory(), plavsk, unlinked.snils)

    assert (on_confirmed.status, on_confirmed.child, on_confirmed.review_municipality) == (
        ChildClaim.Status.SUSPENDED,
        confirmed,
        home,
    )
    assert (on_unlinked.status, on_unlinked.review_municipality) == (ChildClaim.Status.PENDING, home)
    assert on_confirmed.municipality == plavsk  # what the claimant typed stays as typed


def test_a_pending_claimant_cannot_apply(plavsk):
    child = ChildFactory(municipality=plavsk)
    FundingPeriodFactory(municipality=plavsk)
    claimant = ParentFactory()
    add(claimant, plavsk, child.snils)

    with pytest.raises(ChildNotFound):
        enrollment_apply(parent=claimant, child_id=child.pk, group_id=GroupFactory().pk)


def test_gosuslugi_suspends_other_claims_and_confirms_the_parents_own(plavsk):
    child = ChildFactory(municipality=plavsk, parents=[])
    own, other, decided = ParentFactory(), ParentFactory(), ParentFactory()
    mine, theirs = claim_on(child, user=own), claim_on(child, user=other)
    rejected = ChildClaimFactory(
        user=decided, snils=child.snils, status=ChildClaim.Status.REJECTED, decided_at=mine.created_at, reason="нет"
    )

    assert child_claims_settle(child=child, parent=own) == 1

    for claim in (mine, theirs, rejected):
        claim.refresh_from_db()
    assert (mine.status, theirs.status, rejected.status) == ("CONFIRMED", "SUSPENDED", "REJECTED")


def test_confirming_with_documents_makes_a_municipal_link(plavsk, officer):
    child = ChildFactory(municipality=plavsk)
    claimant = ParentFactory()
    claim = claim_on(child, user=claimant, status=ChildClaim.Status.SUSPENDED)
    client = signed_in(claimant)
    assert client.get(f"/cabinet/children/{child.pk}/").status_code == 404

    link = child_claim_confirm(officer=officer, claim_id=claim.pk, reason="Свидетельство о рождении II-БО 123456")

    claim.refresh_from_db()
    assert (link.user, link.child, link.confirmation) == (claimant, child, ParentLink.Confirmation.MUNICIPAL)
    assert (claim.status, claim.decided_by, claim.reason) == (
        ChildClaim.Status.CONFIRMED,
        officer,
        "Свидетельство о рождении II-БО 123456",
    )
    assert client.get(f"/cabinet/children/{child.pk}/").status_code == 200
    notice = Notification.objects.get(user=claimant, title="Ребёнок добавлен в личный кабинет")
    assert notice.subject == f"child:{child.pk}"  # the notice links to the child's page
    assert f'href="/cabinet/children/{child.pk}/"' in client.get("/cabinet/notifications/").content.decode()
    with pytest.raises(ClaimDecided):
        child_claim_confirm(officer=officer, claim_id=claim.pk, reason="ещё раз")


def test_confirming_a_free_number_registers_the_child_as_typed(plavsk, officer):
    claimant = ParentFactory()
    claim = add(claimant, plavsk, snils_with_checksum("500100300"), middle_name="Олегович")

    child_claim_confirm(officer=officer, claim_id=claim.pk, reason="Свидетельство о рождении")

    child = Child.objects.get(snils=claim.snils)
    assert (child.full_name, child.municipality, list(child.parents.all())) == (
        "Петров Илья Олегович",
        plavsk,
        [claimant],
    )


def test_rejection_needs_a_reason_and_removes_the_claim_from_the_claimants_pages(plavsk, officer):
    claimant = ParentFactory(last_name="Заявителева", first_name="Ольга")  # the header shows the claimant
    claim = add(claimant, plavsk, snils_with_checksum("500100400"))
    client = signed_in(claimant)
    assert "Петров Илья" in client.get("/cabinet/children/").content.decode()

    with pytest.raises(ValidationError):
        child_claim_reject(officer=officer, claim_id=claim.pk, reason="  ")
    child_claim_reject(officer=officer, claim_id=claim.pk, reason="Документы не подтверждают родство.")

    claim.refresh_from_db()
    assert claim.status == ChildClaim.Status.REJECTED
    assert "Петров Илья" not in client.get("/cabinet/children/").content.decode()
    assert not ParentLink.objects.filter(user=claimant).exists()
    notice = Notification.objects.get(user=claimant)
    assert "Документы не подтверждают родство." in notice.body


def test_an_officer_reviews_only_their_municipalitys_claims(plavsk, officer):
    elsewhere = add(ParentFactory(), MunicipalityFactory(), snils_with_checksum("500100500"))
    regional = UserFactory(regional_staff=True)

    for service in (child_claim_confirm, child_claim_reject):
        with pytest.raises(ClaimNotFound):
            service(officer=officer, claim_id=elsewhere.pk, reason="Свидетельство")
        with pytest.raises(ClaimNotFound):
            service(officer=ParentFactory(), claim_id=elsewhere.pk, reason="Свидетельство")
    child_claim_reject(officer=regional, claim_id=elsewhere.pk, reason="Нет документов.")


def test_the_database_refuses_an_unconfirmed_link(plavsk):
    child = ChildFactory(parents=[])
    parent = ParentFactory()
    with pytest.raises(IntegrityError), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO certificates_parentlink (child_id, user_id, confirmation, confirmed_at) "
            "VALUES (%s, %s, '', now())",
            [child.pk, parent.pk],
        )


def test_one_open_claim_per_parent_and_number(plavsk):
    claim = ChildClaimFactory()
    with pytest.raises(IntegrityError):
        ChildClaimFactory(user=claim.user, snils=claim.snils)
