"""Account changes that are not plain admin edits."""

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from accounts.models import Role, User
from accounts.roles import PROVIDER_MANAGER, PROVIDER_ROLES, role_set, user_has_role
from accounts.session_user import forget_cached_user
from catalog.models import Provider
from core.errors import Conflict, DomainError, Forbidden, NotFound
from core.locking import lock_one


def sign_out_everywhere(user: User) -> None:
    """End every session of this person, on every device: each session's authentication hash stops
    matching (see User._get_session_auth_hash), so Django signs it out on its next request."""
    User.objects.filter(pk=user.pk).update(session_generation=F("session_generation") + 1)
    forget_cached_user(user.pk)


def contacts_update(*, user: User, email: str, phone: str, language: str) -> list[str]:
    """Save the contacts notices go to and the language of their e-mails; the names of the fields that
    changed. The name and СНИЛС come from Gosuslugi and are not edited here."""
    new = {"email": email, "phone": phone, "language": language}
    changed = [name for name, value in new.items() if getattr(user, name) != value]
    for name in changed:
        setattr(user, name, new[name])
    if changed:
        user.save(update_fields=changed)
    return changed


def provider_staff_add(
    *,
    actor: User,
    username: str,
    password: str,
    last_name: str,
    first_name: str,
    middle_name: str = "",
    email: str = "",
    phone: str = "",
    role: str,
) -> User:
    """A manager adds an account to their organisation, as a teacher or another manager. Refuses a
    non-manager (Forbidden), a taken login (Conflict) and a weak password (DomainError, with the field)."""
    if not (actor.role == Role.PROVIDER and actor.provider_id and user_has_role(actor, PROVIDER_MANAGER)):
        raise Forbidden(_("Добавлять сотрудников может только руководитель организации."))
    if role not in PROVIDER_ROLES:
        raise DomainError(_("Неизвестная роль."), code="invalid", fields={"role": [_("Выберите роль.")]})
    return staff_account_create(
        provider_id=actor.provider_id,
        role=role,
        username=username,
        password=password,
        last_name=last_name,
        first_name=first_name,
        middle_name=middle_name,
        email=email,
        phone=phone,
    )


def staff_account_create(
    *,
    provider_id: int,
    role: str,
    username: str,
    password: str,
    last_name: str,
    first_name: str,
    middle_name: str = "",
    email: str = "",
    phone: str = "",
) -> User:
    """A provider's staff account with a login and a password (provider staff sign in with them; the
    Gosuslugi door admits parents only). Refuses a taken login (Conflict) and a weak password
    (DomainError, with the field). Whoever calls it has checked that the account may be made."""
    username = username.strip()
    if User.objects.filter(username__iexact=username).exists():
        raise Conflict(
            _("Этот логин уже занят."), code="username_taken", fields={"username": [_("Выберите другой логин.")]}
        )
    user = User(
        username=username,
        last_name=last_name.strip(),
        first_name=first_name.strip(),
        middle_name=middle_name.strip(),
        email=email.strip(),
        phone=phone.strip(),
        role=Role.PROVIDER,
        provider_id=provider_id,
    )
    try:
        validate_password(password, user)
    except ValidationError as error:
        raise DomainError(" ".join(error.messages), code="weak_password", fields={"password": error.messages}) from None
    user.set_password(password)
    with transaction.atomic():
        user.save()
        role_set(user, role)
    return user


# --- The organisation's staff: roles and deactivation (a manager's) -----------------------------------
#
# An organisation always keeps an active manager: the last one can be neither demoted nor switched off.
# Two managers demoting each other at once would each see the other still there, so every change of a
# role or of `is_active` locks the organisation's row first and counts its managers under that lock.
# A deactivated member keeps their groups' teacher link (the parents' pages keep the name, the register
# its history); the manager gives the group another teacher in the group's form, where only active
# teachers can be chosen.


class StaffNotFound(NotFound):
    code = "staff_not_found"


class LastManager(Conflict):
    code = "last_manager"


def _staff_member_locked(*, actor: User, user_id: int) -> User:
    """The actor's organisation row locked, then the member of its staff (another organisation's: not found)."""
    if not (actor.role == Role.PROVIDER and actor.provider_id and user_has_role(actor, PROVIDER_MANAGER)):
        raise Forbidden(_("Сотрудниками управляет только руководитель организации."))
    lock_one(Provider.objects.filter(pk=actor.provider_id))
    member = User.objects.filter(pk=user_id, provider_id=actor.provider_id, role=Role.PROVIDER).first()
    if member is None:
        raise StaffNotFound(_("Сотрудник не найден."))
    return member


def _refuse_losing_last_manager(member: User) -> None:
    others = (
        User.objects.filter(provider_id=member.provider_id, is_active=True, groups__name=PROVIDER_MANAGER)
        .exclude(pk=member.pk)
        .exists()
    )
    if member.is_active and user_has_role(member, PROVIDER_MANAGER) and not others:
        raise LastManager(
            _("В организации должен остаться хотя бы один действующий руководитель: сначала назначьте другого.")
        )


@transaction.atomic
def provider_staff_role_change(*, actor: User, user_id: int, role: str) -> User:
    """A manager makes a member of the organisation a manager or a teacher. Refuses a non-manager
    (Forbidden), another organisation's account (StaffNotFound) and demoting the last active manager
    (LastManager)."""
    if role not in PROVIDER_ROLES:
        raise DomainError(_("Неизвестная роль."), code="invalid", fields={"role": [_("Выберите роль.")]})
    member = _staff_member_locked(actor=actor, user_id=user_id)
    if role != PROVIDER_MANAGER:
        _refuse_losing_last_manager(member)
    role_set(member, role)
    return member


@transaction.atomic
def provider_staff_active_set(*, actor: User, user_id: int, active: bool) -> User:
    """A manager switches a member's account off (they can no longer sign in; every session of theirs
    ends) or back on. Refuses a non-manager, another organisation's account and switching off the last
    active manager (the manager themselves included)."""
    member = _staff_member_locked(actor=actor, user_id=user_id)
    if member.is_active == active:
        return member
    if not active:
        _refuse_losing_last_manager(member)
        sign_out_everywhere(member)
    User.objects.filter(pk=member.pk).update(is_active=active)
    forget_cached_user(member.pk)
    member.refresh_from_db(fields=["is_active", "session_generation"])
    return member
