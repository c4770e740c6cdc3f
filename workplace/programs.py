"""The organisation's programs: the manager lists, creates and edits them (with a cover) and sends them
to certification. Reads and writes are catalog's (catalog.programs); another organisation's program is a 404."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from catalog.models import Program
from catalog.programs import (
    EDITABLE_FIELDS,
    cover_prepare,
    program_create,
    program_submit,
    program_update,
    program_version,
)
from catalog.selectors import provider_program, provider_programs_all
from core.errors import DomainError
from core.pages import post_once
from workplace.staff import manager_required


class ProgramForm(forms.ModelForm):
    cover = forms.FileField(
        label=gettext_lazy("Обложка"),
        required=False,
        help_text=gettext_lazy("JPEG, PNG или WebP, не больше 5 МБ; уменьшается до 1200×800."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )

    class Meta:
        model = Program
        fields = [name.removesuffix("_id") for name in EDITABLE_FIELDS]
        widgets = {"description": forms.Textarea(attrs={"rows": 5})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            if isinstance(field.widget, forms.CheckboxInput):
                field.widget.attrs.setdefault("class", "form-check-input")
            elif isinstance(field.widget, forms.Select):
                field.widget.attrs.setdefault("class", "form-select")
            else:
                field.widget.attrs.setdefault("class", "form-control")
            if name in ("age_min", "age_max", "lessons_per_month", "lesson_price", "normative_lesson_price"):
                field.widget.attrs.setdefault("inputmode", "decimal" if "price" in name else "numeric")
            if name in ("venue_latitude", "venue_longitude"):
                field.widget.attrs.update(inputmode="decimal", step="any")

    def _post_clean(self):
        # The service validates the program as a whole (a certified one's new version against its
        # certified fields); the form only parses what was typed.
        pass

    def service_fields(self) -> dict:
        data = {name: value for name, value in self.cleaned_data.items() if name != "cover"}
        data["direction_id"] = data.pop("direction").pk
        return data


def _show_errors(form: forms.Form, error: DomainError) -> None:
    for field, errors in error.fields.items():
        for message in errors:
            form.add_error(field if field in form.fields else None, message)
    if not error.fields:
        form.add_error(None, error.message)


def _own(request: HttpRequest, pk: int) -> Program:
    program = provider_program(provider_id=request.user.provider_id, program_id=pk)
    if program is None:
        raise Http404
    return program


def _cover(form: ProgramForm):
    upload = form.cleaned_data.get("cover")
    return cover_prepare(upload) if upload else None


@manager_required
@require_GET
def program_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "workplace/programs.html",
        {"provider": request.user.provider, "programs": provider_programs_all(provider_id=request.user.provider_id)},
    )


@manager_required
@require_http_methods(["GET", "POST"])
def program_new(request: HttpRequest) -> HttpResponse:
    form = ProgramForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            program = program_create(actor=request.user, fields=form.service_fields(), cover=_cover(form))
        except DomainError as error:
            _show_errors(form, error)
        else:
            messages.success(
                request, _("Программа сохранена как черновик. Добавьте группы и отправьте её на сертификацию.")
            )
            return redirect(reverse("workplace:program-edit", args=[program.pk]))
    return render(request, "workplace/program_form.html", {"provider": request.user.provider, "form": form})


@manager_required
@require_http_methods(["GET", "POST"])
def program_edit(request: HttpRequest, pk: int) -> HttpResponse:
    program = _own(request, pk)
    initial = program_version(program)
    initial["direction"] = initial.pop("direction_id")
    form = ProgramForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            updated = program_update(
                actor=request.user, program_id=pk, fields=form.service_fields(), cover=_cover(form)
            )
        except DomainError as error:
            _show_errors(form, error)
        else:
            if updated.revision_status == "ON_REVIEW":
                messages.success(
                    request,
                    _("Новая версия отправлена на сертификацию; до её проверки в каталоге остаётся сертифицированная."),
                )
            else:
                messages.success(request, _("Программа сохранена."))
            return redirect(reverse("workplace:program-edit", args=[pk]))
    return render(
        request,
        "workplace/program_form.html",
        {"provider": request.user.provider, "form": form, "program": program},
    )


@manager_required
@require_POST
def program_submit_view(request: HttpRequest, pk: int) -> HttpResponse:
    _own(request, pk)
    back = reverse("workplace:program-edit", args=[pk])

    def submit() -> HttpResponse:
        program_submit(actor=request.user, program_id=pk)
        messages.success(request, _("Программа отправлена на сертификацию."))
        return redirect(back)

    return post_once(request, submit, back=back)
