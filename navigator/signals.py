"""A user's cached catalog overlay (navigator.personal) goes out of date when their favourites or their
parent links change: they get a new generation at once and again when the transaction commits (a page
read in between, from the data before the commit, is then not kept either)."""

from __future__ import annotations

from django.db import transaction
from django.db.models.signals import post_delete, post_save

from catalog.models import Favourite
from certificates.models import ParentLink
from navigator.personal import new_generation


def _changed(sender, instance, **kwargs) -> None:
    users = [instance.user_id]
    new_generation(users)
    transaction.on_commit(lambda: new_generation(users))


def connect() -> None:
    for model in (Favourite, ParentLink):
        post_save.connect(_changed, sender=model, dispatch_uid=f"navigator-overlay-{model.__name__}-save")
        post_delete.connect(_changed, sender=model, dispatch_uid=f"navigator-overlay-{model.__name__}-delete")
