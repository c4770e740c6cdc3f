# Program.next_start, kept by triggers on catalog_group (sql/0006_program_next_start.sql), so that the
# catalog's start-date sort reads an index instead of a subquery per program (docs/benchmarks.md,
# "Catalog search").

from pathlib import Path

from django.db import migrations, models

# Frozen: SQL this migration has run is never edited; a change is a new migration (tests/test_migration_sql.py).
SQL_DIR = Path(__file__).resolve().parent / "sql"


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0005_program_catalog_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="program",
            name="next_start",
            field=models.DateField(editable=False, null=True),
        ),
        # Creates the functions and triggers and backfills every program.
        migrations.RunSQL(
            sql=(SQL_DIR / "0006_program_next_start.sql").read_text(),
            reverse_sql=(SQL_DIR / "0006_program_next_start_reverse.sql").read_text(),
        ),
        migrations.AddIndex(
            model_name="program",
            index=models.Index(
                models.OrderBy(models.F("next_start"), nulls_last=True),
                models.F("title"),
                models.F("id"),
                condition=models.Q(("status", "CERTIFIED")),
                name="program_catalog_next_start",
            ),
        ),
    ]
