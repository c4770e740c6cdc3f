from pathlib import Path

from django.db import migrations

# Frozen: SQL this migration has run is never edited; a change is a new migration (tests/test_migration_sql.py).
SQL_DIR = Path(__file__).resolve().parent / "sql"


class Migration(migrations.Migration):
    dependencies = [("certificates", "0002_initial")]

    operations = [
        migrations.RunSQL(
            sql=(SQL_DIR / "0003_ledger_triggers.sql").read_text(),
            reverse_sql=(SQL_DIR / "0003_ledger_triggers_reverse.sql").read_text(),
        ),
    ]
