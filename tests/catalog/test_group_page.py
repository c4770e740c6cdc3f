"""What a parent is told about a group: its state on a day (catalog.groups.group_state), the lessons of the
first whole month of a contract (group_month_lessons), and a month priced per lesson (catalog.pricing)."""

import datetime
from decimal import Decimal

import pytest

from catalog.groups import GroupState, MonthLessons, group_month_lessons, group_state
from catalog.models import Group, Program, ScheduleSlot
from catalog.pricing import LessonPrice, month_cost, program_lesson_price
from tests.catalog.factories import GroupFactory, ScheduleSlotFactory

D = datetime.date
START, END = D(2026, 9, 1), D(2027, 5, 31)


def group(*, start=START, end=END, open_=True) -> Group:
    return Group(start_date=start, end_date=end, enrollment_open=open_, capacity=15)


# --- group_state -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("today", "seats_left", "state"),
    [
        (D(2026, 8, 20), 5, GroupState.ENROLLING),  # before the start
        (D(2026, 8, 31), 1, GroupState.ENROLLING),  # the day before the first lesson
        (START, 5, GroupState.JOINABLE),  # the first day: lessons have started
        (D(2026, 11, 29), 5, GroupState.JOINABLE),  # the 29 November
        (END, 1, GroupState.JOINABLE),  # the last day still takes a child (as eligibility does)
        (D(2027, 6, 1), 5, GroupState.ENDED),
        (D(2026, 8, 20), 0, GroupState.FULL),  # full before the start: the waiting list
        (D(2026, 11, 29), 0, GroupState.FULL),  # full while running
    ],
)
def test_open_group_state_follows_the_dates_and_seats(today, seats_left, state):
    assert group_state(group(), seats_left=seats_left, today=today) is state


@pytest.mark.parametrize("today", [D(2026, 8, 20), START, D(2026, 11, 29), END])
def test_closed_enrollment_is_closed_whatever_the_seats(today):
    assert group_state(group(open_=False), seats_left=5, today=today) is GroupState.CLOSED


def test_an_ended_group_is_ended_even_when_closed():
    assert group_state(group(open_=False), seats_left=0, today=D(2027, 6, 1)) is GroupState.ENDED


def test_which_states_take_applications_and_their_words():
    taking = {state for state in GroupState if state.accepts_applications}
    assert taking == {GroupState.ENROLLING, GroupState.JOINABLE, GroupState.FULL}
    assert GroupState.ENROLLING.label == "идёт набор"
    assert GroupState.CLOSED.label == "набор закрыт"
    assert GroupState.JOINABLE.label == "занятия идут, можно присоединиться"


# --- group_month_lessons (the schedule from the database: the group's prefetched or fetched slots) ----


def with_slots(weekdays, **dates) -> Group:
    created = GroupFactory(**dates)
    for weekday in weekdays:
        ScheduleSlotFactory(group=created, weekday=weekday)
    return created


MON, THU = ScheduleSlot.Weekday.MONDAY, ScheduleSlot.Weekday.THURSDAY


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("dates", "today", "expected"),
    [
        # Running since 1 September, seen on Sunday 29 November: December (7, 14, 21, 28); Monday
        # 30 November comes before it.
        ({"start_date": START, "end_date": END}, D(2026, 11, 29), MonthLessons(D(2026, 12, 1), 4, True, 1)),
        # Seen on the 1st: that month is whole.
        ({"start_date": START, "end_date": END}, D(2026, 12, 1), MonthLessons(D(2026, 12, 1), 4, True, 0)),
        # Starting on 11 January: February (1, 8, 15, 22), after 11, 18 and 25 January.
        (
            {"start_date": D(2027, 1, 11), "end_date": END},
            D(2026, 11, 29),
            MonthLessons(D(2027, 2, 1), 4, True, 3),
        ),
        # Starting on the 1st of a month: that month.
        ({"start_date": D(2027, 3, 1), "end_date": END}, D(2026, 11, 29), MonthLessons(D(2027, 3, 1), 5, True, 0)),
        # Ending on 16 December, seen on 5 December: no whole month left, its last lessons (7 and 14).
        ({"start_date": START, "end_date": D(2026, 12, 16)}, D(2026, 12, 5), MonthLessons(D(2026, 12, 1), 2, False)),
        # Ending on 20 December, seen on 1 December: December is the first, but not whole.
        ({"start_date": START, "end_date": D(2026, 12, 20)}, D(2026, 12, 1), MonthLessons(D(2026, 12, 1), 2, False)),
    ],
)
def test_month_lessons_are_the_first_whole_month_of_a_contract_made_today(dates, today, expected):
    assert group_month_lessons(with_slots([MON], **dates), today=today) == expected


@pytest.mark.django_db
def test_month_lessons_count_every_slot():
    twice = with_slots([MON, THU], start_date=START, end_date=END)
    # December 2026: Mondays 7, 14, 21, 28; Thursdays 3, 10, 17, 24, 31.
    assert group_month_lessons(twice, today=D(2026, 11, 29)) == MonthLessons(D(2026, 12, 1), 9, True, 1)


@pytest.mark.django_db
def test_an_ended_group_has_no_month():
    assert group_month_lessons(with_slots([MON], start_date=START, end_date=END), today=D(2027, 6, 1)) is None


# --- month_cost ------------------------------------------------------------------------------------


def per_lesson(price="300.00", normative="250.00", funding=Program.Funding.CERTIFICATE) -> LessonPrice:
    return program_lesson_price(
        Program(funding=funding, lesson_price=Decimal(price), normative_lesson_price=Decimal(normative))
    )


def test_a_month_is_its_lessons_times_the_lesson_split():
    cost = month_cost(per_lesson(), month=D(2026, 12, 1), lessons=9)
    assert (cost.price, cost.certificate_pays, cost.parent_pays) == (
        Decimal("2700.00"),
        Decimal("2250.00"),
        Decimal("450.00"),
    )


@pytest.mark.parametrize(
    ("limit", "certificate", "parents"),
    [
        (Decimal("10000.00"), "2250.00", "450.00"),  # the balance is enough
        (Decimal("1000.00"), "1000.00", "1700.00"),  # the rest is the parents'
        (Decimal("0.00"), "0.00", "2700.00"),
        (Decimal("-50.00"), "0.00", "2700.00"),  # what earlier lessons took first: never below zero
    ],
)
def test_the_childs_balance_limits_the_certificate_part(limit, certificate, parents):
    cost = month_cost(per_lesson(), month=D(2026, 12, 1), lessons=9, certificate_limit=limit)
    assert (cost.certificate_pays, cost.parent_pays) == (Decimal(certificate), Decimal(parents))
    assert cost.certificate_pays + cost.parent_pays == cost.price


def test_free_and_paid_months():
    free = month_cost(per_lesson("0.00", funding=Program.Funding.FREE), month=D(2026, 12, 1), lessons=9)
    assert (free.price, free.certificate_pays, free.parent_pays) == (Decimal("0.00"),) * 3
    paid = month_cost(per_lesson("450.00", funding=Program.Funding.PAID), month=D(2026, 12, 1), lessons=4)
    assert (paid.price, paid.certificate_pays, paid.parent_pays) == (
        Decimal("1800.00"),
        Decimal("0.00"),
        Decimal("1800.00"),
    )


def test_kopecks_add_up():
    cost = month_cost(per_lesson("333.33", "250.55"), month=D(2026, 12, 1), lessons=7)
    assert cost.price == Decimal("2333.31")
    assert cost.certificate_pays == Decimal("1753.85")
    assert cost.certificate_pays + cost.parent_pays == cost.price
