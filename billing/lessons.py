"""The lesson calendar of a provider's groups: the weekly schedule between the group's dates
(catalog.calendar) and the single lessons the provider changed, kept as Lesson rows: a cancelled
lesson (with its reason), a lesson moved within its day (its own time), and a lesson moved to another
date: the old date cancelled («перенесено на …») and an extra lesson on the new one (`moved_from`).

Reads: today's lessons of the provider (the workplace home), a group's coming and past lessons.
Writes: lesson_cancel and lesson_move. A change that alters what the contracts cost (a lesson fewer,
or on a date past a contract's end) goes through the enrollment service, which re-reserves the
certificate's share (enrollments.contracts.group_contracts_rereserve); the pupils' parents are told
(a notice each, e-mailed through the notices outbox). Lock order: core.locking rule 5.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, time, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from billing.models import Lesson
from catalog.calendar import CalendarChanges
from catalog.models import Group, ScheduleSlot
from catalog.selectors import staff_group_scope
from core.errors import DomainError, NotFound
from core.locking import lock_all
from enrollments.contracts import group_contracts_rereserve
from enrollments.models import Enrollment, EnrollmentStatus
from enrollments.services import notify_parents

REASON_MAX = Lesson._meta.get_field("cancel_reason").max_length
COMING_LIMIT = 60  # lessons listed ahead; a school year of two lessons a week is about 70
PAST_LIMIT = 30


class GroupNotFound(NotFound):
    code = "group_not_found"


class LessonChangeRefused(DomainError):
    code = "lesson_change_refused"


@dataclass(frozen=True)
class DayLesson:
    """One lesson of a group on a day, as the calendar shows it."""

    group: Group
    date: date
    start: time
    end: time
    room: str
    cancelled: bool = False
    cancel_reason: str = ""
    extra: bool = False  # outside the weekly schedule
    moved_from: date | None = None  # an extra lesson moved here from that date
    moved_to: date | None = None  # a cancelled lesson moved to that date

    @property
    def key(self) -> str:
        return self.date.isoformat()

    @property
    def hours(self) -> str:
        """«16:00–17:30» (a list of many lessons renders this faster than two time filters)."""
        return f"{self.start:%H:%M}–{self.end:%H:%M}"


def _day(value: date) -> str:
    return date_format(value, "d.m.Y")


def _lessons_of(group: Group, day: date, row: Lesson | None, slots=None) -> list[DayLesson]:
    """The group's lessons on `day`: its own row's (an extra lesson, or one moved within the day) or the
    schedule's slots of that weekday (`slots`, else the group's prefetched or fetched schedule); none
    when neither."""
    moved_to = getattr(row, "moved_to_date", None)
    common = {
        "group": group,
        "date": day,
        "cancelled": bool(row and row.cancelled),
        "cancel_reason": row.cancel_reason if row else "",
        "moved_to": moved_to,
    }
    if row is not None and row.start_time is not None:
        moved_from = row.moved_from.date if row.moved_from_id else None
        return [
            DayLesson(
                start=row.start_time, end=row.end_time, room=row.room, extra=row.extra, moved_from=moved_from, **common
            )
        ]
    if not group.start_date <= day <= group.end_date:
        return []
    return [
        DayLesson(start=slot.start_time, end=slot.end_time, room=slot.room, **common)
        for slot in (group.schedule.all() if slots is None else slots)
        if slot.weekday == day.weekday()
    ]


def _rows(queryset) -> list[Lesson]:
    """Lesson rows with the date they were moved from and to (one query)."""
    return list(
        queryset.select_related("moved_from").annotate(
            moved_to_date=Lesson.objects.filter(moved_from=OuterRef("pk")).values("date")[:1]
        )
    )


def provider_lessons_on(*, provider_id: int, day: date | None = None) -> list[DayLesson]:
    """The provider's lessons on `day` (today by default), by start time then program and group: the
    schedule's slots of that weekday of each group running that day, and the lessons moved there; a
    cancelled lesson is listed as such. Three queries whatever the number of groups: the groups, their
    schedules, the day's lesson rows."""
    day = day or timezone.localdate()
    slots_that_day = ScheduleSlot.objects.filter(group=OuterRef("pk"), weekday=day.weekday())
    extra_that_day = Lesson.objects.filter(group=OuterRef("pk"), date=day, extra=True)
    groups = (
        Group.objects.filter(program__provider_id=provider_id)
        .filter(Q(Exists(slots_that_day), start_date__lte=day, end_date__gte=day) | Q(Exists(extra_that_day)))
        .select_related("program")
        # What the cards show: a provider with hundreds of groups pays for every field it loads.
        .only("name", "teacher", "start_date", "end_date", "program__title")
    )
    # The day's slots of all the provider's groups in one query, rather than a prefetch per group.
    slots = defaultdict(list)
    for slot in ScheduleSlot.objects.filter(group__program__provider_id=provider_id, weekday=day.weekday()).order_by(
        "start_time", "pk"
    ):
        slots[slot.group_id].append(slot)
    rows = {
        row.group_id: row for row in _rows(Lesson.objects.filter(group__program__provider_id=provider_id, date=day))
    }
    lessons = [
        lesson for group in groups for lesson in _lessons_of(group, day, rows.get(group.pk), slots.get(group.pk, []))
    ]
    return sorted(lessons, key=lambda item: (item.start, item.group.program.title, item.group.name, item.group.pk))


