"""A parent's link to a child becomes a model of its own (ParentLink), to know whether it is
confirmed (by Gosuslugi or by municipal staff) or only typed in by hand.

The many-to-many table stays: Django's state takes it over as the through model, then the table gets
its new columns and this app's name. No existing link is confirmed here: a link was recorded the same
way whether Gosuslugi or a person's typing made it, so each parent's links are confirmed again at their
next Gosuslugi sign-in (esia.services.import_children), and by municipal staff otherwise.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("certificates", "0005_ledger_entry_without_enrollment"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="ParentLink",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        (
                            "child",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="parent_links",
                                to="certificates.child",
                                verbose_name="ребёнок",
                            ),
                        ),
                        (
                            "user",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="child_links",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="родитель",
                            ),
                        ),
                    ],
                    options={"db_table": "certificates_child_parents"},
                ),
                migrations.AlterField(
                    model_name="child",
                    name="parents",
                    field=models.ManyToManyField(
                        related_name="children",
                        through="certificates.ParentLink",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="родители",
                    ),
                ),
            ],
            database_operations=[],
        ),
        migrations.AddField(
            model_name="parentlink",
            name="confirmation",
            field=models.CharField(
                blank=True,
                choices=[("", "не подтверждена"), ("ESIA", "Госуслуги"), ("MUNICIPAL", "муниципальный оператор")],
                db_default="",
                default="",
                max_length=16,
                verbose_name="подтверждение",
            ),
        ),
        migrations.AddField(
            model_name="parentlink",
            name="confirmed_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="подтверждена"),
        ),
        migrations.AlterModelTable(name="parentlink", table=None),
        migrations.AlterModelOptions(
            name="parentlink",
            options={"verbose_name": "связь родителя с ребёнком", "verbose_name_plural": "связи родителей с детьми"},
        ),
        migrations.AddConstraint(
            model_name="parentlink",
            constraint=models.UniqueConstraint(fields=("child", "user"), name="parent_link_once"),
        ),
        migrations.AddConstraint(
            model_name="parentlink",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("confirmation", ""), ("confirmed_at__isnull", True)),
                    models.Q(models.Q(("confirmation", ""), _negated=True), ("confirmed_at__isnull", False)),
                    _connector="OR",
                ),
                name="parent_link_confirmed_has_date",
            ),
        ),
    ]
