"""Factories for children, certificates, funding periods, accounts and the ledger.

An account is always created empty (a trigger refuses anything else); money arrives as ledger
rows. `funded_account()` and `account_for()` create an account together with its OPEN entry.
"""

import datetime
from decimal import Decimal

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from certificates.models import (
    BillingPolicy,
    Certificate,
    CertificateAccount,
    Child,
    ChildClaim,
    DirectionChild,
    DirectionCount,
    FundedCertificateRequest,
    FundingPeriod,
    LedgerEntry,
    ParentLink,
)
from core.validators import snils_with_checksum
from tests.catalog.factories import MunicipalityFactory, direction

ZERO = Decimal("0.00")


def eighteenth_birthday(birth_date: datetime.date) -> datetime.date:
    try:
        return birth_date.replace(year=birth_date.year + 18)
    except ValueError:  # born on 29 February
        return datetime.date(birth_date.year + 18, 3, 1)


def school_year_of(day: datetime.date) -> int:
    """The year the school year containing `day` started in (1 September .. 31 August)."""
    return day.year if day.month >= 9 else day.year - 1


class ChildFactory(DjangoModelFactory):
    """A ten-year-old (on 1 September 2025) with a valid, unique СНИЛС and one parent."""

    class Meta:
        model = Child
        skip_postgeneration_save = True

    last_name = factory.Faker("last_name_male", locale="ru_RU")
    first_name = factory.Faker("first_name_male", locale="ru_RU")
    middle_name = factory.Faker("middle_name_male", locale="ru_RU")
    birth_date = datetime.date(2015, 3, 14)
    sex = Child.Sex.MALE
    # Bodies above 001-001-998, so the checksum really is checked.
    snils = factory.Sequence(lambda n: snils_with_checksum(f"{200_000_000 + n:09d}"))
    municipality = factory.SubFactory(MunicipalityFactory)

    @factory.post_generation
    def parents(self, create, extracted, **kwargs):
        """`parents=[user, ...]` links those users, confirmed (`parents__confirmed=False`: they typed the
        child in by hand instead, an open claim on it and no link); by default one new parent, confirmed."""
        if not create:
            return
        if extracted is None:
            from tests.accounts.factories import ParentFactory

            extracted = [ParentFactory()]
        if not kwargs.get("confirmed", True):
            for user in extracted:
                claim_on(self, user=user)
            return
        # Linked as Gosuslugi links them (confirmed).
        self.parents.add(
            *extracted, through_defaults={"confirmation": ParentLink.Confirmation.ESIA, "confirmed_at": timezone.now()}
        )


class FundingPeriodFactory(DjangoModelFactory):
    """A school year (1 September .. 31 August); each new period takes the next year, so periods of
    one municipality never overlap. Pass `year=` to pick the school year."""

    class Meta:
        model = FundingPeriod

    class Params:
        year = factory.Sequence(lambda n: 2025 + n % 5000)

    municipality = factory.SubFactory(MunicipalityFactory)
    name = factory.LazyAttribute(lambda o: f"{o.year}/{o.year + 1} учебный год")
    start_date = factory.LazyAttribute(lambda o: datetime.date(o.year, 9, 1))
    end_date = factory.LazyAttribute(lambda o: datetime.date(o.year + 1, 8, 31))
    nominal = Decimal("10000.00")
    max_funded_certificates = 1000
    total_budget = Decimal("10000000.00")
    billing_policy = BillingPolicy.PER_LESSON
    direction_cap = None


class CertificateFactory(DjangoModelFactory):
    """An active certificate (funded in a period once it has that period's account); number = region + municipality code + 6-digit sequence."""

    class Meta:
        model = Certificate

    child = factory.SubFactory(ChildFactory)
    municipality = factory.SelfAttribute("child.municipality")
    number = factory.LazyAttributeSequence(
        lambda o, n: f"{o.municipality.region_code}{o.municipality.code}{n % 1_000_000:06d}"
    )
    status = Certificate.Status.ACTIVE
    valid_until = factory.LazyAttribute(lambda o: eighteenth_birthday(o.child.birth_date))


class FundedCertificateRequestFactory(DjangoModelFactory):
    class Meta:
        model = FundedCertificateRequest

    certificate = factory.SubFactory(CertificateFactory)
    period = factory.SubFactory(FundingPeriodFactory, municipality=factory.SelfAttribute("..certificate.municipality"))
    granted_at = None


class CertificateAccountFactory(DjangoModelFactory):
    """An empty account (totals zero, as the database demands) in a period of the certificate's
    municipality. Use `funded_account()` for one with money."""

    class Meta:
        model = CertificateAccount

    certificate = factory.SubFactory(CertificateFactory)
    period = factory.SubFactory(FundingPeriodFactory, municipality=factory.SelfAttribute("..certificate.municipality"))


