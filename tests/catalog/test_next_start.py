"""Program.next_start, kept by the database (catalog/migrations/sql/0008_listing.sql): statement triggers on
catalog_group recompute the programs a write touched, catalog_program_open_groups_refresh() recomputes
every program (groups end with time), and the catalog's start-date sort reads the stored column."""

import datetime

import pytest
from django.db import connection
from django.utils import timezone

from catalog.models import Group, Program
from catalog.services import program_open_groups_refresh
from catalog.tasks import program_open_groups_refresh_task
from search.selectors import CatalogQuery, catalog_search
from tests.catalog.factories import GroupFactory, ProgramFactory

pytestmark = pytest.mark.django_db


def days(n: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)


def open_group(program: Program, **kwargs) -> Group:
    kwargs.setdefault("start_date", days(7))
    kwargs.setdefault("end_date", days(200))
    return GroupFactory(program=program, **kwargs)


def next_start(program: Program) -> datetime.date | None:
    return Program.objects.values_list("next_start", flat=True).get(pk=program.pk)


# The triggers


def test_a_program_without_groups_has_no_next_start():
    assert next_start(ProgramFactory()) is None


def test_inserting_open_groups_sets_the_earliest_start():
    program = ProgramFactory()
    open_group(program, start_date=days(30))
    assert next_start(program) == days(30)
    open_group(program, start_date=days(10))
    assert next_start(program) == days(10)
    open_group(program, start_date=days(20))
    assert next_start(program) == days(10)


def test_closed_and_ended_groups_do_not_count():
    program = ProgramFactory()
    open_group(program, start_date=days(1), enrollment_open=False)
    open_group(program, start_date=days(-200), end_date=days(-1))
    assert next_start(program) is None
    open_group(program, start_date=days(40))
    assert next_start(program) == days(40)


def test_a_group_ending_today_still_counts():
    program = ProgramFactory()
    open_group(program, start_date=days(-100), end_date=days(0))
    assert next_start(program) == days(-100)


def test_bulk_insert_sets_every_program():
    first, second = ProgramFactory(), ProgramFactory()
    Group.objects.bulk_create(
        [
            GroupFactory.build(program=first, start_date=days(9), end_date=days(100)),
            GroupFactory.build(program=first, start_date=days(3), end_date=days(100)),
            GroupFactory.build(program=second, start_date=days(5), end_date=days(100)),
        ]
    )
    assert (next_start(first), next_start(second)) == (days(3), days(5))


def test_changing_the_start_date_recomputes():
    program = ProgramFactory()
    group = open_group(program, start_date=days(10))
    open_group(program, start_date=days(20))

    group.start_date = days(30)
    group.save()
    assert next_start(program) == days(20)

    Group.objects.filter(pk=group.pk).update(start_date=days(2))
    assert next_start(program) == days(2)


def test_closing_and_reopening_enrollment_recomputes():
    program = ProgramFactory()
    group = open_group(program, start_date=days(10))

    Group.objects.filter(pk=group.pk).update(enrollment_open=False)
    assert next_start(program) is None

    group.refresh_from_db()
    group.enrollment_open = True
    group.save()
    assert next_start(program) == days(10)


def test_moving_the_end_date_into_the_past_recomputes():
    program = ProgramFactory()
    group = open_group(program, start_date=days(-30), end_date=days(100))
    open_group(program, start_date=days(15))
    assert next_start(program) == days(-30)

    Group.objects.filter(pk=group.pk).update(end_date=days(-1))
    assert next_start(program) == days(15)


def test_an_unrelated_change_leaves_it_alone():
    program = ProgramFactory()
    group = open_group(program, start_date=days(10))
    Group.objects.filter(pk=group.pk).update(capacity=25, name="Новая")
    assert next_start(program) == days(10)


def test_deleting_a_group_recomputes():
    program = ProgramFactory()
    first = open_group(program, start_date=days(10))
    second = open_group(program, start_date=days(20))

    first.delete()
    assert next_start(program) == days(20)
    second.delete()
    assert next_start(program) is None


def test_moving_a_group_to_another_program_recomputes_both():
    source, target = ProgramFactory(), ProgramFactory()
    group = open_group(source, start_date=days(5))
    open_group(source, start_date=days(50))
    open_group(target, start_date=days(40))

    group.program = target
    group.save()

    assert next_start(source) == days(50)
    assert next_start(target) == days(5)


# The refresh (groups end with time)


def test_refresh_clears_a_program_whose_only_group_has_ended():
    program = ProgramFactory()
    group = open_group(program, start_date=days(-100), end_date=days(10))
    assert next_start(program) == days(-100)

    # Time passes: the group ends without any write to it. Stand-in: change the dates with the
    # trigger off, so only the refresh can notice.
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # ALTER TABLE refuses pending (deferred) FK checks
        cursor.execute("ALTER TABLE catalog_group DISABLE TRIGGER catalog_group_open_groups_update")
    Group.objects.filter(pk=group.pk).update(end_date=days(-1))
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE catalog_group ENABLE TRIGGER catalog_group_open_groups_update")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    assert next_start(program) == days(-100)  # stale until the refresh

    assert program_open_groups_refresh() == 1
    assert next_start(program) is None
    assert program_open_groups_refresh() == 0  # nothing left to change


def test_refresh_repairs_any_stale_value():
    with_group, without = ProgramFactory(), ProgramFactory()
    open_group(with_group, start_date=days(8))
    Program.objects.update(next_start=days(-5))

    assert program_open_groups_refresh_task() == 2
    assert (next_start(with_group), next_start(without)) == (days(8), None)


def test_the_nightly_task_is_scheduled():
    from django_celery_beat.models import PeriodicTask

    task = PeriodicTask.objects.get(task="catalog.program_open_groups_refresh")
    assert task.enabled and task.crontab is not None


# The sort


def test_start_date_sort_reads_the_stored_column_nulls_last():
    later = ProgramFactory(title="Позже")
    open_group(later, start_date=days(30))
    sooner = ProgramFactory(title="Раньше")
    open_group(sooner, start_date=days(5))
    ProgramFactory(title="Б без групп")
    ProgramFactory(title="А без групп")
    tie_b, tie_a = ProgramFactory(title="Б в тот же день"), ProgramFactory(title="А в тот же день")
    open_group(tie_b, start_date=days(12))
    open_group(tie_a, start_date=days(12))

    programs, _ = catalog_search(CatalogQuery(sort="start_date"))
    assert [(p.title, p.next_start) for p in programs] == [
        ("Раньше", days(5)),
        ("А в тот же день", days(12)),
        ("Б в тот же день", days(12)),
        ("Позже", days(30)),
        ("А без групп", None),
        ("Б без групп", None),
    ]
    assert "next_start" in str(programs.query).split("ORDER BY")[1]
    assert "catalog_group" not in str(programs.query)
