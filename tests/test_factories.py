"""Every model of the domain apps can be built and saved through its factory against the real
database constraints and triggers."""

from decimal import Decimal

import pytest
from django.apps import apps

from tests.accounts import factories as accounts_f
from tests.billing import factories as billing_f
from tests.catalog import factories as catalog_f
from tests.certificates import factories as certificates_f
from tests.enrollments import factories as enrollments_f
from tests.notices import factories as notices_f

pytestmark = pytest.mark.django_db

FACTORIES = [
    accounts_f.UserFactory,
    catalog_f.MunicipalityFactory,
    catalog_f.ProviderFactory,
    catalog_f.ProgramFactory,
    catalog_f.GroupFactory,
    catalog_f.ScheduleSlotFactory,
    catalog_f.SearchWordFactory,
    catalog_f.SearchSynonymFactory,
    certificates_f.ChildFactory,
    certificates_f.FundingPeriodFactory,
    certificates_f.CertificateFactory,
    certificates_f.FundedCertificateRequestFactory,
    certificates_f.CertificateAccountFactory,
    certificates_f.LedgerEntryFactory,
    certificates_f.ParentLinkFactory,
    certificates_f.ChildClaimFactory,
    certificates_f.DirectionCountFactory,
    certificates_f.DirectionChildFactory,
    catalog_f.FavouriteFactory,
    enrollments_f.EnrollmentFactory,
    enrollments_f.EnrollmentEventFactory,
    enrollments_f.ReserveEntryFactory,
    enrollments_f.TermsChangeFactory,
    enrollments_f.ProgramRatingFactory,
    notices_f.NotificationFactory,
    billing_f.LessonFactory,
    billing_f.AttendanceMarkFactory,
    billing_f.AttendanceCorrectionFactory,
    billing_f.StatementFactory,
    billing_f.ChargeFactory,
    billing_f.ChargeReversalFactory,
    billing_f.DisputeFactory,
    billing_f.StatementLineFactory,
    billing_f.BillingNoticeSentFactory,
    billing_f.JobRunFactory,
]

# Models created by a data migration or kept by database triggers, never by a factory.
FIXED_MODELS = {
    "catalog.Direction",
    "catalog.FacetCell",
    "billing.MonthRecheck",
    "search.GroupFreeSeats",
    "search.CatalogIndexFeed",
}


def _label(model) -> str:
    return model._meta.label


def test_every_model_has_a_factory():
    models = {
        _label(m)
        for app in ("accounts", "catalog", "notices", "certificates", "enrollments", "billing", "search")
        for m in apps.get_app_config(app).get_models()
    }
    # The audit trail's events (core/audit.py) are written by database triggers only.
    models = {label for label in models if not hasattr(apps.get_model(label), "pgh_tracked_model")}
    covered = {_label(f._meta.model) for f in FACTORIES}
    assert models - FIXED_MODELS == covered


@pytest.mark.parametrize("factory_class", FACTORIES, ids=lambda f: f.__name__)
def test_factory_saves_a_valid_instance(factory_class):
    instance = factory_class()

    assert instance.pk is not None
    saved = type(instance).objects.get(pk=instance.pk)
    # The model's own validation (ИНН and СНИЛС checksums, choices, constraints) accepts it too.
    saved.full_clean()


@pytest.mark.parametrize(
    "factory_class",
    [
        accounts_f.ParentFactory,
        accounts_f.ProviderStaffFactory,
        accounts_f.MunicipalStaffFactory,
        catalog_f.ProviderFactory,
        enrollments_f.EnrollmentFactory,
    ],
    ids=lambda f: f.__name__,
)
def test_factories_make_distinct_rows(factory_class):
    first, second = factory_class(), factory_class()
    assert first.pk != second.pk


def test_individual_provider_has_a_twelve_digit_inn_and_no_licence():
    provider = catalog_f.ProviderFactory(individual=True)
    assert len(provider.inn) == 12
    provider.full_clean()


def test_active_enrollment_and_monthly_charge():
    enrollment = enrollments_f.EnrollmentFactory(active=True)
    assert enrollment.accepted_at is not None

    charge = billing_f.ChargeFactory(monthly=True)
    assert charge.price == charge.certificate_amount + charge.copayment
    assert charge.ledger_entry.spent_delta == charge.certificate_amount


def test_funded_account_holds_the_nominal_from_an_open_entry():
    account = certificates_f.funded_account(Decimal("7500.00"))
    assert (account.nominal, account.reserved, account.spent) == (Decimal("7500.00"), 0, 0)
    assert account.entries.get().kind == "OPEN"


def test_charge_debits_the_certificate_account():
    charge = billing_f.ChargeFactory()
    account = charge.ledger_entry.account
    account.refresh_from_db()
    assert account.spent == charge.certificate_amount
    assert account.available == account.nominal - charge.certificate_amount
