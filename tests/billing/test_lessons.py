"""Single lessons of the calendar cancelled or moved (billing.lessons): the Lesson rows say what
changed, the contracts' reserves follow through the enrollment service (a cancelled lesson is one
fewer to set aside; a moved one is not), the parents are told in the portal and by e-mail, the
attendance register opens on a moved lesson's new date, and every refusal changes nothing.

The group meets once a week on the weekday two days after today, so today is never its lesson day."""

import datetime
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from billing.attendance import register_for, register_save
from billing.lessons import GroupNotFound, LessonChangeRefused, group_calendar, lesson_cancel, lesson_move
from billing.models import AttendanceStatus, Lesson
from certificates.models import LedgerEntry
from enrollments.contracts import enrollment_accept
from enrollments.models import Enrollment
from notices.models import Notification
from notices.services import notice_emails_send
from tests.accounts.factories import ProviderStaffFactory
from tests.certificates.factories import FundingPeriodFactory, school_year_of
from tests.enrollments.factories import child_in, group_with_lessons, offered, parent_of, staff_of

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
NEXT = TODAY + datetime.timedelta(days=2)  # the group's next lesson
AFTER = NEXT + datetime.timedelta(days=7)
FOUR_PM, SIX_PM = datetime.time(16, 0), datetime.time(18, 0)


@pytest.fixture
def period():
    return FundingPeriodFactory(year=school_year_of(TODAY))


@pytest.fixture
def group():
    return group_with_lessons(weekdays=(NEXT.weekday(),), start_date=TODAY - datetime.timedelta(days=30))


@pytest.fixture
def contract(period, group):
    """A contract at 250 ₽ a lesson, all paid by the certificate (its reserve: 250 ₽ a lesson left)."""
    offer = offered(child_in(period), group)
    running = enrollment_accept(parent=parent_of(offer.child), enrollment_id=offer.pk).enrollment
    parent = parent_of(running.child)
    parent.email = "mother@example.ru"
    parent.save(update_fields=["email"])
    return running


@pytest.fixture
def staff(group):
    return staff_of(group)


def reserve(contract) -> Decimal:
    return Enrollment.objects.get(pk=contract.pk).reserve_remaining


def test_cancelling_a_lesson_releases_its_share_and_tells_the_parents(staff, group, contract):
    before = reserve(contract)

    result = lesson_cancel(staff=staff, group_id=group.pk, date=NEXT, reason="Педагог на курсах")

    lesson = Lesson.objects.get(group=group, date=NEXT)
    assert (lesson.cancelled, lesson.cancel_reason) == (True, "Педагог на курсах")
    assert reserve(contract) == before - Decimal("250.00")
    assert LedgerEntry.objects.filter(reserve_entry__enrollment=contract).latest("pk").kind == LedgerEntry.Kind.RELEASE
    assert (result.parents_told, result.reserves_moved) == (1, 1)
    title = f"Занятие {NEXT:%d.%m.%Y} отменено"
    notice = Notification.objects.get(title=title)
    assert notice.user == parent_of(contract.child)
    assert "Причина: Педагог на курсах." in notice.body
    assert notice_emails_send(notification_ids=[notice.pk]) == 1
    assert [m.to for m in mail.outbox] == [["mother@example.ru"]]


def test_moving_a_lesson_cancels_the_old_date_and_adds_the_new_one_keeping_the_reserve(staff, group, contract):
    before = reserve(contract)
    new_day = NEXT + datetime.timedelta(days=1)

    result = lesson_move(
        staff=staff, group_id=group.pk, date=NEXT, new_date=new_day, start=FOUR_PM, end=SIX_PM, room="каб. 5"
    )

    old, new = Lesson.objects.get(group=group, date=NEXT), Lesson.objects.get(group=group, date=new_day)
    assert old.cancelled and old.cancel_reason == f"перенесено на {new_day:%d.%m.%Y} 16:00–18:00, каб. 5"
    assert (new.extra, new.cancelled, new.moved_from, new.start_time, new.room) == (True, False, old, FOUR_PM, "каб. 5")
    assert result.new_lesson_id == new.pk
    assert reserve(contract) == before
    assert Notification.objects.get(title=f"Занятие {NEXT:%d.%m.%Y} перенесено").body.endswith(
        f"Новое время: {new_day:%d.%m.%Y} 16:00–18:00, каб. 5."
    )
    # The calendar shows both: the old date cancelled with where it went, the new one moved from it.
    coming = group_calendar(staff=staff, group_id=group.pk).coming
    assert [(item.date, item.cancelled, item.moved_to, item.moved_from) for item in coming[:2]] == [
        (NEXT, True, new_day, None),
        (new_day, False, None, NEXT),
    ]


