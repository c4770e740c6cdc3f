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


def test_every_migrated_periodic_task_is_declared_with_the_same_name_and_task():
    migrated = {name: row["task"] for name, row in _rows().items()}
    declared = {name: entry["task"] for name, entry in BEAT_SCHEDULE.items()}
    assert migrated.items() <= declared.items()


def test_beat_start_updates_the_migrated_rows_in_place_and_adds_the_new_jobs():
    """What DatabaseScheduler.update_from_dict does at beat start changes no migrated row (no job runs
    twice; the schedules, crontabs' time zone included, are the migrations' own) and adds each job
    declared since, once."""
    before = _rows()

    for _round in range(2):
        for name, entry in BEAT_SCHEDULE.items():
            DatabaseScheduler.Entry.from_entry(name, app=celery_app, **entry)

    after = _rows()
    assert {name: after[name] for name in before} == before
    assert {name: row["task"] for name, row in after.items()} == {n: e["task"] for n, e in BEAT_SCHEDULE.items()}
