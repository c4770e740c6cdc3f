"""Models moved between apps with new migrations, and the rows came along: a database migrated before
the move (enrollments, favourites and notices in `navigator`, the ledger pointing up to enrollments)
holds the same rows after migrating forward, in the new apps' tables."""

from decimal import Decimal

import pytest
from django.apps import apps as current_apps
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

# The state just before the move: every app at its last migration that knows nothing of it.
BEFORE_THE_MOVE = [
    ("navigator", "0001_initial"),
    ("enrollments", None),
    ("notices", None),
    ("catalog", "0009_sql_functions_current"),
    ("certificates", "0004_ledger_account_move_guard"),
    ("billing", "0003_field_labels"),
]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return executor.loader.project_state([t for t in targets if t[1] is not None]).apps


def _latest():
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


def _old_rows(old):
    """An enrollment with a RESERVE ledger entry pointing to it, a notice about it, a favourite."""
    Municipality = old.get_model("catalog", "Municipality")
    Direction = old.get_model("catalog", "Direction")
    municipality = Municipality.objects.create(name="Плавский район", code="26", region_code="71")
    provider = old.get_model("catalog", "Provider").objects.create(
        legal_name="МБУ ДО ДДТ", short_name="ДДТ", inn="7132000010", licence_number="Л035-1", municipality=municipality
    )
    program = old.get_model("catalog", "Program").objects.create(
        provider=provider,
        title="Робототехника",
        direction=Direction.objects.get(code="technical"),
        lesson_price=Decimal("250.00"),
        normative_lesson_price=Decimal("300.00"),
    )
    group = old.get_model("catalog", "Group").objects.create(
        program=program, name="Группа 1", teacher="Петров", capacity=10, start_date="2026-09-01", end_date="2027-05-31"
    )
    parent = old.get_model("accounts", "User").objects.create(username="parent-move", role="PARENT")
    child = old.get_model("certificates", "Child").objects.create(
        last_name="Смирнов",
        first_name="Артём",
        birth_date="2016-03-14",
        sex="M",
        snils="11223344595",
        municipality=municipality,
    )
    certificate = old.get_model("certificates", "Certificate").objects.create(
        child=child, number="7126000001", municipality=municipality, valid_until="2034-03-13"
    )
    period = old.get_model("certificates", "FundingPeriod").objects.create(
        municipality=municipality,
        name="ПФДО",
        start_date="2026-09-01",
        end_date="2027-08-31",
        nominal=Decimal("10000.00"),
        max_funded_certificates=10,
        total_budget=Decimal("100000.00"),
    )
    account = old.get_model("certificates", "CertificateAccount").objects.create(certificate=certificate, period=period)
    enrollment = old.get_model("navigator", "Enrollment").objects.create(
        child=child, group=group, applicant=parent, certificate=certificate, lesson_price=Decimal("250.00")
    )
    LedgerEntry = old.get_model("certificates", "LedgerEntry")
    LedgerEntry.objects.create(account=account, kind="OPEN", nominal_delta=Decimal("10000.00"), idempotency_key="o")
    reserve = LedgerEntry.objects.create(
        account=account, kind="RESERVE", reserved_delta=Decimal("2000.00"), idempotency_key="r", enrollment=enrollment
    )
    old.get_model("navigator", "Notification").objects.create(user=parent, enrollment=enrollment, title="Заявка подана")
    old.get_model("navigator", "Favourite").objects.create(user=parent, program=program)
    return enrollment.pk, reserve.pk, parent.pk, program.pk


@pytest.mark.django_db(transaction=True)
def test_rows_follow_the_models_that_moved():
    try:
        enrollment_id, reserve_id, parent_id, program_id = _old_rows(_migrate(BEFORE_THE_MOVE))
    finally:
        _migrate(_latest())

    Enrollment = current_apps.get_model("enrollments", "Enrollment")
    enrollment = Enrollment.objects.get(pk=enrollment_id)
    assert enrollment.child.last_name == "Смирнов"
    assert enrollment.reserve_entries.get().ledger_entry_id == reserve_id
    assert current_apps.get_model("notices", "Notification").objects.get(user_id=parent_id).subject == (
        f"enrollment:{enrollment_id}"
    )
    assert current_apps.get_model("catalog", "Favourite").objects.filter(user_id=parent_id, program_id=program_id)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name IN "
            "('navigator_enrollment', 'navigator_notification', 'navigator_favourite')"
        )
        assert cursor.fetchone()[0] == 0
