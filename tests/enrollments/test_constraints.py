"""The database refuses a second live application of a child to one group, an unaccepted contract, a
negative contract price, and any contract reserve that is not a matching RESERVE or RELEASE on the
contract's own certificate (never released past zero, never edited), whatever path the write takes."""

from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone
from psycopg2 import errorcodes

from certificates.models import LedgerEntry
from core.money import ZERO
from enrollments.models import LIVE_STATUSES, Enrollment, EnrollmentStatus, ReserveEntry
from tests.accounts.factories import ParentFactory, ProviderStaffFactory
from tests.catalog.factories import GroupFactory
from tests.certificates.factories import CertificateFactory, LedgerEntryFactory, claim_on, funded_account
from tests.db import refused
from tests.enrollments.factories import EnrollmentFactory, ReserveEntryFactory

pytestmark = pytest.mark.django_db


def again(enrollment: Enrollment, **kwargs) -> Enrollment:
    """An unsaved application of the same child to the same group."""
    return EnrollmentFactory.build(
        child=enrollment.child,
        group=enrollment.group,
        applicant=enrollment.applicant,
        certificate=enrollment.certificate,
        **kwargs,
    )


def test_second_submitted_application_refused():
    first = EnrollmentFactory()
    with refused("enrollment_one_live_per_child_group", errorcodes.UNIQUE_VIOLATION):
        Enrollment.objects.bulk_create([again(first)])
    assert Enrollment.objects.filter(child=first.child, group=first.group).count() == 1


def in_status(status: str) -> dict:
    """Field values of an enrollment in `status` (an active one was accepted)."""
    return {"status": status, "accepted_at": timezone.now() if status == EnrollmentStatus.ACTIVE else None}


@pytest.mark.parametrize("existing", LIVE_STATUSES)
@pytest.mark.parametrize("new", LIVE_STATUSES)
def test_any_two_live_applications_refused(existing, new):
    first = EnrollmentFactory(**in_status(existing))
    with refused("enrollment_one_live_per_child_group", errorcodes.UNIQUE_VIOLATION):
        Enrollment.objects.bulk_create([again(first, **in_status(new))])


@pytest.mark.parametrize(
    "ended",
    [
        EnrollmentStatus.CANCELLED,
        EnrollmentStatus.REJECTED,
        EnrollmentStatus.EXPIRED,
        EnrollmentStatus.TERMINATED,
    ],
)
def test_new_application_allowed_after_the_first_ended(ended):
    first = EnrollmentFactory()
    accepted = {"accepted_at": timezone.now(), "accepted_by": first.applicant}
    Enrollment.objects.filter(pk=first.pk).update(status=ended, **accepted)

    second = again(first)
    second.save()
    # Ended ones do not count: a third try after the second ends is fine too.
    Enrollment.objects.filter(pk=second.pk).update(status=ended, **accepted)
    again(first).save()
    assert Enrollment.objects.filter(child=first.child, group=first.group).count() == 3


def test_ended_application_cannot_be_revived_next_to_a_live_one():
    first = EnrollmentFactory(cancelled=True)
    again(first).save()
    with refused("enrollment_one_live_per_child_group", errorcodes.UNIQUE_VIOLATION):
        Enrollment.objects.filter(pk=first.pk).update(status=EnrollmentStatus.SUBMITTED)


def test_same_child_may_apply_to_another_group():
    first = EnrollmentFactory()
    EnrollmentFactory(child=first.child, certificate=first.certificate, group=GroupFactory())


def test_a_contract_without_the_parents_acceptance_is_refused():
    """A provider can never make a contract ACTIVE: the database wants who accepted it and when."""
    offered = EnrollmentFactory(offered=True)
    parent = offered.applicant
    with refused("enrollment_contract_was_accepted"):
        Enrollment.objects.filter(pk=offered.pk).update(status=EnrollmentStatus.ACTIVE)
    with refused("enrollment_contract_was_accepted"):
        Enrollment.objects.filter(pk=offered.pk).update(status=EnrollmentStatus.ACTIVE, accepted_at=timezone.now())
    with refused("enrollment_contract_was_accepted"):
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE enrollments_enrollment SET status = 'TERMINATED', accepted_by_id = %s WHERE id = %s",
                [parent.pk, offered.pk],
            )
    Enrollment.objects.filter(pk=offered.pk).update(
        status=EnrollmentStatus.ACTIVE, accepted_at=timezone.now(), accepted_by=parent
    )


