"""Row locks wait at most LOCK_TIMEOUT_MS, then answer "busy, try again": against a real second
transaction holding the lock, and through the API door as a 409 with Retry-After."""

import threading

import pytest
from django.db import connection, transaction
from rest_framework.test import APIRequestFactory

from api.errors import exception_handler
from catalog.models import Group
from core.errors import Busy
from core.locking import lock_one
from tests.catalog.factories import GroupFactory


def _hold_lock(group_id, locked, release):
    try:
        with transaction.atomic():
            list(Group.objects.select_for_update().filter(pk=group_id))
            locked.set()
            release.wait(timeout=30)
    finally:
        connection.close()


@pytest.mark.django_db(transaction=True)
def test_a_lock_held_elsewhere_becomes_busy_after_the_timeout(settings):
    settings.LOCK_TIMEOUT_MS = 200
    group = GroupFactory()
    locked, release = threading.Event(), threading.Event()
    holder = threading.Thread(target=_hold_lock, args=(group.pk, locked, release))
    holder.start()
    try:
        assert locked.wait(timeout=30)
        with pytest.raises(Busy), transaction.atomic():
            lock_one(Group.objects.filter(pk=group.pk))
    finally:
        release.set()
        holder.join(timeout=30)

    with transaction.atomic():  # free again: the lock is granted at once
        assert lock_one(Group.objects.filter(pk=group.pk)).pk == group.pk


def test_locks_are_taken_only_inside_a_transaction():
    with pytest.raises(RuntimeError):
        lock_one(Group.objects.none())


def test_the_api_answers_busy_with_409_and_retry_after():
    request = APIRequestFactory().post("/api/v1/anything/")
    response = exception_handler(Busy("Повторите через несколько секунд."), {"request": request})

    assert response.status_code == 409
    assert response["Retry-After"] == "1"
    assert response.data == {"error": {"code": "busy", "message": "Повторите через несколько секунд.", "fields": {}}}
