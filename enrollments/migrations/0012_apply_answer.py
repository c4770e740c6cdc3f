from pathlib import Path

from django.db import migrations

# Frozen: SQL this migration has run is never edited; a change is a new migration (tests/test_migration_sql.py).
SQL_DIR = Path(__file__).resolve().parent / "sql"


class Migration(migrations.Migration):
    dependencies = [
        ("enrollments", "0011_ratings"),
    ]

    operations = [
        migrations.RunSQL(
            sql=(SQL_DIR / "0012_apply_answer.sql").read_text(encoding="utf-8"),
            reverse_sql=(SQL_DIR / "0012_apply_answer_reverse.sql").read_text(encoding="utf-8"),
        ),
    ]
