"""A program's venue coordinates: the database refuses a point off the globe or half a point, whatever
the ORM would say; model validation tells the provider the same in words."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from catalog.models import Program
from tests.catalog.factories import ProgramFactory
from tests.db import refused

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("latitude", "longitude"),
    [
        (Decimal("90.000001"), Decimal("37.6")),
        (Decimal("-90.000001"), Decimal("37.6")),
        (Decimal("54.2"), Decimal("180.000001")),
        (Decimal("54.2"), Decimal("-180.000001")),
        (Decimal("54.2"), None),
        (None, Decimal("37.6")),
    ],
    ids=["north-of-the-pole", "south-of-the-pole", "east-of-180", "west-of-180", "latitude-alone", "longitude-alone"],
)
def test_the_database_refuses_an_impossible_venue_point(latitude, longitude):
    program = ProgramFactory()
    with refused("program_venue_coordinates"):
        Program.objects.filter(pk=program.pk).update(venue_latitude=latitude, venue_longitude=longitude)


@pytest.mark.parametrize(
    ("latitude", "longitude"),
    [
        (None, None),
        (Decimal("90"), Decimal("180")),
        (Decimal("-90"), Decimal("-180")),
        (Decimal("53.708123"), Decimal("37.286456")),
    ],
)
def test_a_point_on_the_globe_or_none_is_kept(latitude, longitude):
    program = ProgramFactory()
    Program.objects.filter(pk=program.pk).update(venue_latitude=latitude, venue_longitude=longitude)
    program.refresh_from_db()
    assert (program.venue_latitude, program.venue_longitude) == (latitude, longitude)


def test_model_validation_names_the_fields():
    program = ProgramFactory.build(venue_latitude=Decimal("91"), venue_longitude=Decimal("37.6"))
    with pytest.raises(ValidationError) as error:
        program.full_clean(exclude=["provider", "direction", "cover", "revision"])
    assert "venue_latitude" in error.value.message_dict

    half = ProgramFactory.build(venue_latitude=Decimal("54.2"), venue_longitude=None)
    with pytest.raises(ValidationError, match="широту и долготу вместе"):
        half.full_clean(exclude=["provider", "direction", "cover", "revision"])
