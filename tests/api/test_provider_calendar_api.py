"""The provider's API for the lesson calendar, the pupils and the earnings: a group's lessons over a
range, one lesson cancelled or moved (the reserves follow, the parents are told; Idempotency-Key
honoured), the roster with each contract's status and co-payment, the earnings per month (the manager
only); another provider's group, or a teacher's group not theirs, is a 404; pinned query counts."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts import roles
from billing.models import Lesson
from enrollments.contracts import enrollment_accept
from enrollments.models import Enrollment
from notices.models import Notification
from tests.accounts.factories import ProviderStaffFactory
from tests.certificates.factories import FundingPeriodFactory, school_year_of
from tests.enrollments.factories import child_in, group_with_lessons, offered, parent_of
from tests.navigator.cabinet import signed_in

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
NEXT = TODAY + datetime.timedelta(days=2)  # the group's next lesson
AFTER = NEXT + datetime.timedelta(days=7)


@pytest.fixture
def period():
    return FundingPeriodFactory(year=school_year_of(TODAY))


@pytest.fixture
def group():
    return group_with_lessons(weekdays=(NEXT.weekday(),), start_date=TODAY - datetime.timedelta(days=30))


@pytest.fixture
def contract(period, group):
    offer = offered(child_in(period), group)
    return enrollment_accept(parent=parent_of(offer.child), enrollment_id=offer.pk).enrollment


@pytest.fixture
def manager(group):
    return ProviderStaffFactory(provider=group.program.provider)


def lessons_url(group, **query):
    url = reverse("api:provider-group-lessons", args=[group.pk])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def test_the_lessons_of_a_range_with_what_changed(manager, group, django_assert_num_queries):
    Lesson.objects.create(group=group, date=AFTER, cancelled=True, cancel_reason="Карантин")
    client = signed_in(manager)
    client.get(lessons_url(group))  # warm the session

    # the group with its program and provider, its schedule, the lesson rows (the user is cached)
    with django_assert_num_queries(3):
        body = client.get(lessons_url(group, **{"from": NEXT.isoformat(), "to": AFTER.isoformat()})).json()

    assert (body["group"], body["date_from"], body["date_to"]) == (group.pk, NEXT.isoformat(), AFTER.isoformat())
    assert [(row["date"], row["cancelled"], row["cancel_reason"]) for row in body["lessons"]] == [
        (NEXT.isoformat(), False, ""),
        (AFTER.isoformat(), True, "Карантин"),
    ]
    slot = group.schedule.get()
    assert (body["lessons"][0]["start"], body["lessons"][0]["end"]) == (
        f"{slot.start_time:%H:%M}",
        f"{slot.end_time:%H:%M}",
    )
    # By default: a month from today.
    assert [row["date"] for row in client.get(lessons_url(group)).json()["lessons"]][:1] == [NEXT.isoformat()]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"from": "2026-13-01"}, "from"),
        ({"from": "2026-09-10", "to": "2026-09-01"}, "to"),
        ({"to": "2099-01-01"}, "to"),
    ],
)
def test_a_bad_range_is_a_400_naming_the_parameter(manager, group, query, field):
    response = signed_in(manager).get(lessons_url(group, **query))
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]


def test_cancelling_through_the_api_moves_the_reserve_and_replays_by_key(manager, group, contract):
    client = signed_in(manager)
    before = Enrollment.objects.get(pk=contract.pk).reserve_remaining
    url = reverse("api:provider-lesson-cancel", args=[group.pk, NEXT.isoformat()])

    first = client.post(
        url, {"reason": "Педагог на курсах"}, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k1"
    )
    again = client.post(
        url, {"reason": "Педагог на курсах"}, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k1"
    )

    assert first.status_code == 200 and again.status_code == 200
    assert (first.json()["parents_told"], first.json()["reserves_moved"]) == (1, 1)
    assert again.headers["Idempotent-Replayed"] == "true"
    assert Enrollment.objects.get(pk=contract.pk).reserve_remaining == before - Decimal("250.00")
    assert Notification.objects.filter(title=f"Занятие {NEXT:%d.%m.%Y} отменено").count() == 1
    # A second cancellation without the key is refused, naming the date.
    refused = client.post(url, {"reason": "ещё раз"}, content_type="application/json")
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "lesson_change_refused"
    assert "date" in refused.json()["error"]["fields"]


def test_moving_through_the_api(manager, group, contract):
    new_day = NEXT + datetime.timedelta(days=1)
    response = signed_in(manager).post(
        reverse("api:provider-lesson-move", args=[group.pk, NEXT.isoformat()]),
        {"new_date": new_day.isoformat(), "start": "16:00", "end": "17:30", "room": "каб. 5"},
        content_type="application/json",
    )

    assert response.status_code == 200, response.json()
    new = Lesson.objects.get(pk=response.json()["new_lesson"])
    assert (new.date, new.extra, new.room) == (new_day, True, "каб. 5")
    lessons = signed_in(manager).get(lessons_url(group, **{"from": NEXT.isoformat(), "to": new_day.isoformat()}))
    assert [(row["date"], row["moved_to"], row["moved_from"]) for row in lessons.json()["lessons"]] == [
        (NEXT.isoformat(), new_day.isoformat(), None),
        (new_day.isoformat(), None, NEXT.isoformat()),
    ]


def test_the_pupils_with_contract_status_and_copayment(manager, group, contract, django_assert_num_queries):
    client = signed_in(manager)
    url = reverse("api:provider-group-pupils", args=[group.pk])
    client.get(url)

    # the group (with its schedule), the roster (with children, certificates, pending terms); the user
    # is cached
    with django_assert_num_queries(3):
        rows = client.get(url).json()

    assert len(rows) == 1
    row = rows[0]
    assert (row["enrollment"], row["status"], row["child"]) == (contract.pk, "ACTIVE", contract.child.full_name)
    assert row["lesson_price"] == "250.00" and row["copayment_per_lesson"] == "0.00"
    assert row["certificate"] == contract.certificate.number and row["new_terms_pending"] is False


def test_the_earnings_for_the_manager_only(manager, group, django_assert_num_queries):
    teacher = ProviderStaffFactory(provider=manager.provider, provider_role=roles.TEACHER)
    url = reverse("api:provider-earnings")
    client = signed_in(manager)
    client.get(url)

    # the manager role, charges, lessons held, open disputes, statements (the user is cached)
    with django_assert_num_queries(5):
        response = client.get(url)

    assert response.status_code == 200 and response.json() == []
    assert signed_in(teacher).get(url).status_code == 403


def test_another_providers_group_and_a_teachers_other_group_are_404(manager, group, contract):
    stranger = ProviderStaffFactory()
    teacher = ProviderStaffFactory(provider=manager.provider, provider_role=roles.TEACHER)
    day = NEXT.isoformat()
    for user in (stranger, teacher):
        client = signed_in(user)
        assert client.get(lessons_url(group)).status_code == 404
        assert client.get(reverse("api:provider-group-pupils", args=[group.pk])).status_code == 404
        cancel = client.post(
            reverse("api:provider-lesson-cancel", args=[group.pk, day]),
            {"reason": "x"},
            content_type="application/json",
        )
        move = client.post(
            reverse("api:provider-lesson-move", args=[group.pk, day]),
            {"new_date": day, "start": "10:00", "end": "11:00"},
            content_type="application/json",
        )
        assert (cancel.status_code, move.status_code) == (404, 404)
        assert cancel.json()["error"]["code"] == "group_not_found"
    assert not Lesson.objects.filter(group=group).exists()
    # The teacher of the group sees it.
    group.teacher_user = teacher
    group.save(update_fields=["teacher_user"])
    assert signed_in(teacher).get(lessons_url(group)).status_code == 200
    assert signed_in(teacher).get(reverse("api:provider-group-pupils", args=[group.pk])).status_code == 200


def test_a_parent_has_no_provider_api(contract):
    client = signed_in(parent_of(contract.child))
    assert client.get(reverse("api:provider-earnings")).status_code == 403
    assert client.get(lessons_url(contract.group)).status_code == 403
