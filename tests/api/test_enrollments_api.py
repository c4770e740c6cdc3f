"""The enrollment API: apply → offer → accept → terminate through both doors, every refusal with its
status and code, who may see and do what (another family's or provider's enrollment is a 404), the
quote, Idempotency-Key replays, a held group lock answered 409 busy with Retry-After, and the number of
queries of the list."""

import datetime
import threading
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from catalog.models import Group, Program
from certificates.models import Certificate, FundedCertificateRequest, FundingPeriod
from core.models import IdempotencyRecord, OutboxMessage
from enrollments.models import Enrollment, EnrollmentStatus
from enrollments.selectors import waiting_place
from notices.models import Notification
from tests.accounts.factories import ParentFactory, ProviderStaffFactory
from tests.catalog.factories import GroupFactory, ProgramFactory, ScheduleSlotFactory
from tests.certificates.factories import (
    CertificateFactory,
    ChildFactory,
    FundingPeriodFactory,
    claim_on,
    school_year_of,
)
from tests.enrollments.factories import EnrollmentFactory
from tests.navigator.cabinet import signed_in

pytestmark = pytest.mark.django_db

LIST = "/api/v1/enrollments/"
QUOTE = "/api/v1/enrollments/quote/"


def url(enrollment_id: int, action: str = "") -> str:
    return f"{LIST}{enrollment_id}/{action + '/' if action else ''}"


def post(client, path: str, data: dict | None = None, key: str | None = None):
    headers = {"Idempotency-Key": key} if key else {}
    return client.post(path, data or {}, content_type="application/json", headers=headers)


def error(response, status: int) -> dict:
    assert response.status_code == status, response.content
    body = response.json()["error"]
    assert body["message"]
    return body


@pytest.fixture
def staff():
    return ProviderStaffFactory()


@pytest.fixture
def group(staff):
    group = GroupFactory(program=ProgramFactory(provider=staff.provider), capacity=2)
    ScheduleSlotFactory(group=group)  # Mondays
    return group


@pytest.fixture
def parent():
    return ParentFactory()


@pytest.fixture
def child(parent):
    child = ChildFactory(parents=[parent], last_name="Иванов", first_name="Пётр", middle_name="")
    FundingPeriodFactory(municipality=child.municipality, year=school_year_of(timezone.localdate()))
    return child


@pytest.fixture
def family(parent):
    return signed_in(parent)


@pytest.fixture
def provider(staff):
    return signed_in(staff)


def applied(client, child, group, **kwargs) -> dict:
    response = post(client, LIST, {"child": child.pk, "group": group.pk}, **kwargs)
    assert response.status_code == 201, response.content
    return response.json()


# --- The happy path ----------------------------------------------------------------------------------


def test_apply_offer_accept_terminate(family, provider, child, group, staff):
    quote = family.get(QUOTE, {"child": child.pk, "group": group.pk}).json()
    assert quote["funding"] == "FUNDED" and quote["group_full"] is False and quote["waiting_place"] is None
    assert (quote["lesson_price"], quote["certificate_per_lesson"], quote["copayment_per_lesson"]) == (
        "250.00",
        "250.00",
        "0.00",
    )
    assert quote["month_price"] == "2000.00"

    body = applied(family, child, group)
    assert body["status"] == "SUBMITTED" and body["status_name"] == "Заявка подана"
    assert body["child"] == {"id": child.pk, "full_name": "Иванов Пётр"}
    program = group.program
    assert body["group"] == {
        "id": group.pk,
        "name": group.name,
        "program": {"id": program.pk, "title": program.title},
        "provider": {"id": staff.provider.pk, "short_name": staff.provider.short_name},
    }
    assert body["waiting_place"] is None and body["contract"] is None and body["expires_at"]
    assert Certificate.objects.filter(child=child).exists()  # issued on the first application
    enrollment_id = body["id"]
    assert family.get(url(enrollment_id)).json() == body  # the answer is what a read gives back
    # The family is told (one write, one message for the e-mails); the provider reads its inbox.
    assert set(Notification.objects.values_list("user", flat=True)) == {child.parents.get().pk}
    assert OutboxMessage.objects.count() == 1

    seen = provider.get(url(enrollment_id)).json()
    assert seen["child_age"] == child.age_on(group.start_date)
    assert seen["certificate_kind"] == "ACCOUNTING"  # no account in the period yet

    offered = post(provider, url(enrollment_id, "offer"))
    assert offered.status_code == 200, offered.content
    assert offered.json()["status"] == "OFFERED"

    accepted = post(family, url(enrollment_id, "accept"))
    assert accepted.status_code == 200, accepted.content
    contract = accepted.json()["contract"]
    assert accepted.json()["status"] == "ACTIVE"
    assert contract["funding"] == "FUNDED" and contract["billing_policy"] == "PER_LESSON"
    assert contract["lesson_price"] == quote["lesson_price"]
    assert contract["certificate_per_lesson"] == quote["certificate_per_lesson"]
    assert contract["copayment_per_lesson"] == "0.00"
    assert contract["planned_lessons"] == quote["planned_lessons"] > 0
    assert contract["reserve_remaining"] == quote["reserve"] != "0.00"
    assert contract["copayment_shown"] == quote["copayment_total"]
    assert contract["lessons_per_month"] == 8
    assert contract["starts_on"] == timezone.localdate().isoformat() and contract["accepted_at"]
    assert provider.get(url(enrollment_id)).json()["certificate_kind"] == "FUNDED"

    terminated = post(family, url(enrollment_id, "terminate"))
    assert terminated.status_code == 200, terminated.content
    assert terminated.json()["status"] == "TERMINATED"
    yesterday = timezone.localdate() - datetime.timedelta(days=1)  # per lesson: at once
    assert terminated.json()["contract"]["ends_on"] == yesterday.isoformat()
    assert terminated.json()["contract"]["reserve_remaining"] == "0.00"


