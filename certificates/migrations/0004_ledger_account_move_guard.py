# The account totals guard also refuses moving an account to another certificate or period. This edit
# was once made to 0003's SQL in place, which databases migrated before it never received.

from pathlib import Path

from django.db import migrations

# Frozen: SQL this migration has run is never edited; a change is a new migration (tests/test_migration_sql.py).
SQL_DIR = Path(__file__).resolve().parent / "sql"


class Migration(migrations.Migration):
    dependencies = [("certificates", "0003_ledger_triggers")]

    operations = [
        migrations.RunSQL(
            sql=(SQL_DIR / "0004_ledger_account_move_guard.sql").read_text(encoding="utf-8"),
            reverse_sql=(SQL_DIR / "0004_ledger_account_move_guard_reverse.sql").read_text(encoding="utf-8"),
        ),
    ]
