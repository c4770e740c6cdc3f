"""The attendance register (журнал посещаемости) as provider staff keep it: a group's lesson calendar,
the register of one lesson (its pupils, their marks, the corrections) and saving it in one go.

Every lookup is scoped to the staff member's provider: another provider's group is simply not found.
A lesson date is a date of the group's calendar (its weekly schedule between its start and end,
catalog.calendar), never one ahead of today. The pupils of a lesson are the contracts in force on that
date (ACTIVE, or TERMINATED but not ended yet on that date). A mark is kept per pupil per lesson; each
change raises its version and writes an AttendanceCorrection (who, when, from, to): a charge is made
per mark version, so a correction after billing is found by the debit job and reversed there.

Marks may be changed until the provider's statement (акт) for the pupil's municipality and the month is
issued; after that every change of that lesson for that pupil is refused. Cancelling a lesson (or
taking the cancellation back) changes what every pupil of it owes, so it is refused once any of the
lesson's pupils' statements is issued.

Lock order (core.locking, rule 4): register_save locks the lesson row FOR NO KEY UPDATE (created first
when the date has none), then the lesson's marks in id order, then the marked pupils' enrollment rows
FOR SHARE in id order; never the group, an account or a statement. Two saves of one lesson queue on the
lesson row, so the second sees the first's marks and keeps its change as a correction. Marks come
before enrollments as in the debit job (which skips locked marks), so a save and the job never wait
on each other in a circle; FOR SHARE on the enrollment makes a termination wait for the save (and a
save wait for a termination), so no mark is written past a contract's last day.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from billing.models import AttendanceCorrection, AttendanceMark, AttendanceStatus, Lesson, Statement
from catalog.calendar import group_lesson_dates
from catalog.models import Group, ScheduleSlot
from catalog.selectors import staff_group_scope
from core.errors import Conflict, DomainError, NotFound
from core.locking import lock_wait_limited
from enrollments.models import Enrollment, EnrollmentStatus

# Contracts a register lists: in force, or terminated but still running on the lesson's date.
CONTRACT_STATUSES = (EnrollmentStatus.ACTIVE, EnrollmentStatus.TERMINATED)
# A statement in these statuses is frozen: the month's marks of its pupils no longer change.
FROZEN_STATEMENT_STATUSES = (Statement.Status.ISSUED, Statement.Status.PAID)
CANCEL_REASON_MAX = Lesson._meta.get_field("cancel_reason").max_length


# --- Refusals (each with its own code; nothing is saved) ----------------------------------------------


class GroupNotFound(NotFound):
    code = "group_not_found"


class NoLessonsYet(DomainError):
    code = "no_lessons_yet"


class DateInFuture(DomainError):
    code = "date_in_future"


class NotALessonDate(DomainError):
    code = "not_a_lesson_date"


class PupilNotInGroup(DomainError):
    code = "pupil_not_in_group"


class NoContractOnDate(DomainError):
    code = "no_contract_on_date"


class ContractEnded(DomainError):
    code = "contract_ended"


class InvalidMark(DomainError):
    code = "invalid_mark"


class CancelReasonRequired(DomainError):
    code = "cancel_reason_required"


class StatementIssued(Conflict):
    code = "statement_issued"


# --- The calendar --------------------------------------------------------------------------------------


def _today(today: date | None) -> date:
    return today or timezone.localdate()


def lesson_dates_for(group: Group, until: date | None = None, *, today: date | None = None) -> list[date]:
    """The group's lesson dates from its start up to `until` (today by default), never later than
    today, oldest first; a date with two lessons in the schedule is one register (one Lesson row).
    A lesson moved to another date or added (an extra Lesson row, billing.lessons) has its register on
    its own date; a cancelled or moved-away date keeps its register (it shows the cancellation).
    Uses the prefetched or fetched `group.schedule`, and one query for the extra lessons."""
    today = _today(today)
    until = min(until or today, today)
    extra = Lesson.objects.filter(group=group, extra=True, date__lte=until).values_list("date", flat=True)
    return sorted(set(group_lesson_dates(group, start=group.start_date, end=until)) | set(extra))


def default_lesson_date(dates: list[date], *, today: date | None = None) -> date | None:
    """Today's lesson if the group has one today, else its latest past lesson; None before its first."""
    today = _today(today)
    past = [day for day in dates if day <= today]
    return past[-1] if past else None