def staff_group(*, staff, group_id: int) -> Group:
    """The group with its program and schedule, if the staff member may see it (their provider's; a
    teacher's own)."""
    group = (
        Group.objects.select_related("program__provider")
        .prefetch_related("schedule")
        .filter(staff_group_scope(staff=staff), pk=group_id)
        .first()
    )
    if group is None:
        raise GroupNotFound(_("Группа не найдена."))
    return group


def calendar_changes(group: Group) -> CalendarChanges:
    """The group's single-lesson changes as the calendar functions take them (one query)."""
    rows = Lesson.objects.filter(group=group).filter(Q(cancelled=True) | Q(extra=True)).values_list("date", "cancelled")
    rows = list(rows)
    return CalendarChanges(
        cancelled=frozenset(day for day, cancelled in rows if cancelled),
        extra=tuple(sorted(day for day, cancelled in rows if not cancelled)),
    )


@dataclass(frozen=True)
class GroupCalendar:
    group: Group
    today: date
    coming: list[DayLesson]  # from today, oldest first
    past: list[DayLesson]  # before today, newest first


def _calendar_days(group: Group, rows: dict[date, Lesson], start: date, end: date) -> list[DayLesson]:
    weekdays = {slot.weekday for slot in group.schedule.all()}
    days = set()
    day = max(start, group.start_date)
    while day <= min(end, group.end_date):
        if day.weekday() in weekdays:
            days.add(day)
        day += timedelta(days=1)
    days.update(day for day in rows if start <= day <= end)
    return [lesson for day in sorted(days) for lesson in _lessons_of(group, day, rows.get(day))]


def group_calendar(*, staff, group_id: int, today: date | None = None) -> GroupCalendar:
    """The group's lessons: the coming ones from today (at most COMING_LIMIT) and the past ones, newest
    first (at most PAST_LIMIT), each with what the provider changed. Raises GroupNotFound for another
    provider's group. Four queries."""
    today = today or timezone.localdate()
    group = staff_group(staff=staff, group_id=group_id)
    rows = {row.date: row for row in _rows(Lesson.objects.filter(group=group))}
    last_row = max(rows, default=group.end_date)
    coming = _calendar_days(group, rows, today, max(group.end_date, last_row))[:COMING_LIMIT]
    past = _calendar_days(group, rows, group.start_date, today - timedelta(days=1))[::-1][:PAST_LIMIT]
    return GroupCalendar(group=group, today=today, coming=coming, past=past)


