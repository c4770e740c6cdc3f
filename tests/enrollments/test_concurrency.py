"""Real parallel transactions on PostgreSQL: each thread is a request with its own connection, all
released at once by a barrier. The group's row lock hands out every seat once and keeps the waiting list
in arrival order (with the lock switched off the group is oversold, so the test does see the race); an
offer accepted and declined at once ends one way; a cancellation racing a promotion promotes each waiting
application once; the period's funded limit opens exactly as many accounts as it allows; first
applications at once get distinct certificate numbers."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest
from django.db import connection, transaction

from certificates.models import Certificate, CertificateAccount, FundedCertificateRequest, FundingPeriod, LedgerEntry
from certificates.services import certificate_issue
from core.errors import Busy
from enrollments.contracts import AcceptResult, NoFundedRoom, enrollment_accept, enrollment_accept_or_queue
from enrollments.models import Enrollment, EnrollmentEvent, EnrollmentStatus, ReserveEntry
from enrollments.selectors import group_seats_held, waiting_list, waiting_place
from enrollments.services import (
    TransitionNotAllowed,
    enrollment_apply,
    enrollment_cancel,
    group_capacity_change,
)
from tests.enrollments.factories import EnrollmentFactory, applied, child_in, group_with_lessons, offered, parent_of

pytestmark = pytest.mark.django_db(transaction=True)

MAX_RETRIES = 20


@pytest.fixture(autouse=True)
def _patient_locks(settings):
    """A crowd waits its turn on one group row: long enough that nobody is turned away as busy."""
    settings.LOCK_TIMEOUT_MS = 10_000


def at_once(calls: list[Callable[[], object]]) -> list[object]:
    """Run every call in its own thread, released together; each result or the exception it raised, in
    the order of `calls`. Every thread closes its own database connection."""
    barrier = threading.Barrier(len(calls))
    results: list[object] = [None] * len(calls)

    def run(index: int, call: Callable[[], object]) -> None:
        try:
            barrier.wait(timeout=30)
            results[index] = call()
        except Exception as error:  # judged by the test
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    return results


def retrying_busy(call: Callable[[], object], retries: list[int]) -> Callable[[], object]:
    """As a client does: on «busy, try again», wait a moment and try again (each retry counted)."""

    def attempt():
        for _ in range(MAX_RETRIES):
            try:
                return call()
            except Busy:
                retries.append(1)
                time.sleep(0.05)
        return call()

    return attempt


def errors_of(results: list[object]) -> list[Exception]:
    return [r for r in results if isinstance(r, Exception)]


# --- A crowd for one group -------------------------------------------------------------------------------


@pytest.mark.parametrize("locked", [True, False], ids=["group lock", "control: group lock off"])
def test_fifty_children_for_ten_seats_get_ten_seats_and_a_waiting_list_in_arrival_order(
    period, settings, locked, record_property
):
    settings.ENROLLMENT_GROUP_LOCK = locked
    group = group_with_lessons(capacity=10)
    children = [child_in(period) for _ in range(50)]
    # Not the municipality's first certificate: its number sequence exists (the first ones are made one
    # at a time under an advisory lock, which would queue this crowd before it reaches the group).
    certificate_issue(child=child_in(period))
    retries: list[int] = []

    results = at_once(
        [
            retrying_busy(
                lambda child=child: enrollment_apply(parent=parent_of(child), child_id=child.pk, group_id=group.pk),
                retries,
            )
            for child in children
        ]
    )

    record_property("busy_retries", len(retries))
    assert errors_of(results) == []
    assert Enrollment.objects.filter(group=group).count() == 50
    submitted = Enrollment.objects.filter(group=group, status=EnrollmentStatus.SUBMITTED).count()
    if not locked:
        # Without the lock every request counts the same free seats: the group is oversold.
        assert submitted > 10
        return
    assert submitted == 10
    assert group_seats_held(group_id=group.pk) == 10
    waiting = list(Enrollment.objects.filter(group=group, status=EnrollmentStatus.WAITING).order_by("pk"))
    assert len(waiting) == 40
    # Arrival order: the ids, the times and the places in line agree, and each parent was told the place
    # that is still theirs.
    assert waiting == list(waiting_list(group_id=group.pk))
    assert [waiting_place(enrollment=e) for e in waiting] == list(range(1, 41))
    told = {r.enrollment.pk: r.waiting_place for r in results}
    assert [told[e.pk] for e in waiting] == list(range(1, 41))
    assert len(retries) <= len(children)  # reported as busy_retries; with 10 s locks normally 0


# --- One offer, accepted and declined at once -------------------------------------------------------------


def test_an_offer_accepted_and_declined_at_once_ends_one_way(period):
    group = group_with_lessons(capacity=20)
    outcomes = set()
    for _ in range(6):
        offer = offered(child_in(period), group)
        parent = parent_of(offer.child)

        results = at_once(
            [
                lambda parent=parent, offer=offer: enrollment_accept(parent=parent, enrollment_id=offer.pk),
                lambda parent=parent, offer=offer: enrollment_cancel(
                    parent=parent, enrollment_id=offer.pk, only_offers=True
                ),
            ]
        )

        assert sum(isinstance(r, TransitionNotAllowed) for r in results) == 1
        assert [r for r in errors_of(results) if not isinstance(r, TransitionNotAllowed)] == []
        offer.refresh_from_db()
        outcomes.add(offer.status)
        assert EnrollmentEvent.objects.filter(enrollment=offer, from_status="OFFERED").count() == 1
        rows = list(ReserveEntry.objects.filter(enrollment=offer).values_list("amount", flat=True))
        accounts = CertificateAccount.objects.filter(certificate=offer.certificate)
        if offer.status == EnrollmentStatus.ACTIVE:
            assert offer.reserve_remaining > 0
            assert rows == [offer.reserve_remaining]
            assert accounts.get().reserved == offer.reserve_remaining
        else:
            assert offer.status == EnrollmentStatus.CANCELLED
            assert (offer.reserve_remaining, rows) == (0, [])
            assert all(account.reserved == 0 for account in accounts)
    assert outcomes <= {EnrollmentStatus.ACTIVE, EnrollmentStatus.CANCELLED}


# --- A seat freed while another change promotes --------------------------------------------------------


def two_holders_and_three_waiting(period):
    group = group_with_lessons(capacity=2)
    holders = [applied(child_in(period), group) for _ in range(2)]
    waiting = [applied(child_in(period), group) for _ in range(3)]
    assert [w.status for w in waiting] == ["WAITING"] * 3
    return group, holders, waiting


def assert_promoted_in_order_once(group, waiting, promoted: int) -> None:
    group.refresh_from_db()
    assert group_seats_held(group_id=group.pk) <= group.capacity
    statuses = [Enrollment.objects.get(pk=w.pk).status for w in waiting]
    assert statuses == ["SUBMITTED"] * promoted + ["WAITING"] * (len(waiting) - promoted)
    for enrollment in waiting[:promoted]:
        assert EnrollmentEvent.objects.filter(enrollment=enrollment, to_status="SUBMITTED").count() == 1


def test_a_cancellation_and_a_capacity_raise_at_once_promote_each_waiting_application_once(period):
    for _ in range(3):
        group, holders, waiting = two_holders_and_three_waiting(period)
        leaving = holders[0]

        results = at_once(
            [
                lambda leaving=leaving: enrollment_cancel(parent=parent_of(leaving.child), enrollment_id=leaving.pk),
                lambda group=group: group_capacity_change(group_id=group.pk, capacity=3),
            ]
        )

        assert errors_of(results) == []
        assert_promoted_in_order_once(group, waiting, promoted=2)
        assert group_seats_held(group_id=group.pk) == 3


def test_two_cancellations_at_once_promote_two_in_order(period):
    for _ in range(3):
        group, holders, waiting = two_holders_and_three_waiting(period)

        results = at_once(
            [
                lambda holder=holder: enrollment_cancel(parent=parent_of(holder.child), enrollment_id=holder.pk)
                for holder in holders
            ]
        )

        assert errors_of(results) == []
        assert_promoted_in_order_once(group, waiting, promoted=2)
        assert group_seats_held(group_id=group.pk) == 2


# --- The period's funded limit -----------------------------------------------------------------------------


def test_thirty_acceptances_against_ten_funded_places_open_ten_accounts_and_queue_the_rest(period):
    FundingPeriod.objects.filter(pk=period.pk).update(max_funded_certificates=10)
    group = group_with_lessons(capacity=30)
    offers = [EnrollmentFactory(child=child_in(period), group=group, offered=True) for _ in range(30)]
    assert not CertificateAccount.objects.exists()

    results = at_once(
        [
            lambda offer=offer: enrollment_accept_or_queue(parent=parent_of(offer.child), enrollment_id=offer.pk)
            for offer in offers
        ]
    )

    accepted = [o for o, r in zip(offers, results, strict=True) if isinstance(r, AcceptResult)]
    refused = [o for o, r in zip(offers, results, strict=True) if isinstance(r, NoFundedRoom)]
    assert (len(accepted), len(refused)) == (10, 20), [r for r in results if not isinstance(r, AcceptResult)]
    period.refresh_from_db()
    assert period.funded_accounts == 10
    accounts = CertificateAccount.objects.filter(period=period)
    assert sorted(accounts.values_list("certificate", flat=True)) == sorted(o.certificate_id for o in accepted)
    assert LedgerEntry.objects.filter(kind=LedgerEntry.Kind.OPEN, account__period=period).count() == 10
    assert Enrollment.objects.filter(pk__in=[o.pk for o in accepted], status="ACTIVE", funding="FUNDED").count() == 10
    assert Enrollment.objects.filter(pk__in=[o.pk for o in refused], status="OFFERED").count() == 20
    queued = FundedCertificateRequest.objects.filter(period=period, granted_at__isnull=True)
    assert sorted(queued.values_list("certificate", flat=True)) == sorted(o.certificate_id for o in refused)


def test_two_contracts_of_one_child_accepted_at_once_open_one_account_counted_once(period):
    """Both acceptances see no account and open one: the unique key makes the second find the first's,
    and only the one that created it counts it against the period's limit."""
    child = child_in(period)
    first = EnrollmentFactory(child=child, group=group_with_lessons(capacity=5), offered=True)
    second = EnrollmentFactory(
        child=child, certificate=first.certificate, group=group_with_lessons(capacity=5), offered=True
    )
    offers = [first, second]

    results = at_once(
        [lambda offer=offer: enrollment_accept(parent=parent_of(child), enrollment_id=offer.pk) for offer in offers]
    )

    assert errors_of(results) == []
    period.refresh_from_db()
    assert CertificateAccount.objects.filter(period=period).count() == 1
    assert period.funded_accounts == 1
    assert Enrollment.objects.filter(pk__in=[o.pk for o in offers], status="ACTIVE", funding="FUNDED").count() == 2


