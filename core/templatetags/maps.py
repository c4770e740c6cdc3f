"""Maps on any page (Leaflet, static/js/map.js): the settings a map element carries as data attributes.

Usage: <div id="…" {% map_attrs %}></div>. The tile URL comes from settings.MAP_TILE_URL: empty, the
script adds no tile layer and the browser requests no tiles.
"""

from __future__ import annotations

from django import template
from django.conf import settings
from django.utils.html import format_html

register = template.Library()


@register.simple_tag
def map_attrs() -> str:
    lat, lon = settings.MAP_CENTER
    return format_html(
        'data-tile-url="{}" data-tile-attribution="{}" data-center-lat="{}" data-center-lon="{}" data-zoom="{}"',
        settings.MAP_TILE_URL,
        settings.MAP_TILE_ATTRIBUTION,
        lat,
        lon,
        settings.MAP_ZOOM,
    )


@register.simple_tag
def geocoder_url() -> str:
    """The Nominatim-compatible search endpoint for typed addresses, or "" when none is configured."""
    return settings.GEOCODER_URL
