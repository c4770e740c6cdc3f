"""Factories for enrollments, their audit events and reserve rows."""

import datetime
from decimal import Decimal

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from catalog.models import Group, ScheduleSlot
from certificates.models import Child, FundingPeriod, LedgerEntry, ParentLink
from certificates.services import parent_link_confirm
from core.money import ZERO
from enrollments.models import (
    ContractFunding,
    Enrollment,
    EnrollmentEvent,
    EnrollmentStatus,
    ProgramRating,
    RatingStatus,
    ReserveEntry,
    TermsChange,
)
from enrollments.services import enrollment_apply, enrollment_offer
from tests.accounts.factories import ParentFactory, ProviderStaffFactory
from tests.catalog.factories import GroupFactory, ScheduleSlotFactory
from tests.certificates.factories import CertificateFactory, ChildFactory, LedgerEntryFactory, funded_account


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
            starts_on=factory.SelfAttribute("group.start_date"),
            ends_on=factory.SelfAttribute("group.end_date"),
            funding=ContractFunding.FUNDED,
            billing_policy="PER_LESSON",
        )
        cancelled = factory.Trait(status=EnrollmentStatus.CANCELLED)

    child = factory.SubFactory(ChildFactory)
    group = factory.SubFactory(GroupFactory)
    applicant = factory.LazyAttribute(lambda o: o.child.parents.first() or ParentFactory())
    certificate = factory.SubFactory(CertificateFactory, child=factory.SelfAttribute("..child"))
    status = EnrollmentStatus.SUBMITTED
    lesson_price = factory.SelfAttribute("group.program.lesson_price")
    normative_lesson_price = factory.SelfAttribute("group.program.normative_lesson_price")
    # A contract (ACTIVE, TERMINATED) is accepted by the applicant, a confirmed parent of the child.
    accepted_by = factory.LazyAttribute(lambda o: o.applicant if o.status in ("ACTIVE", "TERMINATED") else None)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        # The database accepts a contract only from a confirmed parent of the child (a trigger).
        accepted_by = kwargs.get("accepted_by")
        if accepted_by is not None:
            parent_link_confirm(parent=accepted_by, child=kwargs["child"], confirmation=ParentLink.Confirmation.ESIA)
        return super()._create(model_class, *args, **kwargs)


class EnrollmentEventFactory(DjangoModelFactory):
    class Meta:
        model = EnrollmentEvent

    enrollment = factory.SubFactory(EnrollmentFactory)
    from_status = ""
    to_status = factory.SelfAttribute("enrollment.status")
    actor = factory.SelfAttribute("enrollment.applicant")
    note = ""


class ReserveEntryFactory(DjangoModelFactory):
    """A contract's reserve: a RESERVE ledger entry of 1 000 ₽ on a funded account of the contract's
    certificate, and the row that ties it to the contract."""

    class Meta:
        model = ReserveEntry

    enrollment = factory.SubFactory(EnrollmentFactory, active=True)
    ledger_entry = factory.LazyAttribute(
        lambda o: LedgerEntryFactory(
            account=funded_account(certificate=o.enrollment.certificate),
            kind=LedgerEntry.Kind.RESERVE,
            nominal_delta=ZERO,
            reserved_delta=Decimal("1000.00"),
        )
    )
    amount = Decimal("1000.00")


# --- Through the services: a group with lessons, a child in a period's municipality, its offer -----------


def group_with_lessons(*, weekdays=(ScheduleSlot.Weekday.MONDAY,), **kwargs) -> Group:
    """A group of the current school year (GroupFactory) meeting once a week on each of `weekdays`."""
    group = GroupFactory(**kwargs)
    for weekday in weekdays:
        ScheduleSlotFactory(group=group, weekday=weekday)
    return group


def child_in(period: FundingPeriod, **kwargs) -> Child:
    """A child living in the period's municipality, with one parent confirmed by Gosuslugi."""
    return ChildFactory(municipality=period.municipality, **kwargs)


def parent_of(child: Child):
    return child.parents.order_by("pk").first()


def staff_of(group: Group):
    """A staff member of the group's provider."""
    return ProviderStaffFactory(provider=group.program.provider)


def applied(child: Child, group: Group) -> Enrollment:
    """The child's application, made by its parent through enrollment_apply."""
    return enrollment_apply(parent=parent_of(child), child_id=child.pk, group_id=group.pk).enrollment


def offered(child: Child, group: Group) -> Enrollment:
    """The child's application, offered by the provider through enrollment_offer."""
    return enrollment_offer(staff=staff_of(group), enrollment_id=applied(child, group).pk)


class TermsChangeFactory(DjangoModelFactory):
    """New terms awaiting the parents of an active contract: 250 ₽ a lesson becoming 400 ₽ (the
    certificate paying 300), over 10 lessons."""

    class Meta:
        model = TermsChange

    enrollment = factory.SubFactory(EnrollmentFactory, active=True)
    lesson_price_before = Decimal("250.00")
    lesson_price_after = Decimal("400.00")
    certificate_per_lesson_before = Decimal("250.00")
    certificate_per_lesson_after = Decimal("300.00")
    lessons = 10
    copayment_before = ZERO
    copayment_after = Decimal("1000.00")


class ProgramRatingFactory(DjangoModelFactory):
    """A parent's rating of the program of an active contract, awaiting moderation. Trait: `published`
    (by a staff user; the program's mean is not refreshed: enrollments.ratings does that)."""

    class Meta:
        model = ProgramRating

    class Params:
        published = factory.Trait(
            status=RatingStatus.PUBLISHED,
            moderated_at=factory.LazyFunction(timezone.now),
            moderated_by=factory.SubFactory("tests.accounts.factories.UserFactory", is_staff=True),
        )

    enrollment = factory.SubFactory(EnrollmentFactory, active=True)
    program = factory.SelfAttribute("enrollment.group.program")
    author = factory.SelfAttribute("enrollment.applicant")
    results = 5
    teachers = 5
    facilities = 4
    overall = 5
    comment = "Ребёнку очень нравится, педагог внимательный."