def test_every_amount_is_a_string(family, provider, child, group):
    enrollment_id = applied(family, child, group)["id"]
    post(provider, url(enrollment_id, "offer"))
    contract = post(family, url(enrollment_id, "accept")).json()["contract"]
    quote = family.get(QUOTE, {"child": child.pk, "group": group.pk}).json()

    for key in (
        "lesson_price",
        "certificate_per_lesson",
        "copayment_per_lesson",
        "copayment_shown",
        "reserve_remaining",
    ):
        assert isinstance(contract[key], str) and Decimal(contract[key]) >= 0
    for key in ("lesson_price", "month_price", "month_certificate", "reserve", "copayment_total", "total_price"):
        assert isinstance(quote[key], str)


def test_an_application_answers_as_the_enrollment_is_shown_afterwards(family, child, group):
    """The apply answer is built from the service's facts (api.enrollments.apply_answer), not by the
    serializer: key for key what the serializer shows of the same enrollment."""
    first = post(family, LIST, {"child": child.pk, "group": group.pk})
    group.capacity = 1
    group.save()
    second_child = ChildFactory(parents=[child.parents.get()], municipality=child.municipality)
    waiting = post(family, LIST, {"child": second_child.pk, "group": group.pk})

    for response in (first, waiting):
        assert response.status_code == 201, response.content
        shown = family.get(url(response.json()["id"]))
        assert list(response.json().items()) == list(shown.json().items())
    assert (first.json()["status"], waiting.json()["status"]) == ("SUBMITTED", "WAITING")
    assert first.json()["expires_at"] is not None and waiting.json()["waiting_place"] == 1


@pytest.mark.parametrize("zone", ["Europe/Moscow", "Asia/Kamchatka", "UTC", "America/St_Johns"])
@pytest.mark.parametrize(
    "moment",
    [
        datetime.datetime(2026, 11, 30, 10, 5, 7, 123456, tzinfo=datetime.UTC),
        datetime.datetime(2026, 12, 31, 23, 59, 59, tzinfo=datetime.UTC),  # no microseconds: none written
        datetime.datetime(2027, 7, 1, 0, 0, 0, 500, tzinfo=datetime.UTC),  # summer time where there is one
    ],
)
def test_the_functions_times_are_written_as_the_serializers(zone, moment):
    """enrollments_iso_time (the apply answer's times, made in SQL) writes what DRF's DateTimeField does."""
    from rest_framework.fields import DateTimeField

    with timezone.override(zone), connection.cursor() as cursor:
        cursor.execute("SELECT enrollments_iso_time(%s, %s)", [moment, zone])
        assert cursor.fetchone()[0] == DateTimeField().to_representation(moment)


