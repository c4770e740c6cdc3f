"""A group's pupils in the workplace: the roster with each contract's status and co-payment, and the
same as a spreadsheet. Another provider's group is a 404."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from catalog.selectors import staff_groups
from enrollments.roster_files import roster_filename, roster_xlsx
from enrollments.selectors import group_roster, provider_group
from workplace.views import _download, staff_required

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _own_group(request: HttpRequest, pk: int):
    group = provider_group(provider_id=request.user.provider_id, group_id=pk)
    if group is None or not staff_groups(staff=request.user).filter(pk=pk).exists():  # a teacher: their own
        raise Http404
    return group


@staff_required
@require_GET
def pupils(request: HttpRequest, pk: int) -> HttpResponse:
    group = _own_group(request, pk)
    return render(
        request,
        "workplace/pupils.html",
        {"provider": request.user.provider, "group": group, "pupils": list(group_roster(group_id=group.pk))},
    )


@staff_required
@require_GET
def pupils_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    group = _own_group(request, pk)
    return _download(roster_xlsx(group, group_roster(group_id=group.pk)), XLSX, roster_filename(group))
