"""The attendance register in the provider's API: GET and PUT /api/v1/provider/groups/{id}/attendance/,
for the staff of the group's provider only (another provider's group is a 404), every refusal in the
API's error format with nothing saved, and the group list telling where each register opens.

The group meets on today's weekday and three days earlier, from four weeks ago."""

import datetime

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
NOT_A_LESSON = TODAY - datetime.timedelta(days=1)
AHEAD = TODAY + datetime.timedelta(days=7)


@pytest.fixture
def staff():
    return ProviderStaffFactory()


@pytest.fixture
def group(staff):
    group = GroupFactory(
        program=ProgramFactory(provider=staff.provider),
        start_date=TODAY - datetime.timedelta(days=28),
        end_date=TODAY + datetime.timedelta(days=90),
    )
    ScheduleSlotFactory(group=group, weekday=TODAY.weekday())
    ScheduleSlotFactory(group=group, weekday=EARLIER.weekday())
    return group


@pytest.fixture
def pupils(group):
    return [
        EnrollmentFactory(group=group, active=True, child__last_name=name) for name in ("Антонов", "Борисов", "Власов")
    ]


@pytest.fixture
def api(staff):
    return signed_in(staff)


def url(group, day=None) -> str:
    path = reverse("api:provider-group-attendance", args=[group.pk])
    return f"{path}?date={day:%Y-%m-%d}" if day else path


def put(client, group, day, body):
    return client.put(url(group, day), body, content_type="application/json")


def test_only_provider_staff_come_in(client, group):
    assert client.get(url(group)).status_code in (401, 403)
    refused = signed_in(ParentFactory()).put(url(group, TODAY), {}, content_type="application/json")
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "permission_denied"


def test_get_opens_on_todays_lesson_with_the_pupils(api, group, pupils, django_assert_num_queries):
    # user, the group, its schedule, the extra (moved) lesson dates, the lesson, the statements,
    # the contracts
    with django_assert_num_queries(7):
        response = api.get(url(group))

    assert response.status_code == 200
    assert response["Cache-Control"].startswith("max-age=0")
    body = response.json()
    assert body["date"] == TODAY.isoformat() and body["lesson_today"] is True
    assert body["previous_date"] == EARLIER.isoformat() and body["next_date"] is None
    assert body["lesson_dates"][-2:] == [EARLIER.isoformat(), TODAY.isoformat()]
    assert [p["enrollment"] for p in body["pupils"]] == [p.pk for p in pupils]
    assert body["pupils"][0]["child"].startswith("Антонов")
    assert {(p["status"], p["version"], p["editable"]) for p in body["pupils"]} == {(None, None, True)}
    assert body["editable"] is True and body["cancelled"] is False and body["corrections"] == []


def test_put_saves_the_lesson_and_a_second_put_keeps_the_corrections(api, staff, group, pupils):
    marks = [{"enrollment": p.pk, "status": s} for p, s in zip(pupils, ["PRESENT", "ABSENT", "EXCUSED"], strict=True)]

    first = put(api, group, EARLIER, {"marks": marks})

    assert first.status_code == 200, first.json()
    assert [(p["status"], p["version"]) for p in first.json()["pupils"]] == [
        ("PRESENT", 1),
        ("ABSENT", 1),
        ("EXCUSED", 1),
    ]
    assert Lesson.objects.get().date == EARLIER

    again = put(api, group, EARLIER, {"marks": [{"enrollment": pupils[1].pk, "status": "PRESENT"}, marks[0]]})

    body = again.json()
    assert again.status_code == 200
    assert [(p["status"], p["version"]) for p in body["pupils"]] == [("PRESENT", 1), ("PRESENT", 2), ("EXCUSED", 1)]
    [correction] = body["corrections"]
    assert correction["enrollment"] == pupils[1].pk
    assert (correction["from_status"], correction["to_status"], correction["version"]) == ("ABSENT", "PRESENT", 2)
    assert correction["changed_by"] == staff.get_full_name() and correction["changed_at"]


def test_put_cancels_the_lesson_with_a_reason(api, group, pupils):
    refused = put(api, group, TODAY, {"cancelled": True, "reason": ""})
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "cancel_reason_required"
    assert not Lesson.objects.exists()

    response = put(api, group, TODAY, {"cancelled": True, "reason": "Карантин"})

    assert response.status_code == 200
    assert (response.json()["cancelled"], response.json()["reason"]) == (True, "Карантин")
    assert Lesson.objects.get().cancelled


def _no_marks():
    assert not AttendanceMark.objects.exists() and not AttendanceCorrection.objects.exists()