def test_a_full_group_puts_applications_on_the_waiting_list_in_order(family, parent, child, group):
    group.capacity = 1
    group.save()
    EnrollmentFactory(group=group)
    second = ChildFactory(parents=[parent], municipality=child.municipality)

    assert family.get(QUOTE, {"child": child.pk, "group": group.pk}).json()["waiting_place"] == 1
    first = applied(family, child, group)
    then = applied(family, second, group)

    assert (first["status"], first["waiting_place"]) == ("WAITING", 1)
    assert (then["status"], then["waiting_place"]) == ("WAITING", 2)
    assert family.get(url(then["id"])).json() == then
    quote = family.get(QUOTE, {"child": child.pk, "group": group.pk}).json()
    assert (quote["group_full"], quote["waiting_place"]) == (True, 3)
    listed = {row["id"]: row["waiting_place"] for row in family.get(LIST).json()["results"]}
    for enrollment in Enrollment.objects.filter(pk__in=listed):
        assert listed[enrollment.pk] == waiting_place(enrollment=enrollment)


def test_decline_and_cancel(family, child, group):
    offered = EnrollmentFactory(child=child, group=group, offered=True)
    other_group = GroupFactory(program=group.program)
    submitted = EnrollmentFactory(child=child, group=other_group, certificate=offered.certificate)

    assert error(post(family, url(submitted.pk, "decline")), 409)["code"] == "transition_not_allowed"
    declined = post(family, url(offered.pk, "decline"))
    cancelled = post(family, url(submitted.pk, "cancel"))

    assert declined.status_code == cancelled.status_code == 200
    assert declined.json()["status"] == cancelled.json()["status"] == "CANCELLED"


def test_reject_needs_a_reason_and_frees_the_seat(provider, group):
    group.capacity = 1
    group.save()
    enrollment = EnrollmentFactory(group=group)
    waiting = EnrollmentFactory(group=group, status=EnrollmentStatus.WAITING)

    assert error(post(provider, url(enrollment.pk, "reject")), 400)["code"] == "reason_required"
    assert error(post(provider, url(enrollment.pk, "reject"), {"reason": "  "}), 400)["code"] == "reason_required"
    rejected = post(provider, url(enrollment.pk, "reject"), {"reason": "Группа для начинающих"})

    assert rejected.status_code == 200, rejected.content
    assert (rejected.json()["status"], rejected.json()["reject_reason"]) == ("REJECTED", "Группа для начинающих")
    waiting.refresh_from_db()
    assert waiting.status == EnrollmentStatus.SUBMITTED


def test_no_funded_room_queues_the_certificate_and_a_paid_contract_is_still_possible(family, child, group):
    period = FundingPeriod.objects.get(municipality=child.municipality)
    period.max_funded_certificates = 0
    period.save()
    enrollment = EnrollmentFactory(child=child, group=group, offered=True)

    refused = error(post(family, url(enrollment.pk, "accept")), 409)

    assert refused["code"] == "no_funded_room"
    assert "очеред" in refused["message"]
    assert FundedCertificateRequest.objects.filter(certificate=enrollment.certificate, period=period).exists()
    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.OFFERED
    paid = post(family, url(enrollment.pk, "accept"), {"as_paid": True})
    assert paid.status_code == 200, paid.content
    contract = paid.json()["contract"]
    assert (contract["funding"], contract["certificate_per_lesson"], contract["copayment_per_lesson"]) == (
        "PAID",
        "0.00",
        "250.00",
    )


# --- Refusals when applying --------------------------------------------------------------------------


def _other_family(child, group):
    return ChildFactory(municipality=child.municipality).pk, group.pk


def _missing_child(child, group):
    return 10**9, group.pk


def _missing_group(child, group):
    return child.pk, 10**9


def _unconfirmed(child, group):
    parent = child.parents.get()
    hand_typed = ChildFactory(parents=[parent], parents__confirmed=False, municipality=child.municipality)
    return hand_typed.pk, group.pk


def _unconfirmed_link(child, group):
    claim = claim_on(ChildFactory(parents=[], municipality=child.municipality), user=child.parents.get())
    return claim.child_id, group.pk


def _too_young(child, group):
    child.birth_date = group.start_date.replace(year=group.start_date.year - 4)
    child.save()
    return child.pk, group.pk


def _frozen_certificate(child, group):
    CertificateFactory(child=child, status=Certificate.Status.FROZEN)
    return child.pk, group.pk


def _program_not_certified(child, group):
    Program.objects.filter(pk=group.program_id).update(status=Program.Status.DRAFT)
    return child.pk, group.pk


def _group_closed(child, group):
    Group.objects.filter(pk=group.pk).update(enrollment_open=False)
    return child.pk, group.pk


