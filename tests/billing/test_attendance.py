"""The attendance register's service (billing.attendance): the calendar, the register of a lesson, and
saving it all or nothing with each correction kept; every refusal with its own code saves nothing.

Dates are pinned: the group meets on Mondays and Wednesdays from 1 September 2025, and "today" is
Wednesday 15 October 2025 (a lesson day).
"""

import datetime

import pytest

from billing.attendance import (
    CancelReasonRequired,
    ContractEnded,
    DateInFuture,
    GroupNotFound,
    InvalidMark,
    NoContractOnDate,
    NoLessonsYet,
    NotALessonDate,
    PupilNotInGroup,
    StatementIssued,
    latest_lesson_date,
    lesson_dates_for,
    register_for,
    register_groups,
    register_save,
)
from billing.models import AttendanceCorrection, AttendanceMark, AttendanceStatus, Lesson, Statement
from catalog.models import ScheduleSlot
from core.errors import Conflict, DomainError, NotFound
from enrollments.models import EnrollmentStatus
from tests.accounts.factories import ProviderStaffFactory
from tests.billing.factories import AttendanceMarkFactory, StatementFactory
from tests.catalog.factories import GroupFactory, MunicipalityFactory, ProgramFactory, ScheduleSlotFactory
from tests.enrollments.factories import EnrollmentFactory

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2025, 10, 15)  # a Wednesday
MONDAY = datetime.date(2025, 10, 13)
LAST_WEDNESDAY = datetime.date(2025, 10, 8)
TUESDAY = datetime.date(2025, 10, 14)
NEXT_MONDAY = datetime.date(2025, 10, 20)
P, A, E = AttendanceStatus.PRESENT, AttendanceStatus.ABSENT, AttendanceStatus.EXCUSED


@pytest.fixture
def staff():
    return ProviderStaffFactory(first_name="Анна", last_name="Учителева")


@pytest.fixture
def group(staff):
    group = GroupFactory(
        program=ProgramFactory(provider=staff.provider),
        start_date=datetime.date(2025, 9, 1),
        end_date=datetime.date(2026, 5, 31),
    )
    ScheduleSlotFactory(group=group, weekday=ScheduleSlot.Weekday.MONDAY)
    ScheduleSlotFactory(group=group, weekday=ScheduleSlot.Weekday.WEDNESDAY)
    return group


def pupil(group, last_name: str, **kwargs):
    return EnrollmentFactory(group=group, active=True, child__last_name=last_name, **kwargs)


@pytest.fixture
def pupils(group):
    return [pupil(group, "Антонов"), pupil(group, "Борисов"), pupil(group, "Васильев")]


def save(staff, group, day=MONDAY, marks=(), **kwargs):
    return register_save(staff=staff, group_id=group.pk, date=day, marks=marks, today=TODAY, **kwargs)


def marks_of(group, day=MONDAY) -> dict[int, tuple[str, int]]:
    return {
        m.enrollment_id: (m.status, m.version)
        for m in AttendanceMark.objects.filter(lesson__group=group, lesson__date=day)
    }


def nothing_saved():
    assert not Lesson.objects.exists()
    assert not AttendanceMark.objects.exists()
    assert not AttendanceCorrection.objects.exists()


# --- The calendar ----------------------------------------------------------------------------------------


def test_the_calendar_has_the_schedules_dates_from_the_start_and_never_the_future(group):
    dates = lesson_dates_for(group, datetime.date(2026, 1, 1), today=TODAY)

    assert dates[:3] == [datetime.date(2025, 9, 1), datetime.date(2025, 9, 3), datetime.date(2025, 9, 8)]
    assert dates[-2:] == [MONDAY, TODAY]
    assert all(day.weekday() in (0, 2) for day in dates)
    assert lesson_dates_for(group, LAST_WEDNESDAY, today=TODAY)[-1] == LAST_WEDNESDAY


def test_two_slots_on_one_weekday_are_one_register(group):
    ScheduleSlotFactory(
        group=group, weekday=ScheduleSlot.Weekday.MONDAY, start_time=datetime.time(18, 0), end_time=datetime.time(19, 0)
    )

    dates = lesson_dates_for(group, today=TODAY)

    assert dates.count(MONDAY) == 1


