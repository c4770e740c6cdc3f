"""Account changes that are not plain admin edits."""

from django.db.models import F

from accounts.models import User


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
