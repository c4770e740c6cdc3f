"""Reads of enrollments (selectors: reads; see services for writes).

The one place that counts seats held: the catalog search, the program page, the application and the
waiting list all read `seats_held_subquery` / `groups_with_seats` / `group_seats_held`. Seats are
computed from enrollment rows, never stored as a counter.

A parent's enrollments are scoped to them: another family's rows are simply not found (the doors
answer 404, never 403).
"""

from __future__ import annotations

from datetime import date

from django.db.models import Case, Count, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from catalog.models import Group
from certificates.models import DirectionChild, DirectionCount
from certificates.selectors import accounts_newest_first
from enrollments.models import LIVE_STATUSES, SEAT_HOLDING_STATUSES, Enrollment, EnrollmentEvent, EnrollmentStatus

# --- Seats ------------------------------------------------------------------------------------------


def holds_a_seat(today: date | None = None) -> Q:
    """Enrollments holding a seat: applications under review, offers, contracts in force, and
    terminated contracts until the day their termination takes effect."""
    today = today or timezone.localdate()
    return Q(status__in=SEAT_HOLDING_STATUSES) | Q(status=EnrollmentStatus.TERMINATED, ends_on__gte=today)


def group_seats_held(*, group_id: int, today: date | None = None) -> int:
    """Applications and contracts holding a seat in the group today."""
    return Enrollment.objects.filter(holds_a_seat(today), group_id=group_id).count()


def seats_held_subquery(group_ref: str = "pk") -> Coalesce:
    """An expression for the seats held in the group `group_ref` names (for annotations and filters over
    groups, such as the catalog's «only groups with free seats»)."""
    return Coalesce(
        Subquery(
            Enrollment.objects.filter(holds_a_seat(), group=OuterRef(group_ref))
            .order_by()
            .values("group")
            .annotate(n=Count("pk"))
            .values("n"),
            output_field=IntegerField(),
        ),
        Value(0),
    )


def groups_with_seats(queryset: QuerySet[Group] | None = None) -> QuerySet[Group]:
    """Annotate `seats_left` = capacity − seats held, never below zero (an operator may lower the
    capacity under the seats already held)."""
    queryset = Group.objects.all() if queryset is None else queryset
    return queryset.annotate(seats_left=Greatest(F("capacity") - seats_held_subquery(), Value(0)))


def waiting_list(*, group_id: int) -> QuerySet[Enrollment]:
    """The group's waiting applications in the order they are served: first come, first served."""
    return Enrollment.objects.filter(group_id=group_id, status=EnrollmentStatus.WAITING).order_by("created_at", "pk")


def waiting_place(*, enrollment: Enrollment) -> int | None:
    """The waiting application's place in line (1 = next to get a seat); None when it is not waiting."""
    if enrollment.status != EnrollmentStatus.WAITING:
        return None
    ahead = waiting_list(group_id=enrollment.group_id).filter(
        Q(created_at__lt=enrollment.created_at) | Q(created_at=enrollment.created_at, pk__lt=enrollment.pk)
    )
    return ahead.count() + 1


def with_waiting_place(queryset: QuerySet[Enrollment]) -> QuerySet[Enrollment]:
    """Annotate `waiting_place` as waiting_place() computes it, inside the list's one query (a page of
    waiting applications would otherwise cost a COUNT each)."""
    ahead = (
        Enrollment.objects.filter(group=OuterRef("group"), status=EnrollmentStatus.WAITING)
        .filter(Q(created_at__lt=OuterRef("created_at")) | Q(created_at=OuterRef("created_at"), pk__lt=OuterRef("pk")))
        .order_by()
        .values("group")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return queryset.annotate(
        waiting_place=Case(
            When(
                status=EnrollmentStatus.WAITING,
                then=Coalesce(Subquery(ahead, output_field=IntegerField()), Value(0)) + Value(1),
            ),
            default=Value(None),
            output_field=IntegerField(),
        )
    )


# --- The parent's enrollments -----------------------------------------------------------------------


def parent_enrollments(*, parent, child_id: int | None = None) -> QuerySet[Enrollment]:
    """Applications and contracts of the parent's children, newest first, with the child, the group,
    its program and provider (one query; a list page adds its COUNT)."""
    enrollments = Enrollment.objects.filter(child__parents=parent)
    if child_id is not None:
        enrollments = enrollments.filter(child_id=child_id)
    return enrollments.select_related("child", "group__program__provider", "certificate").order_by("-created_at", "-pk")


def parent_enrollment(*, parent, enrollment_id: int) -> Enrollment | None:
    """One enrollment of the parent's children; None when it is not theirs, whether or not it exists."""
    return parent_enrollments(parent=parent).filter(pk=enrollment_id).first()


def provider_enrollments(*, provider_id: int) -> QuerySet[Enrollment]:
    """Applications and contracts in the provider's groups, newest first, with the child, the group, its
    program and provider, and the certificate with its accounts (`period_accounts`, for its kind in the
    current period: certificates.selectors.with_current_account). One query and one for the accounts."""
    return (
        Enrollment.objects.filter(group__program__provider_id=provider_id)
        .select_related("child", "group__program__provider", "certificate")
        .prefetch_related(accounts_newest_first("certificate__accounts"))
        .order_by("-created_at", "-pk")
    )


def provider_enrollment(*, provider_id: int, enrollment_id: int) -> Enrollment | None:
    """One enrollment in the provider's groups; None when it is another provider's, or missing."""
    return provider_enrollments(provider_id=provider_id).filter(pk=enrollment_id).first()


def parent_live_enrollment_count(*, parent) -> int:
    """Applications on the waiting list, under review, offered, and contracts in force."""
    return Enrollment.objects.filter(child__parents=parent, status__in=LIVE_STATUSES).count()


def enrollment_history(*, enrollment: Enrollment) -> QuerySet[EnrollmentEvent]:
    """The enrollment's status changes, oldest first."""
    return EnrollmentEvent.objects.filter(enrollment=enrollment).order_by("created_at", "pk")


def direction_cap_reached(*, period, direction_id: int, child_id: int) -> bool:
    """Whether the period's cap of children per direction is reached for this child: the cap is set,
    the child is not counted in the direction yet, and the count is at the cap (the application page
    warns; acceptance refuses)."""
    if period is None or period.direction_cap is None:
        return False
    if DirectionChild.objects.filter(period=period, direction_id=direction_id, child_id=child_id).exists():
        return False
    count = DirectionCount.objects.filter(period=period, direction_id=direction_id).values_list("children", flat=True)
    return (count.first() or 0) >= period.direction_cap
