"""The demo region's venues are on the map: every in-person program has a point inside its town's circle
(demo.geo), distance-learning ones have none, one address is one point, and the points are the same on
every load (derived from the address, not the generator's random stream)."""

from __future__ import annotations

import math

import pytest

from catalog.models import Program
from demo.geo import TOWN_CENTRES, venue_point
from demo.places import MUNICIPALITIES


def km(a, b) -> float:
    (lat1, lon1), (lat2, lon2) = ((math.radians(float(x)), math.radians(float(y))) for x, y in (a, b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(h))


@pytest.mark.django_db
@pytest.mark.usefixtures("small_region")
class TestDemoVenues:
    def test_in_person_programs_have_a_point_in_their_town(self):
        places = {place.name: place for place in MUNICIPALITIES}
        programs = Program.objects.select_related("provider__municipality")
        in_person = programs.exclude(form=Program.Form.DISTANCE)
        assert in_person.exists()
        assert not in_person.filter(venue_latitude__isnull=True).exists()
        assert not programs.filter(form=Program.Form.DISTANCE, venue_latitude__isnull=False).exists()
        for program in in_person:
            lat, lon, radius = TOWN_CENTRES[places[program.provider.municipality.name].code]
            assert km((lat, lon), (program.venue_latitude, program.venue_longitude)) <= radius + 0.01, program

    def test_one_address_is_one_point_on_every_load(self):
        points = {}
        for address, lat, lon in Program.objects.exclude(venue_latitude=None).values_list(
            "venue_address", "venue_latitude", "venue_longitude"
        ):
            assert points.setdefault(address, (lat, lon)) == (lat, lon)
        plavsk = next(place for place in MUNICIPALITIES if place.name == "Плавский район")
        assert venue_point(plavsk, "г. Плавск, ул. Победы, 5") == venue_point(plavsk, "г. Плавск, ул. Победы, 5")
        assert len(set(points.values())) > 50  # buildings all over the region, not one pin per town


def test_every_municipality_has_a_town_centre():
    assert {place.code for place in MUNICIPALITIES} == set(TOWN_CENTRES)
