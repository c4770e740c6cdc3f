"""config/beat.py declares every periodic job; beat syncs it by name into the rows the migrations made."""

import pytest
from django.conf import settings
from django_celery_beat.models import PeriodicTask
from django_celery_beat.schedulers import DatabaseScheduler

from config import celery_app
from config.beat import BEAT_SCHEDULE

pytestmark = pytest.mark.django_db

# django-celery-beat adds its own entry at beat start (result expiry); it is not ours to declare.
BUILT_IN = {"celery.backend_cleanup"}

FIELDS = ("name", "task", "interval_id", "crontab_id", "enabled", "args", "kwargs", "queue", "expire_seconds")


def _rows() -> dict[str, dict]:
    return {row["name"]: row for row in PeriodicTask.objects.exclude(name__in=BUILT_IN).values(*FIELDS)}


def test_settings_use_the_one_schedule():
    assert settings.CELERY_BEAT_SCHEDULE is BEAT_SCHEDULE
    assert celery_app.conf.beat_schedule == BEAT_SCHEDULE


def test_every_migrated_periodic_task_is_declared_with_the_same_name_and_task_and_vice_versa():
    migrated = {name: row["task"] for name, row in _rows().items()}
    declared = {name: entry["task"] for name, entry in BEAT_SCHEDULE.items()}
    assert migrated == declared


def test_beat_start_updates_the_migrated_rows_in_place():
    """What DatabaseScheduler.update_from_dict does at beat start changes no row and adds none: no job
    runs twice, and the schedules (including the crontabs' time zone) are the migrations' own."""
    before = _rows()

    for name, entry in BEAT_SCHEDULE.items():
        DatabaseScheduler.Entry.from_entry(name, app=celery_app, **entry)

    assert _rows() == before
