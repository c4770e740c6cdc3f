"""Reads for the parent-facing catalog pages that catalog.search does not cover: a provider's page and
a parent's favourites. Both list programs exactly as the search results do (same visibility, same
related rows, the nearest start date), so one card template serves every list."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, QuerySet, Subquery

from catalog.models import Program, Provider
from catalog.search import visible_programs
from navigator.models import Favourite


def _program_cards(programs: QuerySet[Program]) -> QuerySet[Program]:
    # next_start is a stored column (catalog/sql/next_start.sql), as in the search results.
    return programs.select_related("provider__municipality", "direction")


def visible_providers() -> QuerySet[Provider]:
    """Providers the catalog may show (approved ones), with their municipality."""
    return Provider.objects.filter(status=Provider.Status.APPROVED).select_related("municipality")


def provider_programs(*, provider: Provider) -> QuerySet[Program]:
    """The provider's visible programs, alphabetically."""
    return _program_cards(visible_programs().filter(provider=provider)).order_by("title", "pk")


def favourite_programs(*, user) -> QuerySet[Program]:
    """The user's favourite programs that the catalog still shows, most recently added first."""
    favourites = Favourite.objects.filter(user=user, program=OuterRef("pk"))
    added = favourites.values("created_at")[:1]
    return (
        _program_cards(visible_programs().filter(Exists(favourites)))
        .annotate(favourite_added=Subquery(added))
        .order_by("-favourite_added", "pk")
    )


def favourite_exists(*, user, program_id: int) -> bool:
    return user.is_authenticated and Favourite.objects.filter(user=user, program_id=program_id).exists()
