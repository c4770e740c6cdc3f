"""Saves of one lesson at once, in real parallel transactions: they queue on the lesson row, so each
one sees the marks the one before it saved, none fails on the unique mark per pupil, and every change
is kept as a correction whose "from" is what the previous save wrote. (Without the lesson lock the
saves all see no mark and all insert one: all but one fail on the unique key.)"""

import datetime
from itertools import pairwise

import pytest

from billing.attendance import register_save
from billing.models import AttendanceCorrection, AttendanceMark, AttendanceStatus, Lesson
from catalog.models import ScheduleSlot
from tests.accounts.factories import ProviderStaffFactory
from tests.billing.factories import LessonFactory
from tests.catalog.factories import GroupFactory, ProgramFactory, ScheduleSlotFactory
from tests.enrollments.factories import EnrollmentFactory
from tests.enrollments.test_concurrency import at_once

pytestmark = pytest.mark.django_db(transaction=True)

TODAY = datetime.date(2025, 10, 15)  # a Wednesday
MONDAY = datetime.date(2025, 10, 13)


@pytest.fixture(autouse=True)
def _patient_locks(settings):
    settings.LOCK_TIMEOUT_MS = 10_000


def test_saves_of_one_lesson_at_once_lose_no_correction():
    staff = ProviderStaffFactory()
    group = GroupFactory(
        program=ProgramFactory(provider=staff.provider),
        start_date=datetime.date(2025, 9, 1),
        end_date=datetime.date(2026, 5, 31),
    )
    ScheduleSlotFactory(group=group, weekday=ScheduleSlot.Weekday.MONDAY)
    pupil = EnrollmentFactory(group=group, active=True)
    others = EnrollmentFactory.create_batch(12, group=group, active=True)
    # The lesson row is there already (made by an earlier save), so nothing but its lock orders the saves.
    LessonFactory(group=group, date=MONDAY)
    statuses = [AttendanceStatus.PRESENT, AttendanceStatus.ABSENT, AttendanceStatus.EXCUSED, AttendanceStatus.ABSENT]

    def saving(status):
        return lambda: register_save(
            staff=staff,
            group_id=group.pk,
            date=MONDAY,
            marks=[(pupil.pk, status), *((other.pk, status) for other in others)],
            today=TODAY,
        )

    results = at_once([saving(status) for status in statuses])

    assert not [r for r in results if isinstance(r, Exception)], results
    assert Lesson.objects.count() == 1
    assert sum(r.marked for r in results) == 13  # each pupil marked once, by whichever save came first
    for enrollment in (pupil, *others):
        mark = AttendanceMark.objects.get(enrollment=enrollment)
        chain = list(AttendanceCorrection.objects.filter(mark=mark).order_by("new_version"))
        assert mark.version == 1 + len(chain)
        assert [c.new_version for c in chain] == list(range(2, mark.version + 1))
        # each correction starts from what the save before it left
        for before, after in pairwise(chain):
            assert after.old_status == before.new_status
        if chain:
            assert chain[-1].new_status == mark.status
    assert sum(r.corrected for r in results) == AttendanceCorrection.objects.count()
