"""Applications and contracts of the demo region, made through the portal's own services, so that a
newcomer sees the whole enrollment flow after `./run`: the demo parent's elder child has a contract in
force with money reserved on his certificate, the younger one an application waiting for the provider's
offer, and the demo provider has new applications from other families in its inbox.

The elder's contract, and those of a few classmates, were accepted on the first day of the previous
month (or when the group started, if later): so their lessons up to yesterday can be in the register and
charged, and the previous month can have its statement (demo/billing.py). The acceptance service is
given that day as its `today`; its terms and reserve are those of a contract made that day.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from django.utils import timezone

from accounts.models import Role, User
from catalog.models import Group, Program
from certificates.models import Child
from core.dates import age_on
from enrollments.contracts import enrollment_accept
from enrollments.eligibility import contract_start
from enrollments.services import enrollment_apply, enrollment_offer
from search.selectors import open_groups

INBOX_APPLICATIONS = 6
# Other families' children with contracts in the demo contract's group: a register with several pupils.
CLASSMATES = 4


def contracts_accepted_on(group: Group, today: date | None = None) -> date:
    """The day the demo's contracts in `group` were accepted: the first day of the previous month, or the
    group's start when later, never after today."""
    today = today or timezone.localdate()
    previous_month = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    return min(today, max(group.start_date, previous_month))


def fitting_groups(provider_id: int, child: Child) -> list[Group]:
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


def _contract(*, parent: User, staff: User, child: Child, group: Group, accepted_on: date) -> None:
    """Apply, offer and accept, each through its service, the acceptance as of `accepted_on`."""
    applied = enrollment_apply(parent=parent, child_id=child.pk, group_id=group.pk)
    enrollment_offer(staff=staff, enrollment_id=applied.enrollment.pk)
    enrollment_accept(parent=parent, enrollment_id=applied.enrollment.pk, today=accepted_on)


def make_demo_contracts(*, rng: random.Random, provider_id: int, municipality_id: int) -> int:
    """Returns how many applications were made."""
    parent = User.objects.get(username="parent")
    staff = User.objects.get(username="provider")
    elder, younger = Child.objects.filter(parents=parent).order_by("birth_date")
    made = 0

    contract_group = fitting_groups(provider_id, elder)[0]
    accepted_on = contracts_accepted_on(contract_group)
    _contract(parent=parent, staff=staff, child=elder, group=contract_group, accepted_on=accepted_on)
    made += 1

    waiting_group = next(g for g in fitting_groups(provider_id, younger) if g.pk != contract_group.pk)
    enrollment_apply(parent=parent, child_id=younger.pk, group_id=waiting_group.pk)
    made += 1

    families = list(
        Child.objects.filter(municipality_id=municipality_id, parents__role=Role.PARENT)
        .exclude(parents=parent)
        .prefetch_related("parents")
        .order_by("pk")[:200]
    )
    # The classmates: the first children (by id) whose age fits the group, taken before the shuffle so
    # that they do not depend on the inbox's draws.
    classmates = [
        child
        for child in families
        if contract_group.program.age_min
        <= age_on(child.birth_date, contract_group.start_date)
        <= contract_group.program.age_max
    ][:CLASSMATES]
    for child in classmates:
        _contract(
            parent=child.parents.all()[0], staff=staff, child=child, group=contract_group, accepted_on=accepted_on
        )
        made += 1
    rng.shuffle(families)
    taken = {child.pk for child in classmates}
    for child in families:
        if child.pk in taken:
            continue
        if made >= INBOX_APPLICATIONS + 2 + len(classmates):
            break
        groups = [
            g
            for g in fitting_groups(provider_id, child)
            if contract_start(g) <= g.end_date and g.pk != contract_group.pk  # its seats go to the classmates
        ]
        if not groups:
            continue
        enrollment_apply(parent=child.parents.all()[0], child_id=child.pk, group_id=rng.choice(groups).pk)
        made += 1
    return made
