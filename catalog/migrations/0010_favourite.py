"""Favourites move from `navigator` (a door) to the catalog: a new table, the rows copied over (and
back on reverse); navigator 0002 drops the old table."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0009_sql_functions_current"),
        ("navigator", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="Favourite",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="добавлено")),
                (
                    "program",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="catalog.program",
                        verbose_name="программа",
                    ),
                ),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="favourites",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="пользователь",
                    ),
                ),
            ],
            options={
                "verbose_name": "избранное",
                "verbose_name_plural": "избранное",
                "constraints": [
                    models.UniqueConstraint(fields=("user", "program"), name="favourite_once_per_user_program")
                ],
            },
        ),
        migrations.RunSQL(
            sql="""
                INSERT INTO catalog_favourite (user_id, program_id, created_at)
                SELECT user_id, program_id, created_at FROM navigator_favourite ORDER BY id
            """,
            reverse_sql="""
                INSERT INTO navigator_favourite (user_id, program_id, created_at)
                SELECT user_id, program_id, created_at FROM catalog_favourite ORDER BY id
            """,
        ),
    ]
