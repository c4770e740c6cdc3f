from celery import shared_task

from search.services import group_free_seats_refresh


@shared_task(name="search.group_free_seats_refresh")
def group_free_seats_refresh_task() -> int:
    return group_free_seats_refresh()
