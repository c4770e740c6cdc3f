"""Where the demo region's venues are on the map: a point inside the venue's town.

The centres are the administrative centres of demo.places (rounded to about 100 m) with a radius that
keeps points in the built-up area. A venue's point is derived from its address alone (a hash, not the
generator's random stream), so the same address is always the same building, every program a provider
runs at its own address shares one marker, and adding coordinates changed no other generated value.
"""

from __future__ import annotations

import hashlib
import math
from decimal import Decimal

from demo.places import Place

# Place code → (latitude, longitude, radius in km) of the administrative centre.
TOWN_CENTRES: dict[str, tuple[float, float, float]] = {
    "01": (54.193, 37.617, 6.0),  # Тула
    "02": (54.011, 38.291, 4.0),  # Новомосковск
    "03": (54.503, 37.067, 3.0),  # Алексин
    "04": (53.968, 38.337, 3.0),  # Донской
    "05": (53.146, 38.121, 3.0),  # Ефремов
    "06": (53.824, 36.715, 0.8),  # Славный
    "07": (53.734, 36.667, 1.5),  # Арсеньево
    "08": (53.810, 36.135, 2.0),  # Белёв
    "09": (53.771, 38.123, 3.0),  # Богородицк
    "10": (54.354, 38.264, 2.0),  # Венёв
    "11": (53.563, 38.005, 1.5),  # Волово
    "12": (54.117, 36.967, 1.5),  # Дубна
    "13": (54.733, 37.400, 1.5),  # Заокский
    "14": (53.387, 37.929, 1.2),  # Архангельское
    "15": (53.970, 38.536, 2.5),  # Кимовск
    "16": (53.933, 37.922, 2.5),  # Киреевск
    "17": (53.424, 38.656, 1.5),  # Куркино
    "18": (53.939, 36.684, 1.5),  # Одоев
    "19": (53.708, 37.286, 2.0),  # Плавск
    "20": (54.130, 36.490, 2.0),  # Суворов
    "21": (53.600, 37.590, 1.5),  # Тёплое
    "22": (53.975, 38.170, 3.0),  # Узловая
    "23": (53.453, 36.910, 1.5),  # Чернь
    "24": (54.005, 37.517, 3.0),  # Щёкино
    "25": (54.480, 37.697, 2.0),  # Ясногорск
}
KM_PER_DEGREE = 111.32
PLACES = Decimal("0.000001")


def venue_point(place: Place, address: str) -> tuple[Decimal, Decimal]:
    """A point (latitude, longitude) uniformly inside the town's circle, fixed by the address."""
    lat, lon, radius = TOWN_CENTRES[place.code]
    digest = hashlib.sha256(address.encode()).digest()
    u = int.from_bytes(digest[:8], "big") / 2**64
    v = int.from_bytes(digest[8:16], "big") / 2**64
    distance, angle = radius * math.sqrt(u), 2 * math.pi * v
    d_lat = distance * math.cos(angle) / KM_PER_DEGREE
    d_lon = distance * math.sin(angle) / (KM_PER_DEGREE * math.cos(math.radians(lat)))
    return Decimal(lat + d_lat).quantize(PLACES), Decimal(lon + d_lon).quantize(PLACES)
