"""Reads for the parent-facing pages that catalog.search does not cover.

A provider's page and a parent's favourites list programs exactly as the search results do (same
visibility, same related rows, the nearest start date), so one card template serves every list.
The personal account's enrollments and notifications are scoped to one parent: another family's rows
are simply not found (the views answer 404, never 403)."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, QuerySet, Subquery

from catalog.models import Program, Provider
from catalog.search import visible_programs
from navigator.models import LIVE_STATUSES, Enrollment, EnrollmentEvent, Favourite, Notification


def _program_cards(programs: QuerySet[Program]) -> QuerySet[Program]:
    # next_start is a stored column (catalog/migrations/sql/0008_listing.sql), as in the search results.
    return programs.select_related("provider__municipality", "direction")


def visible_providers() -> QuerySet[Provider]:
    """Providers the catalog may show (approved ones), with their municipality."""
    return Provider.objects.filter(status=Provider.Status.APPROVED).select_related("municipality")


def provider_programs(*, provider: Provider) -> QuerySet[Program]:
    """The provider's visible programs, alphabetically."""
    return _program_cards(visible_programs().filter(provider=provider)).order_by("title", "pk")


def favourite_programs(*, user) -> QuerySet[Program]:
    """The user's favourite programs that the catalog still shows, most recently added first."""
    favourites = Favourite.objects.filter(user=user, program=OuterRef("pk"))
    added = favourites.values("created_at")[:1]
    return (
        _program_cards(visible_programs().filter(Exists(favourites)))
        .annotate(favourite_added=Subquery(added))
        .order_by("-favourite_added", "pk")
    )


def favourite_exists(*, user, program_id: int) -> bool:
    return user.is_authenticated and Favourite.objects.filter(user=user, program_id=program_id).exists()


# --- The parent's personal account ---------------------------------------------------------------


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


def parent_live_enrollment_count(*, parent) -> int:
    """Applications on the waiting list, under review, offered, and contracts in force."""
    return Enrollment.objects.filter(child__parents=parent, status__in=LIVE_STATUSES).count()


def enrollment_history(*, enrollment: Enrollment) -> QuerySet[EnrollmentEvent]:
    """The enrollment's status changes, oldest first."""
    return EnrollmentEvent.objects.filter(enrollment=enrollment).order_by("created_at", "pk")


def user_notifications(*, user) -> QuerySet[Notification]:
    """The user's notices, newest first (the enrollment, if any, is only linked by id)."""
    return Notification.objects.filter(user=user).order_by("-created_at", "-pk")


def unread_notification_count(*, user) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()