def has_lesson_today(group: Group, *, today: date | None = None) -> bool:
    today = _today(today)
    return group.start_date <= today <= group.end_date and any(
        slot.weekday == today.weekday() for slot in group.schedule.all()
    )


def _day(value: date) -> str:
    return date_format(value, "d.m.Y")


def _check_date(day: date, dates: list[date], *, today: date) -> None:
    if day > today:
        raise DateInFuture(
            _("Занятие %(date)s ещё не прошло: отметить его можно в день занятия.") % {"date": _day(day)},
            fields={"date": [_("Дата в будущем.")]},
        )
    if day not in dates:
        raise NotALessonDate(
            _("%(date)s у группы нет занятия по расписанию.") % {"date": _day(day)},
            fields={"date": [_("Выберите дату занятия из расписания группы.")]},
        )


# --- Reads ---------------------------------------------------------------------------------------------


def _staff_group(*, staff, group_id: int) -> Group:
    """The group with its program, provider and schedule, if it is the staff member's provider's."""
    group = (
        Group.objects.select_related("program__provider")
        .prefetch_related("schedule")
        .filter(staff_group_scope(staff=staff), pk=group_id)
        .first()
    )
    if group is None:
        raise GroupNotFound(_("Группа не найдена."))
    return group


def _contracts_on(group: Group, day: date) -> QuerySet[Enrollment]:
    """The group's contracts in force on `day`, by the child's name."""
    return (
        Enrollment.objects.filter(group=group, status__in=CONTRACT_STATUSES, starts_on__lte=day, ends_on__gte=day)
        .select_related("child", "certificate")
        .order_by("child__last_name", "child__first_name", "child__middle_name", "pk")
    )


def _paying_municipality(enrollment: Enrollment, group: Group) -> int:
    """The municipality whose statement pays for this pupil: the certificate's; the provider's when
    the contract has no certificate."""
    if enrollment.certificate_id is not None:
        return enrollment.certificate.municipality_id
    return group.program.provider.municipality_id


def _frozen_municipalities(group: Group, day: date) -> set[int]:
    """Municipalities whose statement of the provider for `day`'s month is issued or paid."""
    return set(
        Statement.objects.filter(
            provider_id=group.program.provider_id,
            month=day.replace(day=1),
            status__in=FROZEN_STATEMENT_STATUSES,
        )
        .order_by()
        .values_list("municipality_id", flat=True)
    )


def _frozen_message(day: date) -> str:
    return _("Акт за %(month)s уже выставлен: отметки за этот месяц больше не исправляются.") % {
        "month": date_format(day, "F Y").lower()
    }


@dataclass(frozen=True)
class RegisterRow:
    """One pupil of the lesson and their mark (status None: not marked yet)."""

    enrollment_id: int
    child_name: str
    status: str | None
    status_label: str
    version: int | None
    editable: bool
    note: str  # why the mark cannot be changed, when it cannot


@dataclass(frozen=True)
class CorrectionLine:
    enrollment_id: int
    child_name: str
    old_status: str
    old_label: str
    new_status: str
    new_label: str
    new_version: int
    changed_by: str
    changed_at: datetime


@dataclass(frozen=True)
class Register:
    group: Group
    date: date
    dates: list[date]  # every lesson date of the calendar up to today, oldest first
    previous_date: date | None
    next_date: date | None
    lesson_today: bool
    lesson_id: int | None
    cancelled: bool
    cancel_reason: str
    rows: list[RegisterRow]
    editable: bool  # False once a statement covering one of the pupils is issued
    frozen_message: str
    corrections: list[CorrectionLine]


def _person(user) -> str:
    if user is None:
        return _("сотрудник удалён")
    return user.get_full_name() or user.get_username()


_LABELS = dict(AttendanceStatus.choices)


def _label(status: str | None) -> str:
    return str(_LABELS.get(status, "")) if status else ""


