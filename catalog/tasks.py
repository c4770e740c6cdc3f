from celery import shared_task

from catalog.services import program_open_groups_refresh, search_vocabulary_refresh


@shared_task(name="catalog.search_vocabulary_refresh")
def search_vocabulary_refresh_task() -> int:
    return search_vocabulary_refresh()


@shared_task(name="catalog.program_open_groups_refresh")
def program_open_groups_refresh_task() -> int:
    return program_open_groups_refresh()
