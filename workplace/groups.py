"""The organisation's groups: the manager lists, creates and edits them with their weekly schedule, seats
and enrollment. Checks are catalog.groups', seat changes enrollments.groups'; another organisation's group
is a 404."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from catalog.groups import group_create
from catalog.models import Program, ScheduleSlot
from catalog.selectors import provider_programs_all, provider_teachers, staff_groups
from core.errors import DomainError
from enrollments.groups import provider_group_update
from enrollments.selectors import groups_with_seats
from workplace.staff import manager_required

SLOT_ROWS = 3  # empty schedule rows offered beyond the group's own


def _styled(form: forms.Form) -> None:
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxInput):
            widget.attrs.setdefault("class", "form-check-input")
        elif isinstance(widget, forms.Select):
            widget.attrs.setdefault("class", "form-select")
        else:
            widget.attrs.setdefault("class", "form-control")


class GroupForm(forms.Form):
    program = forms.ModelChoiceField(label=gettext_lazy("Программа"), queryset=Program.objects.none())
    name = forms.CharField(label=gettext_lazy("Название группы"), max_length=200)
    teacher_account = forms.TypedChoiceField(
        label=gettext_lazy("Педагог"), coerce=int, required=False, empty_value=None
    )
    teacher_name = forms.CharField(
        label=gettext_lazy("ФИО педагога"),
        max_length=200,
        required=False,
        help_text=gettext_lazy("Если у педагога нет учётной записи в организации."),
    )
    capacity = forms.IntegerField(label=gettext_lazy("Мест"), min_value=1)
    start_date = forms.DateField(
        label=gettext_lazy("Начало занятий"), widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
    )
    end_date = forms.DateField(
        label=gettext_lazy("Окончание занятий"), widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
    )
    enrollment_open = forms.BooleanField(label=gettext_lazy("Набор открыт"), required=False, initial=True)

    def __init__(self, *args, provider_id: int, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["program"].queryset = provider_programs_all(provider_id=provider_id).exclude(
            status=Program.Status.ARCHIVED
        )
        teachers = list(provider_teachers(provider_id=provider_id))
        self.fields["teacher_account"].choices = [("", "—")] + [(t.pk, t.full_name or t.username) for t in teachers]
        if not teachers:
            del self.fields["teacher_account"]
        if editing:
            del self.fields["program"]
        _styled(self)

    def clean(self):
        data = super().clean()
        if not data.get("teacher_account") and not data.get("teacher_name"):
            self.add_error("teacher_name", _("Укажите педагога."))
        return data

    def service_fields(self) -> dict:
        data = dict(self.cleaned_data)
        account, name = data.pop("teacher_account", None), data.pop("teacher_name", "")
        data["teacher"] = account or name
        return data


class SlotForm(forms.Form):
    weekday = forms.TypedChoiceField(
        label=gettext_lazy("День"),
        coerce=int,
        required=False,
        empty_value=None,
        choices=[("", "—"), *ScheduleSlot.Weekday.choices],
    )
    start = forms.TimeField(
        label=gettext_lazy("С"), required=False, widget=forms.TimeInput(format="%H:%M", attrs={"type": "time"})
    )
    end = forms.TimeField(
        label=gettext_lazy("До"), required=False, widget=forms.TimeInput(format="%H:%M", attrs={"type": "time"})
    )
    room = forms.CharField(
        label=gettext_lazy("Кабинет"),
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": gettext_lazy("Кабинет")}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _styled(self)

    def clean(self):
        data = super().clean()
        filled = [data.get(name) not in (None, "") for name in ("weekday", "start", "end")]
        if any(filled) and not all(filled):
            raise forms.ValidationError(_("Укажите день, начало и окончание занятия."))
        return data


SlotFormSet = forms.formset_factory(SlotForm, extra=0)


def _slots(formset) -> list[dict]:
    return [
        {
            "weekday": f.cleaned_data["weekday"],
            "start": f.cleaned_data["start"],
            "end": f.cleaned_data["end"],
            "room": f.cleaned_data.get("room", ""),
        }
        for f in formset.forms
        if f.cleaned_data.get("weekday") is not None
    ]


def _show_errors(form: forms.Form, error: DomainError) -> None:
    """The refusal at its fields, and its whole message above the form unless a field already says it."""
    shown = set()
    for field, errors in error.fields.items():
        if field in form.fields:
            for message in errors:
                form.add_error(field, message)
                shown.add(message)
    if error.message not in shown:
        form.add_error(None, error.message)


@manager_required
@require_GET
def group_list(request: HttpRequest) -> HttpResponse:
    groups = groups_with_seats(staff_groups(staff=request.user))
    return render(request, "workplace/groups.html", {"provider": request.user.provider, "groups": groups})


@manager_required
@require_http_methods(["GET", "POST"])
def group_new(request: HttpRequest) -> HttpResponse:
    provider_id = request.user.provider_id
    initial = {"start_date": timezone.localdate(), "enrollment_open": True, "program": request.GET.get("program")}
    form = GroupForm(request.POST or None, provider_id=provider_id, initial=initial)
    formset = SlotFormSet(request.POST or None, prefix="slot", initial=[{}] * SLOT_ROWS)
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        data = form.service_fields()
        program = data.pop("program")
        try:
            group = group_create(actor=request.user, program_id=program.pk, schedule=_slots(formset), **data)
        except DomainError as error:
            _show_errors(form, error)
        else:
            messages.success(request, _("Группа создана: %(name)s.") % {"name": group.name})
            return redirect(reverse("workplace:groups"))
    return render(
        request, "workplace/group_form.html", {"provider": request.user.provider, "form": form, "formset": formset}
    )


@manager_required
@require_http_methods(["GET", "POST"])
def group_edit(request: HttpRequest, pk: int) -> HttpResponse:
    group = staff_groups(staff=request.user).filter(pk=pk).first()
    if group is None:
        raise Http404
    initial = {
        "name": group.name,
        "teacher_account": group.teacher_user_id,
        "teacher_name": "" if group.teacher_user_id else group.teacher,
        "capacity": group.capacity,
        "start_date": group.start_date,
        "end_date": group.end_date,
        "enrollment_open": group.enrollment_open,
    }
    slots = [
        {"weekday": s.weekday, "start": s.start_time, "end": s.end_time, "room": s.room} for s in group.schedule.all()
    ]
    form = GroupForm(request.POST or None, provider_id=request.user.provider_id, editing=True, initial=initial)
    formset = SlotFormSet(request.POST or None, prefix="slot", initial=slots + [{}] * SLOT_ROWS)
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        changes = form.service_fields()
        changes["schedule"] = _slots(formset)
        if changes["start_date"] == group.start_date:
            changes.pop("start_date")  # an unchanged start in the past is no refusal
        try:
            provider_group_update(actor=request.user, group_id=pk, changes=changes)
        except DomainError as error:
            _show_errors(form, error)
        else:
            messages.success(request, _("Группа сохранена."))
            return redirect(reverse("workplace:groups"))
    return render(
        request,
        "workplace/group_form.html",
        {"provider": request.user.provider, "form": form, "formset": formset, "group": group},
    )
