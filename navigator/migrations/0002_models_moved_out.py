"""`navigator` is a door (the parent's pages) and keeps no models: enrollments moved to `enrollments`
(state only, tables renamed in enrollments 0002), favourites to `catalog` and notices to `notices`
(new tables with the rows copied, the old tables dropped here)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("navigator", "0001_initial"),
        ("billing", "0004_enrollment_moved"),
        ("catalog", "0010_favourite"),
        ("certificates", "0005_ledger_entry_without_enrollment"),
        ("enrollments", "0001_initial"),
        ("notices", "0001_initial"),
    ]

    operations = [
        migrations.DeleteModel(name="Notification"),
        migrations.DeleteModel(name="Favourite"),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="EnrollmentEvent"),
                migrations.DeleteModel(name="Enrollment"),
            ],
            database_operations=[],
        ),
    ]
