"""A provider's edit of one of its groups, in the order that keeps seats right: everything but the seats
is checked first (catalog.groups, nothing saved), then the capacity changes under the group lock (never
below the seats held; a raise promotes the waiting list), then the rest is saved, then a reopened
enrollment gives its free seats to the waiting list. A refusal at the first two steps changes nothing."""

from __future__ import annotations

from catalog.groups import group_update, own_group
from catalog.models import Group
from enrollments.services import group_capacity_change, group_enrollment_reopen


def provider_group_update(*, actor, group_id: int, changes: dict) -> Group:
    """Apply the manager's `changes` (name, teacher, capacity, start_date, end_date, schedule,
    enrollment_open) to the organisation's group; raises the services' DomainErrors."""
    rest = {key: value for key, value in changes.items() if key != "capacity"}
    group = group_update(actor=actor, group_id=group_id, changes=rest, check_only=True)
    if "capacity" in changes and changes["capacity"] != group.capacity:
        group_capacity_change(group_id=group.pk, capacity=changes["capacity"])
    group_update(actor=actor, group_id=group_id, changes=rest)
    if changes.get("enrollment_open") is True:
        group_enrollment_reopen(group_id=group.pk)
    return own_group(actor=actor, group_id=group_id)
