from pathlib import Path

from django.db import migrations

SQL_DIR = Path(__file__).resolve().parent.parent / "sql"


class Migration(migrations.Migration):
    dependencies = [("certificates", "0002_initial")]

    operations = [
        migrations.RunSQL(
            sql=(SQL_DIR / "ledger.sql").read_text(),
            reverse_sql=(SQL_DIR / "ledger_drop.sql").read_text(),
        ),
    ]
