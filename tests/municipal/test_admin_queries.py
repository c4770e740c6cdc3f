"""Pinned query counts: every changelist of the admin at 100 rows takes a fixed number of queries (no query
per row). A new column that reaches a relation without list_select_related fails here."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.accounts.factories import UserFactory
from tests.catalog.factories import MunicipalityFactory
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
    "catalog.ProgramReview": 5,
    "catalog.Provider": 6,
    "catalog.ScheduleSlot": 5,
    "catalog.SearchWord": 5,
    "certificates.Certificate": 6,
    "certificates.CertificateAccount": 5,
    "certificates.Child": 6,
    "certificates.DirectionChild": 5,
    "certificates.DirectionCount": 5,
    "certificates.FundedCertificateRequest": 5,
    "certificates.FundingPeriod": 6,
    "certificates.LedgerEntry": 5,
    "certificates.ParentLink": 5,
    "enrollments.Enrollment": 5,
    "enrollments.EnrollmentEvent": 5,
    "enrollments.ReserveEntry": 5,
    "enrollments.TermsChange": 5,
    "notices.Notification": 5,
}
# Not pinned yet: building 100 rows of these (each with its own lesson, charge and statement chain) took
# too long for this run; see the report of the admin-scope branch.
NOT_PINNED = {
    "billing.AttendanceCorrection",
    "billing.Charge",
    "billing.ChargeReversal",
    "billing.Dispute",
    "billing.StatementLine",
}


@pytest.mark.parametrize(
    "factory_class", [f for f in FACTORIES if f._meta.model._meta.label not in NOT_PINNED], ids=lambda f: f.__name__
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
