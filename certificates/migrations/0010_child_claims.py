"""Children typed in by hand become claims (ChildClaim), kept apart from the confirmed links.

Until now a hand-typed child was an unconfirmed ParentLink, and with it the typist saw the registry
child behind the number. Each such link becomes a claim holding the child's data as it stands (what was
typed, or what Gosuslugi has since written over it), waiting for municipal review: SUSPENDED when
another account holds the child through a confirmed link, PENDING otherwise. The unconfirmed links go;
0011 then lets ParentLink hold confirmed links only.
"""

from pathlib import Path

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import core.validators

# Frozen: SQL this migration has run is never edited; a change is a new migration (tests/test_migration_sql.py).
SQL_DIR = Path(__file__).resolve().parent / "sql"


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0012_program_cover_revision"),
        ("certificates", "0009_ledger_apply_per_statement"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="ChildClaim",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("last_name", models.CharField(max_length=150, verbose_name="фамилия")),
                ("first_name", models.CharField(max_length=150, verbose_name="имя")),
                ("middle_name", models.CharField(blank=True, max_length=150, verbose_name="отчество")),
                ("birth_date", models.DateField(verbose_name="дата рождения")),
                (
                    "sex",
                    models.CharField(choices=[("M", "мужской"), ("F", "женский")], max_length=1, verbose_name="пол"),
                ),
                (
                    "snils",
                    models.CharField(max_length=11, validators=[core.validators.validate_snils], verbose_name="СНИЛС"),
                ),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("PENDING", "ожидает проверки"),
                            ("SUSPENDED", "приостановлена: ребёнок подтверждён через Госуслуги у другого родителя"),
                            ("CONFIRMED", "подтверждена"),
                            ("REJECTED", "отклонена"),
                        ],
                        db_default="PENDING",
                        default="PENDING",
                        max_length=16,
                        verbose_name="состояние",
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="подана")),
                ("suspended_at", models.DateTimeField(blank=True, null=True, verbose_name="приостановлена")),
                ("decided_at", models.DateTimeField(blank=True, null=True, verbose_name="решение принято")),
                ("reason", models.TextField(blank=True, verbose_name="основание или причина")),
                (
                    "child",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="claims",
                        to="certificates.child",
                        verbose_name="ребёнок в реестре",
                    ),
                ),
                (
                    "decided_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="кто принял решение",
                    ),
                ),
                (
                    "municipality",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="catalog.municipality",
                        verbose_name="муниципалитет проживания",
                    ),
                ),
                (
                    "review_municipality",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="child_claims",
                        to="catalog.municipality",
                        verbose_name="проверяет муниципалитет",
                    ),
                ),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="child_claims",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="заявитель",
                    ),
                ),
            ],
            options={
                "verbose_name": "заявка на добавление ребёнка",
                "verbose_name_plural": "заявки на добавление детей",
                "indexes": [models.Index(fields=["snils"], name="child_claim_snils")],
                "constraints": [
                    models.UniqueConstraint(
                        condition=models.Q(("status__in", ["PENDING", "SUSPENDED"])),
                        fields=("user", "snils"),
                        name="child_claim_open_once",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("snils__regex", "^\\d{11}$")), name="child_claim_snils_digits"
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("decided_at__isnull", True), ("status__in", ["PENDING", "SUSPENDED"])),
                            models.Q(("status__in", ["CONFIRMED", "REJECTED"]), ("decided_at__isnull", False)),
                            _connector="OR",
                        ),
                        name="child_claim_decided_has_date",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("status", "REJECTED"), _negated=True),
                            models.Q(("reason", ""), _negated=True),
                            _connector="OR",
                        ),
                        name="child_claim_rejected_has_reason",
                    ),
                ],
            },
        ),
        migrations.RunSQL(
            sql=(SQL_DIR / "0010_child_claims.sql").read_text(encoding="utf-8"),
            reverse_sql=(SQL_DIR / "0010_child_claims_reverse.sql").read_text(encoding="utf-8"),
        ),
    ]
