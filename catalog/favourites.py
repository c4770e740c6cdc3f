"""Favourites (избранное): a parent's bookmarked programs. Adding and removing are idempotent, so a
double tap or a repeated POST never flips the state back."""

from __future__ import annotations

from catalog.models import Favourite, Program


def favourite_add(*, user, program: Program) -> bool:
    """Keep `program` in the user's favourites; True when it was not there yet."""
    _favourite, created = Favourite.objects.get_or_create(user=user, program=program)
    return created


def favourite_remove(*, user, program_id: int) -> bool:
    """Drop the program from the user's favourites; True when it was there."""
    deleted, _by_model = Favourite.objects.filter(user=user, program_id=program_id).delete()
    return deleted > 0
