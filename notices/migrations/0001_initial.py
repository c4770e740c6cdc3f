"""Notices move from `navigator` (a door) to this app: a new table whose rows name their subject
(`enrollment:42`) instead of pointing up to an enrollment; the rows are copied over (and back on
reverse); navigator 0002 drops the old table."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("navigator", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="Notification",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("title", models.CharField(max_length=200, verbose_name="заголовок")),
                ("body", models.TextField(blank=True, verbose_name="текст")),
                ("subject", models.CharField(blank=True, max_length=100, verbose_name="о чём")),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="создано")),
                ("read_at", models.DateTimeField(blank=True, null=True, verbose_name="прочитано")),
                ("emailed_at", models.DateTimeField(blank=True, null=True, verbose_name="отправлено по почте")),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="notifications",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="получатель",
                    ),
                ),
            ],
            options={
                "verbose_name": "уведомление",
                "verbose_name_plural": "уведомления",
                "ordering": ["-created_at"],
                "indexes": [models.Index(fields=["user", "-created_at"], name="notification_user_created")],
            },
        ),
        migrations.RunSQL(
            sql="""
                INSERT INTO notices_notification (user_id, title, body, subject, created_at, read_at, emailed_at)
                SELECT user_id, title, body, coalesce('enrollment:' || enrollment_id, ''), created_at, read_at, emailed_at
                  FROM navigator_notification ORDER BY id
            """,
            reverse_sql="""
                INSERT INTO navigator_notification (user_id, title, body, enrollment_id, created_at, read_at, emailed_at)
                SELECT user_id, title, body,
                       CASE WHEN subject LIKE 'enrollment:%%' THEN substr(subject, 12)::bigint END,
                       created_at, read_at, emailed_at
                  FROM notices_notification ORDER BY id
            """,
        ),
    ]
