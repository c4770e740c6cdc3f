"""Signing a parent in from their Gosuslugi profile: find or create the account, import the children.

Rules
- A parent is found by their ESIA oid; failing that by СНИЛС, when the account with that СНИЛС is
  a parent not yet tied to another Gosuslugi profile (parents registered by hand or loaded from a
  municipal registry). Any other holder of the СНИЛС or oid is a conflict for an operator to sort
  out: nothing is merged silently.
- Children are matched by СНИЛС, so a child shared by two parents, or signed in twice, is one row;
  names, birth date and sex follow the Gosuslugi profile. Links are only ever added, and each is
  confirmed. A child the parent had claimed by hand is confirmed by the profile; other accounts'
  claims on a child the profile holds are suspended and queued for municipal review
  (certificates.claims.child_claims_settle), and show their claimants nothing of the child.
- A child without a (valid) СНИЛС cannot be matched and is not imported; so are adults (certificates
  end at 18). The parent is told, and can add a child by hand.
- A new child needs a municipality of residence: that of the family's children already known to
  the portal, else the one the parent picks once at sign-in. An existing child keeps theirs.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from accounts.models import Role, User
from certificates.claims import child_claims_settle
from certificates.models import CHILD_MAX_AGE, EARLIEST_BIRTH_DATE, Child, ParentLink
from certificates.services import parent_link_confirm
from core.dates import age_on
from esia.protocol import EsiaKid, EsiaPerson


class ParentConflict(Exception):
    """The oid or СНИЛС from Gosuslugi already belongs to an account that is not this parent's."""


def _parent_account(user: User) -> bool:
    """Only a parent's account is signed in through Gosuslugi: never one of staff, nor one that can
    open the admin (a superuser made by `createsuperuser` has the default role, PARENT)."""
    return user.role == Role.PARENT and not user.is_staff and not user.is_superuser


def find_parent(*, oid: str, snils: str, linked: User | None = None) -> User | None:
    """The parent account for this Gosuslugi profile, or None when there is none yet.

    `linked` is the account social-auth already ties to this oid (its UserSocialAuth row): it is
    checked like any other, so an account whose role changed since cannot be entered through ESIA.
    """
    user = linked or User.objects.filter(esia_oid=oid).first()
    if user is None and snils:
        user = User.objects.filter(snils=snils).first()
        if user is not None and (not _parent_account(user) or user.esia_oid):
            raise ParentConflict("snils")
    if user is None:
        return None
    if not _parent_account(user):
        raise ParentConflict("role")
    if snils and User.objects.filter(snils=snils).exclude(pk=user.pk).exists():
        raise ParentConflict("snils")
    if User.objects.filter(esia_oid=oid).exclude(pk=user.pk).exists():
        raise ParentConflict("oid")
    return user


def importable(kid: EsiaKid, today=None) -> bool:
    today = today or timezone.localdate()
    return bool(
        kid.snils
        and kid.last_name
        and kid.first_name
        and kid.birth_date
        and EARLIEST_BIRTH_DATE <= kid.birth_date <= today
        and age_on(kid.birth_date, today) < CHILD_MAX_AGE
    )


def known_municipality_id(user: User | None, person: EsiaPerson) -> int | None:
    """Where the family's children already live, as far as the portal knows (the most common)."""
    snils = [k.snils for k in person.kids if k.snils]
    condition = Q(snils__in=snils)
    if user is not None and user.pk:
        condition |= Q(parents=user)
    row = (
        Child.objects.filter(condition)
        .values("municipality_id")
        .annotate(n=Count("id", distinct=True))
        .order_by("-n", "municipality_id")
        .first()
    )
    return row["municipality_id"] if row else None


def new_children(person: EsiaPerson) -> list[EsiaKid]:
    kids = [k for k in person.kids if importable(k)]
    known = set(Child.objects.filter(snils__in=[k.snils for k in kids]).values_list("snils", flat=True))
    return [k for k in kids if k.snils not in known]


def needs_municipality(user: User | None, person: EsiaPerson) -> bool:
    """True when new children would be created and the portal cannot tell where they live."""
    return bool(new_children(person)) and known_municipality_id(user, person) is None


def _username(oid: str) -> str:
    username = f"esia-{oid}"
    if User.objects.filter(username=username).exists():
        username = f"{username}-{uuid.uuid4().hex[:6]}"
    return username


@transaction.atomic
def save_parent(person: EsiaPerson, user: User | None = None) -> tuple[User, bool]:
    """Create the parent or bring their account up to date with the Gosuslugi profile."""
    created = user is None
    if created:
        user = User(username=_username(person.oid), role=Role.PARENT)
        # Parents sign in through Gosuslugi only; no password works for this account.
        user.set_unusable_password()
    user.esia_oid = person.oid
    user.last_name = person.last_name or user.last_name
    user.first_name = person.first_name or user.first_name
    user.middle_name = person.middle_name
    if person.snils:
        user.snils = person.snils
    if person.email:
        user.email = person.email
    if person.phone:
        user.phone = person.phone
    user.save()
    return user, created


@dataclass
class ImportReport:
    created: list[Child] = field(default_factory=list)
    updated: list[Child] = field(default_factory=list)
    linked: list[Child] = field(default_factory=list)
    skipped: list[EsiaKid] = field(default_factory=list)
    suspended_claims: int = 0  # other accounts' hand-typed claims on these children, now for review


@transaction.atomic
def import_children(parent: User, person: EsiaPerson, municipality_id: int | None) -> ImportReport:
    """Create or update the parent's children from the profile and link them to the parent."""
    report = ImportReport()
    municipality_id = municipality_id or known_municipality_id(parent, person)
    for kid in person.kids:
        if not importable(kid):
            report.skipped.append(kid)
            continue
        values = {
            "last_name": kid.last_name,
            "first_name": kid.first_name,
            "middle_name": kid.middle_name,
            "birth_date": kid.birth_date,
            "sex": kid.sex,
        }
        child = Child.objects.select_for_update().filter(snils=kid.snils).first()
        if child is None:
            if municipality_id is None:
                report.skipped.append(kid)
                continue
            # get_or_create: a second parent of the same child may be signing in at this moment.
            child, created = Child.objects.get_or_create(
                snils=kid.snils, defaults={**values, "municipality_id": municipality_id}
            )
            if created:
                report.created.append(child)
        changed = [name for name, value in values.items() if getattr(child, name) != value]
        if changed:
            for name in changed:
                setattr(child, name, values[name])
            child.save(update_fields=changed)
            report.updated.append(child)
        # The child is in the parent's Gosuslugi profile: the link is confirmed (a claim the parent had
        # typed in by hand is confirmed with it; other accounts' claims go to municipal review).
        linked_before = ParentLink.objects.filter(user=parent, child=child).exists()
        parent_link_confirm(parent=parent, child=child, confirmation=ParentLink.Confirmation.ESIA)
        report.suspended_claims += child_claims_settle(child=child, parent=parent)
        if not linked_before and child not in report.created:
            report.linked.append(child)
    return report
