"""The lesson calendar a group's weekly schedule generates (pure functions: no database access).

One lesson per schedule slot per week, between the group's start and end dates. Single lessons moved or
cancelled by the provider are kept by billing (its Lesson rows); whoever counts a group's lessons with
them passes them in as CalendarChanges, since this layer reads no rows above it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta


def lesson_dates(*, weekdays: Iterable[int], start: date, end: date) -> list[date]:
    """Every lesson date from `start` to `end` inclusive, one per slot on its weekday (0 = Monday); a
    weekday with two slots gives that date twice (two lessons)."""
    slots = sorted(weekdays)
    if start > end or not slots:
        return []
    dates = []
    day = start
    while day <= end:
        dates.extend(day for weekday in slots if weekday == day.weekday())
        day += timedelta(days=1)
    return dates


@dataclass(frozen=True)
class CalendarChanges:
    """A group's single-lesson changes: dates the provider cancelled (a moved lesson's old date too) and
    lesson dates outside the weekly schedule (a moved lesson's new date, or an added lesson)."""

    cancelled: frozenset[date] = frozenset()
    extra: tuple[date, ...] = ()


def group_lesson_dates(group, *, start: date, end: date, changes: CalendarChanges | None = None) -> list[date]:
    """The group's lessons from `start` to `end`, within its own dates (uses the prefetched or fetched
    `group.schedule`); with `changes`, without the cancelled dates and with the extra ones, in order."""
    start, end = max(start, group.start_date), min(end, group.end_date)
    dates = lesson_dates(weekdays=[slot.weekday for slot in group.schedule.all()], start=start, end=end)
    if changes is None:
        return dates
    dates = [day for day in dates if day not in changes.cancelled]
    dates.extend(day for day in changes.extra if start <= day <= end and day not in changes.cancelled)
    return sorted(dates)


def working_days_after(day: date, days: int) -> date:
    """The date `days` working days (Monday to Friday) after `day`."""
    while days > 0:
        day += timedelta(days=1)
        if day.weekday() < 5:
            days -= 1
    return day


def month_last_day(day: date) -> date:
    following = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return following - timedelta(days=1)
