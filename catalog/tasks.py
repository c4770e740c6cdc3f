from celery import shared_task

from catalog.services import program_next_start_refresh, search_vocabulary_refresh


@shared_task(name="catalog.search_vocabulary_refresh")
def search_vocabulary_refresh_task() -> int:
    return search_vocabulary_refresh()


@shared_task(name="catalog.program_next_start_refresh")
def program_next_start_refresh_task() -> int:
    return program_next_start_refresh()
