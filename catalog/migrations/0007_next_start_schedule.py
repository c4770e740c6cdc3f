from django.db import migrations


def schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    # Just after midnight: groups that ended yesterday stop counting as open today.
    after_midnight, _ = CrontabSchedule.objects.get_or_create(
        minute="5", hour="0", day_of_week="*", day_of_month="*", month_of_year="*", timezone="Europe/Moscow"
    )
    PeriodicTask.objects.update_or_create(
        name="Каталог: ближайшие даты начала программ",
        defaults={"task": "catalog.program_next_start_refresh", "crontab": after_midnight, "enabled": True},
    )


def unschedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(
        task="catalog.program_next_start_refresh"
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0006_program_next_start"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(schedule, unschedule)]
