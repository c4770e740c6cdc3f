# The catalog reads one table: listed, municipality and schedule_mask on catalog_program and the facet
# cells, kept by triggers (sql/0008_listing.sql, which also takes over next_start from
# sql/0006_program_next_start.sql).
# docs/benchmarks.md, "Catalog search".

from pathlib import Path

import django.db.models.deletion
from django.db import migrations, models

# Frozen: SQL this migration has run is never edited; a change is a new migration (tests/test_migration_sql.py).
SQL_DIR = Path(__file__).resolve().parent / "sql"
OLD_TASK, NEW_TASK = "catalog.program_next_start_refresh", "catalog.program_open_groups_refresh"


def rename_task(old, new, name):
    def rename(apps, schema_editor):
        apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(task=old).update(task=new, name=name)

    return rename


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0007_next_start_schedule"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        migrations.CreateModel(
            name="FacetCell",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "funding",
                    models.CharField(
                        choices=[
                            ("FREE", "Бесплатно (бюджетное место)"),
                            ("CERTIFICATE", "Оплата сертификатом"),
                            ("PAID", "Платно (за счёт родителей)"),
                        ],
                        max_length=16,
                    ),
                ),
                ("special_needs", models.BooleanField()),
                ("age_min", models.PositiveSmallIntegerField()),
                ("age_max", models.PositiveSmallIntegerField()),
                ("programs", models.IntegerField()),
            ],
            options={
                "verbose_name": "ячейка счётчиков каталога",
                "verbose_name_plural": "счётчики каталога",
            },
        ),
        migrations.RemoveIndex(
            model_name="program",
            name="program_catalog_title",
        ),
        migrations.RemoveIndex(
            model_name="program",
            name="program_catalog_rating",
        ),
        migrations.RemoveIndex(
            model_name="program",
            name="program_catalog_facets",
        ),
        migrations.RemoveIndex(
            model_name="program",
            name="program_catalog_next_start",
        ),
        migrations.AddField(
            model_name="program",
            name="listed",
            field=models.BooleanField(db_default=False, default=False, editable=False),
        ),
        migrations.AddField(
            model_name="program",
            name="municipality",
            field=models.ForeignKey(
                db_index=False,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="catalog.municipality",
            ),
        ),
        migrations.AddField(
            model_name="program",
            name="schedule_mask",
            field=models.IntegerField(db_default=0, default=0, editable=False),
        ),
        migrations.AddField(
            model_name="facetcell",
            name="direction",
            field=models.ForeignKey(
                db_index=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name="+", to="catalog.direction"
            ),
        ),
        migrations.AddField(
            model_name="facetcell",
            name="municipality",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="catalog.municipality",
            ),
        ),
        migrations.AddConstraint(
            model_name="facetcell",
            constraint=models.UniqueConstraint(
                fields=("direction", "municipality", "funding", "special_needs", "age_min", "age_max"),
                name="facetcell_one_per_combination",
            ),
        ),
        migrations.AddConstraint(
            model_name="facetcell",
            constraint=models.CheckConstraint(
                condition=models.Q(("programs__gte", 0)), name="facetcell_programs_not_negative"
            ),
        ),
        # Functions, triggers and the backfill, before the new indexes are built over the filled columns.
        migrations.RunSQL(
            sql=(SQL_DIR / "0008_listing.sql").read_text(),
            # The drops and then the next_start functions as this migration first ran them (frozen copy).
            reverse_sql=(SQL_DIR / "0008_listing_reverse.sql").read_text(),
        ),
        migrations.RunPython(
            rename_task(OLD_TASK, NEW_TASK, "Каталог: открытые группы программ (даты начала, расписание)"),
            rename_task(NEW_TASK, OLD_TASK, "Каталог: ближайшие даты начала программ"),
        ),
        migrations.AddIndex(
            model_name="program",
            index=models.Index(
                condition=models.Q(("listed", True)), fields=["title", "id"], name="program_listed_title"
            ),
        ),
        migrations.AddIndex(
            model_name="program",
            index=models.Index(
                models.OrderBy(models.F("rating"), descending=True, nulls_last=True),
                models.OrderBy(models.F("rating_count"), descending=True),
                models.F("title"),
                models.F("id"),
                condition=models.Q(("listed", True)),
                name="program_listed_rating",
            ),
        ),
        migrations.AddIndex(
            model_name="program",
            index=models.Index(
                models.OrderBy(models.F("next_start"), nulls_last=True),
                models.F("title"),
                models.F("id"),
                condition=models.Q(("listed", True)),
                name="program_listed_next_start",
            ),
        ),
        migrations.AddIndex(
            model_name="program",
            index=models.Index(
                condition=models.Q(("listed", True)),
                fields=["direction", "municipality", "funding"],
                include=("age_min", "age_max", "special_needs", "schedule_mask", "id"),
                name="program_listed_facets",
            ),
        ),
    ]
