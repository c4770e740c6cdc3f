"""The lesson calendar a group's weekly schedule generates (pure functions: no database access).

One lesson per schedule slot per week, between the group's start and end dates. Single lessons moved or
cancelled by the provider come with the provider workplace; until then the weekly schedule is the
calendar.
"""

from __future__ import annotations

from collections.abc import Iterable
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


def group_lesson_dates(group, *, start: date, end: date) -> list[date]:
    """The group's lessons from `start` to `end`, within its own dates (uses the prefetched or fetched
    `group.schedule`)."""
    return lesson_dates(
        weekdays=[slot.weekday for slot in group.schedule.all()],
        start=max(start, group.start_date),
        end=min(end, group.end_date),
    )


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
