"""Signing in (each role lands on its own door) and signing out of every session at once (a lost
phone, a shared computer)."""

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, resolve_url
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access import is_provider_staff
from accounts.services import sign_out_everywhere


@require_POST
@login_required
def logout_everywhere(request):
    sign_out_everywhere(request.user)
    logout(request)
    messages.success(request, _("Вы вышли из портала на всех устройствах."))
    return redirect("home")


class LoginView(auth_views.LoginView):
    """Django's login; with no `next`, provider staff land on their workplace rather than on the
    parents' home page (the URL by name: the door sits above this layer)."""

    def get_default_redirect_url(self):
        if is_provider_staff(self.request.user):
            return resolve_url("workplace:home")
        return super().get_default_redirect_url()
