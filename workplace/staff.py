"""The organisation's staff accounts: the manager sees them, adds teachers or managers, changes a
member's role and switches an account off or back on (accounts.services; the organisation always keeps
an active manager). A teacher has none of these pages; another organisation's member is a 404."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.access import is_provider_manager
from accounts.roles import PROVIDER_MANAGER, TEACHER
from accounts.services import provider_staff_active_set, provider_staff_add, provider_staff_role_change
from catalog.selectors import provider_staff
from core.errors import DomainError
from core.pages import door_pages, post_once

# Only the organisation's managers: a teacher keeps the register of their own groups, nothing more.
manager_required = door_pages(
    is_provider_manager, gettext_lazy("Этот раздел доступен только руководителю организации.")
)

ROLE_CHOICES = [(TEACHER, gettext_lazy("Педагог")), (PROVIDER_MANAGER, gettext_lazy("Руководитель"))]


class StaffForm(forms.Form):
    last_name = forms.CharField(label=gettext_lazy("Фамилия"), max_length=150)
    first_name = forms.CharField(label=gettext_lazy("Имя"), max_length=150)
    middle_name = forms.CharField(label=gettext_lazy("Отчество"), max_length=150, required=False)
    role = forms.ChoiceField(label=gettext_lazy("Роль"), choices=ROLE_CHOICES, initial=TEACHER)
    username = forms.CharField(label=gettext_lazy("Логин"), max_length=150)
    password = forms.CharField(
        label=gettext_lazy("Пароль"),
        widget=forms.PasswordInput(render_value=False),
        help_text=gettext_lazy("Не короче 8 символов; сообщите его сотруднику лично."),
    )
    email = forms.EmailField(label=gettext_lazy("E-mail"), required=False)
    phone = forms.CharField(label=gettext_lazy("Телефон"), max_length=32, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs.setdefault(
                "class", "form-select" if isinstance(field, forms.ChoiceField) else "form-control"
            )


@manager_required
@require_GET
def staff_list(request: HttpRequest) -> HttpResponse:
    rows = []
    for user in provider_staff(provider_id=request.user.provider_id):
        names = {group.name for group in user.groups.all()}
        rows.append(
            {
                "user": user,
                "is_manager": PROVIDER_MANAGER in names,
                "is_teacher": TEACHER in names,
                "is_self": user.pk == request.user.pk,
            }
        )
    return render(
        request,
        "workplace/staff.html",
        {"provider": request.user.provider, "rows": rows, "manager": PROVIDER_MANAGER, "teacher": TEACHER},
    )


@manager_required
@require_POST
def staff_role(request: HttpRequest, pk: int) -> HttpResponse:
    """Make the member a manager or a teacher (`role`: the role's name)."""
    back = reverse("workplace:staff")

    def change() -> HttpResponse:
        member = provider_staff_role_change(actor=request.user, user_id=pk, role=request.POST.get("role", ""))
        messages.success(request, _("Роль изменена: %(name)s.") % {"name": member.full_name or member.username})
        return redirect(back)

    return post_once(request, change, back=back)


@manager_required
@require_POST
def staff_active(request: HttpRequest, pk: int) -> HttpResponse:
    """Switch the member's account off (`active=0`: no more sign-in, every session ends) or back on."""
    back = reverse("workplace:staff")
    active = request.POST.get("active") == "1"

    def change() -> HttpResponse:
        member = provider_staff_active_set(actor=request.user, user_id=pk, active=active)
        name = member.full_name or member.username
        if active:
            messages.success(request, _("Учётная запись включена: %(name)s.") % {"name": name})
        else:
            messages.success(request, _("Учётная запись отключена: %(name)s.") % {"name": name})
        return redirect(back)

    return post_once(request, change, back=back)


@manager_required
@require_http_methods(["GET", "POST"])
def staff_add(request: HttpRequest) -> HttpResponse:
    form = StaffForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = provider_staff_add(actor=request.user, **form.cleaned_data)
        except DomainError as error:
            for field, errors in error.fields.items():
                for message in errors:
                    form.add_error(field if field in form.fields else None, message)
            if not error.fields:
                form.add_error(None, error.message)
        else:
            messages.success(request, _("Сотрудник добавлен: %(name)s.") % {"name": user.full_name})
            return redirect(reverse("workplace:staff"))
    return render(request, "workplace/staff_add.html", {"provider": request.user.provider, "form": form})
