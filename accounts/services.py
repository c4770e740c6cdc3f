"""Account changes that are not plain admin edits."""

from django.db.models import F

from accounts.models import User


def sign_out_everywhere(user: User) -> None:
    """End every session of this person, on every device: each session's authentication hash stops
    matching (see User._get_session_auth_hash), so Django signs it out on its next request."""
    User.objects.filter(pk=user.pk).update(session_generation=F("session_generation") + 1)
