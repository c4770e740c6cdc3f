"""The audit trail: who changed what and when, for the models that carry money, statuses and access.

PostgreSQL triggers (django-pghistory) write a history row for every insert and update of a tracked
model, so changes made with raw SQL or `queryset.update()` are kept as well as ORM saves. The acting
user comes from pghistory's context: the request middleware sets it for every request that writes
(`PGHISTORY_MIDDLEWARE_METHODS`), and a service that is told its actor says so with `acting(actor)`,
so a change made by a job or a test without a request still names who asked for it.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import datetime

import pghistory
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


def acting(user):
    """Writes inside this block name `user` as their author (nothing changes when user is None: a
    job's write keeps the request's user, if any)."""
    if user is None or getattr(user, "pk", None) is None:
        return contextlib.nullcontext()
    return pghistory.context(user=user.pk)


def tracked(model_name: str, verbose_name, verbose_name_plural, *, exclude=(), quiet=(), deletes: bool = False):
    """Class decorator: keep a history row (`model_name` in the model's app) of every insert and every
    update that changes a tracked field (all but `exclude`); `deletes` keeps deletions too.

    `quiet` fields are copied into every history row but an update that changes only them writes
    none: totals whose every movement already has its own append-only row elsewhere (a certificate
    account's totals and its ledger), which would otherwise double each batch's writes."""
    update = (
        pghistory.UpdateEvent(condition=pghistory.AnyChange(exclude=list(quiet))) if quiet else pghistory.UpdateEvent()
    )
    trackers = [pghistory.InsertEvent(), update]
    if deletes:
        trackers.append(pghistory.DeleteEvent())
    return pghistory.track(
        *trackers,
        exclude=list(exclude) or None,
        model_name=model_name,
        # `obj.audit_history` (the default "events" is taken by the enrollments' own status trail).
        obj_field=pghistory.ObjForeignKey(related_name="audit_history", related_query_name="audit_history"),
        meta={"verbose_name": verbose_name, "verbose_name_plural": verbose_name_plural, "ordering": ["-pgh_id"]},
    )


@dataclass(frozen=True)
class Change:
    field: str
    old: str
    new: str


@dataclass(frozen=True)
class AuditEntry:
    at: datetime
    action: str
    actor: str
    source: str
    changes: list[Change]


ACTIONS = {"insert": _("создание"), "update": _("изменение"), "delete": _("удаление")}
AUDIT_TRAIL_LIMIT = 200


def _shown(field, value) -> str:
    if value is None or value == "":
        return "—"
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return str(pgettext_lazy("значение поля", "да") if value else pgettext_lazy("значение поля", "нет"))
    return str(value)


def audit_trail(obj, limit: int = AUDIT_TRAIL_LIMIT) -> list[AuditEntry]:
    """The object's history, newest first: each event with its author, source and the fields it changed
    (an insert lists the fields it set). Two queries whatever the length: the events with their
    context (one more than shown, for the oldest one's diff), and their authors."""
    history = getattr(obj, "audit_history", None)
    if history is None:
        return []
    events = list(history.select_related("pgh_context").order_by("-pgh_id")[: limit + 1])
    # One more than shown: the oldest shown is compared with the one before it.
    events.reverse()
    model = history.model
    fields = [f for f in model._meta.concrete_fields if not f.name.startswith("pgh_")]
    user_ids = {e.pgh_context.metadata.get("user") for e in events if e.pgh_context_id}
    users = {u.pk: u for u in get_user_model().objects.filter(pk__in={i for i in user_ids if i is not None})}
    entries = []
    previous = None
    for event in events:
        if previous is None and len(events) > limit:
            previous = event
            continue
        changes = []
        for field in fields:
            new = field.value_from_object(event)
            if event.pgh_label == "insert":
                if new not in (None, ""):
                    changes.append(Change(str(field.verbose_name), "—", _shown(field, new)))
            elif previous is not None:
                # (An update with nothing before it, made before tracking began, has no diff to show.)
                old = field.value_from_object(previous)
                if old != new:
                    changes.append(Change(str(field.verbose_name), _shown(field, old), _shown(field, new)))
        metadata = event.pgh_context.metadata if event.pgh_context_id else {}
        user = users.get(metadata.get("user"))
        entries.append(
            AuditEntry(
                at=event.pgh_created_at,
                action=str(ACTIONS.get(event.pgh_label, event.pgh_label)),
                actor=_actor_name(user) if user else str(_("система")),
                source=metadata.get("url", "") or metadata.get("job", ""),
                changes=changes if event.pgh_label != "delete" else [],
            )
        )
        previous = event
    entries.reverse()
    return entries


def _actor_name(user) -> str:
    full_name = user.get_full_name() if hasattr(user, "get_full_name") else ""
    return f"{user.get_username()} ({full_name})" if full_name else user.get_username()
