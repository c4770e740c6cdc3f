"""Catalog writes that are not plain admin edits."""

from django.core.cache import cache
from django.db import connection, transaction


def search_vocabulary_refresh() -> int:
    """Add new words of program titles, activity types and descriptions to the typo vocabulary.

    Run nightly by Celery beat and after bulk loads; returns how many words were added.
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT catalog_search_words_refresh()")
        return cursor.fetchone()[0]


def program_open_groups_refresh() -> int:
    """Recompute every program's `next_start` and `schedule_mask` from its open groups (groups end with
    time; the triggers of migrations/sql/0008_listing.sql cover only writes).

    Run nightly by Celery beat and after bulk loads; returns how many programs changed.
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT catalog_program_open_groups_refresh()")
        return cursor.fetchone()[0]


def search_synonyms_changed(**kwargs) -> None:
    """Drop the search's cached synonym dictionary (search.words) after a SearchSynonym is saved or
    deleted: at once, so the same request sees the change, and again after the commit, so that a search
    that cached the old rows meanwhile is not kept."""
    from catalog.models import SearchSynonym

    cache.delete(SearchSynonym.CACHE_KEY)
    transaction.on_commit(lambda: cache.delete(SearchSynonym.CACHE_KEY))
