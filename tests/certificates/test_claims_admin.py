"""The review queue of hand-typed children in the admin: scoped to the operator's municipality, read-only,
decided by actions that ask for a confirmation and a reason and call the claims services."""

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from accounts import roles
from certificates.models import ChildClaim, ParentLink
from tests.accounts.factories import MunicipalStaffFactory
from tests.catalog.factories import MunicipalityFactory
from tests.certificates.factories import ChildClaimFactory, ChildFactory, claim_on
from tests.navigator.cabinet import signed_in

pytestmark = pytest.mark.django_db
CHANGELIST = reverse("admin:certificates_childclaim_changelist")


def operator_of(municipality):
    user = MunicipalStaffFactory(municipality=municipality)
    user.groups.add(roles.role_group(roles.MUNICIPAL))
    return signed_in(user)


@pytest.fixture
def plavsk():
    return MunicipalityFactory(name="Плавский район")


def act(client, action: str, claims, **data):
    return client.post(CHANGELIST, {"action": action, ACTION_CHECKBOX_NAME: [c.pk for c in claims], **data})


def test_the_operator_sees_only_their_municipalitys_claims_suspended_first(plavsk):
    pending = ChildClaimFactory(municipality=plavsk, last_name="Ожидающий")
    suspended = claim_on(ChildFactory(municipality=plavsk), status=ChildClaim.Status.SUSPENDED)
    elsewhere = ChildClaimFactory(last_name="Чужой")
    client = operator_of(plavsk)

    page = client.get(CHANGELIST).content.decode()

    assert "Ожидающий" in page and "Чужой" not in page
    assert page.index(suspended.last_name) < page.index("Ожидающий")
    change = reverse("admin:certificates_childclaim_change", args=[elsewhere.pk])
    assert client.get(change).status_code in (302, 404)  # the admin redirects a missing object to the index
    own = client.get(reverse("admin:certificates_childclaim_change", args=[pending.pk]))
    assert own.status_code == 200 and 'name="_save"' not in own.content.decode()  # view-only
    assert (
        pending.snils
        not in client.get(reverse("admin:certificates_childclaim_change", args=[pending.pk])).content.decode()
    )


def test_confirming_asks_for_the_documents_then_links_the_parent(plavsk):
    child = ChildFactory(municipality=plavsk, parents=[])
    claim = claim_on(child, status=ChildClaim.Status.SUSPENDED)
    client = operator_of(plavsk)

    asked = act(client, "confirm_claims", [claim])
    assert asked.status_code == 200 and 'name="reason"' in asked.content.decode()
    claim.refresh_from_db()
    assert claim.status == ChildClaim.Status.SUSPENDED  # nothing happens before the confirmation

    without_reason = act(client, "confirm_claims", [claim], apply="1", reason="")
    assert without_reason.status_code == 200
    done = act(client, "confirm_claims", [claim], apply="1", reason="Свидетельство о рождении")

    assert done.status_code == 302
    claim.refresh_from_db()
    assert claim.status == ChildClaim.Status.CONFIRMED
    assert ParentLink.objects.get(user=claim.user, child=child).confirmation == ParentLink.Confirmation.MUNICIPAL


def test_rejecting_with_a_reason(plavsk):
    claim = ChildClaimFactory(municipality=plavsk)
    client = operator_of(plavsk)

    act(client, "reject_claims", [claim], apply="1", reason="Документы не представлены.")

    claim.refresh_from_db()
    assert (claim.status, claim.reason) == (ChildClaim.Status.REJECTED, "Документы не представлены.")


def test_another_municipalitys_claim_cannot_be_decided_by_posting_its_id(plavsk):
    elsewhere = ChildClaimFactory()
    client = operator_of(plavsk)

    act(client, "reject_claims", [elsewhere], apply="1", reason="Нет.")

    elsewhere.refresh_from_db()
    assert elsewhere.status == ChildClaim.Status.PENDING


def test_a_claim_cannot_be_edited_by_a_form_post(plavsk):
    claim = ChildClaimFactory(municipality=plavsk)
    client = operator_of(plavsk)

    client.post(
        reverse("admin:certificates_childclaim_change", args=[claim.pk]), {"status": "CONFIRMED", "reason": "x"}
    )

    claim.refresh_from_db()
    assert (claim.status, claim.reason) == (ChildClaim.Status.PENDING, "")
