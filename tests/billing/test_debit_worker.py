"""The debit job in a real Celery worker, on the real Redis broker and the real test database: the
worker is killed with SIGKILL in the middle of a run, the run is repeated, and every mark is charged
exactly once."""

from __future__ import annotations

import os
import signal
import time
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import connection
from django.db.models import Sum

from billing.debits import run_debits
from billing.models import AttendanceMark, Charge, JobRun
from billing.tasks import run_debits_task
from catalog.models import ScheduleSlot
from certificates.models import CertificateAccount
from tests.billing.debit_helpers import contract, lesson, lesson_days
from tests.catalog.factories import GroupFactory
from tests.celery_worker import new_queue, start_worker

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.celery, pytest.mark.django_db(transaction=True)]

WEEKDAYS = (
    ScheduleSlot.Weekday.MONDAY,
    ScheduleSlot.Weekday.TUESDAY,
    ScheduleSlot.Weekday.WEDNESDAY,
    ScheduleSlot.Weekday.THURSDAY,
    ScheduleSlot.Weekday.FRIDAY,
)


@pytest.fixture
def worker():
    """A worker on a queue of its own (a developer's running worker cannot steal the task)."""
    queue = new_queue()
    process = start_worker(queue)
    yield queue, process
    if process.poll() is None:
        process.kill()
    process.wait(timeout=20)


def _wait_for(predicate, timeout: float = 120.0, step: float = 0.02) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return False


def _other_sessions() -> int:
    """Sessions on the test database other than this one (the killed worker's, until PostgreSQL ends it)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0]


def test_a_worker_killed_in_the_middle_of_a_run_and_the_run_repeated_charges_each_mark_once(worker):
    queue, process = worker
    group = GroupFactory()
    for weekday in WEEKDAYS:
        group.schedule.create(weekday=weekday, start_time="16:00", end_time="17:00")
    enrollments = [contract(group=group, nominal="100000.00", reserve="2000.00") for _ in range(20)]
    days = lesson_days(enrollments[0], 60)
    lessons = [lesson(enrollments[0], day) for day in days]
    AttendanceMark.objects.bulk_create(
        AttendanceMark(lesson=row, enrollment=enrollment, status="PRESENT")
        for enrollment in enrollments
        for row in lessons
    )
    total = AttendanceMark.objects.count()
    assert total == 1200

    run_debits_task.apply_async(kwargs={"day": days[-1].isoformat(), "batch_size": 10}, queue=queue)
    assert _wait_for(lambda: Charge.objects.exists()), "the worker never started charging"
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=20)

    charged_before = Charge.objects.count()
    assert 0 < charged_before < total, "the kill did not land in the middle of the run"
    killed = JobRun.objects.get()
    assert killed.status == JobRun.Status.RUNNING  # it never finished
    # PostgreSQL rolls the killed worker's open batch back when it sees the session gone.
    assert _wait_for(lambda: _other_sessions() == 0, timeout=30, step=0.2)

    rerun = run_debits(day=days[-1], batch_size=100)

    assert rerun.status == JobRun.Status.OK
    assert charged_before + rerun.charged == total
    assert Charge.objects.count() == total
    assert Charge.objects.values("mark").distinct().count() == total
    assert not AttendanceMark.objects.filter(billed_version=0).exists()
    # The money adds up: every account spent exactly what its charges took.
    for account in CertificateAccount.objects.all():
        paid = Charge.objects.filter(account=account).aggregate(s=Sum("certificate_amount"))["s"] or Decimal(0)
        assert account.spent == paid
    for enrollment in enrollments:
        enrollment.refresh_from_db()
        assert enrollment.reserve_remaining == Decimal("0.00")  # 60 lessons × 250 ₽ > the 2 000 ₽ reserve
    # Run again: nothing more.
    assert run_debits(day=days[-1]).charged == 0