def register_for(*, staff, group_id: int, date: date | None = None, today: date | None = None) -> Register:
    """The register of the group's lesson on `date` (today's lesson, else the latest past one, when
    None): the pupils with contracts in force that day, by name, their current marks, whether they
    may still be changed, and the lesson's corrections, oldest first. Raises GroupNotFound for another
    provider's group, NoLessonsYet before the first lesson, DateInFuture, NotALessonDate."""
    today = _today(today)
    group = _staff_group(staff=staff, group_id=group_id)
    dates = lesson_dates_for(group, today, today=today)
    if date is None:
        date = default_lesson_date(dates, today=today)
        if date is None:
            raise NoLessonsYet(
                _("У группы ещё не было занятий: первое — %(date)s.") % {"date": _day(_first_lesson(group))}
            )
    _check_date(date, dates, today=today)
    lesson = Lesson.objects.filter(group=group, date=date).first()
    marks = {}
    corrections: list[CorrectionLine] = []
    if lesson is not None:
        marks = {
            mark.enrollment_id: mark
            for mark in AttendanceMark.objects.filter(lesson=lesson).select_related("enrollment__child")
        }
        for correction in (
            AttendanceCorrection.objects.filter(mark__lesson=lesson)
            .select_related("changed_by", "mark__enrollment__child")
            .order_by("changed_at", "pk")
        ):
            corrections.append(
                CorrectionLine(
                    enrollment_id=correction.mark.enrollment_id,
                    child_name=correction.mark.enrollment.child.full_name,
                    old_status=correction.old_status,
                    old_label=_label(correction.old_status),
                    new_status=correction.new_status,
                    new_label=_label(correction.new_status),
                    new_version=correction.new_version,
                    changed_by=_person(correction.changed_by),
                    changed_at=correction.changed_at,
                )
            )
    frozen = _frozen_municipalities(group, date)
    rows = []
    listed = set()
    any_frozen = False
    for enrollment in _contracts_on(group, date):
        mark = marks.get(enrollment.pk)
        is_frozen = _paying_municipality(enrollment, group) in frozen
        any_frozen |= is_frozen
        listed.add(enrollment.pk)
        rows.append(
            RegisterRow(
                enrollment_id=enrollment.pk,
                child_name=enrollment.child.full_name,
                status=mark.status if mark else None,
                status_label=_label(mark.status if mark else None),
                version=mark.version if mark else None,
                editable=not is_frozen,
                note=_("акт за месяц выставлен") if is_frozen else "",
            )
        )
    # A mark of a pupil whose contract no longer covers the date (it was ended earlier) stays visible.
    for enrollment_id, mark in sorted(marks.items(), key=lambda item: item[1].enrollment.child.full_name):
        if enrollment_id in listed:
            continue
        rows.append(
            RegisterRow(
                enrollment_id=enrollment_id,
                child_name=mark.enrollment.child.full_name,
                status=mark.status,
                status_label=_label(mark.status),
                version=mark.version,
                editable=False,
                note=_("договор не действовал в этот день"),
            )
        )
    position = dates.index(date)
    return Register(
        group=group,
        date=date,
        dates=dates,
        previous_date=dates[position - 1] if position > 0 else None,
        next_date=dates[position + 1] if position + 1 < len(dates) else None,
        lesson_today=has_lesson_today(group, today=today),
        lesson_id=lesson.pk if lesson else None,
        cancelled=bool(lesson and lesson.cancelled),
        cancel_reason=lesson.cancel_reason if lesson else "",
        rows=rows,
        editable=not any_frozen,
        frozen_message=_frozen_message(date) if any_frozen else "",
        corrections=corrections,
    )


def _first_lesson(group: Group) -> date:
    upcoming = group_lesson_dates(group, start=group.start_date, end=group.end_date)
    return upcoming[0] if upcoming else group.start_date


# --- Saving ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SaveResult:
    lesson_id: int | None
    marked: int  # marks made for the first time
    corrected: int  # marks changed (each kept as a correction)
    cancellation_changed: bool


def _clean_marks(marks: Iterable[tuple[int, str]]) -> dict[int, str]:
    cleaned: dict[int, str] = {}
    for enrollment_id, status in marks:
        if status not in AttendanceStatus.values:
            raise InvalidMark(
                _("Неизвестная отметка «%(status)s»: возможны PRESENT, ABSENT, EXCUSED.") % {"status": status},
                fields={"marks": [_("Неизвестная отметка.")]},
            )
        if enrollment_id in cleaned:
            raise InvalidMark(
                _("Ученик №%(id)s отмечен дважды в одном запросе.") % {"id": enrollment_id},
                fields={"marks": [_("Повторная отметка.")]},
            )
        cleaned[enrollment_id] = status
    return cleaned


