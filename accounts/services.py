"""Account changes that are not plain admin edits."""

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from accounts.models import Role, User
from accounts.roles import PROVIDER_MANAGER, PROVIDER_ROLES, role_set, user_has_role
from core.errors import Conflict, DomainError, Forbidden


def sign_out_everywhere(user: User) -> None:
    """End every session of this person, on every device: each session's authentication hash stops
    matching (see User._get_session_auth_hash), so Django signs it out on its next request."""
    User.objects.filter(pk=user.pk).update(session_generation=F("session_generation") + 1)


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
        provider_id=actor.provider_id,
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
