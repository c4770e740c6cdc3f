"""Factories for enrollments, their audit events, favourites and notifications."""

import datetime

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from navigator.models import Enrollment, EnrollmentEvent, EnrollmentStatus, Favourite, Notification
from tests.accounts.factories import ParentFactory, UserFactory
from tests.catalog.factories import GroupFactory, ProgramFactory
from tests.certificates.factories import CertificateFactory, ChildFactory


class EnrollmentFactory(DjangoModelFactory):
    """A SUBMITTED application by the child's parent, with the child's certificate.

    Traits: `offered`, `active` (sets accepted_at, as the database demands), `cancelled`.
    """

    class Meta:
        model = Enrollment

    class Params:
        offered = factory.Trait(
            status=EnrollmentStatus.OFFERED,
            expires_at=factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=7)),
        )
        active = factory.Trait(
            status=EnrollmentStatus.ACTIVE,
            accepted_at=factory.LazyFunction(timezone.now),
            ends_on=factory.SelfAttribute("group.end_date"),
        )
        cancelled = factory.Trait(status=EnrollmentStatus.CANCELLED)

    child = factory.SubFactory(ChildFactory)
    group = factory.SubFactory(GroupFactory)
    applicant = factory.LazyAttribute(lambda o: o.child.parents.first() or ParentFactory())
    certificate = factory.SubFactory(CertificateFactory, child=factory.SelfAttribute("..child"))
    status = EnrollmentStatus.SUBMITTED
    lesson_price = factory.SelfAttribute("group.program.lesson_price")


class EnrollmentEventFactory(DjangoModelFactory):
    class Meta:
        model = EnrollmentEvent

    enrollment = factory.SubFactory(EnrollmentFactory)
    from_status = ""
    to_status = factory.SelfAttribute("enrollment.status")
    actor = factory.SelfAttribute("enrollment.applicant")
    note = ""


class FavouriteFactory(DjangoModelFactory):
    class Meta:
        model = Favourite

    user = factory.SubFactory(ParentFactory)
    program = factory.SubFactory(ProgramFactory)


class NotificationFactory(DjangoModelFactory):
    class Meta:
        model = Notification

    user = factory.SubFactory(UserFactory)
    enrollment = None
    title = "Заявка подана"
    body = "Организация рассмотрит заявку в течение трёх рабочих дней."
