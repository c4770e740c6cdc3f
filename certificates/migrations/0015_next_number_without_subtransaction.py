from pathlib import Path

from django.db import migrations

# Frozen: SQL this migration has run is never edited; a change is a new migration (tests/test_migration_sql.py).
SQL_DIR = Path(__file__).resolve().parent / "sql"


class Migration(migrations.Migration):
    dependencies = [
        ("certificates", "0014_debit_job_indexes"),
    ]

    operations = [
        migrations.RunSQL(
            sql=(SQL_DIR / "0015_next_number_without_subtransaction.sql").read_text(encoding="utf-8"),
            reverse_sql=(SQL_DIR / "0015_next_number_without_subtransaction_reverse.sql").read_text(encoding="utf-8"),
        ),
    ]
