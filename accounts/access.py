"""Who may come through which door: one rule per door, read by the pages and the API alike.

Objects inside a door are further scoped by the selectors (a parent's own children, a provider's own
groups); these rules only say whose door it is.
"""

from __future__ import annotations

from accounts.models import Role
from accounts.roles import PROVIDER_MANAGER, TEACHER, user_has_role


def is_parent(user) -> bool:
    """A signed-in parent (законный представитель): the personal account and the parent's API."""
    return bool(user and user.is_authenticated and user.role == Role.PARENT)


def is_provider_staff(user) -> bool:
    """A signed-in member of a provider's staff: the provider's workplace and the provider's API."""
    return bool(user and user.is_authenticated and user.is_active and user.role == Role.PROVIDER and user.provider_id)


def is_provider_manager(user) -> bool:
    """Provider staff with the manager's role: everything of the organisation (programs, groups, staff)."""
    return is_provider_staff(user) and user_has_role(user, PROVIDER_MANAGER)


def is_teacher(user) -> bool:
    """Provider staff with the teacher's role: the register and rosters of their own groups only."""
    return is_provider_staff(user) and user_has_role(user, TEACHER)


def is_municipal_staff(user) -> bool:
    """Municipal and regional operators: the Django admin."""
    return bool(user and user.is_authenticated and user.is_staff and user.role in (Role.MUNICIPAL, Role.REGIONAL))
