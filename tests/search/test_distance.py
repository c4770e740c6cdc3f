"""The distance sort (search.selectors with search.distance): programs ordered by the great-circle distance
of their venue from a point, in PostgreSQL, with the distance on each result; unplaced programs last.
The same through the page's and the API's parameters."""

import math
from decimal import Decimal

import pytest
from django.http import QueryDict

from search.filters import CatalogFilter
from search.selectors import CatalogQuery, catalog_search
from tests.catalog.factories import ProgramFactory

pytestmark = pytest.mark.django_db

# Plavsk's centre; the venues around it (real towns of the region).
PLAVSK = (53.708, 37.286)
TOWNS = {
    "Плавск": (Decimal("53.709000"), Decimal("37.290000")),
    "Тула": (Decimal("54.193000"), Decimal("37.617000")),
    "Чернь": (Decimal("53.453000"), Decimal("36.910000")),
    "Ефремов": (Decimal("53.146000"), Decimal("38.121000")),
}


def haversine(a, b) -> float:
    (lat1, lon1), (lat2, lon2) = ((math.radians(float(x)), math.radians(float(y))) for x, y in (a, b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(h))


@pytest.fixture
def venues():
    # Created in an order that is neither the distance nor the title order.
    programs = {
        town: ProgramFactory(title=f"Кружок ({town})", venue_latitude=lat, venue_longitude=lon)
        for town, (lat, lon) in [
            ("Тула", TOWNS["Тула"]),
            ("Ефремов", TOWNS["Ефремов"]),
            ("Плавск", TOWNS["Плавск"]),
            ("Чернь", TOWNS["Чернь"]),
        ]
    }
    programs["онлайн"] = ProgramFactory(title="Кружок (онлайн)")  # no venue point
    return programs


def test_programs_come_nearest_first_with_their_distance_and_unplaced_ones_last(venues):
    results, facets = catalog_search(CatalogQuery(sort="distance", point=PLAVSK))

    rows = list(results)
    assert [p.title for p in rows] == [
        "Кружок (Плавск)",
        "Кружок (Чернь)",
        "Кружок (Тула)",
        "Кружок (Ефремов)",
        "Кружок (онлайн)",
    ]
    assert facets.total == 5
    for program in rows[:4]:
        expected = haversine(PLAVSK, (program.venue_latitude, program.venue_longitude))
        assert program.distance_km == pytest.approx(expected, abs=0.01)
    assert rows[4].distance_km is None


def test_another_point_gives_another_order(venues):
    tula = (54.2, 37.6)
    results, _ = catalog_search(CatalogQuery(sort="distance", point=tula))
    assert [p.title for p in results][:4] == [
        "Кружок (Тула)",
        "Кружок (Плавск)",
        "Кружок (Чернь)",
        "Кружок (Ефремов)",
    ]


def test_a_point_without_the_distance_sort_keeps_the_order_and_adds_the_distance(venues):
    results, _ = catalog_search(CatalogQuery(sort="relevance", point=PLAVSK))
    rows = list(results)
    assert [p.title for p in rows] == sorted(p.title for p in rows)
    assert all(hasattr(p, "distance_km") for p in rows)


def _filter(query: str) -> CatalogFilter:
    filterset = CatalogFilter(QueryDict(query))
    filterset.is_valid()
    return filterset


def test_the_parameters_need_both_coordinates_and_a_point_for_the_distance_sort():
    assert _filter("sort=distance&lat=53.708&lon=37.286").catalog_query().point == pytest.approx(PLAVSK)
    assert "sort" in _filter("sort=distance").form.errors
    assert "lon" in _filter("lat=53.7").form.errors
    assert "lat" in _filter("lon=37.2").form.errors
    assert "lat" in _filter("lat=91&lon=37.2").form.errors
    assert "lon" in _filter("lat=53&lon=-181").form.errors


def test_the_api_sorts_by_distance_and_shows_coordinates(client, venues):
    response = client.get("/api/v1/programs/", {"sort": "distance", "lat": "53.708", "lon": "37.286"})

    assert response.status_code == 200
    results = response.json()["results"]
    assert [r["title"] for r in results][:2] == ["Кружок (Плавск)", "Кружок (Чернь)"]
    assert results[0]["venue_latitude"] == "53.709000" and results[0]["venue_longitude"] == "37.290000"
    assert 0 < results[0]["distance_km"] < 1
    assert results[-1]["venue_latitude"] is None and results[-1]["distance_km"] is None

    refused = client.get("/api/v1/programs/", {"sort": "distance"})
    assert refused.status_code == 400
    assert "sort" in refused.json()["error"]["fields"]


def test_the_results_page_shows_the_distance_and_the_venues_for_the_map(client, venues):
    page = client.get("/catalog/", {"sort": "distance", "lat": "53.708", "lon": "37.286"}).content.decode()

    assert "км от точки" in page or "м от точки" in page
    assert 'id="catalog-map-data"' in page
    assert page.index("Кружок (Плавск)") < page.index("Кружок (Чернь)") < page.index("Кружок (Тула)")
