"""The outbox: tasks asked for in a transaction are sent after it commits; with the broker down they
wait, counted, and the sweep sends them once it is back; two dispatchers never send one twice."""

import threading
import time

import pytest
from celery import current_app
from django.core import mail
from django.db import connection, transaction
from kombu.exceptions import OperationalError as BrokerDown

from core import outbox
from core.models import OutboxMessage
from core.outbox import outbox_dispatch, outbox_enqueue, outbox_sweep
from notices.services import EMAIL_TASK, Notice, notice_emails_send, notices_send
from tests.accounts.factories import ParentFactory


@pytest.fixture
def broker(monkeypatch):
    """Records what is sent instead of reaching Redis; `broker.down = True` makes it refuse."""

    class Broker:
        down = False
        sent: list = []

        def send_task(self, name, args=None, **options):
            if self.down:
                raise BrokerDown("Error 111 connecting to redis: Connection refused.")
            self.sent.append((name, args))

    fake = Broker()
    fake.sent = []
    monkeypatch.setattr(current_app, "send_task", fake.send_task)
    monkeypatch.setattr(outbox, "_broker_down_until", 0.0)  # no back-off left over from another test
    return fake


@pytest.mark.django_db
def test_a_task_is_sent_only_when_its_transaction_commits(broker, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        message = outbox_enqueue("core.beat_heartbeat", "x")
        assert broker.sent == []

    assert len(callbacks) == 1
    assert broker.sent == [("core.beat_heartbeat", ["x"])]
    message.refresh_from_db()
    assert message.dispatched_at is not None


@pytest.mark.django_db
def test_with_the_broker_down_the_message_waits_for_the_sweep(broker, django_capture_on_commit_callbacks):
    broker.down = True
    with django_capture_on_commit_callbacks(execute=True):
        message = outbox_enqueue("core.beat_heartbeat", "x")

    message.refresh_from_db()
    assert (message.dispatched_at, message.attempts) == (None, 1)
    assert "Connection refused" in message.last_error

    # Meanwhile requests leave their messages to the sweep rather than wait on the dead broker.
    with django_capture_on_commit_callbacks() as callbacks:
        waiting = outbox_enqueue("core.beat_heartbeat", "y")
    assert callbacks == []

    broker.down = False
    assert outbox_sweep() == 2
    waiting.refresh_from_db()
    assert waiting.dispatched_at is not None
    message.refresh_from_db()
    assert message.dispatched_at is not None
    assert broker.sent == [("core.beat_heartbeat", ["x"]), ("core.beat_heartbeat", ["y"])]
    assert outbox_sweep() == 0  # nothing is sent twice


@pytest.mark.django_db(transaction=True)
def test_two_dispatchers_never_send_one_message_twice(broker):
    message = OutboxMessage.objects.create(task="core.beat_heartbeat", args=[])
    results = []

    def dispatch_in_thread():
        try:
            results.append(outbox_dispatch())
        finally:
            connection.close()

    with transaction.atomic():
        # The first dispatcher holds the row; the second skips it rather than sending it too.
        list(OutboxMessage.objects.select_for_update().filter(pk=message.pk))
        other = threading.Thread(target=dispatch_in_thread)
        other.start()
        other.join(timeout=30)
    assert results == [0]
    assert outbox_dispatch() == 1
    assert len(broker.sent) == 1


@pytest.mark.django_db
def test_a_notice_asks_for_its_email_which_goes_out_once(broker, django_capture_on_commit_callbacks):
    parent = ParentFactory(email="mother@example.ru")
    silent = ParentFactory(email="")
    with django_capture_on_commit_callbacks(execute=True):
        rows = notices_send([Notice(user_id=parent.pk, title="Заявка отменена"), Notice(user_id=silent.pk, title="x")])

    assert broker.sent == [(EMAIL_TASK, [[row.pk for row in rows]])]
    ids = broker.sent[0][1][0]
    assert notice_emails_send(notification_ids=ids) == 1
    assert notice_emails_send(notification_ids=ids) == 0  # a repeated delivery sends nothing
    assert [(m.subject, m.to) for m in mail.outbox] == [("Заявка отменена", ["mother@example.ru"])]


@pytest.mark.django_db
def test_pending_email_messages_go_to_the_broker_as_one_task(broker):
    """The e-mail task takes a list of notices: a batch of its messages is one broker message (opening
    day: one per dispatcher batch rather than one per application); other tasks go one by one."""
    first = OutboxMessage.objects.create(task=EMAIL_TASK, args=[[11, 12]])
    other = OutboxMessage.objects.create(task="core.beat_heartbeat", args=["x"])
    second = OutboxMessage.objects.create(task=EMAIL_TASK, args=[[13]])

    assert outbox_dispatch(ids=[first.pk, other.pk, second.pk]) == 3

    assert broker.sent == [("core.beat_heartbeat", ["x"]), (EMAIL_TASK, [[11, 12, 13]])]
    assert OutboxMessage.objects.filter(dispatched_at__isnull=True).count() == 0


@pytest.mark.django_db
def test_a_merged_send_refused_leaves_every_message_in_it_pending(broker):
    broker.down = True
    messages = [OutboxMessage.objects.create(task=EMAIL_TASK, args=[[n]]) for n in (1, 2)]

    assert outbox_dispatch() == 0

    for message in messages:
        message.refresh_from_db()
        assert (message.dispatched_at, message.attempts) == (None, 1)
    broker.down = False
    assert outbox_sweep() == 2
    assert broker.sent == [(EMAIL_TASK, [[1, 2]])]


@pytest.mark.django_db
def test_a_merged_send_holds_at_most_so_many_ids(broker, monkeypatch):
    monkeypatch.setattr(outbox, "MERGED_MAX_IDS", 3)
    for ids in ([1, 2], [3], [4, 5], [6]):
        OutboxMessage.objects.create(task=EMAIL_TASK, args=[ids])

    assert outbox_dispatch() == 4

    assert broker.sent == [(EMAIL_TASK, [[1, 2, 3]]), (EMAIL_TASK, [[4, 5, 6]])]


@pytest.mark.django_db(transaction=True)
def test_messages_committed_within_the_gathering_window_go_out_together(broker, settings):
    """Off the request's thread, the dispatcher waits OUTBOX_DISPATCH_GATHER_SECONDS before it sends:
    applications committing one after another in that moment cost one transaction and one broker message."""
    settings.OUTBOX_DISPATCH_IN_BACKGROUND = True
    settings.OUTBOX_DISPATCH_GATHER_SECONDS = 0.5
    messages = [outbox_enqueue(EMAIL_TASK, [n]) for n in (1, 2, 3)]  # three transactions (autocommit)

    deadline = time.monotonic() + 10
    while OutboxMessage.objects.filter(dispatched_at__isnull=True).exists() and time.monotonic() < deadline:
        time.sleep(0.05)

    assert broker.sent == [(EMAIL_TASK, [[1, 2, 3]])]
    assert len({m.dispatched_at for m in OutboxMessage.objects.filter(pk__in=[m.pk for m in messages])}) == 1
