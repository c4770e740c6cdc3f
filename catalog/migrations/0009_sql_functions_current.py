# Installs the catalog functions whose SQL was once edited in place after its migration had run
# (sql/0009_sql_functions_current.sql says which), so that databases migrated before those edits
# end up with the same definitions as fresh ones.

from pathlib import Path

from django.db import migrations

# Frozen: SQL this migration has run is never edited; a change is a new migration (tests/test_migration_sql.py).
SQL_DIR = Path(__file__).resolve().parent / "sql"


class Migration(migrations.Migration):
    dependencies = [("catalog", "0008_listing")]

    operations = [
        migrations.RunSQL(
            sql=(SQL_DIR / "0009_sql_functions_current.sql").read_text(encoding="utf-8"),
            reverse_sql=(SQL_DIR / "0009_sql_functions_current_reverse.sql").read_text(encoding="utf-8"),
        ),
    ]
