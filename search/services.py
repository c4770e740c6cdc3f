"""Search writes: the facts the database keeps for the catalog's search, recomputed where the date moves them."""

from django.db import connection, transaction

# Groups recomputed per transaction by the nightly refresh: each batch holds its groups' locks for a
# few tens of milliseconds, well under an application's lock_timeout.
REFRESH_BATCH = 2000


def group_free_seats_refresh(batch: int = REFRESH_BATCH) -> int:
    """Recompute every group's GroupFreeSeats row (groups end and terminations take effect with the
    date; the triggers of search/migrations/sql/0001_group_free_seats.sql cover only writes), in
    batches of `batch` groups by id, one transaction each; then drop the rows of groups that are gone.

    Run nightly by Celery beat and after bulk loads; returns how many rows changed.
    """
    changed, last_id = 0, 0
    while True:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT id FROM catalog_group WHERE id > %s ORDER BY id LIMIT %s", [last_id, batch])
            ids = [row[0] for row in cursor.fetchall()]
            if not ids:
                break
            cursor.execute("SELECT search_group_free_update(%s::bigint[])", [ids])
            changed += cursor.fetchone()[0]
            last_id = ids[-1]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT search_group_free_update(ARRAY(SELECT f.group_id FROM search_groupfreeseats f"
            " WHERE NOT EXISTS (SELECT 1 FROM catalog_group g WHERE g.id = f.group_id)))"
        )
        changed += cursor.fetchone()[0]
    return changed
