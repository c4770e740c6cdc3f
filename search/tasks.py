from celery import shared_task

from search.engine import index_programs, index_rebuild
from search.services import group_free_seats_refresh


@shared_task(name="search.group_free_seats_refresh")
def group_free_seats_refresh_task() -> int:
    return group_free_seats_refresh()


@shared_task(name="search.index_programs")
def index_programs_task(program_ids: list[int]) -> int:
    """Rewrite the programs' documents in the catalog's search index (from the triggers' outbox messages)."""
    return index_programs(program_ids)


@shared_task(name="search.index_rebuild")
def index_rebuild_task() -> int:
    """Rebuild the catalog's search index from scratch (nightly, and after a bulk load)."""
    return index_rebuild()