RANGE_MAX_DAYS = 366  # a school year and a little: one request never walks the calendar further


def group_lessons_between(*, staff, group_id: int, start: date, end: date) -> tuple[Group, list[DayLesson]]:
    """The group's lessons from `start` to `end` (both included, at most RANGE_MAX_DAYS apart), each
    with what the provider changed, oldest first. Raises GroupNotFound for another provider's group (a
    teacher: a group not theirs), LessonChangeRefused for a backwards or too long range. Three queries."""
    if end < start:
        raise _refuse(_("Конец периода раньше его начала."), "to")
    if (end - start).days > RANGE_MAX_DAYS:
        raise _refuse(_("Период — не длиннее %(days)s дней.") % {"days": RANGE_MAX_DAYS}, "to")
    group = staff_group(staff=staff, group_id=group_id)
    rows = {row.date: row for row in _rows(Lesson.objects.filter(group=group, date__gte=start, date__lte=end))}
    return group, _calendar_days(group, rows, start, end)


def group_lesson(*, staff, group_id: int, date: date) -> tuple[Group, list[DayLesson]]:
    """The group and its lessons on `date` (empty: none that day)."""
    group = staff_group(staff=staff, group_id=group_id)
    row = next(iter(_rows(Lesson.objects.filter(group=group, date=date))), None)
    return group, _lessons_of(group, date, row)


# --- Changes -------------------------------------------------------------------------------------------


def _refuse(message: str, field: str) -> LessonChangeRefused:
    return LessonChangeRefused(message, fields={field: [message]})


def _clean_reason(reason: str, *, required: bool) -> str:
    reason = (reason or "").strip()
    if required and not reason:
        raise _refuse(_("Укажите причину: её увидят родители."), "reason")
    if len(reason) > REASON_MAX - 40:
        raise _refuse(_("Причина — не длиннее %(max)s символов.") % {"max": REASON_MAX - 40}, "reason")
    return reason


def _changeable(group: Group, day: date, today: date) -> Lesson | None:
    """Checks that the group has a lesson on `day` that may still change; returns its locked row, if
    any (created when the scheduled lesson has none yet)."""
    lessons = _lessons_of(group, day, Lesson.objects.filter(group=group, date=day).select_related("moved_from").first())
    if not lessons:
        raise _refuse(_("%(date)s у группы нет занятия.") % {"date": _day(day)}, "date")
    if day < today:
        raise _refuse(
            _("Занятие %(date)s уже прошло: отменить его можно в журнале посещаемости.") % {"date": _day(day)}, "date"
        )
    if lessons[0].cancelled:
        raise _refuse(_("Занятие %(date)s уже отменено.") % {"date": _day(day)}, "date")
    Lesson.objects.bulk_create([Lesson(group=group, date=day)], ignore_conflicts=True)
    return lock_all(Lesson.objects.filter(group=group, date=day))[0]


def _contracts_on(group: Group, days: list[date]) -> list[Enrollment]:
    """The group's contracts in force on any of `days`, with what a parents' notice needs."""
    covers = Q()
    for day in days:
        covers |= Q(starts_on__lte=day, ends_on__gte=day)
    return list(
        Enrollment.objects.filter(covers, group=group, status=EnrollmentStatus.ACTIVE)
        .select_related("child", "group__program")
        .prefetch_related("child__parents")
        .order_by("pk")
    )


def _time(value: time) -> str:
    return value.strftime("%H:%M")


@dataclass(frozen=True)
class LessonChange:
    lesson_id: int
    new_lesson_id: int | None
    parents_told: int  # contracts whose parents got a notice
    reserves_moved: int


