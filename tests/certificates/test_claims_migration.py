"""Migration 0010: the unconfirmed links of an existing database become claims waiting for review (suspended
when the child has a confirmed parent), and only confirmed links remain; the reverse brings them back."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from tests.accounts.factories import ParentFactory
from tests.certificates.factories import ChildFactory

pytestmark = pytest.mark.django_db

BEFORE = ("certificates", "0009_ledger_apply_per_statement")
AFTER = ("certificates", "0012_municipal_role_child_claims")


def migrate(target) -> None:
    # The test's one transaction: check the deferred foreign keys of the rows written so far now, so
    # that the migrations may alter their tables (each migration commits on its own in real life).
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    executor = MigrationExecutor(connection)
    executor.migrate([target])


def rows(sql: str) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchall()


def test_unconfirmed_links_become_claims_and_come_back_on_reverse():
    shared = ChildFactory(last_name="Общий")  # one parent confirmed through Gosuslugi
    alone = ChildFactory(last_name="Вписанный", parents=[])
    typist, other = ParentFactory(), ParentFactory()
    migrate(BEFORE)
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO certificates_parentlink (child_id, user_id, confirmation, confirmed_at) "
            "VALUES (%s, %s, '', NULL), (%s, %s, '', NULL)",
            [shared.pk, typist.pk, alone.pk, other.pk],
        )

    migrate(AFTER)

    claims = rows(
        "SELECT user_id, child_id, last_name, snils, status, review_municipality_id FROM certificates_childclaim "
        "ORDER BY user_id"
    )
    assert claims == [
        (typist.pk, shared.pk, "Общий", shared.snils, "SUSPENDED", shared.municipality_id),
        (other.pk, alone.pk, "Вписанный", alone.snils, "PENDING", alone.municipality_id),
    ]
    assert rows("SELECT count(*) FROM certificates_parentlink WHERE confirmation = ''") == [(0,)]
    assert rows("SELECT count(*) FROM certificates_parentlink") == [(1,)]  # the Gosuslugi link stays

    migrate(BEFORE)

    assert sorted(rows("SELECT user_id, child_id FROM certificates_parentlink WHERE confirmation = ''")) == sorted(
        [(typist.pk, shared.pk), (other.pk, alone.pk)]
    )
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM certificates_parentlink WHERE confirmation = ''")
    migrate(AFTER)
