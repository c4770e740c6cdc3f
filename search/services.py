"""Search writes: the facts the database keeps for the catalog's search, recomputed where the date moves them."""

from django.db import connection


def group_free_seats_refresh() -> int:
    """Recompute every group's GroupFreeSeats row (groups end and terminations take effect with the
    date; the triggers of search/migrations/sql/0001_group_free_seats.sql cover only writes).

    Run nightly by Celery beat and after bulk loads; returns how many rows changed.
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT search_group_free_refresh()")
        return cursor.fetchone()[0]
