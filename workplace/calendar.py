"""The lesson calendar pages of the workplace: a group's coming and past lessons from its schedule, and
a single lesson cancelled or moved (billing.lessons does the change, re-reserves through the enrollment
service and tells the parents). Another provider's group is a 404."""

from __future__ import annotations

import datetime

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from billing.lessons import group_calendar, group_lesson, lesson_cancel, lesson_move
from core.errors import NotFound
from core.pages import post_once
from workplace.views import staff_required


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Причина отмены"),
        max_length=250,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
        help_text=gettext_lazy("Её увидят родители в уведомлении."),
        error_messages={"required": gettext_lazy("Укажите причину отмены.")},
    )


class MoveForm(forms.Form):
    new_date = forms.DateField(
        label=gettext_lazy("Новая дата"), widget=forms.DateInput(attrs={"type": "date", "class": "form-control"})
    )
    start = forms.TimeField(
        label=gettext_lazy("Начало"), widget=forms.TimeInput(attrs={"type": "time", "class": "form-control"})
    )
    end = forms.TimeField(
        label=gettext_lazy("Окончание"), widget=forms.TimeInput(attrs={"type": "time", "class": "form-control"})
    )
    room = forms.CharField(
        label=gettext_lazy("Кабинет"),
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )
    reason = forms.CharField(
        label=gettext_lazy("Причина переноса"),
        max_length=250,
        required=False,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
        help_text=gettext_lazy("Её увидят родители в уведомлении."),
    )


def _date(raw: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(raw)
    except ValueError:
        raise Http404 from None


def _lesson(request: HttpRequest, pk: int, day: datetime.date):
    try:
        group, lessons = group_lesson(staff=request.user, group_id=pk, date=day)
    except NotFound:
        raise Http404 from None
    if not lessons:
        raise Http404
    return group, lessons


@staff_required
@require_GET
def lessons(request: HttpRequest, pk: int) -> HttpResponse:
    """The group's lesson calendar: coming lessons (each may be moved or cancelled), past ones."""
    try:
        calendar = group_calendar(staff=request.user, group_id=pk)
    except NotFound:
        raise Http404 from None
    return render(
        request,
        "workplace/lessons.html",
        {"provider": calendar.group.program.provider, "group": calendar.group, "calendar": calendar},
    )


@staff_required
@require_http_methods(["GET", "POST"])
def lesson_cancel_view(request: HttpRequest, pk: int, day: str) -> HttpResponse:
    date = _date(day)
    group, day_lessons = _lesson(request, pk, date)
    form = CancelForm(request.POST or None)
    back = reverse("workplace:lessons", args=[pk])
    if request.method == "POST" and form.is_valid():

        def cancel() -> HttpResponse:
            lesson_cancel(staff=request.user, group_id=pk, date=date, reason=form.cleaned_data["reason"])
            messages.success(request, _("Занятие %(date)s отменено, родители извещены.") % {"date": _day(date)})
            return redirect(back)

        return post_once(request, cancel, back=request.path)
    return render(
        request,
        "workplace/lesson_change.html",
        {
            "provider": group.program.provider,
            "group": group,
            "lessons": day_lessons,
            "date": date,
            "form": form,
            "cancel": True,
        },
    )


@staff_required
@require_http_methods(["GET", "POST"])
def lesson_move_view(request: HttpRequest, pk: int, day: str) -> HttpResponse:
    date = _date(day)
    group, day_lessons = _lesson(request, pk, date)
    first = day_lessons[0]
    form = MoveForm(
        request.POST or None, initial={"new_date": date, "start": first.start, "end": first.end, "room": first.room}
    )
    back = reverse("workplace:lessons", args=[pk])
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data

        def move() -> HttpResponse:
            lesson_move(
                staff=request.user,
                group_id=pk,
                date=date,
                new_date=data["new_date"],
                start=data["start"],
                end=data["end"],
                room=data["room"],
                reason=data["reason"],
            )
            messages.success(
                request,
                _("Занятие %(date)s перенесено на %(new)s, родители извещены.")
                % {"date": _day(date), "new": _day(data["new_date"])},
            )
            return redirect(back)

        return post_once(request, move, back=request.path)
    return render(
        request,
        "workplace/lesson_change.html",
        {
            "provider": group.program.provider,
            "group": group,
            "lessons": day_lessons,
            "date": date,
            "form": form,
            "cancel": False,
        },
    )


def _day(value: datetime.date) -> str:
    return date_format(value, "d.m.Y")
