# Program.open_starts: the open groups' start dates as a multirange, kept by the open-groups trigger
# function (sql/0022_program_open_starts.sql) for the catalog's child filter, and in the covering index of
# the facet counts so that the filter reads the index alone. docs/benchmarks.md, «Search engine».

from pathlib import Path

import core.fields
from django.db import migrations, models

# Frozen: SQL this migration has run is never edited; a change is a new migration (tests/test_migration_sql.py).
SQL_DIR = Path(__file__).resolve().parent / "sql"


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0021_ratings"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="program",
            name="program_listed_facets",
        ),
        migrations.AddField(
            model_name="program",
            name="open_starts",
            field=core.fields.DateMultiRangeField(editable=False, null=True),
        ),
        migrations.AddIndex(
            model_name="program",
            index=models.Index(
                condition=models.Q(("listed", True)),
                fields=["direction", "municipality", "funding"],
                include=("age_min", "age_max", "special_needs", "schedule_mask", "open_starts", "id"),
                name="program_listed_facets",
            ),
        ),
        migrations.RunSQL(
            sql=(SQL_DIR / "0022_program_open_starts.sql").read_text(encoding="utf-8"),
            reverse_sql=(SQL_DIR / "0022_program_open_starts_reverse.sql").read_text(encoding="utf-8"),
        ),
    ]