def test_the_default_date_is_todays_lesson_else_the_latest_past_one(staff, group):
    assert register_for(staff=staff, group_id=group.pk, today=TODAY).date == TODAY
    assert register_for(staff=staff, group_id=group.pk, today=TUESDAY).date == MONDAY
    assert latest_lesson_date(group, today=datetime.date(2025, 10, 19)) == TODAY
    assert latest_lesson_date(group, today=datetime.date(2025, 8, 31)) is None


def test_before_the_first_lesson_there_is_no_register(staff, group):
    with pytest.raises(NoLessonsYet) as refusal:
        register_for(staff=staff, group_id=group.pk, today=datetime.date(2025, 8, 20))

    assert refusal.value.code == "no_lessons_yet"
    assert "01.09.2025" in refusal.value.message


def test_groups_meeting_today_come_first(staff, group):
    other = GroupFactory(program=group.program, start_date=group.start_date, end_date=group.end_date)
    ScheduleSlotFactory(group=other, weekday=ScheduleSlot.Weekday.TUESDAY)

    rows = register_groups(groups=[other, group], today=TODAY)

    assert [(row.group, row.lesson_today, row.register_date) for row in rows] == [
        (group, True, TODAY),
        (other, False, TUESDAY),
    ]


# --- The register -----------------------------------------------------------------------------------------


def test_the_register_lists_pupils_with_contracts_in_force_that_day(staff, group, pupils):
    starts_later = pupil(group, "Григорьев", starts_on=datetime.date(2025, 10, 14))
    ended = pupil(group, "Дмитриев", status=EnrollmentStatus.TERMINATED, ends_on=LAST_WEDNESDAY)
    still_running = pupil(group, "Егоров", status=EnrollmentStatus.TERMINATED, ends_on=MONDAY)
    EnrollmentFactory(group=group, child__last_name="Заявкин")  # an application, no contract
    EnrollmentFactory(group=GroupFactory(program=group.program), active=True)  # another group

    register = register_for(staff=staff, group_id=group.pk, date=MONDAY, today=TODAY)

    assert [row.enrollment_id for row in register.rows] == [*(p.pk for p in pupils), still_running.pk]
    assert all(row.status is None and row.editable for row in register.rows)
    assert register.editable and register.lesson_id is None and not register.cancelled
    today = register_for(staff=staff, group_id=group.pk, date=TODAY, today=TODAY)
    ids = [row.enrollment_id for row in today.rows]
    assert starts_later.pk in ids and ended.pk not in ids and still_running.pk not in ids
    assert (register.previous_date, register.next_date) == (LAST_WEDNESDAY, TODAY)
    assert today.next_date is None


def test_another_providers_group_is_not_found(group, pupils):
    stranger = ProviderStaffFactory()

    with pytest.raises(NotFound) as refusal:
        register_for(staff=stranger, group_id=group.pk, date=MONDAY, today=TODAY)
    assert refusal.value.code == "group_not_found"
    with pytest.raises(GroupNotFound):
        save(stranger, group, marks=[(pupils[0].pk, P)])
    nothing_saved()


# --- Saving ------------------------------------------------------------------------------------------------


def test_marks_are_saved_in_one_go_and_an_unchanged_mark_is_not_a_correction(staff, group, pupils):
    first = save(staff, group, marks=[(pupils[0].pk, P), (pupils[1].pk, A), (pupils[2].pk, E)])

    assert (first.marked, first.corrected) == (3, 0)
    assert Lesson.objects.get().date == MONDAY
    assert marks_of(group) == {pupils[0].pk: (P, 1), pupils[1].pk: (A, 1), pupils[2].pk: (E, 1)}
    assert set(AttendanceMark.objects.values_list("marked_by", flat=True)) == {staff.pk}

    again = save(staff, group, marks=[(pupils[0].pk, P), (pupils[1].pk, A), (pupils[2].pk, E)])

    assert (again.marked, again.corrected) == (0, 0)
    assert not AttendanceCorrection.objects.exists()
    assert Lesson.objects.count() == 1


