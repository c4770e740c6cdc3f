"""The catalog's results map: the venues of the programs on the page, for static/js/map.js."""

from __future__ import annotations

from django import template
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from catalog.models import Program

register = template.Library()


@register.simple_tag
def map_venues(programs: list[Program]) -> list[dict]:
    """Usage: {% map_venues listing.items as venues %}{{ venues|json_script:"catalog-map-data" }}.

    One entry per venue (programs at the same point share a marker, as they share the building), in the
    page's order; programs without coordinates (distance learning, not yet placed) are left out. No query:
    the programs are the page's rows already loaded."""
    venues: dict[tuple[str, str], dict] = {}
    for program in programs:
        if program.venue_latitude is None or program.venue_longitude is None:
            continue
        key = (str(program.venue_latitude), str(program.venue_longitude))
        venue = venues.setdefault(
            key,
            {
                "lat": float(program.venue_latitude),
                "lon": float(program.venue_longitude),
                "address": program.venue_address or program.provider.address,
                "programs": [],
            },
        )
        distance = getattr(program, "distance_km", None)
        venue["programs"].append(
            {
                "title": program.title,
                "url": reverse("program", args=[program.pk]),
                "distance": None if distance is None else round(distance, 1),
            }
        )
    return list(venues.values())


@register.filter
def distance(km: float | None) -> str:
    """«350 м», «4,2 км», «37 км» (in the language's number format)."""
    if km is None or km == "":
        return ""
    km = float(km)
    if km < 1:
        return _("%(metres)s м") % {"metres": number_format(max(10, round(km * 100) * 10))}
    if km < 10:
        return _("%(km)s км") % {"km": number_format(round(km, 1), 1)}
    return _("%(km)s км") % {"km": number_format(round(km))}
