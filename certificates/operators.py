"""Who is a municipal or regional operator and which municipality they act for: the rule the
certificate registry's and funding periods' services check (the admin's scope is the same,
municipal/admin/base.py)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from accounts.models import Role
from core.errors import Forbidden


def operator_municipality(actor) -> int | None:
    """The municipality the operator acts for, None for all (a regional operator or a superuser).
    Forbidden for anyone else."""
    if not (actor.is_authenticated and actor.is_active and actor.is_staff):
        raise Forbidden(_("Это делает муниципальный или региональный оператор."))
    if actor.is_superuser or actor.role == Role.REGIONAL:
        return None
    if actor.role == Role.MUNICIPAL and actor.municipality_id:
        return actor.municipality_id
    raise Forbidden(_("Это делает муниципальный или региональный оператор."))