def test_each_correction_is_kept_with_its_version(staff, group, pupils):
    save(staff, group, marks=[(pupils[0].pk, P), (pupils[1].pk, P)])
    colleague = ProviderStaffFactory(provider=staff.provider, first_name="Олег", last_name="Завучев")

    result = register_save(
        staff=colleague, group_id=group.pk, date=MONDAY, marks=[(pupils[0].pk, A), (pupils[1].pk, P)], today=TODAY
    )
    save(staff, group, marks=[(pupils[0].pk, E)])

    assert (result.marked, result.corrected) == (0, 1)
    assert marks_of(group) == {pupils[0].pk: (E, 3), pupils[1].pk: (P, 1)}
    history = list(
        AttendanceCorrection.objects.order_by("new_version").values_list(
            "old_status", "new_status", "new_version", "changed_by"
        )
    )
    assert history == [(P, A, 2, colleague.pk), (A, E, 3, staff.pk)]
    register = register_for(staff=staff, group_id=group.pk, date=MONDAY, today=TODAY)
    assert [
        (c.child_name.split()[0], c.old_label, c.new_label, c.new_version, c.changed_by) for c in register.corrections
    ] == [
        ("Антонов", "Присутствовал", "Отсутствовал", 2, "Олег Завучев"),
        ("Антонов", "Отсутствовал", "Уважительная причина", 3, "Анна Учителева"),
    ]
    row = register.rows[0]
    assert (row.status, row.version) == (E, 3)


def test_pupils_left_out_keep_their_marks(staff, group, pupils):
    save(staff, group, marks=[(pupils[0].pk, P), (pupils[1].pk, P)])

    save(staff, group, marks=[(pupils[1].pk, A)])

    assert marks_of(group) == {pupils[0].pk: (P, 1), pupils[1].pk: (A, 2)}


def test_an_empty_register_makes_no_lesson(staff, group, pupils):
    result = save(staff, group, marks=[])

    assert result.lesson_id is None
    nothing_saved()


@pytest.mark.parametrize(
    ("day", "error", "code"),
    [
        (NEXT_MONDAY, DateInFuture, "date_in_future"),
        (TUESDAY, NotALessonDate, "not_a_lesson_date"),
        (datetime.date(2025, 8, 25), NotALessonDate, "not_a_lesson_date"),  # a Monday before the group starts
        (datetime.date(2026, 6, 1), DateInFuture, "date_in_future"),  # after it ends, and ahead
    ],
)
def test_a_date_the_calendar_does_not_have_is_refused(staff, group, pupils, day, error, code):
    with pytest.raises(error) as refusal:
        save(staff, group, day=day, marks=[(pupils[0].pk, P)])
    assert refusal.value.code == code
    assert refusal.value.fields["date"]
    with pytest.raises(error):
        register_for(staff=staff, group_id=group.pk, date=day, today=TODAY)
    nothing_saved()


def test_a_date_past_the_groups_end_is_not_a_lesson_date(staff, group, pupils):
    with pytest.raises(NotALessonDate):
        register_save(
            staff=staff,
            group_id=group.pk,
            date=datetime.date(2026, 6, 1),
            marks=[(pupils[0].pk, P)],
            today=datetime.date(2026, 6, 10),
        )
    nothing_saved()


def test_a_pupil_of_another_group_refuses_the_whole_register(staff, group, pupils):
    stranger = EnrollmentFactory(group=GroupFactory(program=group.program), active=True)

    with pytest.raises(PupilNotInGroup) as refusal:
        save(staff, group, marks=[(pupils[0].pk, P), (stranger.pk, P)])

    assert refusal.value.code == "pupil_not_in_group"
    assert str(stranger.pk) in refusal.value.message
    assert stranger.child.last_name not in refusal.value.message  # nobody else's pupil is named
    nothing_saved()
    with pytest.raises(PupilNotInGroup):
        save(staff, group, marks=[(999_999_999, P)])
    nothing_saved()


