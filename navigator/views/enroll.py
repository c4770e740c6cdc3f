"""Applying for a group and the contract that follows, as a parent does it: the application page (each
child with the price split, or why it cannot apply), accepting or declining the provider's offer,
terminating a contract after seeing the day it takes effect, and deciding on new terms that raise the
co-payment (accept them, or decline and so end the contract at once).

Parents only (cabinet.parent_required). Every form carries a key made at render, so a double click
changes nothing twice (core.pages.post_once); the domain's refusals come back as messages. Reads are
in enrollments.selectors and enrollments.quotes, writes in enrollments.services and contracts.
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from core.pages import post_once
from enrollments.contracts import (
    NoFundedRoom,
    contract_terms_accept,
    contract_terms_decline,
    enrollment_accept_or_queue,
    enrollment_terminate,
    termination_date,
)
from enrollments.models import EnrollmentStatus
from enrollments.quotes import apply_choices
from enrollments.selectors import application_group, pending_terms_of, waiting_place_if_applied
from enrollments.services import enrollment_apply, enrollment_cancel
from navigator.views.cabinet import own_enrollment, parent_required, render_cabinet

# --- Applying -----------------------------------------------------------------------------------------


@parent_required
@require_http_methods(["GET", "POST"])
def group_apply(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the group, and each of the parent's children with its quote or the reason it cannot apply;
    POST: apply for the chosen child."""
    group = application_group(group_id=pk)
    if group is None:
        raise Http404
    if request.method == "POST":
        child = request.POST.get("child", "")
        if not child.isdigit():
            messages.error(request, _("Выберите ребёнка."))
            return redirect("group-apply", pk=pk)
        return post_once(request, lambda: _apply(request, group.pk, int(child)), back=request.path)
    choices = apply_choices(parent=request.user, group=group)
    eligible = [choice for choice in choices if choice.can_apply]
    return render(
        request,
        "navigator/enroll/apply.html",
        {
            "group": group,
            "program": group.program,
            "choices": choices,
            "eligible_count": len(eligible),
            "preselected": eligible[0].child.pk if len(eligible) == 1 else None,
            "waiting_place": waiting_place_if_applied(group),
        },
    )


def _apply(request: HttpRequest, group_id: int, child_id: int) -> HttpResponse:
    result = enrollment_apply(parent=request.user, child_id=child_id, group_id=group_id)
    if result.waiting_place is None:
        messages.success(request, _("Заявка подана. Организация рассмотрит её и пришлёт оферту."))
    else:
        messages.info(request, _("Заявка в листе ожидания, ваше место: %(place)s.") % {"place": result.waiting_place})
    return redirect("cabinet-enrollment", pk=result.enrollment.pk)


# --- The offer ----------------------------------------------------------------------------------------