@pytest.mark.parametrize(
    ("day", "code"),
    [(AHEAD, "date_in_future"), (NOT_A_LESSON, "not_a_lesson_date")],
)
def test_a_date_the_calendar_does_not_have_is_a_400(api, group, pupils, day, code):
    read = api.get(url(group, day))
    saved = put(api, group, day, {"marks": [{"enrollment": pupils[0].pk, "status": "PRESENT"}]})

    for response in (read, saved):
        assert response.status_code == 400
        error = response.json()["error"]
        assert error["code"] == code and error["message"] and error["fields"]["date"]
    _no_marks()


@pytest.mark.parametrize("query", ["?date=15.10.2025", "?date=2025-02-30", "?date="])
def test_a_malformed_date_is_a_400_in_the_error_format(api, group, query):
    response = api.get(reverse("api:provider-group-attendance", args=[group.pk]) + query)

    if query == "?date=":
        assert response.status_code == 200  # no date: the default lesson
    else:
        assert response.status_code == 400
        assert response.json()["error"]["code"] == "invalid" and response.json()["error"]["fields"]["date"]


def test_put_needs_a_date(api, group, pupils):
    response = api.put(url(group), {"marks": []}, content_type="application/json")

    assert response.status_code == 400
    assert response.json()["error"]["fields"]["date"]


@pytest.mark.parametrize(
    "marks",
    [
        [{"enrollment": 1, "status": "LATE"}],
        [{"enrollment": "x", "status": "PRESENT"}],
        "PRESENT",
    ],
)
def test_a_malformed_body_is_a_400(api, group, pupils, marks):
    response = put(api, group, TODAY, {"marks": marks})

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid" and "marks" in response.json()["error"]["fields"]
    _no_marks()


def test_a_pupil_of_another_group_or_without_a_contract_refuses_the_whole_request(api, group, pupils):
    stranger = EnrollmentFactory(active=True)
    ended = EnrollmentFactory(group=group, active=True, status=EnrollmentStatus.TERMINATED, ends_on=EARLIER)
    good = {"enrollment": pupils[0].pk, "status": "PRESENT"}

    not_in_group = put(api, group, TODAY, {"marks": [good, {"enrollment": stranger.pk, "status": "PRESENT"}]})
    after_end = put(api, group, TODAY, {"marks": [good, {"enrollment": ended.pk, "status": "PRESENT"}]})

    assert (not_in_group.status_code, not_in_group.json()["error"]["code"]) == (400, "pupil_not_in_group")
    assert (after_end.status_code, after_end.json()["error"]["code"]) == (400, "contract_ended")
    assert after_end.json()["error"]["fields"]["marks"]
    _no_marks()
    assert not Lesson.objects.exists()


def test_another_providers_group_is_a_404(group, pupils):
    stranger = signed_in(ProviderStaffFactory())

    read = stranger.get(url(group))
    saved = put(stranger, group, TODAY, {"marks": [{"enrollment": pupils[0].pk, "status": "PRESENT"}]})
    missing = stranger.get(reverse("api:provider-group-attendance", args=[999_999_999]))

    for response in (read, saved, missing):
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "group_not_found"
    _no_marks()


def test_a_correction_after_the_statement_is_issued_is_a_409(api, group, pupils):
    put(api, group, TODAY, {"marks": [{"enrollment": pupils[0].pk, "status": "PRESENT"}]})
    StatementFactory(
        provider=group.program.provider,
        municipality=pupils[0].certificate.municipality,
        month=TODAY.replace(day=1),
        status=Statement.Status.ISSUED,
        issued_at=timezone.now(),
    )

    response = put(api, group, TODAY, {"marks": [{"enrollment": pupils[0].pk, "status": "ABSENT"}]})

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "statement_issued"
    assert AttendanceMark.objects.get().status == "PRESENT" and not AttendanceCorrection.objects.exists()
    body = api.get(url(group, TODAY)).json()
    assert body["editable"] is False and body["frozen_message"]


def test_the_group_list_says_where_each_register_opens(api, group, django_assert_num_queries):
    later = GroupFactory(program=group.program, start_date=TODAY + datetime.timedelta(days=5))
    ScheduleSlotFactory(group=later)

    # user, count, page of groups with seats, their schedules: the register dates cost nothing
    with django_assert_num_queries(4):
        body = api.get(reverse("api:provider-group-list")).json()

    rows = {row["id"]: row for row in body["results"]}
    assert (rows[group.pk]["lesson_today"], rows[group.pk]["register_date"]) == (True, TODAY.isoformat())
    assert (rows[later.pk]["lesson_today"], rows[later.pk]["register_date"]) == (False, None)
