"""ParentLink holds confirmed links only (0010 moved the unconfirmed ones to ChildClaim): the «not
confirmed» choice and its empty default go, the date is required, and a CHECK refuses anything else.
A separate migration from 0010, so that the data it moved is committed before the table is altered."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("certificates", "0010_child_claims")]

    operations = [
        migrations.AlterField(
            model_name="parentlink",
            name="confirmation",
            field=models.CharField(
                choices=[("ESIA", "Госуслуги"), ("MUNICIPAL", "муниципальный оператор")],
                max_length=16,
                verbose_name="подтверждение",
            ),
        ),
        migrations.AlterField(
            model_name="parentlink",
            name="confirmed_at",
            field=models.DateTimeField(verbose_name="подтверждена"),
        ),
        migrations.AddConstraint(
            model_name="parentlink",
            constraint=models.CheckConstraint(
                condition=models.Q(("confirmation__in", ["ESIA", "MUNICIPAL"])), name="parent_link_confirmed"
            ),
        ),
    ]