def test_a_mark_after_the_contracts_end_is_refused(staff, group, pupils):
    ended = pupil(group, "Дмитриев", status=EnrollmentStatus.TERMINATED, ends_on=LAST_WEDNESDAY)

    with pytest.raises(ContractEnded) as refusal:
        save(staff, group, marks=[(pupils[0].pk, P), (ended.pk, P)])

    assert refusal.value.code == "contract_ended"
    assert "08.10.2025" in refusal.value.message
    nothing_saved()
    save(staff, group, day=LAST_WEDNESDAY, marks=[(ended.pk, P)])  # its last day is still in force
    assert marks_of(group, LAST_WEDNESDAY) == {ended.pk: (P, 1)}


@pytest.mark.parametrize(
    "make",
    [
        lambda group: pupil(group, "Ранний", starts_on=TODAY),  # the contract starts later
        lambda group: EnrollmentFactory(group=group, child__last_name="Заявкин"),  # an application only
        lambda group: EnrollmentFactory(group=group, offered=True),
    ],
)
def test_a_pupil_without_a_contract_on_that_date_is_refused(staff, group, pupils, make):
    enrollment = make(group)

    with pytest.raises(NoContractOnDate) as refusal:
        save(staff, group, marks=[(pupils[0].pk, P), (enrollment.pk, P)])

    assert refusal.value.code == "no_contract_on_date"
    nothing_saved()


@pytest.mark.parametrize(
    "marks",
    [
        lambda p: [(p[0].pk, P), (p[1].pk, "LATE")],
        lambda p: [(p[0].pk, P), (p[0].pk, A)],
    ],
)
def test_a_malformed_mark_is_refused(staff, group, pupils, marks):
    with pytest.raises(InvalidMark) as refusal:
        save(staff, group, marks=marks(pupils))

    assert refusal.value.code == "invalid_mark"
    nothing_saved()


def test_a_refusal_undoes_the_corrections_made_before_it(staff, group, pupils):
    save(staff, group, marks=[(pupils[0].pk, P), (pupils[1].pk, P)])
    ended = pupil(group, "Яковлев", status=EnrollmentStatus.TERMINATED, ends_on=LAST_WEDNESDAY)

    with pytest.raises(ContractEnded):
        save(staff, group, marks=[(pupils[0].pk, A), (pupils[1].pk, E), (ended.pk, P)], cancelled=True, reason="x")

    assert marks_of(group) == {pupils[0].pk: (P, 1), pupils[1].pk: (P, 1)}
    assert not AttendanceCorrection.objects.exists()
    assert not Lesson.objects.get().cancelled


# --- A cancelled lesson ---------------------------------------------------------------------------------


def test_a_lesson_is_cancelled_with_its_reason_and_taken_back(staff, group, pupils):
    result = save(staff, group, cancelled=True, reason="  Педагог на больничном ")

    lesson = Lesson.objects.get()
    assert result.cancellation_changed and lesson.cancelled and lesson.cancel_reason == "Педагог на больничном"
    register = register_for(staff=staff, group_id=group.pk, date=MONDAY, today=TODAY)
    assert register.cancelled and register.cancel_reason == "Педагог на больничном"

    save(staff, group, marks=[(pupils[0].pk, P)])

    lesson.refresh_from_db()
    assert not lesson.cancelled and lesson.cancel_reason == ""
    assert marks_of(group) == {pupils[0].pk: (P, 1)}


def test_cancelling_needs_a_reason(staff, group, pupils):
    with pytest.raises(CancelReasonRequired) as refusal:
        save(staff, group, marks=[(pupils[0].pk, P)], cancelled=True, reason="  ")

    assert refusal.value.code == "cancel_reason_required" and refusal.value.fields["reason"]
    nothing_saved()


# --- After the statement is issued -------------------------------------------------------------------------


def statement(group, pupil_, status, month=datetime.date(2025, 10, 1)):
    return StatementFactory(
        provider=group.program.provider,
        municipality=pupil_.certificate.municipality,
        month=month,
        status=status,
        issued_at=datetime.datetime(2025, 11, 3, tzinfo=datetime.UTC),
        paid_at=datetime.datetime(2025, 11, 20, tzinfo=datetime.UTC) if status == Statement.Status.PAID else None,
    )


