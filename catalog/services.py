"""Catalog writes that are not plain admin edits."""

from django.db import connection


def search_vocabulary_refresh() -> int:
    """Add new words of program titles, activity types and descriptions to the typo vocabulary.

    Run nightly by Celery beat and after bulk loads; returns how many words were added.
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT catalog_search_words_refresh()")
        return cursor.fetchone()[0]


def program_next_start_refresh() -> int:
    """Recompute every program's `next_start` (groups end with time; triggers cover only group writes).

    Run nightly by Celery beat and after bulk loads; returns how many programs changed.
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT catalog_program_next_start_refresh()")
        return cursor.fetchone()[0]
