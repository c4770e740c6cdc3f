"""Applications and contracts of the demo region, made through the portal's own services, so that a
newcomer sees the whole enrollment flow after `./run`: the demo parent's elder child has a contract in
force with money reserved on his certificate, the younger one an application waiting for the provider's
offer, and the demo provider has new applications from other families in its inbox."""

from __future__ import annotations

import random

from accounts.models import Role, User
from catalog.models import Group, Program
from certificates.models import Child
from core.dates import age_on
from enrollments.contracts import enrollment_accept
from enrollments.eligibility import contract_start
from enrollments.services import enrollment_apply, enrollment_offer
from search.selectors import open_groups

INBOX_APPLICATIONS = 6


def _fitting_groups(provider_id: int, child: Child) -> list[Group]:
    """The provider's open groups of certificate programs whose age range fits the child."""
    groups = (
        open_groups()
        .filter(program__provider_id=provider_id, program__funding=Program.Funding.CERTIFICATE)
        .select_related("program")
        .prefetch_related("schedule")
        .order_by("program__title", "pk")
    )
    return [
        group
        for group in groups
        if group.program.age_min <= age_on(child.birth_date, group.start_date) <= group.program.age_max
        and group.schedule.all()
    ]


def make_demo_contracts(*, rng: random.Random, provider_id: int, municipality_id: int) -> int:
    """Returns how many applications were made."""
    parent = User.objects.get(username="parent")
    staff = User.objects.get(username="provider")
    elder, younger = Child.objects.filter(parents=parent).order_by("birth_date")
    made = 0

    contract_group = _fitting_groups(provider_id, elder)[0]
    applied = enrollment_apply(parent=parent, child_id=elder.pk, group_id=contract_group.pk)
    enrollment_offer(staff=staff, enrollment_id=applied.enrollment.pk)
    enrollment_accept(parent=parent, enrollment_id=applied.enrollment.pk)
    made += 1

    waiting_group = next(g for g in _fitting_groups(provider_id, younger) if g.pk != contract_group.pk)
    enrollment_apply(parent=parent, child_id=younger.pk, group_id=waiting_group.pk)
    made += 1

    families = list(
        Child.objects.filter(municipality_id=municipality_id, parents__role=Role.PARENT)
        .exclude(parents=parent)
        .prefetch_related("parents")
        .order_by("pk")[:200]
    )
    rng.shuffle(families)
    for child in families:
        if made >= INBOX_APPLICATIONS + 2:
            break
        groups = [g for g in _fitting_groups(provider_id, child) if contract_start(g) <= g.end_date]
        if not groups:
            continue
        enrollment_apply(parent=child.parents.all()[0], child_id=child.pk, group_id=rng.choice(groups).pk)
        made += 1
    return made
