"""The audit triggers' helper functions are ours (core/sql/audit_trigger_functions.sql): no EXCEPTION
block, so no subtransaction per audited row; and they still do what the libraries' versions do."""

import pghistory
import pgtrigger
import pytest
from django.db import connection

from certificates.models import Certificate, CertificateHistory
from tests.accounts.factories import UserFactory
from tests.certificates.factories import CertificateFactory

pytestmark = pytest.mark.django_db


def _source(name: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT prosrc FROM pg_proc WHERE proname = %s", [name])
        (source,) = cursor.fetchone()
    return source


@pytest.mark.parametrize("name", ["_pgtrigger_should_ignore", "_pgh_attach_context"])
def test_the_installed_function_opens_no_subtransaction(name):
    # pgtrigger re-creates its version (with an EXCEPTION block) whenever it installs a trigger; the
    # post_migrate hook of core/apps.py must have run after the last one.
    assert "EXCEPTION" not in _source(name).upper()


def test_an_ignored_trigger_writes_no_history():
    with pgtrigger.ignore("certificates.Certificate:insert_insert"):
        ignored = CertificateFactory()
    kept = CertificateFactory()

    assert not CertificateHistory.objects.filter(pgh_obj=ignored).exists()
    assert CertificateHistory.objects.filter(pgh_obj=kept, pgh_label="insert").exists()


def test_the_context_names_the_user_on_each_row():
    user = UserFactory()
    with pghistory.context(user=user.pk):
        certificate = CertificateFactory()
        Certificate.objects.filter(pk=certificate.pk).update(status=Certificate.Status.FROZEN)

    events = CertificateHistory.objects.filter(pgh_obj=certificate).order_by("pgh_id")
    assert [(e.pgh_label, e.pgh_context.metadata["user"]) for e in events] == [("insert", user.pk), ("update", user.pk)]
