from pathlib import Path

from django.db import migrations

# Frozen: SQL this migration has run is never edited; a change is a new migration (tests/test_migration_sql.py).
SQL_DIR = Path(__file__).resolve().parent / "sql"


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0012_program_cover_revision"),
        ("certificates", "0009_ledger_apply_per_statement"),
        ("core", "0005_idempotency"),
        ("notices", "0001_initial"),
        ("enrollments", "0008_terms_change_period"),
    ]

    operations = [
        migrations.RunSQL(
            sql=(SQL_DIR / "0009_apply_function.sql").read_text(encoding="utf-8"),
            reverse_sql=(SQL_DIR / "0009_apply_function_reverse.sql").read_text(encoding="utf-8"),
        ),
    ]