def _already_enrolled(child, group):
    EnrollmentFactory(child=child, group=group)
    return child.pk, group.pk


def _period_closed(child, group):
    FundingPeriod.objects.filter(municipality=child.municipality).update(accepting_contracts=False)
    return child.pk, group.pk


@pytest.mark.parametrize(
    ("make", "status", "code"),
    [
        (_other_family, 404, "child_not_found"),
        (_missing_child, 404, "child_not_found"),
        (_missing_group, 404, "group_not_found"),
        (_unconfirmed, 404, "child_not_found"),  # a claim shows nothing of the child
        (_unconfirmed_link, 404, "child_not_found"),
        (_too_young, 400, "age_out_of_range"),
        (_frozen_certificate, 409, "certificate_not_active"),
        (_program_not_certified, 409, "program_not_listed"),
        (_group_closed, 409, "group_closed"),
        (_already_enrolled, 409, "already_enrolled"),
        (_period_closed, 409, "period_closed"),
    ],
    ids=lambda v: v.__name__.strip("_") if callable(v) else None,
)
def test_each_refusal_has_its_status_code_and_message(family, child, group, make, status, code):
    child_id, group_id = make(child, group)
    before = Enrollment.objects.count()

    body = error(post(family, LIST, {"child": child_id, "group": group_id}), status)

    assert body["code"] == code
    assert Enrollment.objects.count() == before


def test_another_familys_child_answers_exactly_as_a_missing_one(family, child, group):
    theirs = post(family, LIST, {"child": ChildFactory().pk, "group": group.pk})
    missing = post(family, LIST, {"child": 10**9, "group": group.pk})

    assert theirs.status_code == missing.status_code == 404
    assert theirs.json() == missing.json()


def test_messages_are_translated(family, child, group):
    EnrollmentFactory(child=child, group=group)
    family.cookies["django_language"] = "en"

    body = error(post(family, LIST, {"child": child.pk, "group": group.pk}, key=None), 409)

    assert body["code"] == "already_enrolled"
    assert body["message"].isascii()


def test_bad_input_is_a_400(family):
    refused = error(post(family, LIST, {"child": "one"}), 400)
    assert refused["code"] == "invalid" and set(refused["fields"]) == {"child", "group"}
    assert set(error(post(family, LIST, {"child": 0, "group": 1}), 400)["fields"]) == {"child"}
    for not_an_object in ("null", "[]", "5"):  # worded as the serializer's is_valid() words it
        refused = family.post(LIST, not_an_object, content_type="application/json")
        assert list(error(refused, 400)["fields"]) == ["non_field_errors"]
    assert error(family.get(QUOTE, {"child": "x"}), 400)["code"] == "invalid"


# --- Who may see and do what ------------------------------------------------------------------------


def test_another_provider_cannot_see_offer_or_reject(group):
    enrollment = EnrollmentFactory(group=group)
    stranger = signed_in(ProviderStaffFactory())

    assert error(stranger.get(url(enrollment.pk)), 404)["code"] == "not_found"
    assert stranger.get(LIST).json()["count"] == 0
    assert error(post(stranger, url(enrollment.pk, "offer")), 404)["code"] == "not_found"
    assert error(post(stranger, url(enrollment.pk, "reject"), {"reason": "нет"}), 404)["code"] == "not_found"
    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.SUBMITTED


def test_another_family_cannot_see_or_act(group):
    enrollment = EnrollmentFactory(group=group, offered=True)
    stranger = signed_in(ParentFactory())

    assert stranger.get(url(enrollment.pk)).status_code == 404
    assert stranger.get(LIST).json()["count"] == 0
    for action in ("accept", "decline", "cancel", "terminate"):
        assert error(post(stranger, url(enrollment.pk, action)), 404)["code"] == "not_found"
    assert error(stranger.get(QUOTE, {"child": enrollment.child_id, "group": group.pk}), 404)["code"] == (
        "child_not_found"
    )
    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.OFFERED


def test_each_door_refuses_the_other_side(family, provider, child, group):
    enrollment = EnrollmentFactory(child=child, group=group)

    assert error(post(family, url(enrollment.pk, "offer")), 403)["code"] == "permission_denied"
    assert error(post(family, url(enrollment.pk, "reject"), {"reason": "x"}), 403)["code"] == "permission_denied"
    assert error(post(provider, url(enrollment.pk, "accept")), 403)["code"] == "permission_denied"
    assert error(post(provider, LIST, {"child": child.pk, "group": group.pk}), 403)["code"] == "permission_denied"
    assert error(provider.get(QUOTE, {"child": child.pk, "group": group.pk}), 403)["code"] == "permission_denied"
    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.SUBMITTED


