"""Reads of the catalog that do not search (selectors: reads; the search is in search.selectors).

A provider's page and a user's favourites list programs exactly as the search results do (same
visibility, same related rows, the stored nearest start date), so one card template serves every list.
"""

from __future__ import annotations

from datetime import date

from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from accounts.roles import TEACHER
from catalog.models import Favourite, Group, Program, Provider


def visible_programs() -> QuerySet[Program]:
    """What the catalog may show: certified programs of approved providers (`listed`, kept by triggers)."""
    return Program.objects.filter(listed=True)


def open_groups(on: date | None = None) -> QuerySet[Group]:
    """Groups a parent can still apply to."""
    return Group.objects.filter(enrollment_open=True, end_date__gte=on or timezone.localdate())


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


def provider_groups(*, provider_id: int) -> QuerySet[Group]:
    """A provider's groups, every program's, by program title and group name, with the program and the
    weekly schedule (two queries)."""
    return (
        Group.objects.filter(program__provider_id=provider_id)
        .select_related("program")
        .prefetch_related("schedule")
        .order_by("program__title", "name", "pk")
    )


def staff_group_scope(*, staff, prefix: str = "") -> Q:
    """Which groups a provider staff member may see: their organisation's, and a teacher only the groups
    they teach. One condition, no query of its own: the teacher's role is read by a subquery. `prefix`
    ("group__") applies it to rows of a group (enrollments: a teacher's rosters)."""
    is_teacher = get_user_model().groups.through.objects.filter(user_id=staff.pk, group__name=TEACHER)
    return Q(**{f"{prefix}program__provider_id": staff.provider_id}) & (
        Q(**{f"{prefix}teacher_user_id": staff.pk}) | ~Exists(is_teacher)
    )


def staff_groups(*, staff) -> QuerySet[Group]:
    """provider_groups as the staff member may see them (a teacher: their own groups only)."""
    return provider_groups(provider_id=staff.provider_id).filter(staff_group_scope(staff=staff))


def provider_teachers(*, provider_id: int):
    """The organisation's active teacher accounts, by name."""
    return (
        get_user_model()
        .objects.filter(provider_id=provider_id, is_active=True, groups__name=TEACHER)
        .order_by("last_name", "first_name", "pk")
    )


def provider_staff(*, provider_id: int):
    """Every account of the organisation with its role names (two queries), by name."""
    return (
        get_user_model()
        .objects.filter(provider_id=provider_id)
        .prefetch_related("groups")
        .order_by("-is_active", "last_name", "first_name", "pk")
    )


def provider_programs_all(*, provider_id: int) -> QuerySet[Program]:
    """Every program of the organisation, whatever its status, with its direction, alphabetically."""
    return Program.objects.filter(provider_id=provider_id).select_related("direction").order_by("title", "pk")


def provider_program(*, provider_id: int, program_id: int) -> Program | None:
    """The organisation's program, or None (another organisation's program is not there for it)."""
    return Program.objects.filter(provider_id=provider_id, pk=program_id).select_related("direction").first()