def test_only_a_confirmed_parent_of_the_child_can_have_accepted():
    offered = EnrollmentFactory(offered=True)
    stranger = ParentFactory()
    typed_in = ParentFactory()
    claim_on(offered.child, user=typed_in)  # typed in by hand: a claim, no link
    for user in (stranger, typed_in):
        with refused("only a confirmed parent of the child accepts a contract"):
            Enrollment.objects.filter(pk=offered.pk).update(
                status=EnrollmentStatus.ACTIVE, accepted_at=timezone.now(), accepted_by=user
            )


def test_a_contract_inserted_as_accepted_by_someone_not_a_confirmed_parent_is_refused():
    offered = EnrollmentFactory(offered=True)
    typed_in = ParentFactory()
    claim_on(offered.child, user=typed_in)
    Enrollment.objects.filter(pk=offered.pk).update(status=EnrollmentStatus.CANCELLED)
    for user in (ParentFactory(), typed_in):
        with refused("only a confirmed parent of the child accepts a contract"):
            Enrollment.objects.bulk_create(
                [again(offered, status=EnrollmentStatus.ACTIVE, accepted_at=timezone.now(), accepted_by=user)]
            )
    assert Enrollment.objects.filter(child=offered.child).count() == 1


def test_the_acceptor_of_a_contract_cannot_be_swapped_for_a_stranger():
    active = EnrollmentFactory(active=True)

    with refused("only a confirmed parent of the child accepts a contract"):
        Enrollment.objects.filter(pk=active.pk).update(accepted_by=ParentFactory())
    with refused("only a confirmed parent of the child accepts a contract"):
        Enrollment.objects.filter(pk=active.pk).update(status=EnrollmentStatus.TERMINATED, accepted_by=ParentFactory())


def test_contract_keeps_its_acceptance():
    active = EnrollmentFactory(active=True)
    with refused("enrollment_contract_was_accepted"):
        Enrollment.objects.filter(pk=active.pk).update(accepted_at=None)
    with refused("enrollment_contract_was_accepted"):
        Enrollment.objects.filter(pk=active.pk).update(accepted_by=None)


def test_enrollment_price_never_negative():
    enrollment = EnrollmentFactory()
    with refused("enrollment_price_not_negative"):
        Enrollment.objects.filter(pk=enrollment.pk).update(lesson_price=Decimal("-0.01"))


# --- Contract reserves: the trigger of migrations/sql/0003_contracts.sql ------------------------------------


def reserve_on(account, enrollment: Enrollment, amount: Decimal, *, row_amount: Decimal | None = None) -> ReserveEntry:
    """A RESERVE (+) or RELEASE (−) ledger entry on `account`, and the contract's row for it, written as
    plain INSERTs (the services are not involved)."""
    entry = LedgerEntryFactory(
        account=account,
        kind=LedgerEntry.Kind.RESERVE if amount > 0 else LedgerEntry.Kind.RELEASE,
        nominal_delta=ZERO,
        reserved_delta=amount,
    )
    return ReserveEntry.objects.create(
        enrollment=enrollment, ledger_entry=entry, amount=amount if row_amount is None else row_amount
    )


def test_a_reserve_row_moves_the_contracts_remaining_reserve():
    row = ReserveEntryFactory()
    account = row.ledger_entry.account

    reserve_on(account, row.enrollment, Decimal("-400.00"))

    row.enrollment.refresh_from_db()
    account.refresh_from_db()
    assert row.enrollment.reserve_remaining == Decimal("600.00")
    assert account.reserved == Decimal("600.00")


