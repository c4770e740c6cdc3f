"""A small region for the dashboard's tests (and the browser acceptance test): two municipalities in
their current funding periods, with contracts, charges, a reversal, a dispute and a child without a
contract. The expected figures are always computed from the rows, never written down."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import timezone

from catalog.models import Municipality
from certificates.models import CertificateAccount, FundingPeriod
from tests.billing.factories import ChargeFactory, ChargeReversalFactory, DisputeFactory
from tests.catalog.factories import GroupFactory, MunicipalityFactory, ProgramFactory, ProviderFactory
from tests.certificates.factories import ChildFactory, period_for
from tests.enrollments.factories import EnrollmentFactory


@dataclass
class Region:
    own: Municipality
    other: Municipality
    own_period: FundingPeriod
    other_period: FundingPeriod


def _contract(child, group, period):
    return EnrollmentFactory(child=child, group=group, active=True, period=period)


def build_region(own: Municipality | None = None) -> Region:
    today = timezone.localdate()
    own = own or MunicipalityFactory(name="Плавский район")
    other = MunicipalityFactory(name="Белёвский район")
    own_period = period_for(own, today, max_funded_certificates=20)
    other_period = period_for(other, today, max_funded_certificates=30)

    provider = ProviderFactory(municipality=own, short_name="ДДТ Плавск")
    chess = GroupFactory(program=ProgramFactory(provider=provider, title="Шахматы"))
    robots = GroupFactory(program=ProgramFactory(provider=provider, title="Робототехника"))
    children = [ChildFactory(municipality=own) for _ in range(4)]  # the last has no contract
    contracts = [
        _contract(children[0], chess, own_period),
        _contract(children[1], chess, own_period),
        _contract(children[2], robots, own_period),
    ]
    charges = [ChargeFactory(mark__enrollment=contract) for contract in contracts]
    charges.append(ChargeFactory(mark__enrollment=contracts[0]))
    ChargeReversalFactory(charge=charges[1])
    DisputeFactory(charge=charges[2])

    other_provider = ProviderFactory(municipality=other, short_name="ЦДТ Белёв")
    other_group = GroupFactory(program=ProgramFactory(provider=other_provider, title="Гитара"))
    other_contract = _contract(ChildFactory(municipality=other), other_group, other_period)
    other_charge = ChargeFactory(mark__enrollment=other_contract)
    DisputeFactory(charge=other_charge)

    for period in (own_period, other_period):
        # The acceptance service counts the accounts it opens; the factories open them directly.
        FundingPeriod.objects.filter(pk=period.pk).update(
            funded_accounts=CertificateAccount.objects.filter(period=period).count()
        )
    own_period.refresh_from_db()
    other_period.refresh_from_db()
    return Region(own, other, own_period, other_period)
