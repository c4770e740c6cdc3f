"""The venue's point in the workplace's program form: typed (or filled by the map) coordinates are saved,
half a point or one off the globe is refused with the field, a certified program's moved venue waits for
certification like any other change, and the venue map is on the form."""

from decimal import Decimal

import pytest
from django.urls import reverse

from catalog.models import Program, RevisionStatus
from catalog.programs import program_certify
from tests.accounts.factories import MunicipalStaffFactory, ProviderStaffFactory
from tests.catalog.factories import ProgramFactory
from tests.navigator.cabinet import signed_in
from tests.workplace.test_programs import form_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager():
    return ProviderStaffFactory()


def test_the_form_saves_the_venue_point_and_shows_the_map(manager):
    client = signed_in(manager)
    page = client.get(reverse("workplace:program-new")).content.decode()
    assert 'id="venue-map"' in page and "js_lib_leaflet/leaflet.js" in page

    response = client.post(
        reverse("workplace:program-new"), form_data(venue_latitude="53.708123", venue_longitude="37.286456")
    )

    assert response.status_code == 302
    program = Program.objects.get(provider=manager.provider)
    assert program.venue_latitude == Decimal("53.708123")
    assert program.venue_longitude == Decimal("37.286456")
    edit = client.get(reverse("workplace:program-edit", args=[program.pk])).content.decode()
    assert 'value="53.708123"' in edit and 'value="37.286456"' in edit


@pytest.mark.parametrize(
    ("latitude", "longitude", "field"),
    [("91", "37.2", "venue_latitude"), ("53.7", "", None), ("53.7", "200", "venue_longitude")],
    ids=["latitude-off-the-globe", "half-a-point", "longitude-off-the-globe"],
)
def test_an_impossible_point_is_refused(manager, latitude, longitude, field):
    response = signed_in(manager).post(
        reverse("workplace:program-new"), form_data(venue_latitude=latitude, venue_longitude=longitude)
    )

    assert response.status_code == 200
    assert not Program.objects.exists()
    form = response.context["form"]
    if field:
        assert field in form.errors
    else:
        assert "широту и долготу вместе" in response.content.decode()


def test_a_certified_programs_new_venue_waits_for_certification(manager):
    program = ProgramFactory(provider=manager.provider, title="Шахматы")
    response = signed_in(manager).post(
        reverse("workplace:program-edit", args=[program.pk]),
        form_data(title="Шахматы", direction=program.direction_id, venue_latitude="53.7", venue_longitude="37.3"),
    )

    assert response.status_code == 302
    program.refresh_from_db()
    assert program.venue_latitude is None  # the listed version keeps its (no) point meanwhile
    assert program.revision_status == RevisionStatus.ON_REVIEW
    assert Decimal(program.revision["venue_latitude"]) == Decimal("53.7")

    program_certify(actor=MunicipalStaffFactory(municipality=manager.provider.municipality), program_id=program.pk)
    program.refresh_from_db()
    assert (program.venue_latitude, program.venue_longitude) == (Decimal("53.7"), Decimal("37.3"))
