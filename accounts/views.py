"""Signing out of every session at once (a lost phone, a shared computer)."""

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.services import sign_out_everywhere


@require_POST
@login_required
def logout_everywhere(request):
    sign_out_everywhere(request.user)
    logout(request)
    messages.success(request, _("Вы вышли из портала на всех устройствах."))
    return redirect("home")