# --- Certificate numbers ----------------------------------------------------------------------------------


def test_thirty_first_applications_at_once_issue_thirty_distinct_certificate_numbers(period):
    group = group_with_lessons(capacity=30)
    children = [child_in(period) for _ in range(30)]
    assert not Certificate.objects.exists()
    retries: list[int] = []

    results = at_once(
        [
            retrying_busy(
                lambda child=child: enrollment_apply(parent=parent_of(child), child_id=child.pk, group_id=group.pk),
                retries,
            )
            for child in children
        ]
    )

    assert errors_of(results) == []
    numbers = list(Certificate.objects.values_list("number", flat=True))
    assert len(numbers) == len(set(numbers)) == 30
    assert all(number.startswith(f"71{period.municipality.code}") for number in numbers)
    assert {r.enrollment.certificate.number for r in results} == set(numbers)


def test_an_acceptance_kept_waiting_on_the_periods_counter_answers_busy(period, settings):
    """The funded-account counter is the last statement of an acceptance; when its row stays locked past
    LOCK_TIMEOUT_MS the parent gets «busy, try again» (a 409 at the door), not a server error, and
    nothing of the acceptance is kept; trying again once the row is free works."""
    settings.LOCK_TIMEOUT_MS = 200
    offer = EnrollmentFactory(child=child_in(period), group=group_with_lessons(), offered=True)
    holding, release = threading.Event(), threading.Event()

    def hold_the_period_row():
        try:
            with transaction.atomic():
                FundingPeriod.objects.select_for_update().get(pk=period.pk)
                holding.set()
                release.wait(timeout=10)
        finally:
            connection.close()

    holder = threading.Thread(target=hold_the_period_row)
    holder.start()
    try:
        assert holding.wait(timeout=10)
        with pytest.raises(Busy):
            enrollment_accept(parent=parent_of(offer.child), enrollment_id=offer.pk)
    finally:
        release.set()
        holder.join(timeout=10)

    offer.refresh_from_db()
    assert offer.status == EnrollmentStatus.OFFERED
    assert not CertificateAccount.objects.exists()
    assert enrollment_accept(parent=parent_of(offer.child), enrollment_id=offer.pk).changed
