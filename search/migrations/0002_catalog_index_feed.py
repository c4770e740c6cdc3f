# The catalog's search index (search.engine) fed through the outbox by triggers
# (sql/0002_catalog_index_feed.sql); docs/benchmarks.md, «Search engine».

from pathlib import Path

from django.db import migrations, models

# Frozen: SQL this migration has run is never edited; a change is a new migration (tests/test_migration_sql.py).
SQL_DIR = Path(__file__).resolve().parent / "sql"


class Migration(migrations.Migration):
    dependencies = [
        ("search", "0001_group_free_seats"),
        ("catalog", "0022_program_open_starts"),
        ("core", "0005_idempotency"),
    ]

    operations = [
        migrations.CreateModel(
            name="CatalogIndexFeed",
            fields=[
                ("id", models.PositiveSmallIntegerField(default=1, primary_key=True, serialize=False)),
                ("switched_on_at", models.DateTimeField(verbose_name="включено")),
            ],
            options={
                "verbose_name": "обновление поискового индекса",
                "verbose_name_plural": "обновление поискового индекса",
                "constraints": [
                    models.CheckConstraint(condition=models.Q(("id", 1)), name="catalog_index_feed_single_row")
                ],
            },
        ),
        migrations.RunSQL(
            sql=(SQL_DIR / "0002_catalog_index_feed.sql").read_text(encoding="utf-8"),
            reverse_sql=(SQL_DIR / "0002_catalog_index_feed_reverse.sql").read_text(encoding="utf-8"),
        ),
    ]
