from pathlib import Path

from django.db import migrations

# Frozen: SQL this migration has run is never edited; a change is a new migration (tests/test_migration_sql.py).
SQL_DIR = Path(__file__).resolve().parent / "sql"


class Migration(migrations.Migration):
    dependencies = [("certificates", "0008_period_dispute_days")]

    operations = [
        migrations.RunSQL(
            sql=(SQL_DIR / "0009_ledger_apply_per_statement.sql").read_text(encoding="utf-8"),
            reverse_sql=(SQL_DIR / "0009_ledger_apply_per_statement_reverse.sql").read_text(encoding="utf-8"),
        ),
    ]