@pytest.mark.parametrize("status", [Statement.Status.ISSUED, Statement.Status.PAID])
def test_a_correction_after_the_statement_is_issued_is_refused(staff, group, pupils, status):
    save(staff, group, marks=[(pupils[0].pk, P)])
    statement(group, pupils[0], status)

    with pytest.raises(StatementIssued) as refusal:
        save(staff, group, marks=[(pupils[0].pk, A)])

    assert isinstance(refusal.value, Conflict) and refusal.value.code == "statement_issued"
    assert "октябрь 2025" in refusal.value.message
    assert marks_of(group) == {pupils[0].pk: (P, 1)}
    assert not AttendanceCorrection.objects.exists()
    register = register_for(staff=staff, group_id=group.pk, date=MONDAY, today=TODAY)
    assert not register.editable and register.frozen_message
    assert not register.rows[0].editable
    # the same mark again changes nothing, so it is not refused
    assert save(staff, group, marks=[(pupils[0].pk, P)]).corrected == 0
    with pytest.raises(StatementIssued):
        save(staff, group, cancelled=True, reason="Праздник")


def test_a_draft_or_another_months_or_municipalitys_statement_does_not_freeze(staff, group, pupils):
    save(staff, group, marks=[(pupils[0].pk, P), (pupils[1].pk, P)])
    statement(group, pupils[0], Statement.Status.DRAFT)
    statement(group, pupils[0], Statement.Status.ISSUED, month=datetime.date(2025, 9, 1))
    elsewhere = pupil(group, "Иногородний", certificate__municipality=MunicipalityFactory())
    statement(group, elsewhere, Statement.Status.ISSUED)  # only the pupil from elsewhere is frozen

    save(staff, group, marks=[(pupils[0].pk, A), (pupils[1].pk, E)])

    assert marks_of(group) == {pupils[0].pk: (A, 2), pupils[1].pk: (E, 2)}
    with pytest.raises(StatementIssued):
        save(staff, group, marks=[(elsewhere.pk, P)])
    rows = {
        row.enrollment_id: row.editable
        for row in register_for(staff=staff, group_id=group.pk, date=MONDAY, today=TODAY).rows
    }
    assert rows[elsewhere.pk] is False and rows[pupils[0].pk] is True


def test_a_mark_of_a_pupil_whose_contract_was_ended_stays_visible_read_only(staff, group, pupils):
    mark = AttendanceMarkFactory(enrollment=pupils[0], lesson__group=group, lesson__date=MONDAY)
    type(pupils[0]).objects.filter(pk=pupils[0].pk).update(status=EnrollmentStatus.TERMINATED, ends_on=LAST_WEDNESDAY)

    register = register_for(staff=staff, group_id=group.pk, date=MONDAY, today=TODAY)

    row = next(row for row in register.rows if row.enrollment_id == pupils[0].pk)
    assert (row.status, row.editable) == (mark.status, False)
    with pytest.raises(ContractEnded):
        save(staff, group, marks=[(pupils[0].pk, A)])


def test_refusals_are_domain_errors_with_translated_messages(staff, group, pupils):
    with pytest.raises(DomainError) as refusal:
        save(staff, group, day=TUESDAY, marks=[(pupils[0].pk, P)])
    assert refusal.value.message == "14.10.2025 у группы нет занятия по расписанию."


def test_saving_a_lesson_takes_a_pinned_number_of_queries(staff, group, pupils, django_assert_num_queries):
    save(staff, group, marks=[(p.pk, P) for p in pupils])
    more = [pupil(group, f"Ученик{i}") for i in range(10)]

    # savepoint, the group, its schedule, the extra (moved) lesson dates, the lock timeout, the lesson inserted and locked, its marks
    # locked, the pupils locked and read, the statements, the marks updated and made, the corrections,
    # release
    with django_assert_num_queries(15):
        save(staff, group, marks=[(p.pk, A) for p in pupils] + [(p.pk, P) for p in more])

    assert len(marks_of(group)) == 13 and AttendanceCorrection.objects.count() == 3
