"""The enrollment domain moves from `navigator` (a door) to this app.

The tables stay where they are for now: the models enter this app's state only (their database
tables keep their names until 0002 renames them), and the foreign keys of billing point here in their
own state-only migrations. A new table links a contract to its RESERVE and RELEASE ledger entries,
pointing down to the ledger, so that the ledger's column pointing up to enrollments can go
(certificates 0005); the existing links are copied into it first.
"""

import core.fields
import django.db.models.deletion
from decimal import Decimal
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("navigator", "0001_initial"),
        ("catalog", "0008_listing"),
        ("certificates", "0003_ledger_triggers"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Enrollment",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        (
                            "status",
                            models.CharField(
                                choices=[
                                    ("WAITING", "В листе ожидания"),
                                    ("SUBMITTED", "Заявка подана"),
                                    ("OFFERED", "Оферта направлена"),
                                    ("ACTIVE", "Договор действует"),
                                    ("TERMINATED", "Договор расторгнут"),
                                    ("REJECTED", "Заявка отклонена"),
                                    ("CANCELLED", "Отменена"),
                                    ("EXPIRED", "Срок истёк"),
                                ],
                                default="SUBMITTED",
                                max_length=16,
                                verbose_name="статус",
                            ),
                        ),
                        (
                            "lesson_price",
                            core.fields.MoneyField(
                                decimal_places=2,
                                default=Decimal("0.00"),
                                max_digits=12,
                                verbose_name="стоимость занятия по договору",
                            ),
                        ),
                        ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="подана")),
                        ("status_changed_at", models.DateTimeField(auto_now_add=True, verbose_name="статус изменён")),
                        ("expires_at", models.DateTimeField(blank=True, null=True, verbose_name="истекает")),
                        ("accepted_at", models.DateTimeField(blank=True, null=True, verbose_name="договор заключён")),
                        ("ends_on", models.DateField(blank=True, null=True, verbose_name="договор действует до")),
                        (
                            "applicant",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="applications",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="заявитель",
                            ),
                        ),
                        (
                            "certificate",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="enrollments",
                                to="certificates.certificate",
                                verbose_name="сертификат",
                            ),
                        ),
                        (
                            "child",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="enrollments",
                                to="certificates.child",
                                verbose_name="ребёнок",
                            ),
                        ),
                        (
                            "group",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="enrollments",
                                to="catalog.group",
                                verbose_name="группа",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "зачисление",
                        "verbose_name_plural": "зачисления",
                        "ordering": ["-created_at"],
                        "db_table": "navigator_enrollment",
                    },
                ),
                migrations.CreateModel(
                    name="EnrollmentEvent",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        (
                            "from_status",
                            models.CharField(
                                blank=True,
                                choices=[
                                    ("WAITING", "В листе ожидания"),
                                    ("SUBMITTED", "Заявка подана"),
                                    ("OFFERED", "Оферта направлена"),
                                    ("ACTIVE", "Договор действует"),
                                    ("TERMINATED", "Договор расторгнут"),
                                    ("REJECTED", "Заявка отклонена"),
                                    ("CANCELLED", "Отменена"),
                                    ("EXPIRED", "Срок истёк"),
                                ],
                                max_length=16,
                                verbose_name="из статуса",
                            ),
                        ),
                        (
                            "to_status",
                            models.CharField(
                                choices=[
                                    ("WAITING", "В листе ожидания"),
                                    ("SUBMITTED", "Заявка подана"),
                                    ("OFFERED", "Оферта направлена"),
                                    ("ACTIVE", "Договор действует"),
                                    ("TERMINATED", "Договор расторгнут"),
                                    ("REJECTED", "Заявка отклонена"),
                                    ("CANCELLED", "Отменена"),
                                    ("EXPIRED", "Срок истёк"),
                                ],
                                max_length=16,
                                verbose_name="в статус",
                            ),
                        ),
                        ("note", models.CharField(blank=True, max_length=500, verbose_name="комментарий")),
                        ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="когда")),
                        (
                            "actor",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="кто",
                            ),
                        ),
                        (
                            "enrollment",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="events",
                                to="enrollments.enrollment",
                                verbose_name="зачисление",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "событие зачисления",
                        "verbose_name_plural": "события зачислений",
                        "ordering": ["created_at", "id"],
                        "db_table": "navigator_enrollmentevent",
                    },
                ),
                migrations.AddIndex(
                    model_name="enrollment",
                    index=models.Index(fields=["group", "status"], name="navigator_e_group_i_a0b376_idx"),
                ),
                migrations.AddIndex(
                    model_name="enrollment",
                    index=models.Index(fields=["status", "expires_at"], name="navigator_e_status_a2227b_idx"),
                ),
                migrations.AddConstraint(
                    model_name="enrollment",
                    constraint=models.UniqueConstraint(
                        condition=models.Q(("status__in", ("WAITING", "SUBMITTED", "OFFERED", "ACTIVE"))),
                        fields=("child", "group"),
                        name="enrollment_one_live_per_child_group",
                    ),
                ),
                migrations.AddConstraint(
                    model_name="enrollment",
                    constraint=models.CheckConstraint(
                        condition=models.Q(("lesson_price__gte", 0)), name="enrollment_price_not_negative"
                    ),
                ),
                migrations.AddConstraint(
                    model_name="enrollment",
                    constraint=models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("status", "ACTIVE"), _negated=True),
                            ("accepted_at__isnull", False),
                            _connector="OR",
                        ),
                        name="enrollment_active_was_accepted",
                    ),
                ),
            ],
            database_operations=[],
        ),
        migrations.CreateModel(
            name="ReserveEntry",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "enrollment",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="reserve_entries",
                        to="enrollments.enrollment",
                        verbose_name="зачисление",
                    ),
                ),
                (
                    "ledger_entry",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="reserve_entry",
                        to="certificates.ledgerentry",
                        verbose_name="операция",
                    ),
                ),
            ],
            options={
                "verbose_name": "резерв по договору",
                "verbose_name_plural": "резервы по договорам",
            },
        ),
        # Debits and refunds are linked to their contract through billing's charges already; reserves
        # and releases had only the ledger's own column. Copied back on reverse is not possible: the
        # ledger refuses UPDATE (it is append-only), so a reverse keeps the links in this table only.
        migrations.RunSQL(
            sql="""
                INSERT INTO enrollments_reserveentry (enrollment_id, ledger_entry_id)
                SELECT enrollment_id, id FROM certificates_ledgerentry
                 WHERE enrollment_id IS NOT NULL AND kind IN ('RESERVE', 'RELEASE')
                 ORDER BY id
            """,
            reverse_sql=migrations.RunSQL.noop,
        ),
    ]