def test_anonymous_visitors_are_refused(client, group):
    enrollment = EnrollmentFactory(group=group)

    assert client.get(LIST).status_code in (401, 403)
    assert client.get(url(enrollment.pk)).status_code in (401, 403)
    assert post(client, url(enrollment.pk, "offer")).status_code in (401, 403)


# --- Idempotency-Key -----------------------------------------------------------------------------------


def test_a_repeated_post_gets_the_first_answer_and_changes_nothing(family, parent, child, group):
    first = post(family, LIST, {"child": child.pk, "group": group.pk}, key="apply-1")
    again = post(family, LIST, {"child": child.pk, "group": group.pk}, key="apply-1")

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true" and not first.has_header("Idempotent-Replayed")
    assert Enrollment.objects.filter(child=child).count() == 1

    # A different key is a new request (here refused: the child is already in the group).
    assert error(post(family, LIST, {"child": child.pk, "group": group.pk}, key="apply-2"), 409)["code"] == (
        "already_enrolled"
    )
    # The same key of another parent is theirs alone.
    other = ParentFactory()
    their_child = ChildFactory(parents=[other], municipality=child.municipality)
    theirs = post(signed_in(other), LIST, {"child": their_child.pk, "group": group.pk}, key="apply-1")
    assert theirs.status_code == 201 and not theirs.has_header("Idempotent-Replayed")
    assert theirs.json()["child"]["id"] == their_child.pk


def test_an_action_repeated_with_its_key_runs_once(family, provider, child, group):
    enrollment = EnrollmentFactory(child=child, group=group)
    offered = post(provider, url(enrollment.pk, "offer"), key="offer")
    accepted = post(family, url(enrollment.pk, "accept"), key="accept")
    again = post(family, url(enrollment.pk, "accept"), key="accept")

    assert offered.status_code == accepted.status_code == again.status_code == 200
    assert again.json() == accepted.json() and again["Idempotent-Replayed"] == "true"
    assert enrollment.events.filter(to_status="ACTIVE").count() == 1
    assert enrollment.reserve_entries.count() == 1


def test_a_refusal_is_kept_as_the_answer_too(provider, group):
    enrollment = EnrollmentFactory(group=group)

    first = post(provider, url(enrollment.pk, "reject"), key="r")
    again = post(provider, url(enrollment.pk, "reject"), {"reason": "поздно"}, key="r")

    assert first.status_code == again.status_code == 400
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"


def test_an_application_refused_after_its_key_was_claimed_keeps_the_refusal(family, child, group):
    """The service claims the key in its own statement (core.idempotency.ServiceClaim): a refusal found
    there is stored as the answer, so the same key stays refused even once the reason is gone."""
    Group.objects.filter(pk=group.pk).update(enrollment_open=False)

    first = post(family, LIST, {"child": child.pk, "group": group.pk}, key="k")
    Group.objects.filter(pk=group.pk).update(enrollment_open=True)
    again = post(family, LIST, {"child": child.pk, "group": group.pk}, key="k")

    assert error(first, 409)["code"] == "group_closed"
    assert again.status_code == 409 and again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert not Enrollment.objects.exists()
    assert post(family, LIST, {"child": child.pk, "group": group.pk}, key="k2").status_code == 201


def test_a_refusal_that_undid_the_services_statement_is_kept_too(family, child, group):
    """Already enrolled is refused by the unique index, which undoes the statement and its claim: the
    answer is then claimed and stored at once (CLAIM_STORE_SQL)."""
    applied(family, child, group, key="first")

    refused = post(family, LIST, {"child": child.pk, "group": group.pk}, key="second")
    again = post(family, LIST, {"child": child.pk, "group": group.pk}, key="second")

    assert error(refused, 409)["code"] == "already_enrolled"
    assert again.json() == refused.json() and again["Idempotent-Replayed"] == "true"
    assert IdempotencyRecord.objects.get(key="second").status_code == 409


def test_a_key_older_than_a_day_is_new_again(family, parent, child, group):
    first = applied(family, child, group, key="old")
    IdempotencyRecord.objects.filter(key="old").update(created_at=timezone.now() - datetime.timedelta(hours=25))
    other_group = GroupFactory(program=group.program)

    again = post(family, LIST, {"child": child.pk, "group": other_group.pk}, key="old")

    assert again.status_code == 201 and not again.has_header("Idempotent-Replayed")
    assert again.json()["id"] != first["id"]
    record = IdempotencyRecord.objects.get(key="old")
    assert record.status_code == 201 and record.body["id"] == again.json()["id"]


