"""Pinned query counts: every changelist of the admin at 100 rows takes a fixed number of queries (no query
per row). A new column that reaches a relation without list_select_related fails here."""

from decimal import Decimal

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.accounts.factories import ProviderStaffFactory, UserFactory
from tests.billing.factories import (
    AttendanceCorrectionFactory,
    AttendanceMarkFactory,
    ChargeFactory,
    ChargeReversalFactory,
    DisputeFactory,
    StatementLineFactory,
)
from tests.catalog.factories import MunicipalityFactory
from tests.enrollments.factories import EnrollmentFactory
from tests.test_factories import FACTORIES

pytestmark = pytest.mark.django_db
ROWS = 100

# Queries of one changelist page at 100 rows, by model (session, user, counts, the rows, filters' choices).
PINNED = {
    "accounts.User": 5,
    "billing.AttendanceMark": 5,
    "billing.BillingNoticeSent": 5,
    "billing.JobRun": 8,
    "billing.Lesson": 7,
    "billing.Statement": 8,
    "catalog.Favourite": 5,
    "catalog.Group": 5,
    "catalog.Municipality": 5,
    "catalog.Program": 6,
    "catalog.Provider": 6,
    "catalog.ScheduleSlot": 5,
    "catalog.SearchSynonym": 5,
    "catalog.SearchWord": 5,
    "certificates.Certificate": 6,
    "certificates.CertificateAccount": 5,
    "certificates.Child": 6,
    "certificates.ChildClaim": 5,
    "certificates.DirectionChild": 5,
    "certificates.DirectionCount": 5,
    "certificates.FundedCertificateRequest": 5,
    "certificates.FundingPeriod": 6,
    "certificates.LedgerEntry": 5,
    "certificates.ParentLink": 5,
    "enrollments.Enrollment": 5,
    "enrollments.EnrollmentEvent": 5,
    "enrollments.ProgramRating": 5,
    "enrollments.ReserveEntry": 5,
    "enrollments.TermsChange": 5,
    "notices.Notification": 5,
}
# Built by their own test below: through the factories each row would make its own contract, lesson,
# charge and statement chain; there, 100 rows of each share one contract.
ONE_CONTRACT = {
    "billing.AttendanceCorrection": 5,
    "billing.Charge": 7,
    "billing.ChargeReversal": 5,
    "billing.Dispute": 5,
    "billing.StatementLine": 5,
}


@pytest.mark.parametrize(
    "factory_class", [f for f in FACTORIES if f._meta.model._meta.label not in ONE_CONTRACT], ids=lambda f: f.__name__
)
def test_a_changelist_at_100_rows_takes_a_pinned_number_of_queries(client, monkeypatch, factory_class):
    model = factory_class._meta.model
    # Municipality codes have two digits: past a hundred, rows share the municipalities made before.
    monkeypatch.setattr(MunicipalityFactory._meta, "django_get_or_create", ("region_code", "code"))
    factory_class.create_batch(ROWS)
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")

    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)

    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == ROWS or model._meta.label == "accounts.User"
    assert len(queries) <= PINNED.get(model._meta.label, 0), "\n".join(q["sql"][:200] for q in queries)


def _changelist_queries(client, model) -> int:
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == ROWS
    return len(queries)


def test_the_billing_changelists_at_100_rows_of_one_contract_take_a_pinned_number_of_queries(client):
    contract = EnrollmentFactory(active=True)
    teacher = ProviderStaffFactory(provider=contract.group.program.provider)
    for _ in range(ROWS):
        mark = AttendanceMarkFactory(enrollment=contract, marked_by=teacher)
        AttendanceCorrectionFactory(mark=mark)
        charge = ChargeFactory(mark=mark, certificate_amount=Decimal(0))  # no DEBIT: no account to fill
        ChargeReversalFactory(charge=charge)
        DisputeFactory(charge=charge)
        StatementLineFactory(charge=charge)
    client.force_login(UserFactory(is_staff=True, is_superuser=True))

    counts = {label: _changelist_queries(client, apps.get_model(label)) for label in ONE_CONTRACT}

    over = {label: count for label, count in counts.items() if count > ONE_CONTRACT[label]}
    assert over == {}, counts


# The audit trail's changelists (core/audit.py): 100 tracked rows made give (at least) 100 events. Each
# page also reads the events' users and objects by join (8 = the counts, the rows, the filters' choices).
AUDIT = {
    "billing.StatementHistory": 8,
    "catalog.GroupHistory": 8,
    "catalog.ProgramHistory": 8,
    "catalog.ProviderHistory": 8,
    "certificates.CertificateAccountHistory": 8,
    "certificates.CertificateHistory": 8,
    "certificates.FundingPeriodHistory": 8,
    "certificates.ParentLinkHistory": 8,
    "enrollments.EnrollmentHistory": 8,
}


@pytest.mark.parametrize("label", sorted(AUDIT))
def test_an_audit_changelist_at_100_rows_takes_a_pinned_number_of_queries(client, monkeypatch, label):
    tracked = apps.get_model(label).pgh_tracked_model
    factory_class = next(f for f in FACTORIES if f._meta.model is tracked)
    monkeypatch.setattr(MunicipalityFactory._meta, "django_get_or_create", ("region_code", "code"))
    factory_class.create_batch(ROWS)
    client.force_login(UserFactory(is_staff=True, is_superuser=True))

    assert _changelist_queries(client, apps.get_model(label)) <= AUDIT[label]


def _technical_rows() -> None:
    from datetime import date

    from billing.models import MonthRecheck
    from core.models import Heartbeat, IdempotencyRecord, OutboxMessage
    from tests.catalog.factories import GroupFactory, ProgramFactory

    group = GroupFactory()
    MonthRecheck.objects.bulk_create(MonthRecheck(group=group, month=date(2000 + i, 1, 1)) for i in range(ROWS))
    Heartbeat.objects.bulk_create(Heartbeat(name=f"task-{i}", at="2026-11-30T00:00Z") for i in range(ROWS))
    OutboxMessage.objects.bulk_create(OutboxMessage(task="notices.send_emails", args=[[i]]) for i in range(ROWS))
    IdempotencyRecord.objects.bulk_create(
        IdempotencyRecord(user_id=1, endpoint="/api/v1/enrollments/", key=f"k{i}") for i in range(ROWS)
    )
    ProgramFactory.create_batch(20)  # the catalog's facet counters follow the programs (triggers)


# Technical and shared tables (regional operators' and superusers' pages): the directions are the
# data migration's (fewer than 100), the facet counters follow the programs; the others get 100 rows.
TECHNICAL = {
    "billing.MonthRecheck": 5,
    "catalog.Direction": 5,
    "catalog.FacetCell": 7,
    "core.Heartbeat": 5,
    "core.IdempotencyRecord": 5,
    "core.OutboxMessage": 6,
}


def test_the_technical_changelists_take_a_pinned_number_of_queries(client):
    _technical_rows()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    counts = {}
    for label in TECHNICAL:
        model = apps.get_model(label)
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200
        assert len(response.context["cl"].result_list) == min(ROWS, model._default_manager.count()) > 0
        counts[label] = len(queries)

    assert {label: n for label, n in counts.items() if n > TECHNICAL[label]} == {}, counts
