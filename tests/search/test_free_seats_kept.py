"""GroupFreeSeats, the search's trigger-kept fact behind «only groups with free seats»
(search/migrations/sql/0001_group_free_seats.sql): after every kind of write that can take or free a
seat, or change when an open group meets, the kept rows equal what counting the seats says; the nightly
refresh puts back what the date (or a raw write) changed; an acceptance (a seat kept, not taken) takes
no group lock; and a change of schedule racing a seat change in the same group waits for it, so the
later count sees the earlier seat.

The expected rows are computed here from the enrollments with Python's own rule
(enrollments.selectors.groups_with_seats over catalog.selectors.open_groups), not from the SQL."""

from __future__ import annotations

import datetime
import threading
import time

import psycopg2
import pytest
from django.db import connection, transaction

from catalog.models import Group, ScheduleSlot
from catalog.selectors import open_groups
from enrollments.models import Enrollment, EnrollmentStatus
from enrollments.selectors import groups_with_seats
from search.models import ANY_FREE_GROUP, GroupFreeSeats
from search.schedule import schedule_bit
from search.services import group_free_seats_refresh
from tests.catalog.factories import ProgramFactory
from tests.enrollments.factories import EnrollmentFactory
from tests.search.test_search import days, open_group, slot


def _part_of_day(start: datetime.time) -> int:
    return 0 if start < datetime.time(12) else 1 if start < datetime.time(17) else 2


def expected() -> dict[int, tuple[int, int]]:
    """Group id → (program id, bits) for every open group with a seat left, as counting the seats says."""
    rows = {}
    for group in groups_with_seats(open_groups()).filter(seats_left__gt=0):
        bits = ANY_FREE_GROUP
        for s in ScheduleSlot.objects.filter(group=group):
            bits |= schedule_bit(s.weekday, _part_of_day(s.start_time))
        rows[group.pk] = (group.program_id, bits)
    return rows


def kept() -> dict[int, tuple[int, int]]:
    return {g: (p, bits) for g, p, bits in GroupFreeSeats.objects.values_list("group_id", "program_id", "free_bits")}


def locked_by_another(group_id: int) -> bool:
    """Whether another transaction holds the group's row lock (probed from a connection of its own)."""
    probe = psycopg2.connect(**connection.get_connection_params())
    try:
        with probe.cursor() as cursor:
            cursor.execute("SELECT 1 FROM catalog_group WHERE id = %s FOR NO KEY UPDATE NOWAIT", [group_id])
        return False
    except psycopg2.errors.LockNotAvailable:
        return True
    finally:
        probe.close()


@pytest.mark.django_db
def test_the_kept_rows_follow_every_write_that_takes_or_frees_a_seat():
    monday_morning = schedule_bit(0, 0)
    chess = ProgramFactory(title="Шахматы")
    first = open_group(chess, capacity=2)
    slot(first, weekday=0, start="10:00")
    assert kept() == expected() == {first.pk: (chess.pk, ANY_FREE_GROUP | monday_morning)}

    a = EnrollmentFactory(group=first)
    b = EnrollmentFactory(group=first, offered=True)
    assert kept() == expected() == {}, "a full group"

    Enrollment.objects.filter(pk=a.pk).update(status=EnrollmentStatus.CANCELLED)
    assert kept() == expected() == {first.pk: (chess.pk, ANY_FREE_GROUP | monday_morning)}, "a seat freed"

    Group.objects.filter(pk=first.pk).update(capacity=1)
    assert kept() == expected() == {}, "capacity lowered under the seats held"
    Group.objects.filter(pk=first.pk).update(capacity=3)
    assert kept() == expected() == {first.pk: (chess.pk, ANY_FREE_GROUP | monday_morning)}, "capacity raised"

    ScheduleSlot.objects.filter(group=first).update(weekday=4, start_time=datetime.time(18), end_time=datetime.time(19))
    assert kept() == expected() == {first.pk: (chess.pk, ANY_FREE_GROUP | schedule_bit(4, 2))}, "lesson moved"

    second = open_group(chess, capacity=1)
    assert (
        kept()
        == expected()
        == {
            first.pk: (chess.pk, ANY_FREE_GROUP | schedule_bit(4, 2)),
            second.pk: (chess.pk, ANY_FREE_GROUP),
        }
    ), "a new group, no schedule yet"
    slot(second, weekday=1, start="15:00")
    assert kept()[second.pk] == expected()[second.pk] == (chess.pk, ANY_FREE_GROUP | schedule_bit(1, 1))

    Group.objects.filter(pk=first.pk).update(enrollment_open=False)
    assert kept() == expected() == {second.pk: (chess.pk, ANY_FREE_GROUP | schedule_bit(1, 1))}, "closed"

    Enrollment.objects.filter(pk=b.pk).update(group=second)
    assert kept() == expected() == {}, "moved into the other group, which it fills"

    Enrollment.objects.filter(pk=b.pk).delete()
    assert kept() == expected() == {second.pk: (chess.pk, ANY_FREE_GROUP | schedule_bit(1, 1))}

    leaving = EnrollmentFactory(group=second, active=True, status=EnrollmentStatus.TERMINATED, ends_on=days(10))
    assert kept() == expected() == {}, "a terminated contract holds its seat until its effective date"
    Enrollment.objects.filter(pk=leaving.pk).update(ends_on=days(-1))
    assert kept() == expected() == {second.pk: (chess.pk, ANY_FREE_GROUP | schedule_bit(1, 1))}

    football = ProgramFactory(title="Футбол")
    Group.objects.filter(pk=second.pk).update(program=football)
    assert kept() == expected() == {second.pk: (football.pk, ANY_FREE_GROUP | schedule_bit(1, 1))}, "group moved"

    Group.objects.filter(pk=second.pk).update(start_date=days(-30), end_date=days(-1))
    assert kept() == expected() == {}, "ended"
    third = open_group(football, capacity=4)
    Group.objects.filter(pk=third.pk).delete()
    assert kept() == expected() == {}, "a group deleted"


