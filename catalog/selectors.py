"""Reads of the catalog that do not search (selectors: reads; the search is in search.selectors).

A provider's page and a user's favourites list programs exactly as the search results do (same
visibility, same related rows, the stored nearest start date), so one card template serves every list.
"""

from __future__ import annotations

from datetime import date

from django.db.models import Exists, OuterRef, QuerySet, Subquery
from django.utils import timezone

from catalog.models import Favourite, Group, Program, Provider


def visible_programs() -> QuerySet[Program]:
    """What the catalog may show: certified programs of approved providers (`listed`, kept by triggers)."""
    return Program.objects.filter(listed=True)


def open_groups(on: date | None = None) -> QuerySet[Group]:
    """Groups a parent can still apply to."""
    return Group.objects.filter(enrollment_open=True, end_date__gte=on or timezone.localdate())


def _program_cards(programs: QuerySet[Program]) -> QuerySet[Program]:
    # next_start is a stored column (catalog/migrations/sql/0008_listing.sql), as in the search results.
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


def provider_groups(*, provider_id: int) -> QuerySet[Group]:
    """A provider's groups, every program's, by program title and group name, with the program and the
    weekly schedule (two queries)."""
    return (
        Group.objects.filter(program__provider_id=provider_id)
        .select_related("program")
        .prefetch_related("schedule")
        .order_by("program__title", "name", "pk")
    )