@transaction.atomic(durable=True)
def lesson_cancel(*, staff, group_id: int, date: date, reason: str, today: date | None = None) -> LessonChange:
    """Cancel the group's lesson on `date` (today or later) with a reason the parents see: nobody pays
    for it, the contracts' reserves follow (a lesson fewer), and the pupils' parents are told."""
    today = today or timezone.localdate()
    group = staff_group(staff=staff, group_id=group_id)
    reason = _clean_reason(reason, required=True)
    lesson = _changeable(group, date, today)
    lesson.cancelled, lesson.cancel_reason = True, reason
    lesson.save(update_fields=["cancelled", "cancel_reason"])
    moved = group_contracts_rereserve(group_id=group.pk, changes=calendar_changes(group), today=today)
    contracts = _contracts_on(group, [date])
    with translation.override(settings.LANGUAGE_CODE):  # notices are stored in the portal's language
        body = _("Причина: %(reason)s. Это занятие не оплачивается.") % {"reason": reason}
    notify_parents(contracts, lambda e: _("Занятие %(date)s отменено") % {"date": _day(date)}, body)
    return LessonChange(lesson_id=lesson.pk, new_lesson_id=None, parents_told=len(contracts), reserves_moved=moved)


@transaction.atomic(durable=True)
def lesson_move(
    *,
    staff,
    group_id: int,
    date: date,
    new_date: date,
    start: time,
    end: time,
    room: str = "",
    reason: str = "",
    today: date | None = None,
) -> LessonChange:
    """Move the group's lesson on `date` to `new_date` at `start`–`end` (today or later, within the
    group's dates, on a day the group has no lesson yet), or to another time the same day. The old date
    is cancelled («перенесено на …») and an extra lesson is made on the new one; the contracts' reserves
    follow the changed calendar; the pupils' parents are told."""
    today = today or timezone.localdate()
    group = staff_group(staff=staff, group_id=group_id)
    reason = _clean_reason(reason, required=False)
    room = (room or "").strip()[:100]
    if end <= start:
        raise _refuse(_("Занятие должно заканчиваться позже, чем начинается."), "end")
    if new_date < today:
        raise _refuse(_("Перенести занятие можно только на сегодня или позже."), "new_date")
    if not group.start_date <= new_date <= group.end_date:
        raise _refuse(
            _("Группа занимается с %(start)s по %(end)s: выберите дату в эти сроки.")
            % {"start": _day(group.start_date), "end": _day(group.end_date)},
            "new_date",
        )
    if new_date != date and (
        Lesson.objects.filter(group=group, date=new_date).exists() or _lessons_of(group, new_date, None)
    ):
        raise _refuse(
            _("%(date)s у группы уже есть занятие: выберите другой день.") % {"date": _day(new_date)}, "new_date"
        )
    lesson = _changeable(group, date, today)
    when = f"{_day(new_date)} {_time(start)}–{_time(end)}" + (f", {room}" if room else "")
    with translation.override(settings.LANGUAGE_CODE):  # notices and reasons are stored in the portal's language
        moved_note = _("перенесено на %(when)s") % {"when": when}
        body = _("Новое время: %(when)s.") % {"when": when}
        if reason:
            body = f"{body} " + _("Причина: %(reason)s.") % {"reason": reason}
    new_lesson = None
    if new_date == date:
        lesson.start_time, lesson.end_time, lesson.room = start, end, room or lesson.room
        lesson.save(update_fields=["start_time", "end_time", "room"])
    else:
        lesson.cancelled = True
        lesson.cancel_reason = f"{moved_note}. {reason}" if reason else moved_note
        lesson.save(update_fields=["cancelled", "cancel_reason"])
        new_lesson = Lesson.objects.create(
            group=group, date=new_date, extra=True, start_time=start, end_time=end, room=room, moved_from=lesson
        )
    moved = group_contracts_rereserve(group_id=group.pk, changes=calendar_changes(group), today=today)
    contracts = _contracts_on(group, sorted({date, new_date}))
    notify_parents(contracts, lambda e: _("Занятие %(date)s перенесено") % {"date": _day(date)}, body)
    return LessonChange(
        lesson_id=lesson.pk,
        new_lesson_id=new_lesson.pk if new_lesson else None,
        parents_told=len(contracts),
        reserves_moved=moved,
    )
