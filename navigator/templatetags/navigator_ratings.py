"""The program page's ratings (templates/navigator/catalog/_ratings.html), read where they are shown so
that the program view stays as it is."""

from __future__ import annotations

from django import template

from catalog.models import Program
from enrollments.ratings import program_published_ratings, program_score_means

register = template.Library()

# The newest published ratings shown on the program's page.
RATINGS_SHOWN = 20


@register.simple_tag
def program_ratings(program: Program) -> dict:
    """Usage: {% program_ratings program as ratings %}: `items` (the newest published ratings, with
    answers) and `means` (each score's mean). No query when the program has no published rating (its
    kept count says so), two otherwise."""
    if not program.rating_count:
        return {"items": [], "means": {}}
    return {
        "items": list(program_published_ratings(program_id=program.pk)[:RATINGS_SHOWN]),
        "means": program_score_means(program_id=program.pk),
    }