def _lock_lesson(group: Group, day: date) -> tuple[Lesson, dict[int, AttendanceMark]]:
    """The lesson row of the date, created when missing, locked FOR NO KEY UPDATE, and its marks by
    pupil, locked in id order. A concurrent save inserting the same row waits for it (the unique key),
    then both lock the one row in turn. Inside lock_wait_limited()."""
    Lesson.objects.bulk_create([Lesson(group=group, date=day)], ignore_conflicts=True)
    lesson = Lesson.objects.select_for_update(no_key=True).get(group=group, date=day)
    marks = AttendanceMark.objects.select_for_update(no_key=True).filter(lesson=lesson).order_by("pk")
    return lesson, {mark.enrollment_id: mark for mark in marks}


def _lock_pupils(group: Group, enrollment_ids: Iterable[int]) -> dict[int, Enrollment]:
    """The group's enrollments among `enrollment_ids`, locked FOR SHARE in id order (Django has no
    FOR SHARE), then read as committed after the lock: a termination that got there first is seen.
    Inside lock_wait_limited()."""
    ids = sorted(enrollment_ids)
    if not ids:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id FROM {Enrollment._meta.db_table} WHERE id = ANY(%s) AND group_id = %s ORDER BY id FOR SHARE",
            [ids, group.pk],
        )
        locked = [row[0] for row in cursor.fetchall()]
    return {e.pk: e for e in Enrollment.objects.select_related("child", "certificate").filter(pk__in=locked)}


def _check_pupil(enrollment: Enrollment | None, enrollment_id: int, day: date) -> None:
    if enrollment is None:
        raise PupilNotInGroup(
            _("Ученик №%(id)s не занимается в этой группе.") % {"id": enrollment_id},
            fields={"marks": [_("Ученик не из этой группы.")]},
        )
    name = enrollment.child.full_name
    if enrollment.status in CONTRACT_STATUSES and enrollment.ends_on is not None and enrollment.ends_on < day:
        raise ContractEnded(
            _("Договор с учеником %(child)s закончился %(end)s: занятие %(date)s отметить нельзя.")
            % {"child": name, "end": _day(enrollment.ends_on), "date": _day(day)},
            fields={"marks": [_("Договор закончился до занятия.")]},
        )
    if enrollment.status not in CONTRACT_STATUSES or enrollment.starts_on is None or enrollment.starts_on > day:
        raise NoContractOnDate(
            _("С учеником %(child)s %(date)s не было действующего договора.") % {"child": name, "date": _day(day)},
            fields={"marks": [_("Нет действующего договора на эту дату.")]},
        )


