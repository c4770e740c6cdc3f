"""The attendance register pages of the workplace: the groups with today's lesson, the register of one
lesson with its date picker, saving everything in one form (once per form key), refusals shown with
their reason and nothing saved, the corrections history, and another provider's group a 404.

The group meets on today's weekday and three days earlier, from four weeks ago."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from billing.models import AttendanceCorrection, AttendanceMark, Lesson, Statement
from enrollments.models import EnrollmentStatus
from tests.accounts.factories import ParentFactory, ProviderStaffFactory
from tests.billing.factories import StatementFactory
from tests.catalog.factories import GroupFactory, ProgramFactory, ScheduleSlotFactory
from tests.enrollments.factories import EnrollmentFactory
from tests.navigator.cabinet import signed_in

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
EARLIER = TODAY - datetime.timedelta(days=3)
LIST_URL = reverse("workplace:attendance")


def html(response) -> str:
    return response.content.decode()


def text(response) -> str:
    return re.sub(r"[ \t\r\n]+", " ", re.sub(r"<[^>]+>", " ", html(response)))


@pytest.fixture
def staff():
    return ProviderStaffFactory(first_name="Анна", last_name="Учителева")


@pytest.fixture
def group(staff):
    group = GroupFactory(
        program=ProgramFactory(provider=staff.provider, title="Робототехника"),
        name="Группа 1",
        start_date=TODAY - datetime.timedelta(days=28),
        end_date=TODAY + datetime.timedelta(days=90),
    )
    ScheduleSlotFactory(group=group, weekday=TODAY.weekday(), start_time=datetime.time(16, 0), room="каб. 12")
    ScheduleSlotFactory(group=group, weekday=EARLIER.weekday())
    return group


@pytest.fixture
def pupils(group):
    return [
        EnrollmentFactory(group=group, active=True, child__last_name=name, child__first_name="Иван")
        for name in ("Антонов", "Борисов", "Власов")
    ]


@pytest.fixture
def client_(staff):
    return signed_in(staff)


def register_url(group, day=None) -> str:
    path = reverse("workplace:register", args=[group.pk])
    return f"{path}?date={day:%Y-%m-%d}" if day else path


def post(client, group, day, marks=None, key="k1", **extra):
    data = {"date": day.isoformat(), "form_key": key, **extra}
    for enrollment, status in (marks or {}).items():
        data[f"mark-{enrollment.pk}"] = status
    return client.post(reverse("workplace:register", args=[group.pk]), data)


def marks() -> dict[int, tuple[str, int]]:
    return {m.enrollment_id: (m.status, m.version) for m in AttendanceMark.objects.all()}


def test_only_provider_staff_come_in(client, group):
    assert client.get(LIST_URL).status_code == 302
    assert client.get(register_url(group)).status_code == 302
    assert signed_in(ParentFactory()).get(LIST_URL).status_code == 403
    assert signed_in(ParentFactory()).get(register_url(group)).status_code == 403


def test_the_home_page_links_the_register(client_, group):
    page = html(client_.get(reverse("workplace:home")))

    assert f'href="{LIST_URL}"' in page
    # Today's lesson, opened on its date.
    assert f'href="{register_url(group, TODAY)}"' in page


def test_the_list_shows_todays_lessons_first(client_, group, django_assert_num_queries):
    other = GroupFactory(program=group.program, name="Группа 2", start_date=TODAY - datetime.timedelta(days=28))
    ScheduleSlotFactory(group=other, weekday=(TODAY.weekday() + 1) % 7)
    GroupFactory(program=ProgramFactory(title="Чужая программа"))

    # user, provider, groups, their schedules
    with django_assert_num_queries(4):
        response = client_.get(LIST_URL)

    ids = [int(pk) for pk in re.findall(r'id="register-group-(\d+)"', html(response))]
    assert ids == [group.pk, other.pk]
    card = re.search(rf'id="register-group-{group.pk}".*?</li>', html(response), re.S).group(0)
    assert "Сегодня занятие" in card and "16:00" in card and "каб. 12" in card
    assert "Последнее занятие" in text(response) and "Чужая программа" not in text(response)


def test_the_register_opens_on_todays_lesson_with_three_buttons_per_pupil(client_, group, pupils):
    response = client_.get(register_url(group))

    page = html(response)
    assert response.status_code == 200
    assert response["Cache-Control"].startswith("max-age=0")
    for pupil in pupils:
        for status in ("PRESENT", "ABSENT", "EXCUSED"):
            assert f'id="mark-{pupil.pk}-{status}"' in page
    assert [m for m in re.findall(r'id="pupil-(\d+)"', page)] == [str(p.pk) for p in pupils]
    assert f'<option value="{TODAY:%Y-%m-%d}" selected>' in page
    assert f'?date={EARLIER:%Y-%m-%d}" rel="prev"' in page and 'rel="next"' not in page
    for words in ("Все присутствовали", "Занятие отменено", "Причина отмены", "Сохранить", "Исправления отметок"):
        assert words in text(response)
    assert 'name="form_key"' in page


def test_saving_marks_every_pupil_once_per_form_key(client_, group, pupils):
    response = post(client_, group, TODAY, {pupils[0]: "PRESENT", pupils[1]: "ABSENT", pupils[2]: "EXCUSED"})
    again = post(client_, group, TODAY, {pupils[0]: "ABSENT"})  # the same form sent twice: ignored

    assert response.status_code == 302 and response["Location"] == register_url(group, TODAY)
    assert again["Location"] == response["Location"]
    assert marks() == {pupils[0].pk: ("PRESENT", 1), pupils[1].pk: ("ABSENT", 1), pupils[2].pk: ("EXCUSED", 1)}
    page = client_.get(response["Location"])
    assert f"Журнал за {TODAY:%d.%m.%Y} сохранён. Отмечено учеников: 3." in text(page)
    assert re.search(rf'id="mark-{pupils[1].pk}-ABSENT"[^>]*checked', html(page))


def test_a_correction_is_kept_and_shown_in_the_history(client_, group, pupils):
    post(client_, group, EARLIER, {pupils[0]: "PRESENT", pupils[1]: "PRESENT"}, key="k1")

    post(client_, group, EARLIER, {pupils[0]: "ABSENT", pupils[1]: "PRESENT"}, key="k2")

    assert marks()[pupils[0].pk] == ("ABSENT", 2)
    page = client_.get(register_url(group, EARLIER))
    assert "Исправлено отметок: 1." in text(page)
    assert "Анна Учителева: Антонов Иван" in text(page)
    assert "«Присутствовал» → «Отсутствовал» (версия 2)" in text(page)


def test_all_present_without_javascript_marks_everyone_present(client_, group, pupils):
    data = {"date": TODAY.isoformat(), "form_key": "k1", "all_present": "1", "pupil": [p.pk for p in pupils]}

    client_.post(reverse("workplace:register", args=[group.pk]), data)

    assert marks() == {p.pk: ("PRESENT", 1) for p in pupils}


def test_cancelling_the_lesson_needs_a_reason(client_, group, pupils):
    refused = post(client_, group, TODAY, cancelled="1", reason=" ", key="k1")
    page = client_.get(refused["Location"])
    assert "Укажите причину отмены занятия." in text(page)
    assert not Lesson.objects.exists()

    post(client_, group, TODAY, cancelled="1", reason="Педагог заболел", key="k2")

    lesson = Lesson.objects.get()
    assert lesson.cancelled and lesson.cancel_reason == "Педагог заболел"
    page = client_.get(register_url(group, TODAY))
    assert "отменено" in text(page) and 'value="Педагог заболел"' in html(page)


def test_a_refusal_is_shown_with_its_reason_and_nothing_is_saved(client_, group, pupils):
    ended = EnrollmentFactory(group=group, active=True, status=EnrollmentStatus.TERMINATED, ends_on=EARLIER)

    response = post(client_, group, TODAY, {pupils[0]: "PRESENT", ended: "PRESENT"})

    assert response["Location"] == register_url(group, TODAY)
    page = client_.get(response["Location"])
    assert "занятие" in text(page) and f"закончился {EARLIER:%d.%m.%Y}" in text(page)
    assert 'class="alert alert-danger"' in html(page)
    assert not AttendanceMark.objects.exists() and not Lesson.objects.exists()


def test_a_date_off_the_calendar_opens_the_default_lesson_with_the_reason(client_, group, pupils):
    off = TODAY - datetime.timedelta(days=1)

    response = client_.get(register_url(group, off))
    assert response.status_code == 302 and response["Location"] == register_url(group)
    assert "у группы нет занятия по расписанию" in text(client_.get(response["Location"]))

    ahead = post(client_, group, TODAY + datetime.timedelta(days=7), {pupils[0]: "PRESENT"})
    assert ahead["Location"] == register_url(group)
    assert "ещё не прошло" in text(client_.get(ahead["Location"]))
    assert client_.get(register_url(group) + "?date=завтра").status_code == 302
    assert not AttendanceMark.objects.exists()


def test_after_the_statement_is_issued_the_register_is_read_only(client_, group, pupils):
    post(client_, group, TODAY, {pupils[0]: "PRESENT"}, key="k1")
    StatementFactory(
        provider=group.program.provider,
        municipality=pupils[0].certificate.municipality,
        month=TODAY.replace(day=1),
        status=Statement.Status.ISSUED,
        issued_at=timezone.now(),
    )

    page = client_.get(register_url(group, TODAY))
    refused = post(client_, group, TODAY, {pupils[0]: "ABSENT"}, key="k2")

    assert "Акт за" in text(page) and "уже выставлен" in text(page)
    assert re.search(rf'id="pupil-{pupils[0].pk}".*?<fieldset disabled>', html(page), re.S)
    assert "уже выставлен" in text(client_.get(refused["Location"]))
    assert marks() == {pupils[0].pk: ("PRESENT", 1)} and not AttendanceCorrection.objects.exists()


def test_another_providers_group_is_a_404(group, pupils):
    stranger = signed_in(ProviderStaffFactory())

    assert stranger.get(register_url(group)).status_code == 404
    assert post(stranger, group, TODAY, {pupils[0]: "PRESENT"}).status_code == 404
    assert not AttendanceMark.objects.exists()


def test_a_group_before_its_first_lesson_says_so(client_, staff):
    later = GroupFactory(program=ProgramFactory(provider=staff.provider), start_date=TODAY + datetime.timedelta(days=5))
    ScheduleSlotFactory(group=later)

    response = client_.get(register_url(later))

    assert response.status_code == 200
    assert "У группы ещё не было занятий" in text(response)


@pytest.mark.parametrize("n", [1, 8])
def test_the_register_page_queries_do_not_grow_with_the_pupils(client_, group, django_assert_num_queries, n):
    pupils = [EnrollmentFactory(group=group, active=True) for _ in range(n)]
    post(client_, group, TODAY, {p: "PRESENT" for p in pupils}, key="k1")
    post(client_, group, TODAY, {p: "ABSENT" for p in pupils}, key="k2")

    # the group (with its program and provider), its schedule, the extra (moved) lesson dates, the
    # lesson, its marks, their corrections, the statements, the contracts (the user is cached)
    with django_assert_num_queries(8):
        response = client_.get(register_url(group, TODAY))

    assert len(re.findall(r'id="pupil-\d+"', html(response))) == n
    assert len(re.findall(r"<li>\s*<span class=\"register-history__when\">", html(response))) == n
