from datetime import UTC, datetime

from django.db import migrations


def schedule_heartbeat(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every_minute, _ = IntervalSchedule.objects.get_or_create(every=60, period="seconds")
    PeriodicTask.objects.update_or_create(
        name="Пульс планировщика (healthz)",
        # A last run long ago makes the first tick due as soon as beat starts (not a minute later).
        defaults={
            "task": "core.beat_heartbeat",
            "interval": every_minute,
            "enabled": True,
            "last_run_at": datetime(2000, 1, 1, tzinfo=UTC),
        },
    )


def unschedule_heartbeat(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(task="core.beat_heartbeat").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(schedule_heartbeat, unschedule_heartbeat)]
