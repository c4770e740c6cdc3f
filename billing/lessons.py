"""A provider's lessons as its staff see them on the day (reads): today's lessons of every group, by
time, each with whether the provider cancelled it. The calendar is the group's weekly schedule between
its dates (catalog.calendar); the Lesson rows of the date say what the provider changed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time

from django.db.models import Exists, OuterRef
from django.utils import timezone

from billing.models import Lesson
from catalog.models import Group, ScheduleSlot


@dataclass(frozen=True)
class DayLesson:
    """One lesson of a group on a day; `register_date` is where its register opens."""

    group: Group
    date: date
    start: time
    end: time
    room: str
    cancelled: bool
    cancel_reason: str


def provider_lessons_on(*, provider_id: int, day: date | None = None) -> list[DayLesson]:
    """The provider's lessons on `day` (today by default), by start time then program and group: one per
    schedule slot of that weekday of each group running that day. Three queries whatever the number of
    groups: the groups, their schedules, the day's lesson rows."""
    day = day or timezone.localdate()
    slots_that_day = ScheduleSlot.objects.filter(group=OuterRef("pk"), weekday=day.weekday())
    groups = (
        Group.objects.filter(program__provider_id=provider_id, start_date__lte=day, end_date__gte=day)
        .filter(Exists(slots_that_day))
        .select_related("program")
        .prefetch_related("schedule")
    )
    rows = {
        row.group_id: row
        for row in Lesson.objects.filter(group__program__provider_id=provider_id, date=day).only(
            "group_id", "cancelled", "cancel_reason"
        )
    }
    lessons = []
    for group in groups:
        row = rows.get(group.pk)
        for slot in group.schedule.all():
            if slot.weekday != day.weekday():
                continue
            lessons.append(
                DayLesson(
                    group=group,
                    date=day,
                    start=slot.start_time,
                    end=slot.end_time,
                    room=slot.room,
                    cancelled=bool(row and row.cancelled),
                    cancel_reason=row.cancel_reason if row else "",
                )
            )
    return sorted(lessons, key=lambda item: (item.start, item.group.program.title, item.group.name, item.group.pk))
