"""The organisation: the sign-up of a new provider (any signed-in person who is not staff) and the
organisation's profile (staff see it, the manager edits it). The rules are catalog.organisation's:
legal details are read-only once the municipality has taken the application up."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from accounts.access import is_provider_manager, is_provider_staff
from catalog.models import Municipality, Provider
from catalog.organisation import (
    Contacts,
    LegalDetails,
    legal_details_editable,
    provider_profile_update,
    provider_signup,
    provider_signup_allowed,
)
from core.errors import DomainError
from core.pages import door_pages
from workplace.views import staff_required

PASSWORD_BACKEND = "django.contrib.auth.backends.ModelBackend"


def _styled(form: forms.Form) -> None:
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.RadioSelect):
            widget.attrs.setdefault("class", "form-check-input")
        elif isinstance(widget, forms.Select):
            widget.attrs.setdefault("class", "form-select")
        else:
            widget.attrs.setdefault("class", "form-control")


class LegalForm(forms.Form):
    kind = forms.ChoiceField(
        label=gettext_lazy("Кто вы"),
        choices=Provider.Kind.choices,
        initial=Provider.Kind.ORGANIZATION,
        widget=forms.RadioSelect,
    )
    legal_name = forms.CharField(
        label=gettext_lazy("Полное наименование"),
        max_length=500,
        help_text=gettext_lazy("Как в ЕГРЮЛ; для ИП — «Индивидуальный предприниматель Фамилия Имя Отчество»."),
    )
    inn = forms.CharField(
        label=gettext_lazy("ИНН"),
        max_length=14,
        help_text=gettext_lazy("10 цифр у организации, 12 — у ИП."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    ogrn = forms.CharField(
        label=gettext_lazy("ОГРН / ОГРНИП"),
        max_length=17,
        help_text=gettext_lazy("13 цифр у организации, 15 — у ИП."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    licence_number = forms.CharField(
        label=gettext_lazy("Номер лицензии на образовательную деятельность"),
        max_length=64,
        required=False,
        help_text=gettext_lazy("ИП, который ведёт занятия лично, может оставить пустым."),
    )
    licence_date = forms.DateField(
        label=gettext_lazy("Дата лицензии"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    municipality = forms.ModelChoiceField(
        label=gettext_lazy("Муниципалитет"),
        queryset=Municipality.objects.order_by("name"),
        empty_label=gettext_lazy("— выберите —"),
    )

    def legal(self) -> LegalDetails:
        data = self.cleaned_data
        return LegalDetails(
            kind=data["kind"],
            legal_name=data["legal_name"],
            inn=data["inn"],
            ogrn=data["ogrn"],
            licence_number=data["licence_number"],
            licence_date=data["licence_date"],
            municipality_id=data["municipality"].pk,
        )


class ContactsForm(forms.Form):
    short_name = forms.CharField(
        label=gettext_lazy("Краткое наименование"),
        max_length=200,
        required=False,
        help_text=gettext_lazy("Так организацию увидят родители в каталоге; пусто — полное наименование."),
    )
    address = forms.CharField(label=gettext_lazy("Адрес"), max_length=500)
    phone = forms.CharField(
        label=gettext_lazy("Телефон"), max_length=32, widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel"})
    )
    email = forms.EmailField(label=gettext_lazy("E-mail"))
    website = forms.URLField(label=gettext_lazy("Сайт"), required=False, assume_scheme="https")

    def contacts(self) -> Contacts:
        data = self.cleaned_data
        return Contacts(**{name: data[name] for name in ("short_name", "address", "phone", "email", "website")})


class SignupForm(LegalForm, ContactsForm):
    last_name = forms.CharField(label=gettext_lazy("Фамилия руководителя"), max_length=150)
    first_name = forms.CharField(label=gettext_lazy("Имя руководителя"), max_length=150)
    middle_name = forms.CharField(label=gettext_lazy("Отчество руководителя"), max_length=150, required=False)
    username = forms.CharField(
        label=gettext_lazy("Логин для входа в кабинет организации"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "username"}),
    )
    password = forms.CharField(
        label=gettext_lazy("Пароль"),
        help_text=gettext_lazy("Не короче 8 символов."),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _styled(self)

    LEGAL = ("kind", "legal_name", "inn", "ogrn", "licence_number", "licence_date", "municipality")
    CONTACTS = ("short_name", "address", "phone", "email", "website")
    MANAGER = ("last_name", "first_name", "middle_name", "username", "password")

    def sections(self):
        return [
            (_("Организация"), [self[name] for name in self.LEGAL]),
            (_("Адрес и контакты"), [self[name] for name in self.CONTACTS]),
            (_("Руководитель: вход в кабинет организации"), [self[name] for name in self.MANAGER]),
        ]


def _errors_to_form(form: forms.Form, error: DomainError) -> None:
    for field, errors in error.fields.items():
        for message in errors:
            form.add_error(field if field in form.fields else None, message)
    if not error.fields:
        form.add_error(None, error.message)


signup_door = door_pages(
    lambda user: provider_signup_allowed(user) or is_provider_staff(user),
    gettext_lazy("Подключить организацию может вошедший пользователь, не сотрудник муниципалитета."),
)


@signup_door
@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    """Apply for a new organisation; the new manager account is signed in and lands on the workplace,
    which shows that the municipality has yet to approve it."""
    if is_provider_staff(request.user):  # already in an organisation: its profile
        return redirect("workplace:organisation")
    user = request.user
    form = SignupForm(
        request.POST or None,
        initial={"last_name": user.last_name, "first_name": user.first_name, "middle_name": user.middle_name},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            _provider, manager = provider_signup(
                applicant=user,
                legal=form.legal(),
                contacts=form.contacts(),
                manager={name: data[name] for name in SignupForm.MANAGER},
            )
        except DomainError as error:
            _errors_to_form(form, error)
        else:
            login(request, manager, backend=PASSWORD_BACKEND)
            messages.success(
                request,
                _(
                    "Заявка на подключение отправлена в муниципалитет. Пока её рассматривают, можно готовить "
                    "программы и группы; в каталоге они появятся после допуска. Вход в кабинет — по логину %(login)s."
                )
                % {"login": manager.username},
            )
            return redirect(reverse("workplace:home"))
    return render(request, "workplace/signup.html", {"form": form})


class ProfileForm(LegalForm, ContactsForm):
    def __init__(self, *args, legal_editable: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not legal_editable:
            for name in LegalForm.base_fields:
                # Shown, not sent back (a provider loaded before sign-up asked for ОГРН has none).
                self.fields[name].disabled = True
                self.fields[name].required = False
        _styled(self)


def _profile_initial(provider: Provider) -> dict:
    names = [*LegalForm.base_fields, *ContactsForm.base_fields]
    return {name: getattr(provider, "municipality_id" if name == "municipality" else name) for name in names}


@staff_required
@require_http_methods(["GET", "POST"])
def organisation(request: HttpRequest) -> HttpResponse:
    """The organisation's profile: every member of staff reads it; the manager changes the contacts, and
    the legal details while the municipality has not yet taken them up."""
    provider = request.user.provider
    editable = legal_details_editable(provider)
    is_manager = is_provider_manager(request.user)
    if request.method == "POST" and not is_manager:
        raise PermissionDenied(_("Данные организации меняет только её руководитель."))
    form = ProfileForm(request.POST or None, initial=_profile_initial(provider), legal_editable=editable)
    if not is_manager:
        for field in form.fields.values():
            field.disabled = True
    if request.method == "POST" and form.is_valid():
        try:
            _provider, changed = provider_profile_update(
                actor=request.user, contacts=form.contacts(), legal=form.legal() if editable else None
            )
        except DomainError as error:
            _errors_to_form(form, error)
        else:
            if changed:
                messages.success(request, _("Данные организации сохранены."))
            return redirect(reverse("workplace:organisation"))
    return render(
        request,
        "workplace/organisation.html",
        {"provider": provider, "form": form, "legal_editable": editable, "is_manager": is_manager},
    )
