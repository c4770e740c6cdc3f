"""The catalog's search index (search.engine): used when built, kept in step through the outbox by the
database's triggers (search/migrations/sql/0002_catalog_index_feed.sql), rebuilt whole without a gap.
Its answers against PostgreSQL's are tests/search/test_engine_parity.py."""

import subprocess
import time

import pytest
from django.db import transaction
from django.urls import reverse

from catalog.models import Program
from core.models import OutboxMessage
from enrollments.models import EnrollmentStatus
from search import engine
from search.models import CatalogIndexFeed
from search.selectors import CatalogQuery, IndexedResults, catalog_search
from search.tasks import index_programs_task
from tests.celery_worker import new_queue, start_worker, stop_worker
from tests.enrollments.factories import EnrollmentFactory
from tests.search.test_search import open_group, program

pytestmark = pytest.mark.django_db

TASK = "search.index_programs"


@pytest.fixture
def index_dir(settings, tmp_path):
    settings.SEARCH_INDEX_DIR = str(tmp_path / "index")
    return tmp_path / "index"


def search(**params):
    results, facets = catalog_search(CatalogQuery(**params))
    return results, facets


def titles(**params) -> list[str]:
    results, _ = search(**params)
    return [p.title for p in results]


def pending() -> list[OutboxMessage]:
    return list(OutboxMessage.objects.filter(task=TASK, dispatched_at__isnull=True).order_by("pk"))


def deliver() -> int:
    """Run the index task of every pending message, as the worker does, and mark them sent."""
    written = 0
    for message in pending():
        written += index_programs_task(*message.args)
        OutboxMessage.objects.filter(pk=message.pk).update(dispatched_at=message.created_at)
    return written


def test_without_an_index_postgresql_answers(index_dir):
    program("Шахматы")
    results, facets = search(q="шахматы")
    assert not isinstance(results, IndexedResults)
    assert [p.title for p in results] == ["Шахматы"] and facets.total == 1


def test_a_built_index_answers(index_dir):
    chess = program("Шахматы")
    program("Футбол")
    assert engine.index_rebuild() == 2
    results, facets = search(q="шахматы")
    assert isinstance(results, IndexedResults)
    assert [p.pk for p in results] == [chess.pk] and facets.total == 1 and len(results) == 1
    assert results[0].provider.municipality is not None  # the card's rows come from PostgreSQL


def test_an_index_that_cannot_be_read_leaves_the_search_to_postgresql(index_dir, caplog):
    program("Шахматы")
    engine.index_rebuild()
    build = (index_dir / f"v{engine.SCHEMA_VERSION}" / "current").resolve()
    (build / "meta.json").write_text("{ not json")
    results, facets = search(q="шахматы")
    assert not isinstance(results, IndexedResults)
    assert [p.title for p in results] == ["Шахматы"] and facets.total == 1
    assert "could not answer" in caplog.text


def test_the_distance_sort_is_postgresqls(index_dir):
    program("Шахматы")
    engine.index_rebuild()
    results, _ = search(sort="distance", point=(54.19, 37.62))
    assert not isinstance(results, IndexedResults)


def test_pages_come_from_the_index_in_its_order(index_dir):
    for letter in "ВБДАГ":
        program(f"{letter}: шахматы")
    engine.index_rebuild()
    results, facets = search()
    assert facets.total == 5
    assert [p.title[0] for p in results[0:2]] == ["А", "Б"]
    assert [p.title[0] for p in results[2:5]] == ["В", "Г", "Д"]
    assert results[5:10] == []


def test_without_the_feed_no_change_writes_a_message(index_dir):
    chess = program("Шахматы")
    assert not CatalogIndexFeed.objects.exists()
    Program.objects.filter(pk=chess.pk).update(title="Шашки")
    assert pending() == []


def test_a_new_title_reaches_the_index_through_the_outbox(index_dir):
    chess = program("Шахматы")
    engine.index_rebuild()
    assert CatalogIndexFeed.objects.exists()

    chess.title = "Шашки для начинающих"
    chess.save()
    assert [m.args for m in pending()] == [[[chess.pk]]]
    assert titles(q="шашки") == []  # the index has not heard yet

    assert deliver() == 1
    assert titles(q="шашки") == ["Шашки для начинающих"]
    assert titles(q="шахматы") == []