@transaction.atomic(durable=True)
def register_save(
    *,
    staff,
    group_id: int,
    date: date,
    marks: Iterable[tuple[int, str]] = (),
    cancelled: bool = False,
    reason: str = "",
    today: date | None = None,
) -> SaveResult:
    """Save the register of one lesson, all or nothing: each mark made or changed (an unchanged mark
    is left alone; a changed one gets version + 1 and an AttendanceCorrection), and the lesson
    cancelled with a reason (marks of a cancelled lesson are not billed) or not. Pupils left out of
    `marks` keep what they have.

    Refuses, saving nothing: another provider's group (GroupNotFound), a date ahead (DateInFuture) or
    not in the calendar (NotALessonDate), an unknown status or a pupil twice (InvalidMark), a pupil of
    another group (PupilNotInGroup), a date outside the pupil's contract (NoContractOnDate,
    ContractEnded), a cancellation without a reason (CancelReasonRequired), a change after the
    statement for that month is issued (StatementIssued); Busy when the lesson stays locked."""
    today = _today(today)
    group = _staff_group(staff=staff, group_id=group_id)
    _check_date(date, lesson_dates_for(group, today, today=today), today=today)
    wanted = _clean_marks(marks)
    reason = (reason or "").strip()
    if cancelled and not reason:
        raise CancelReasonRequired(
            _("Укажите причину отмены занятия."), fields={"reason": [_("Обязательное поле при отмене.")]}
        )
    if len(reason) > CANCEL_REASON_MAX:
        raise CancelReasonRequired(
            _("Причина отмены — не длиннее %(max)s символов.") % {"max": CANCEL_REASON_MAX},
            fields={"reason": [_("Слишком длинный текст.")]},
        )
    if not cancelled:
        reason = ""
    if not wanted and not cancelled and not Lesson.objects.filter(group=group, date=date, cancelled=True).exists():
        # Nothing to write: no lesson row is made for an empty register.
        return SaveResult(lesson_id=None, marked=0, corrected=0, cancellation_changed=False)

    with lock_wait_limited():
        lesson, existing = _lock_lesson(group, date)
        changes = {e: status for e, status in wanted.items() if e not in existing or existing[e].status != status}
        pupils = _lock_pupils(group, changes)
    for enrollment_id in sorted(changes):
        _check_pupil(pupils.get(enrollment_id), enrollment_id, date)

    cancellation_changed = lesson.cancelled != cancelled or lesson.cancel_reason != reason
    if changes or cancellation_changed:
        frozen = _frozen_municipalities(group, date)
        if frozen:
            affected = pupils.values()
            if cancellation_changed:
                affected = [*affected, *_contracts_on(group, date)]
            if any(_paying_municipality(e, group) in frozen for e in affected):
                raise StatementIssued(_frozen_message(date), fields={"marks": [_("Акт за месяц выставлен.")]})

    new_marks, changed_marks, corrections = [], [], []
    now = timezone.now()
    for enrollment_id, status in sorted(changes.items()):
        mark = existing.get(enrollment_id)
        if mark is None:
            new_marks.append(AttendanceMark(lesson=lesson, enrollment_id=enrollment_id, status=status, marked_by=staff))
            continue
        corrections.append(
            AttendanceCorrection(
                mark=mark, old_status=mark.status, new_status=status, new_version=mark.version + 1, changed_by=staff
            )
        )
        # `marked_by` stays who marked first; each later change is told by its correction row.
        mark.status, mark.version, mark.updated_at = status, mark.version + 1, now
        changed_marks.append(mark)
    # A statement each, whatever the number of pupils (bulk_update sets no auto_now: set above).
    AttendanceMark.objects.bulk_update(changed_marks, ["status", "version", "updated_at"])
    AttendanceMark.objects.bulk_create(new_marks)
    AttendanceCorrection.objects.bulk_create(corrections)
    if cancellation_changed:
        lesson.cancelled, lesson.cancel_reason = cancelled, reason
        lesson.save(update_fields=["cancelled", "cancel_reason"])
    return SaveResult(
        lesson_id=lesson.pk,
        marked=len(new_marks),
        corrected=len(corrections),
        cancellation_changed=cancellation_changed,
    )


@dataclass(frozen=True)
class RegisterGroup:
    group: Group
    today_slots: list[ScheduleSlot]  # today's lessons by the schedule (none: no lesson today)
    register_date: date | None  # the date its register opens on: today's lesson, else the latest past one

    @property
    def lesson_today(self) -> bool:
        return bool(self.today_slots)


def latest_lesson_date(group: Group, *, today: date | None = None) -> date | None:
    """Today's lesson if the group has one today, else its latest past lesson; None before its first
    (the same as default_lesson_date(lesson_dates_for(group)) without building the whole calendar)."""
    weekdays = {slot.weekday for slot in group.schedule.all()}
    day = min(_today(today), group.end_date)
    for _back in range(7):
        if day < group.start_date:
            return None
        if day.weekday() in weekdays:
            return day
        day -= timedelta(days=1)
    return None


def register_groups(*, groups: Iterable[Group], today: date | None = None) -> list[RegisterGroup]:
    """The groups (their schedules prefetched) with today's lesson and the date each register opens on,
    the groups meeting today first, the rest in the order given."""
    today = _today(today)
    rows = [
        RegisterGroup(
            group=group,
            today_slots=[slot for slot in group.schedule.all() if slot.weekday == today.weekday()]
            if has_lesson_today(group, today=today)
            else [],
            register_date=latest_lesson_date(group, today=today),
        )
        for group in groups
    ]
    return sorted(rows, key=lambda row: not row.lesson_today)
