from celery import shared_task

from catalog.services import search_vocabulary_refresh


@shared_task(name="catalog.search_vocabulary_refresh")
def search_vocabulary_refresh_task() -> int:
    return search_vocabulary_refresh()