def test_a_change_the_index_does_not_hold_writes_no_message(index_dir):
    chess = program("Шахматы")
    engine.index_rebuild()
    Program.objects.filter(pk=chess.pk).update(lessons_per_month=chess.lessons_per_month + 1)
    assert pending() == []


def test_an_unlisted_program_leaves_the_page_at_once_and_the_index_with_the_message(index_dir):
    chess = program("Шахматы")
    program("Шахматы для старших")
    engine.index_rebuild()
    Program.objects.filter(pk=chess.pk).update(status=Program.Status.ARCHIVED)
    chess.refresh_from_db()
    assert not chess.listed

    results, facets = search(q="шахматы")
    assert facets.total == 2  # the index's count until the message is delivered
    assert [p.title for p in results] == ["Шахматы для старших"]  # the page reads PostgreSQL

    deliver()
    results, facets = search(q="шахматы")
    assert facets.total == 1 and [p.title for p in results] == ["Шахматы для старших"]


def test_a_group_filling_up_reaches_the_free_seats_filter(index_dir):
    chess = program("Шахматы")
    group = open_group(chess, capacity=1)
    engine.index_rebuild()
    assert titles(free_seats=True) == ["Шахматы"]

    EnrollmentFactory(group=group, status=EnrollmentStatus.SUBMITTED)
    assert chess.pk in {pk for m in pending() for pk in m.args[0]}
    deliver()
    assert titles(free_seats=True) == []
    assert titles() == ["Шахматы"]


def test_a_new_group_reaches_the_birth_date_filter(index_dir):
    import datetime

    from django.utils import timezone

    chess = program("Шахматы", age_min=7, age_max=9)
    engine.index_rebuild()
    eight_next_week = timezone.localdate() - datetime.timedelta(days=8 * 366)
    assert titles(birth_date=eight_next_week) == []  # no open group

    open_group(chess)
    deliver()
    assert titles(birth_date=eight_next_week) == ["Шахматы"]


def test_a_rebuild_replaces_the_index_a_process_already_reads(index_dir):
    program("Шахматы")
    engine.index_rebuild()
    assert titles(q="футбол") == []
    with transaction.atomic():
        CatalogIndexFeed.objects.all().delete()  # no message: only a rebuild can tell
        program("Футбол")
    engine.index_rebuild()
    assert titles(q="футбол") == ["Футбол"]
    engine.index_rebuild()
    assert len(list((index_dir / f"v{engine.SCHEMA_VERSION}").glob("build-*"))) == engine.KEEP_BUILDS


def test_a_message_before_any_build_writes_nothing(index_dir):
    chess = program("Шахматы")
    assert engine.index_programs([chess.pk]) == 0
    assert not engine.index_built()


def test_the_catalog_page_and_the_api_answer_from_the_index(index_dir, client):
    program("Шахматы")
    program("Футбол")
    engine.index_rebuild()
    answer = client.get(reverse("api:program-list"), {"q": "шахматы"}).json()
    assert answer["count"] == 1 and [p["title"] for p in answer["results"]] == ["Шахматы"]
    page = client.get(reverse("catalog"), {"q": "шахматы"})
    assert page.status_code == 200 and "Шахматы" in page.text and "Футбол" not in page.text


@pytest.mark.celery
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_applies_the_triggers_message(index_dir, monkeypatch):
    """The message the trigger wrote, sent to a real Celery worker on the real broker: the worker's
    index writer makes the change searchable for this process's reader."""
    from celery import current_app

    chess = program("Шахматы")
    engine.index_rebuild()
    with transaction.atomic():
        Program.objects.filter(pk=chess.pk).update(title="Шашки")
    [message] = pending()

    monkeypatch.setenv("TEST_SEARCH_INDEX_DIR", str(index_dir))
    queue = new_queue()
    worker = start_worker(queue, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        current_app.send_task(message.task, args=message.args, queue=queue)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and titles(q="шашки") != ["Шашки"]:
            time.sleep(0.2)
        assert titles(q="шашки") == ["Шашки"], "the worker never indexed the change"
    finally:
        stop_worker(worker)
