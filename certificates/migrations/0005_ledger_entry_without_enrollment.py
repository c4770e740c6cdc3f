"""The ledger no longer points up to enrollments: a contract's reserve rows point down to their ledger
entries (enrollments 0001 copied the existing links there), and charges point down to theirs."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("certificates", "0004_ledger_account_move_guard"),
        ("enrollments", "0001_initial"),
    ]

    operations = [
        migrations.RemoveField(model_name="ledgerentry", name="enrollment"),
    ]
