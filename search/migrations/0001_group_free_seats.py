# «Only groups with free seats» from a trigger-kept row per open group with a seat left
# (sql/0001_group_free_seats.sql) instead of counting every candidate group's seats in each search.
# docs/benchmarks.md, «Catalog search».

from pathlib import Path

import django.db.models.deletion
from django.db import migrations, models

# Frozen: SQL this migration has run is never edited; a change is a new migration (tests/test_migration_sql.py).
SQL_DIR = Path(__file__).resolve().parent / "sql"


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("catalog", "0021_ratings"),
        ("enrollments", "0012_apply_answer"),
    ]

    operations = [
        migrations.CreateModel(
            name="GroupFreeSeats",
            fields=[
                (
                    "group",
                    models.OneToOneField(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        primary_key=True,
                        related_name="+",
                        serialize=False,
                        to="catalog.group",
                        verbose_name="группа",
                    ),
                ),
                ("free_bits", models.IntegerField(verbose_name="ячейки расписания")),
                (
                    "program",
                    models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="catalog.program",
                        verbose_name="программа",
                    ),
                ),
            ],
            options={
                "verbose_name": "группа со свободными местами",
                "verbose_name_plural": "группы со свободными местами",
                "indexes": [models.Index(fields=["program"], include=("free_bits",), name="group_free_seats_program")],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("free_bits__gte", 2097152), ("free_bits__lt", 4194304)),
                        name="group_free_bits_any_set",
                    )
                ],
            },
        ),
        migrations.RunSQL(
            sql=(SQL_DIR / "0001_group_free_seats.sql").read_text(encoding="utf-8"),
            reverse_sql=(SQL_DIR / "0001_group_free_seats_reverse.sql").read_text(encoding="utf-8"),
        ),
    ]