class LedgerEntryFactory(DjangoModelFactory):
    """An OPEN entry crediting 10 000 ₽ to a new account by default; pass kind and deltas for others."""

    class Meta:
        model = LedgerEntry

    account = factory.SubFactory(CertificateAccountFactory)
    kind = LedgerEntry.Kind.OPEN
    nominal_delta = Decimal("10000.00")
    reserved_delta = ZERO
    spent_delta = ZERO
    idempotency_key = factory.Sequence(lambda n: f"test:ledger:{n}")
    description = ""


def open_entry(account: CertificateAccount, nominal: Decimal) -> LedgerEntry:
    return LedgerEntryFactory(account=account, kind=LedgerEntry.Kind.OPEN, nominal_delta=nominal)


def funded_account(nominal: Decimal = Decimal("10000.00"), **kwargs) -> CertificateAccount:
    """A new certificate account credited with `nominal` through an OPEN ledger entry.

    Keyword arguments go to `CertificateAccountFactory` (certificate=..., period=...).
    """
    account = CertificateAccountFactory(**kwargs)
    if nominal:
        open_entry(account, nominal)
    account.refresh_from_db()
    return account


def period_for(municipality, day: datetime.date, **kwargs) -> FundingPeriod:
    """The municipality's funding period containing `day`, created (as a school year) if missing."""
    period = FundingPeriod.objects.filter(municipality=municipality, start_date__lte=day, end_date__gte=day).first()
    if period is None:
        period = FundingPeriodFactory(municipality=municipality, year=school_year_of(day), **kwargs)
    return period


def account_for(certificate: Certificate, day: datetime.date) -> CertificateAccount:
    """The certificate's account for the period containing `day`; a new one is credited with the
    period's nominal, as the period opening would do."""
    period = period_for(certificate.municipality, day)
    account = CertificateAccount.objects.filter(certificate=certificate, period=period).first()
    if account is None:
        account = funded_account(period.nominal, certificate=certificate, period=period)
    return account


def certificate_with_money(parent=None, *, nominal: Decimal | None = None, on: datetime.date | None = None, **child):
    """A child of `parent` (a new parent by default) with a funded certificate whose account for the
    period containing `on` (today by default) is credited with the period's nominal (or `nominal`)."""
    from django.utils import timezone

    on = on or timezone.localdate()
    kwargs = {"parents": [parent]} if parent is not None else {}
    certificate = CertificateFactory(child=ChildFactory(**kwargs, **child))
    period_for(certificate.municipality, on, **({"nominal": nominal} if nominal is not None else {}))
    account_for(certificate, on)
    return certificate


class ParentLinkFactory(DjangoModelFactory):
    """A parent's link to a child, confirmed by Gosuslugi (a child typed in by hand is a claim: claim_on)."""

    class Meta:
        model = ParentLink

    child = factory.SubFactory(ChildFactory, parents=[])
    user = factory.SubFactory("tests.accounts.factories.ParentFactory")
    confirmation = ParentLink.Confirmation.ESIA
    confirmed_at = factory.LazyFunction(timezone.now)


class ChildClaimFactory(DjangoModelFactory):
    """A child a parent typed in by hand, waiting for review (on an unregistered number by default)."""

    class Meta:
        model = ChildClaim

    user = factory.SubFactory("tests.accounts.factories.ParentFactory")
    last_name = "Вписанный"
    first_name = "Ребёнок"
    birth_date = datetime.date(2015, 3, 14)
    sex = Child.Sex.MALE
    snils = factory.Sequence(lambda n: snils_with_checksum(f"{600_000_000 + n:09d}"))
    municipality = factory.SubFactory(MunicipalityFactory)
    review_municipality = factory.SelfAttribute("municipality")


def claim_on(child: Child, *, user=None, **kwargs) -> ChildClaim:
    """An open claim on a registry child, as its typist would make it (the typed data the child's own)."""
    values = {
        "last_name": child.last_name,
        "first_name": child.first_name,
        "middle_name": child.middle_name,
        "birth_date": child.birth_date,
        "sex": child.sex,
        "snils": child.snils,
        "municipality": child.municipality,
        "review_municipality": child.municipality,
        "child": child,
        **kwargs,
    }
    return ChildClaimFactory(**values, **({"user": user} if user is not None else {}))


class DirectionCountFactory(DjangoModelFactory):
    class Meta:
        model = DirectionCount

    period = factory.SubFactory(FundingPeriodFactory, direction_cap=10)
    direction = factory.LazyFunction(lambda: direction())
    children = 0


class DirectionChildFactory(DjangoModelFactory):
    class Meta:
        model = DirectionChild

    period = factory.SubFactory(FundingPeriodFactory, direction_cap=10)
    direction = factory.LazyFunction(lambda: direction())
    child = factory.SubFactory(ChildFactory, municipality=factory.SelfAttribute("..period.municipality"))