def test_a_reserve_released_twice_is_refused():
    """The account still has another contract's reserve, so only the contract's own CHECK can refuse."""
    row = ReserveEntryFactory()
    account = row.ledger_entry.account
    other_contract = EnrollmentFactory(
        active=True,
        child=row.enrollment.child,
        certificate=row.enrollment.certificate,
        applicant=row.enrollment.applicant,
    )
    reserve_on(account, other_contract, Decimal("1000.00"))
    reserve_on(account, row.enrollment, Decimal("-1000.00"))

    with refused("enrollment_money_not_negative"):
        reserve_on(account, row.enrollment, Decimal("-1000.00"))

    row.enrollment.refresh_from_db()
    account.refresh_from_db()
    assert (row.enrollment.reserve_remaining, account.reserved) == (ZERO, Decimal("1000.00"))
    assert ReserveEntry.objects.filter(enrollment=row.enrollment).count() == 2


def test_a_reserve_row_on_another_childs_account_is_refused():
    contract = EnrollmentFactory(active=True)
    someone_elses = funded_account(certificate=CertificateFactory())

    with refused("another certificate's account"):
        reserve_on(someone_elses, contract, Decimal("100.00"))

    contract.refresh_from_db()
    assert contract.reserve_remaining == ZERO


def test_a_reserve_row_must_match_its_ledger_entry():
    contract = EnrollmentFactory(active=True)
    account = funded_account(certificate=contract.certificate)

    with refused("does not match its ledger entry"):
        reserve_on(account, contract, Decimal("100.00"), row_amount=Decimal("10.00"))


def test_a_reserve_row_cannot_point_at_a_debit_or_an_opening():
    contract = EnrollmentFactory(active=True)
    account = funded_account(certificate=contract.certificate)
    opening = LedgerEntry.objects.get(account=account, kind=LedgerEntry.Kind.OPEN)

    with refused("does not match its ledger entry"):
        ReserveEntry.objects.create(enrollment=contract, ledger_entry=opening, amount=Decimal("1.00"))


def test_reserve_rows_are_append_only():
    row = ReserveEntryFactory()

    with refused("append-only", errorcodes.RESTRICT_VIOLATION):
        ReserveEntry.objects.filter(pk=row.pk).update(amount=Decimal("1.00"))
    with refused("append-only", errorcodes.RESTRICT_VIOLATION):
        ReserveEntry.objects.filter(pk=row.pk).update(enrollment=EnrollmentFactory(active=True))
    with refused("append-only", errorcodes.RESTRICT_VIOLATION):
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM enrollments_reserveentry WHERE id = %s", [row.pk])
    assert ReserveEntry.objects.get(pk=row.pk).amount == Decimal("1000.00")


def test_the_remaining_reserve_changes_only_through_reserve_rows():
    row = ReserveEntryFactory()

    with refused("reserve changes only through its reserve rows", errorcodes.RESTRICT_VIOLATION):
        Enrollment.objects.filter(pk=row.enrollment_id).update(reserve_remaining=ZERO)
    with refused("reserve changes only through its reserve rows", errorcodes.RESTRICT_VIOLATION):
        Enrollment.objects.filter(pk=row.enrollment_id).update(reserve_remaining=Decimal("5000.00"))
    # The trigger's flag is transaction-local and off again after a reserve row: it does not leak.
    reserve_on(row.ledger_entry.account, row.enrollment, Decimal("-100.00"))
    with refused("reserve changes only through its reserve rows", errorcodes.RESTRICT_VIOLATION):
        Enrollment.objects.filter(pk=row.enrollment_id).update(reserve_remaining=ZERO)


def test_an_enrollment_starts_with_no_reserve():
    with refused("an enrollment starts with no reserve"):
        EnrollmentFactory(reserve_remaining=Decimal("100.00"))


def test_a_contract_accepted_by_the_provider_staff_is_refused():
    """A provider's user is no parent of the child: the trigger refuses it as the acceptor."""
    offered = EnrollmentFactory(offered=True)
    staff = ProviderStaffFactory(provider=offered.group.program.provider)

    with refused("only a confirmed parent of the child accepts a contract"):
        Enrollment.objects.filter(pk=offered.pk).update(
            status=EnrollmentStatus.ACTIVE, accepted_at=timezone.now(), accepted_by=staff
        )
