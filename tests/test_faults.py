"""Faults against the real servers, short enough for ./test (bench/faults.py runs the longer versions).

The portal runs as it does in production (gunicorn, a Celery worker and beat, DEBUG off) on the test
database, with a Redis of the test's own and PostgreSQL behind a proxy the test can "restart":
- Redis stopped under a small load: pages and the API keep answering 200 (no 5xx), the status answer
  names Redis down while readiness stays 200, and a notice's e-mail asked for meanwhile goes out after
  Redis returns (through the outbox);
- PostgreSQL restarted under a small load: no GET fails, and a write either succeeds or answers 503
  with Retry-After.
"""

import re
import time

import pytest
import requests
from django.db import connection
from django.test import Client

from devstack.faultlab import Load, Portal, PostgresProxy, RedisServer
from notices.models import Notification
from tests.accounts.factories import ParentFactory
from tests.catalog.factories import GroupFactory, ProgramFactory
from tests.certificates.factories import ChildFactory
from tests.enrollments.factories import EnrollmentFactory

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

ANONYMOUS = ["/catalog/", "/api/v1/programs/", "/catalog/?q=робототехника", "/healthz/ready"]
SIGNED_IN = ["/cabinet/", "/cabinet/enrollments/", "/api/v1/me/children/"]


@pytest.fixture
def portal(tmp_path):
    settings = connection.settings_dict
    socket_dir = settings["HOST"] or settings["OPTIONS"].get("host", "")
    if not socket_dir.startswith("/"):
        pytest.skip("the PostgreSQL proxy forwards to a Unix socket (the embedded server of ./test)")
    proxy = PostgresProxy(f"{socket_dir}/.s.PGSQL.{settings['PORT'] or 5432}")
    redis_server = RedisServer(tmp_path)
    redis_server.start()
    env = {
        "DJANGO_SETTINGS_MODULE": "config.settings.dev",
        "DEBUG": "0",
        "DATABASE_URL": f"postgres://{settings['USER']}:{settings['PASSWORD'] or ''}@127.0.0.1:{proxy.port}/{settings['NAME']}",
        "REDIS_URL": redis_server.broker_url,
        "DB_CONN_MAX_AGE": "60",
        "EMAIL_URL": "consolemail://",
    }
    portal = Portal(env, tmp_path)
    portal.proxy, portal.redis = proxy, redis_server
    try:
        portal.start()
        yield portal
    finally:
        portal.stop()
        redis_server.stop()
        proxy.close()


def _family():
    parent = ParentFactory(email="mother@example.ru")
    child = ChildFactory(parents=[parent])
    group = GroupFactory(program=ProgramFactory(title="Робототехника"))
    enrollment = EnrollmentFactory(child=child, group=group, applicant=parent)
    client = Client()
    client.force_login(parent)
    return parent, enrollment, {"sessionid": client.cookies["sessionid"].value}


def _post_form(session: requests.Session, base: str, path: str, data: dict) -> requests.Response:
    page = session.get(base + path, timeout=15)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    return session.post(base + path, data={"csrfmiddlewaretoken": token, **data}, allow_redirects=False, timeout=15)


def _failures(answers, since, until=float("inf")):
    return [(round(a.at - since, 2), a.url, a.status) for a in answers if since <= a.at <= until and a.status != 200]


def test_redis_stopped_under_load(portal):
    parent, enrollment, cookies = _family()
    anonymous = Load(portal.base, ANONYMOUS, threads=2).start()
    signed_in = Load(portal.base, SIGNED_IN, cookies=cookies, threads=1).start()
    time.sleep(2)

    stopped = time.monotonic()
    portal.redis.stop()
    time.sleep(1)
    status = requests.get(portal.base + "/healthz", timeout=15)
    ready = requests.get(portal.base + "/healthz/ready", timeout=15)
    session = requests.Session()
    session.cookies.update(cookies)
    cancelled = _post_form(session, portal.base, f"/cabinet/enrollments/{enrollment.pk}/cancel/", {})
    time.sleep(3)
    portal.redis.start()
    restarted = time.monotonic()
    time.sleep(2)
    answers = anonymous.stop() + signed_in.stop()

    assert _failures(answers, stopped) == []
    assert len([a for a in answers if stopped <= a.at <= restarted]) > 20
    assert status.status_code == 200
    assert status.json()["status"] == "degraded"
    assert (status.json()["redis"]["ok"], status.json()["broker"]["ok"]) == (False, False)
    assert ready.status_code == 200
    assert cancelled.status_code == 302

    notice = Notification.objects.get(user=parent, title="Заявка отменена")
    deadline = time.monotonic() + 90
    while notice.emailed_at is None and time.monotonic() < deadline:
        time.sleep(0.5)
        notice.refresh_from_db()
    assert notice.emailed_at is not None, portal.log("worker")[-3000:]
    assert re.search(r"Task notices.send_emails\[[^]]+\] succeeded", portal.log("worker"))


def test_postgres_restarted_under_load(portal):
    _parent, _enrollment, cookies = _family()
    program = ProgramFactory()
    anonymous = Load(portal.base, ANONYMOUS, threads=2).start()
    signed_in = Load(portal.base, SIGNED_IN, cookies=cookies, threads=1).start()
    session = requests.Session()
    session.cookies.update(cookies)
    time.sleep(2)

    started = time.monotonic()
    writes = []
    for _ in range(2):
        page = session.get(f"{portal.base}/catalog/programs/{program.pk}/", timeout=15)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
        portal.proxy.restart(0.5)
        writes.append(
            session.post(
                f"{portal.base}/catalog/programs/{program.pk}/favourite/",
                data={"csrfmiddlewaretoken": token, "action": "add"},
                allow_redirects=False,
                timeout=15,
            )
        )
        time.sleep(3)
    answers = anonymous.stop() + signed_in.stop()

    failures = _failures(answers, started)
    assert failures == [], (
        failures,
        [line for line in portal.log("web").splitlines() if " 50" in line or "ERROR" in line or "WARNING" in line][:30],
    )
    assert len([a for a in answers if a.at >= started]) > 30
    for write in writes:
        assert write.status_code in (302, 503), write.text[:500]
        if write.status_code == 503:
            assert write.headers["Retry-After"] == "5"
