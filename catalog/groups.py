"""A provider's groups: created and edited by the organisation's manager, with a weekly schedule that never
overlaps for the same teacher or room.

Seats are the enrollment service's: a group is created with its capacity, but a later change of capacity
(never below the seats held; a raise promotes the waiting list) and reopening enrollment go through
enrollments.services under the group lock, which the door calls after `group_update` has checked the rest.

What a parent is told about a group (pure functions, no queries): its state on a day (`group_state`) and
the lessons its schedule plans in the month a contract would first run whole (`group_month_lessons`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time, timedelta
from enum import StrEnum

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role
from accounts.roles import PROVIDER_MANAGER, TEACHER, user_has_role
from catalog.calendar import group_lesson_dates, month_last_day
from catalog.models import Group, Program, ScheduleSlot
from core.errors import DomainError, Forbidden, NotFound

# pg_advisory_xact_lock's first key for schedule checks; the second is the provider's id. Two managers
# saving overlapping slots at once are checked one after the other.
SCHEDULE_LOCK_SPACE = 71_012


class GroupNotFound(NotFound):
    pass


class ScheduleClash(DomainError):
    code = "schedule_clash"


@dataclass(frozen=True)
class Slot:
    weekday: int
    start: time
    end: time
    room: str = ""


def _manager(actor) -> None:
    if not (actor.role == Role.PROVIDER and actor.provider_id and user_has_role(actor, PROVIDER_MANAGER)):
        raise Forbidden(_("Группы ведёт руководитель организации."))


def _invalid(field: str, message: str) -> DomainError:
    return DomainError(message, code="invalid", fields={field: [message]})


def teacher_resolve(*, provider_id: int, teacher) -> tuple[str, object | None]:
    """The teacher's name and account from an account id (a teacher of the organisation) or a full name.
    A name is taken as it is only while the organisation has no teacher accounts; with accounts, it must
    be one of theirs."""
    User = get_user_model()
    teachers = User.objects.filter(provider_id=provider_id, is_active=True, groups__name=TEACHER)
    if isinstance(teacher, int) or (isinstance(teacher, str) and teacher.strip().isdigit()):
        account = teachers.filter(pk=int(teacher)).first()
        if account is None:
            raise _invalid("teacher", _("Педагог не найден среди сотрудников организации."))
        return account.full_name or account.username, account
    name = " ".join(str(teacher or "").split())
    if not name:
        raise _invalid("teacher", _("Укажите педагога."))
    accounts = list(teachers)
    for account in accounts:
        if account.full_name.casefold() == name.casefold():
            return account.full_name, account
    if accounts:
        raise _invalid("teacher", _("Выберите педагога из сотрудников организации."))
    return name[:200], None


def _slots(schedule) -> list[Slot]:
    slots = []
    for raw in schedule or []:
        slot = raw if isinstance(raw, Slot) else Slot(raw["weekday"], raw["start"], raw["end"], raw.get("room", ""))
        if not 0 <= slot.weekday <= 6:
            raise _invalid("schedule", _("День недели — от 0 (понедельник) до 6 (воскресенье)."))
        if slot.end <= slot.start:
            raise _invalid("schedule", _("Занятие должно заканчиваться позже, чем начинается."))
        slots.append(Slot(slot.weekday, slot.start, slot.end, " ".join(slot.room.split())))
    if not slots:
        raise _invalid("schedule", _("Добавьте в расписание хотя бы одно занятие."))
    return slots


def _slot_text(weekday: int, start: time, end: time) -> str:
    return f"{ScheduleSlot.Weekday(weekday).label} {start:%H:%M}–{end:%H:%M}"


def _clash_check(*, group: Group, slots: list[Slot]) -> None:
    """Refuse a schedule that overlaps itself, or another group of the organisation running over the same
    dates, for the same teacher or room; the message names the clash."""
    for i, a in enumerate(slots):
        for b in slots[i + 1 :]:
            if a.weekday == b.weekday and a.start < b.end and b.start < a.end:
                raise ScheduleClash(
                    _("Занятия группы пересекаются: %(a)s и %(b)s.")
                    % {"a": _slot_text(a.weekday, a.start, a.end), "b": _slot_text(b.weekday, b.start, b.end)},
                    fields={"schedule": [_("Занятия пересекаются.")]},
                )
    others = (
        ScheduleSlot.objects.filter(
            group__program__provider_id=group.program.provider_id,
            group__start_date__lte=group.end_date,
            group__end_date__gte=group.start_date,
            weekday__in={slot.weekday for slot in slots},
        )
        .exclude(group_id=group.pk)
        .select_related("group__program")
    )
    teacher_name = group.teacher.casefold()
    for other in others:
        for slot in slots:
            if not (slot.weekday == other.weekday and slot.start < other.end_time and other.start_time < slot.end):
                continue
            if group.teacher_user_id:
                same_teacher = other.group.teacher_user_id == group.teacher_user_id
            else:
                same_teacher = other.group.teacher_user_id is None and other.group.teacher.casefold() == teacher_name
            same_room = bool(slot.room) and slot.room.casefold() == other.room.casefold()
            if not (same_teacher or same_room):
                continue
            values = {
                "when": _slot_text(other.weekday, other.start_time, other.end_time),
                "group": f"{other.group.program.title} — {other.group.name}",
                "teacher": group.teacher,
                "room": slot.room,
            }
            message = (
                _("Педагог %(teacher)s в это время уже ведёт занятие: %(when)s, группа «%(group)s».")
                if same_teacher
                else _("Помещение «%(room)s» в это время занято: %(when)s, группа «%(group)s».")
            ) % values
            raise ScheduleClash(message, fields={"schedule": [message]})


def _dates_check(start_date: date, end_date: date, *, today: date, start_changed: bool) -> None:
    if start_changed and start_date < today:
        raise _invalid("start_date", _("Группа может начать занятия не раньше сегодняшнего дня."))
    if end_date < start_date:
        raise _invalid("end_date", _("Окончание занятий не может быть раньше начала."))


def _schedule_lock(provider_id: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [SCHEDULE_LOCK_SPACE, provider_id])


@transaction.atomic
def group_create(
    *,
    actor,
    program_id: int,
    name: str,
    teacher,
    capacity: int,
    start_date: date,
    end_date: date,
    schedule,
    enrollment_open: bool = True,
    today: date | None = None,
) -> Group:
    """A new group of one of the organisation's programs (not archived) with its weekly schedule. It may
    start today, not earlier."""
    _manager(actor)
    program = (
        Program.objects.filter(pk=program_id, provider_id=actor.provider_id)
        .exclude(status=Program.Status.ARCHIVED)
        .first()
    )
    if program is None:
        raise _invalid("program", _("Программа не найдена среди программ организации."))
    name = " ".join((name or "").split())
    if not name:
        raise _invalid("name", _("Укажите название группы."))
    if not capacity or capacity < 1:
        raise _invalid("capacity", _("Мест должно быть не меньше одного."))
    _dates_check(start_date, end_date, today=today or timezone.localdate(), start_changed=True)
    teacher_name, account = teacher_resolve(provider_id=actor.provider_id, teacher=teacher)
    slots = _slots(schedule)
    group = Group(
        program=program,
        name=name[:200],
        teacher=teacher_name,
        teacher_user=account,
        capacity=capacity,
        start_date=start_date,
        end_date=end_date,
        enrollment_open=enrollment_open,
    )
    _schedule_lock(actor.provider_id)
    _clash_check(group=group, slots=slots)
    group.save()
    ScheduleSlot.objects.bulk_create(
        [ScheduleSlot(group=group, weekday=s.weekday, start_time=s.start, end_time=s.end, room=s.room) for s in slots]
    )
    return group


def own_group(*, actor, group_id: int) -> Group:
    """The organisation's group with its program, or GroupNotFound (another organisation's group too)."""
    group = (
        Group.objects.select_related("program").filter(Q(program__provider_id=actor.provider_id), pk=group_id).first()
    )
    if group is None:
        raise GroupNotFound(_("Группа не найдена."))
    return group


def group_update(*, actor, group_id: int, changes: dict, check_only: bool = False, today: date | None = None) -> Group:
    """Change a group's name, teacher, dates, schedule (replaced whole) or close its enrollment, checked as
    group_create checks. Capacity and reopening are not here (enrollments.services, under the group lock).
    `check_only` checks without saving, so that the door can refuse everything before changing seats."""
    _manager(actor)
    with transaction.atomic():
        group = own_group(actor=actor, group_id=group_id)
        if "name" in changes:
            group.name = " ".join((changes["name"] or "").split())[:200]
            if not group.name:
                raise _invalid("name", _("Укажите название группы."))
        if "teacher" in changes:
            group.teacher, group.teacher_user = teacher_resolve(
                provider_id=actor.provider_id, teacher=changes["teacher"]
            )
        start_changed = "start_date" in changes and changes["start_date"] != group.start_date
        group.start_date = changes.get("start_date", group.start_date)
        group.end_date = changes.get("end_date", group.end_date)
        _dates_check(group.start_date, group.end_date, today=today or timezone.localdate(), start_changed=start_changed)
        if changes.get("enrollment_open") is False:
            group.enrollment_open = False
        if "schedule" in changes:
            slots = _slots(changes["schedule"])
        else:
            slots = [Slot(s.weekday, s.start_time, s.end_time, s.room) for s in group.schedule.all()]
        _schedule_lock(actor.provider_id)
        _clash_check(group=group, slots=slots)
        if check_only:
            transaction.set_rollback(True)
            return group
        group.save(update_fields=["name", "teacher", "teacher_user", "start_date", "end_date", "enrollment_open"])
        if "schedule" in changes:
            group.schedule.all().delete()
            ScheduleSlot.objects.bulk_create(
                [
                    ScheduleSlot(group=group, weekday=s.weekday, start_time=s.start, end_time=s.end, room=s.room)
                    for s in slots
                ]
            )
    return group


# --- What a parent is told about a group -----------------------------------------------------------------


class GroupState(StrEnum):
    ENROLLING = "enrolling"  # enrollment open, lessons not started, seats free
    JOINABLE = "joinable"  # lessons started, enrollment still open, seats free
    FULL = "full"  # enrollment open, no seat free: an application joins the waiting list
    CLOSED = "closed"  # the provider closed enrollment
    ENDED = "ended"  # the last lesson day has passed

    @property
    def label(self) -> str:
        return {
            GroupState.ENROLLING: _("идёт набор"),
            GroupState.JOINABLE: _("занятия идут, можно присоединиться"),
            GroupState.FULL: _("мест нет — можно встать в лист ожидания"),
            GroupState.CLOSED: _("набор закрыт"),
            GroupState.ENDED: _("занятия закончились"),
        }[self]

    @property
    def accepts_applications(self) -> bool:
        """An application is taken (a full group's joins the waiting list, enrollments.services)."""
        return self in (GroupState.ENROLLING, GroupState.JOINABLE, GroupState.FULL)


def group_state(group: Group, *, seats_left: int, today: date) -> GroupState:
    """The group's state on `today`, as enrollments.eligibility decides who may apply: a group is open
    while its enrollment flag is set and its end date has not passed (the start date does not close it:
    a child may join a running group); seats held are the enrollment service's (`seats_left`)."""
    if group.end_date < today:
        return GroupState.ENDED
    if not group.enrollment_open:
        return GroupState.CLOSED
    if seats_left <= 0:
        return GroupState.FULL
    return GroupState.ENROLLING if today < group.start_date else GroupState.JOINABLE


@dataclass(frozen=True)
class MonthLessons:
    month: date  # the first day of the month
    lessons: int  # lessons the group's weekly schedule plans in it (within the group's dates)
    whole: bool  # False: the group ends within this month, so `lessons` are its last ones
    # Lessons of a contract made today that come before the month (from today or the group's start):
    # the certificate pays for them first.
    before: int = 0


def group_month_lessons(group: Group, *, today: date) -> MonthLessons | None:
    """The lessons the group's schedule plans in the first calendar month a contract made today would run
    whole: the contract runs from the group's start or from today (enrollments.eligibility.contract_start),
    so it is that day's month when the day is the 1st, otherwise the month after. A group ending before
    that month is over gives its last (partial) month instead; None once the group has ended. Lessons the
    provider cancels or moves later are not known here: this is the schedule's plan."""
    start = max(today, group.start_date)
    if start > group.end_date:
        return None
    month = start if start.day == 1 else month_last_day(start) + timedelta(days=1)
    if month > group.end_date:
        month = start.replace(day=1)
    end = month_last_day(month)
    lessons = group_lesson_dates(group, start=max(month, start), end=end)
    before = group_lesson_dates(group, start=start, end=month - timedelta(days=1)) if month > start else []
    return MonthLessons(
        month=month, lessons=len(lessons), whole=month >= start and end <= group.end_date, before=len(before)
    )