@pytest.mark.django_db(transaction=True)
def test_an_application_is_two_statements(parent, child, group):
    """Opening day's request (bench/opening_day.py): the user (the session comes from the cache) and the
    application as one function call (the key's claim, the locked read, the rules, the writes, the answer
    kept with the key: enrollments_apply). The ceiling view takes two. (The outbox's dispatch after the
    commit is left out: on a server it runs in a background thread, on its own connection.)"""
    family = signed_in(parent)
    with CaptureQueriesContext(connection) as queries:
        body = applied(family, child, group, key="once")
    statements = [q["sql"] for q in queries.captured_queries if "core_outboxmessage" not in q["sql"]]
    statements = [sql for sql in statements if sql not in ("BEGIN", "COMMIT")]  # the dispatch's transaction
    assert len(statements) == 2, statements
    # The audit's request context (pghistory) rides on each writing statement as a set_config() prefix,
    # not as a statement of its own.
    assert "accounts_user" in statements[0] and "enrollments_apply(" in statements[1]
    record = IdempotencyRecord.objects.get(user_id=parent.pk, key="once")
    assert (record.status_code, record.body) == (201, body)
    notice = Notification.objects.get(user=parent, subject=f"enrollment:{body['id']}")
    assert OutboxMessage.objects.filter(task="notices.send_emails", args=[[notice.pk]]).exists()


# --- Busy: a real lock held elsewhere -------------------------------------------------------------------


def _hold_group_lock(group_id, locked, release):
    try:
        with transaction.atomic():
            list(Group.objects.select_for_update().filter(pk=group_id))
            locked.set()
            release.wait(timeout=30)
    finally:
        connection.close()


@pytest.mark.django_db(transaction=True)
def test_a_group_locked_elsewhere_answers_busy_then_the_same_key_succeeds(settings, parent, child, group):
    settings.LOCK_TIMEOUT_MS = 200
    family = signed_in(parent)
    locked, release = threading.Event(), threading.Event()
    holder = threading.Thread(target=_hold_group_lock, args=(group.pk, locked, release))
    holder.start()
    try:
        assert locked.wait(timeout=30)
        busy = post(family, LIST, {"child": child.pk, "group": group.pk}, key="opening-day")
    finally:
        release.set()
        holder.join(timeout=30)

    body = error(busy, 409)
    assert body["code"] == "busy" and busy["Retry-After"] == "1"
    assert not Enrollment.objects.exists()
    assert not Certificate.objects.filter(child=child).exists()  # rolled back with the application
    assert not IdempotencyRecord.objects.exists()  # the key is free for the retry

    retried = post(family, LIST, {"child": child.pk, "group": group.pk}, key="opening-day")
    assert retried.status_code == 201, retried.content
    assert Enrollment.objects.filter(child=child, group=group).count() == 1


# --- Queries --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("n", [1, 10])
def test_the_parents_list_takes_the_same_queries_for_1_and_10(
    family, parent, child, group, n, django_assert_num_queries
):
    for i in range(n):
        kid = ChildFactory(parents=[parent], municipality=child.municipality)
        status = EnrollmentStatus.WAITING if i % 2 else EnrollmentStatus.OFFERED
        EnrollmentFactory(child=kid, group=GroupFactory(program=group.program), status=status)

    # user, COUNT, the page (child, group, program, provider and the waiting place joined in)
    with django_assert_num_queries(3):
        body = family.get(LIST).json()

    assert body["count"] == n


@pytest.mark.parametrize("n", [1, 10])
def test_the_providers_list_takes_the_same_queries_for_1_and_10(provider, group, n, django_assert_num_queries):
    for i in range(n):
        status = EnrollmentStatus.WAITING if i % 2 else EnrollmentStatus.SUBMITTED
        EnrollmentFactory(group=GroupFactory(program=group.program), status=status)
    EnrollmentFactory()  # another provider's

    # user, COUNT, the page, the certificates' accounts (their kind in the current period)
    with django_assert_num_queries(4):
        body = provider.get(LIST).json()

    assert body["count"] == n
    assert {row["certificate_kind"] for row in body["results"]} == {"ACCOUNTING"}