@pytest.mark.django_db(transaction=True)  # each write commits; the probe sees only committed locks
def test_an_acceptance_keeps_its_seat_and_takes_no_group_lock():
    """Acceptance locks the contract and the account, never the group (the lock order of issue 10): a
    change between two seat-holding statuses recomputes nothing. A change that frees the seat does,
    under the group's lock (the probe would see it)."""
    group = open_group(ProgramFactory(), capacity=1)
    offer = EnrollmentFactory(group=group, offered=True)
    with transaction.atomic():
        Enrollment.objects.filter(pk=offer.pk).update(
            status=EnrollmentStatus.ACTIVE,
            accepted_at=offer.created_at,
            accepted_by=offer.applicant,
            starts_on=group.start_date,
            ends_on=group.end_date,
        )
        assert not locked_by_another(group.pk)
    with transaction.atomic():
        Enrollment.objects.filter(pk=offer.pk).update(status=EnrollmentStatus.TERMINATED, ends_on=days(-1))
        assert locked_by_another(group.pk)
    assert kept() == expected() == {group.pk: (group.program_id, ANY_FREE_GROUP)}


@pytest.mark.django_db
def test_the_refresh_puts_back_what_the_date_or_a_raw_write_changed():
    groups = [open_group(ProgramFactory(title=f"Программа {i}"), capacity=1) for i in range(3)]
    for group in groups:
        slot(group, weekday=2, start="09:00")
    EnrollmentFactory(group=groups[0])
    truth = expected()
    assert kept() == truth and set(truth) == {groups[1].pk, groups[2].pk}

    with connection.cursor() as cursor:  # what no trigger sees: a day passing, a raw write, a TRUNCATE
        cursor.execute("DELETE FROM search_groupfreeseats WHERE group_id = %s", [groups[1].pk])
        cursor.execute(
            "UPDATE search_groupfreeseats SET free_bits = %s WHERE group_id = %s", [ANY_FREE_GROUP, groups[2].pk]
        )
        cursor.execute(
            "INSERT INTO search_groupfreeseats (group_id, program_id, free_bits) VALUES (%s, %s, %s)",
            [10**9, groups[0].program_id, ANY_FREE_GROUP],
        )

    assert group_free_seats_refresh(batch=2) == 3  # in batches of two groups, then the row of no group
    assert kept() == truth
    assert group_free_seats_refresh() == 0


@pytest.mark.django_db(transaction=True)
def test_a_schedule_change_racing_a_seat_change_counts_after_it():
    """The last seat taken (its transaction still open) while a manager moves the group's lesson: the
    schedule's trigger waits for the group's lock, then counts the seat. (Without the lock it would count
    from a snapshot without the seat, and write the full group back as free.)"""
    group = open_group(ProgramFactory(), capacity=1)
    slot(group, weekday=0, start="10:00")
    seat_taken, release = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def take_the_last_seat() -> None:
        try:
            with transaction.atomic():
                EnrollmentFactory(group=group)
                seat_taken.set()
                release.wait(30)
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    def move_the_lesson() -> None:
        try:
            seat_taken.wait(30)
            ScheduleSlot.objects.filter(group=group).update(weekday=3)
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=take_the_last_seat), threading.Thread(target=move_the_lesson)]
    for thread in threads:
        thread.start()
    waited = False
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and not waited:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            waited = cursor.fetchone()[0] == 1
        time.sleep(0.05)
    release.set()
    for thread in threads:
        thread.join(60)
    assert not errors
    assert kept() == expected() == {}
    assert waited, "the schedule change did not wait for the seat change"
