"""How far a program's venue is from a point, in SQL, for the catalog's distance sort and its cards.

A plain haversine over the two venue columns: at a region's scale (≈100,000 programs) computing it
for every matching row and sorting is a few milliseconds of the search, and it needs no extension
(earthdistance/cube, PostGIS) on the server. Programs without coordinates get NULL (sorted last).
"""

from __future__ import annotations

import math

from django.db.models import Case, F, FloatField, Value, When
from django.db.models.expressions import Combinable
from django.db.models.functions import ASin, Cast, Cos, Least, Power, Radians, Sin, Sqrt

# The mean Earth radius (IUGG), km.
EARTH_RADIUS_KM = 6371.0088


def _radians(column: str) -> Combinable:
    return Radians(Cast(F(column), FloatField()))


def distance_km(latitude: float, longitude: float) -> Combinable:
    """Great-circle distance in km from (latitude, longitude) to the program's venue (NULL if unplaced)."""
    lat, lon = math.radians(latitude), math.radians(longitude)
    venue_lat, venue_lon = _radians("venue_latitude"), _radians("venue_longitude")
    half = Value(2.0)
    a = Power(Sin((venue_lat - Value(lat)) / half), 2) + Cos(venue_lat) * Value(math.cos(lat)) * Power(
        Sin((venue_lon - Value(lon)) / half), 2
    )
    # Rounding may take `a` a hair above 1 for antipodal points, where asin() would raise. LEAST() skips
    # NULLs (LEAST(NULL, 1) is 1), so an unplaced venue must be kept NULL explicitly, not a half-circle away.
    distance = Value(2 * EARTH_RADIUS_KM) * ASin(Sqrt(Least(a, Value(1.0))), output_field=FloatField())
    return Case(When(venue_latitude__isnull=False, venue_longitude__isnull=False, then=distance), default=None)