def test_moving_a_lesson_past_the_groups_last_lesson_day_is_refused(staff, group, contract):
    with pytest.raises(LessonChangeRefused, match="Группа занимается с"):
        lesson_move(
            staff=staff,
            group_id=group.pk,
            date=NEXT,
            new_date=group.end_date + datetime.timedelta(days=1),
            start=FOUR_PM,
            end=SIX_PM,
        )


def test_a_lesson_moved_within_its_day_keeps_its_date_with_the_new_time(staff, group, contract):
    before = reserve(contract)

    lesson_move(staff=staff, group_id=group.pk, date=NEXT, new_date=NEXT, start=FOUR_PM, end=SIX_PM)

    lesson = Lesson.objects.get(group=group, date=NEXT)
    assert (lesson.cancelled, lesson.extra, lesson.start_time, lesson.end_time) == (False, False, FOUR_PM, SIX_PM)
    assert reserve(contract) == before
    [item] = [i for i in group_calendar(staff=staff, group_id=group.pk).coming if i.date == NEXT]
    assert (item.start, item.end) == (FOUR_PM, SIX_PM)


def test_the_register_opens_on_a_lesson_moved_to_today(staff, group, contract):
    lesson_move(staff=staff, group_id=group.pk, date=NEXT, new_date=TODAY, start=FOUR_PM, end=SIX_PM)

    page = register_for(staff=staff, group_id=group.pk, date=TODAY)
    register_save(staff=staff, group_id=group.pk, date=TODAY, marks=[(contract.pk, AttendanceStatus.PRESENT)])

    assert TODAY in page.dates and [row.enrollment_id for row in page.rows] == [contract.pk]
    assert Lesson.objects.get(group=group, date=TODAY).marks.get().status == AttendanceStatus.PRESENT


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda s, g: lesson_cancel(staff=s, group_id=g.pk, date=NEXT, reason=" "), "Укажите причину"),
        (
            lambda s, g: lesson_cancel(staff=s, group_id=g.pk, date=NEXT + datetime.timedelta(days=1), reason="x"),
            "нет занятия",
        ),
        (
            lambda s, g: lesson_cancel(staff=s, group_id=g.pk, date=NEXT - datetime.timedelta(days=7), reason="x"),
            "уже прошло",
        ),
        (
            lambda s, g: lesson_move(staff=s, group_id=g.pk, date=NEXT, new_date=AFTER, start=FOUR_PM, end=SIX_PM),
            "уже есть занятие",
        ),
        (
            lambda s, g: lesson_move(staff=s, group_id=g.pk, date=NEXT, new_date=NEXT, start=SIX_PM, end=FOUR_PM),
            "заканчиваться позже",
        ),
        (
            lambda s, g: lesson_move(
                staff=s,
                group_id=g.pk,
                date=NEXT,
                new_date=TODAY - datetime.timedelta(days=1),
                start=FOUR_PM,
                end=SIX_PM,
            ),
            "сегодня или позже",
        ),
    ],
)
def test_refusals_change_nothing(staff, group, contract, change, message):
    before = reserve(contract)

    with pytest.raises(LessonChangeRefused, match=message):
        change(staff, group)

    assert not Lesson.objects.exists()
    assert reserve(contract) == before
    assert not Notification.objects.filter(title__startswith="Занятие").exists()


def test_a_cancelled_lesson_cannot_be_cancelled_or_moved_again(staff, group, contract):
    lesson_cancel(staff=staff, group_id=group.pk, date=NEXT, reason="Праздник")

    with pytest.raises(LessonChangeRefused, match="уже отменено"):
        lesson_move(staff=staff, group_id=group.pk, date=NEXT, new_date=NEXT, start=FOUR_PM, end=SIX_PM)


def test_another_providers_group_is_not_found(group):
    with pytest.raises(GroupNotFound):
        lesson_cancel(staff=ProviderStaffFactory(), group_id=group.pk, date=NEXT, reason="x")
    assert not Lesson.objects.exists()