@parent_required
@require_POST
def enrollment_accept_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Accept the offer (`as_paid`: paid by the parents). When the period's funded certificates are all
    taken, the certificate joins the queue and the page offers the paid contract or waiting."""
    back = reverse("cabinet-enrollment", args=[pk])
    as_paid = request.POST.get("as_paid") == "1"

    def accept() -> HttpResponse:
        try:
            result = enrollment_accept_or_queue(parent=request.user, enrollment_id=pk, as_paid=as_paid)
        except NoFundedRoom:
            messages.warning(
                request,
                _(
                    "Сертификаты финансирования на этот период закончились. Сертификат поставлен в очередь: "
                    "когда появится место, придёт уведомление и оферту можно будет принять. Или заключите "
                    "договор за счёт родителей."
                ),
            )
            return redirect(back)
        if result.changed:
            messages.success(request, _("Договор заключён."))
        else:
            messages.info(request, _("Договор уже заключён."))
        return redirect(back)

    return post_once(request, accept, back=back)


@parent_required
@require_http_methods(["GET", "POST"])
def enrollment_decline_view(request: HttpRequest, pk: int) -> HttpResponse:
    """GET asks for confirmation; POST declines the offer (the seat goes to the waiting list)."""
    if request.method == "GET":
        enrollment = own_enrollment(request, pk)
        if enrollment.status != EnrollmentStatus.OFFERED:
            return redirect("cabinet-enrollment", pk=pk)
        return render_cabinet(
            request,
            "enrollment_cancel.html",
            "enrollments",
            {
                "enrollment": enrollment,
                "action_url": reverse("cabinet-enrollment-decline", args=[pk]),
                "confirm_label": _("Да, отказаться от оферты"),
            },
        )
    back = reverse("cabinet-enrollment", args=[pk])

    def decline() -> HttpResponse:
        result = enrollment_cancel(parent=request.user, enrollment_id=pk, only_offers=True)
        if result.changed:
            messages.success(request, _("Вы отказались от оферты."))
        else:
            messages.info(request, _("Заявка уже отменена."))
        return redirect(back)

    return post_once(request, decline, back=back)


# --- Termination --------------------------------------------------------------------------------------


@parent_required
@require_http_methods(["GET", "POST"])
def enrollment_terminate_view(request: HttpRequest, pk: int) -> HttpResponse:
    """GET shows the day the termination would take effect and asks for confirmation; POST terminates."""
    if request.method == "GET":
        enrollment = own_enrollment(request, pk)
        if "terminate" not in enrollment.parent_actions:
            return redirect("cabinet-enrollment", pk=pk)
        last_day = termination_date(enrollment)
        return render_cabinet(
            request,
            "enrollment_terminate.html",
            "enrollments",
            {
                "enrollment": enrollment,
                "last_day": last_day,
                "seat_frees_on": last_day + timedelta(days=1),
                "at_once": last_day < timezone.localdate(),
            },
        )
    back = reverse("cabinet-enrollment", args=[pk])

    def terminate() -> HttpResponse:
        enrollment = enrollment_terminate(parent=request.user, enrollment_id=pk)
        messages.success(
            request,
            _("Договор расторгнут. Последний день договора: %(day)s.")
            % {"day": enrollment.ends_on.strftime("%d.%m.%Y")},
        )
        return redirect(back)

    return post_once(request, terminate, back=back)


# --- New terms awaiting the parents --------------------------------------------------------------------


@parent_required
@require_POST
def enrollment_terms_accept_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Accept the new terms shown on the enrollment page: they apply now, and the reserve follows."""
    back = reverse("cabinet-enrollment", args=[pk])

    def accept() -> HttpResponse:
        decision = contract_terms_accept(parent=request.user, enrollment_id=pk)
        if decision.changed:
            messages.success(request, _("Новые условия договора приняты."))
        else:
            messages.info(request, _("Новые условия договора уже приняты."))
        return redirect(back)

    return post_once(request, accept, back=back)


@parent_required
@require_http_methods(["GET", "POST"])
def enrollment_terms_decline_view(request: HttpRequest, pk: int) -> HttpResponse:
    """GET asks for confirmation (the contract ends today, the seat is given up); POST declines the new
    terms and so ends the contract at once."""
    if request.method == "GET":
        enrollment = own_enrollment(request, pk)
        change = pending_terms_of(enrollment)
        if change is None:
            return redirect("cabinet-enrollment", pk=pk)
        return render_cabinet(
            request, "enrollment_terms_decline.html", "enrollments", {"enrollment": enrollment, "change": change}
        )
    back = reverse("cabinet-enrollment", args=[pk])

    def decline() -> HttpResponse:
        decision = contract_terms_decline(parent=request.user, enrollment_id=pk)
        if decision.changed:
            messages.success(
                request, _("Вы отказались от новых условий. Договор расторгнут, место в группе освобождено.")
            )
        else:
            messages.info(request, _("Договор уже расторгнут."))
        return redirect(back)

    return post_once(request, decline, back=back)
