"""python-social-auth pipeline steps for Gosuslugi sign-in (see SOCIAL_AUTH_PIPELINE in settings).

Thin on purpose: the rules live in `esia.services`. Each step does nothing for other backends.
Every step is safe to repeat, so a sign-in interrupted half-way is completed by the next one.
"""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from social_core.exceptions import AuthAssociationError, AuthPolicyError
from social_core.pipeline.partial import partial

from catalog.models import Municipality
from esia import services
from esia.backends import EsiaOAuth2

MUNICIPALITY_SESSION_KEY = "esia_municipality_id"


def _esia(backend) -> bool:
    return backend.name == EsiaOAuth2.name


def require_confirmed_account(backend, response, *args, **kwargs):
    """Only a confirmed (подтверждённая) Gosuslugi account may sign in: certificates carry public
    money, and an unconfirmed account's name and СНИЛС are whatever its owner typed."""
    if _esia(backend) and not backend.person(response).trusted:
        raise AuthPolicyError(
            backend, code="unconfirmed_account", stage="pipeline", context={"esia_code": "ESIA-007055"}
        )


def find_parent(backend, uid, response, user=None, *args, **kwargs):
    """An account already known by this oid or СНИЛС is this parent's (see services.find_parent).

    `user` here is the account social_user found linked to this oid (the views never pass the one
    signed in): it goes through the same checks, it is not simply trusted."""
    if not _esia(backend):
        return None
    try:
        parent = services.find_parent(oid=uid, snils=backend.person(response).snils, linked=user)
    except services.ParentConflict as error:
        raise AuthAssociationError(backend, str(error), code="identity_in_use", stage="pipeline") from error
    return {"user": parent} if parent is not None else None


@partial
def choose_municipality(strategy, backend, response, user=None, *args, **kwargs):
    """Ask once where the family lives when new children would otherwise have no municipality."""
    if not _esia(backend):
        return None
    person = backend.person(response)
    if not services.needs_municipality(user, person):
        return None
    chosen = strategy.session_get(MUNICIPALITY_SESSION_KEY)
    if chosen and Municipality.objects.filter(pk=chosen).exists():
        return {"municipality_id": int(chosen)}
    return redirect("esia:municipality")


def save_parent(backend, response, user=None, *args, **kwargs):
    if not _esia(backend):
        return None
    parent, created = services.save_parent(backend.person(response), user)
    return {"user": parent, "is_new": created}


def import_children(strategy, backend, response, user=None, municipality_id=None, *args, **kwargs):
    if not _esia(backend) or user is None:
        return None
    report = services.import_children(user, backend.person(response), municipality_id)
    strategy.session_pop(MUNICIPALITY_SESSION_KEY)
    request = strategy.request
    if report.created:
        count = len(report.created)
        messages.success(
            request,
            ngettext(
                "Из профиля Госуслуг добавлен %(count)d ребёнок.",
                "Из профиля Госуслуг добавлено детей: %(count)d.",
                count,
            )
            % {"count": count},
        )
    for kid in report.skipped:
        messages.warning(
            request,
            _(
                "%(name)s не добавлен(а) из Госуслуг: в профиле нет СНИЛС или ребёнку уже 18 лет. "
                "Ребёнка можно добавить вручную в личном кабинете."
            )
            % {"name": kid.full_name or _("Ребёнок")},
        )
    return None
