"""The Enrollment model moved to the `enrollments` app (enrollments 0001): the foreign keys follow in
Django's state only; the database constraints already point at the same table."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0003_field_labels"),
        ("enrollments", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="attendancemark",
                    name="enrollment",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="marks",
                        to="enrollments.enrollment",
                        verbose_name="зачисление",
                    ),
                ),
                migrations.AlterField(
                    model_name="charge",
                    name="enrollment",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="charges",
                        to="enrollments.enrollment",
                        verbose_name="зачисление",
                    ),
                ),
            ],
            database_operations=[],
        ),
    ]
