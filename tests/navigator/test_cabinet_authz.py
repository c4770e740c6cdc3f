"""A parent asking for another family's child, certificate, statement, enrollment or notice gets 404,
the same answer as for one that does not exist (a 403 would confirm it exists), and nothing changes."""

import re

import pytest

from certificates.models import Certificate
from enrollments.models import EnrollmentStatus
from enrollments.services import enrollment_subject
from notices.models import Notification
from tests.accounts.factories import ParentFactory
from tests.certificates.factories import ChildFactory, certificate_with_money
from tests.enrollments.factories import EnrollmentFactory
from tests.navigator.cabinet import lessons_paid, signed_in
from tests.notices.factories import NotificationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def other():
    """Another family: a child with a certificate, money spent on lessons, an application, a notice."""
    parent = ParentFactory()
    certificate = certificate_with_money(parent)
    lessons_paid(certificate, 2)
    enrollment = EnrollmentFactory(child=certificate.child, certificate=certificate)
    notice = NotificationFactory(user=parent, subject=enrollment_subject(enrollment.pk))
    uncertified = ChildFactory(parents=[parent])
    return {
        "child": certificate.child.pk,
        "uncertified": uncertified.pk,
        "number": certificate.number,
        "enrollment": enrollment.pk,
        "notice": notice.pk,
    }


@pytest.fixture
def me():
    parent = ParentFactory()
    certificate_with_money(parent)
    return signed_in(parent)


def main(response) -> str:
    """The page's main content (the header repeats the URL and carries a fresh CSRF token)."""
    return re.search(r"<main.*?</main>", response.content.decode(), re.S).group(0)


GET_URLS = [
    "/cabinet/children/{child}/",
    "/cabinet/certificates/{number}/",
    "/cabinet/certificates/{number}/statement/",
    "/cabinet/certificates/{number}/statement/?page=2",
    "/cabinet/enrollments/{enrollment}/",
    "/cabinet/enrollments/{enrollment}/cancel/",
]
POST_URLS = [
    "/cabinet/children/{uncertified}/certificate/",
    "/cabinet/enrollments/{enrollment}/cancel/",
    "/cabinet/notifications/{notice}/read/",
]
MISSING = {"child": 999999, "uncertified": 999999, "number": "7199999999", "enrollment": 999999, "notice": 999999}


@pytest.mark.parametrize("url", GET_URLS)
def test_another_familys_pages_are_not_found(me, other, url):
    response = me.get(url.format(**other))

    assert response.status_code == 404


@pytest.mark.parametrize("url", GET_URLS)
def test_they_answer_exactly_as_for_nothing_at_all(me, other, url):
    theirs = me.get(url.format(**other))
    missing = me.get(url.format(**MISSING))

    assert missing.status_code == theirs.status_code == 404
    assert main(missing) == main(theirs)


@pytest.mark.parametrize("url", POST_URLS)
def test_another_familys_objects_cannot_be_changed(me, other, url):
    response = me.post(url.format(**other))

    assert response.status_code == 404
    assert not Certificate.objects.filter(child_id=other["uncertified"]).exists()
    assert EnrollmentFactory._meta.model.objects.get(pk=other["enrollment"]).status == EnrollmentStatus.SUBMITTED
    assert Notification.objects.get(pk=other["notice"]).read_at is None


def test_another_familys_data_is_in_no_list(me, other):
    for url in ("/cabinet/", "/cabinet/children/", "/cabinet/certificates/", "/cabinet/enrollments/"):
        page = me.get(url).content.decode()
        assert other["number"] not in page
        assert f"/cabinet/children/{other['child']}/" not in page
        assert f"/cabinet/enrollments/{other['enrollment']}/" not in page
    assert f"/cabinet/notifications/{other['notice']}/" not in me.get("/cabinet/notifications/").content.decode()


def test_a_child_shared_by_two_parents_is_visible_to_both(other):
    second_parent = ParentFactory()
    from tests.certificates.factories import ParentLinkFactory

    ParentLinkFactory(child_id=other["child"], user=second_parent)

    assert signed_in(second_parent).get(f"/cabinet/children/{other['child']}/").status_code == 200
    assert signed_in(second_parent).get(f"/cabinet/certificates/{other['number']}/statement/").status_code == 200


@pytest.mark.parametrize("number", ["123", "71000000001", "abcdefghij"])
def test_a_malformed_certificate_number_is_not_found(me, number):
    assert me.get(f"/cabinet/certificates/{number}/statement/").status_code == 404
