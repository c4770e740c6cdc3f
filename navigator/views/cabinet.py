"""The parent's personal account (личный кабинет): children, certificates and their statements,
enrollments, notices and the profile.

Only parents come in: anonymous visitors go to the login page, other roles get 403. Every object is
looked up through a selector scoped to the signed-in parent, so another family's child, certificate,
statement or enrollment answers 404, exactly as one that does not exist. Views read the request and
choose a template; reads are in the selectors, writes in the services of the apps below this door.
"""

from __future__ import annotations

import re

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.access import is_parent
from accounts.services import contacts_update
from billing.disputes import dispute_check, dispute_raise, month_lessons_disputable
from billing.models import Charge
from billing.selectors import certificate_statement, statement_line_disputes, statement_lines
from certificates.claims import child_claim_add
from certificates.selectors import (
    child_certificate,
    parent_certificate,
    parent_certificates_with_accounts,
    parent_child,
    parent_children_with_accounts,
    parent_open_claims,
)
from certificates.services import certificate_issue
from core.errors import Conflict, NotFound
from core.pages import door_pages, post_once
from core.validators import format_snils, mask_snils
from enrollments.models import ACCEPTED_STATUSES, EnrollmentStatus
from enrollments.quotes import link_problem, offer_terms
from enrollments.ratings import contract_rating_state
from enrollments.selectors import (
    contract_terms,
    enrollment_history,
    parent_enrollment,
    parent_enrollments,
    parent_live_enrollment_count,
    waiting_place,
)
from enrollments.services import enrollment_cancel, enrollment_parent_actions
from navigator.forms import ChildAddForm, ContactsForm, DisputeForm
from navigator.views.paging import PAGE_SIZE, paginate
from notices.selectors import unread_notification_count, user_notifications
from notices.services import notification_mark_read, notifications_mark_all_read

# The parent's door: parents only (the personal account's pages are personal).
parent_required = door_pages(is_parent, gettext_lazy("Личный кабинет доступен только родителям."))


def render_cabinet(request: HttpRequest, template: str, section: str, context: dict | None = None) -> HttpResponse:
    """A cabinet page: the section for the cabinet menu and the unread notices for its badge."""
    context = {
        "cabinet_section": section,
        "unread_count": unread_notification_count(user=request.user),
        **(context or {}),
    }
    return render(request, f"navigator/cabinet/{template}", context)


def _with_actions(enrollments: list) -> list:
    for enrollment in enrollments:
        enrollment.parent_actions = enrollment_parent_actions(enrollment)
    return enrollments


# --- Overview, children ----------------------------------------------------------------------------


@parent_required
@require_GET
def overview(request: HttpRequest) -> HttpResponse:
    return render_cabinet(
        request,
        "overview.html",
        "overview",
        {
            "children": parent_children_with_accounts(parent=request.user),
            "live_enrollments": parent_live_enrollment_count(parent=request.user),
        },
    )


@parent_required
@require_GET
def children(request: HttpRequest) -> HttpResponse:
    return render_cabinet(
        request,
        "children.html",
        "children",
        {
            "children": parent_children_with_accounts(parent=request.user),
            # Children typed in by hand: only what the parent typed, until confirmed.
            "claims": list(parent_open_claims(parent=request.user)),
        },
    )


def _own_child(request: HttpRequest, pk: int):
    child = parent_child(parent=request.user, child_id=pk)
    if child is None:
        raise Http404
    return child


@parent_required
@require_GET
def child_detail(request: HttpRequest, pk: int) -> HttpResponse:
    child = _own_child(request, pk)
    enrollments = _with_actions(list(parent_enrollments(parent=request.user, child_id=child.pk)[:PAGE_SIZE]))
    return render_cabinet(
        request,
        "child.html",
        "children",
        {
            "child": child,
            "certificate": child_certificate(child),
            # The full number only here, to the child's own parent.
            "snils_full": format_snils(child.snils),
            "enrollments": enrollments,
        },
    )


@parent_required
@require_http_methods(["GET", "POST"])
def child_add_view(request: HttpRequest) -> HttpResponse:
    """A child typed in by hand becomes a claim waiting for review. The answer is the same whether or
    not the СНИЛС is registered, so the form tells nobody whose number it is."""
    form = ChildAddForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            claim = child_claim_add(parent=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _(
                    "Заявка принята: %(name)s. Ребёнок появится в личном кабинете, когда муниципальный "
                    "оператор проверит документы, подтверждающие родство, или сразу после входа через "
                    "Госуслуги, если ребёнок есть в вашем профиле."
                )
                % {"name": claim.full_name},
            )
            return redirect("cabinet-children")
    return render_cabinet(request, "child_add.html", "children", {"form": form})


@parent_required
@require_POST
def certificate_request(request: HttpRequest, pk: int) -> HttpResponse:
    """Issue the child's certificate on request (idempotent: the one it has is kept)."""
    child = _own_child(request, pk)
    had_one = child_certificate(child) is not None
    certificate = certificate_issue(child=child)
    if had_one:
        messages.info(request, _("У ребёнка уже есть сертификат № %(number)s.") % {"number": certificate.number})
    else:
        messages.success(request, _("Сертификат № %(number)s выдан.") % {"number": certificate.number})
    return redirect("cabinet-child", pk=child.pk)


# --- Certificates and statements --------------------------------------------------------------------


@parent_required
@require_GET
def certificates(request: HttpRequest) -> HttpResponse:
    return render_cabinet(
        request,
        "certificates.html",
        "certificates",
        {"certificates": parent_certificates_with_accounts(parent=request.user)},
    )


def _own_certificate(request: HttpRequest, number: str):
    certificate = parent_certificate(parent=request.user, number=number)
    if certificate is None:
        raise Http404
    return certificate


@parent_required
@require_GET
def certificate_detail(request: HttpRequest, number: str) -> HttpResponse:
    certificate = _own_certificate(request, number)
    recent = statement_lines(certificate_statement(certificate=certificate)[:5])
    return render_cabinet(request, "certificate.html", "certificates", {"certificate": certificate, "recent": recent})


@parent_required
@require_GET
def statement(request: HttpRequest, number: str) -> HttpResponse:
    certificate = _own_certificate(request, number)
    listing = paginate(request, certificate_statement(certificate=certificate))
    lines = statement_lines(listing.items)
    return render_cabinet(
        request,
        "statement.html",
        "certificates",
        {"certificate": certificate, "listing": listing, "lines": lines, "disputes": statement_line_disputes(lines)},
    )


@parent_required
@require_http_methods(["GET", "POST"])
def dispute_view(request: HttpRequest, number: str, charge_id: str) -> HttpResponse:
    """«Оспорить»: GET shows the lesson (for a month, its lessons to choose from) and an optional reason;
    POST raises the dispute (once per form key; a repeat gives back the same dispute)."""
    certificate = _own_certificate(request, number)
    back = reverse("cabinet-statement", args=[certificate.number])
    try:
        charge = dispute_check(parent=request.user, charge_id=int(charge_id))
    except NotFound:
        raise Http404 from None
    except Conflict as error:
        messages.error(request, error.message)
        return redirect(back)
    if charge.enrollment.certificate_id != certificate.pk:
        raise Http404
    dates = month_lessons_disputable(charge=charge) if charge.kind == Charge.Kind.MONTH else []
    form = DisputeForm(request.POST or None, lesson_dates=dates)
    if request.method == "POST" and form.is_valid():

        def raise_dispute() -> HttpResponse:
            dispute_raise(
                parent=request.user,
                charge_id=charge.pk,
                lesson_date=form.cleaned_data.get("lesson"),
                reason=form.cleaned_data["reason"],
            )
            messages.success(request, _("Жалоба подана. Организация рассмотрит её, а решение придёт в уведомлениях."))
            return redirect(back)

        return post_once(request, raise_dispute, back=back)
    return render_cabinet(
        request,
        "dispute.html",
        "certificates",
        {"certificate": certificate, "charge": charge, "form": form, "back": back},
    )


# --- Enrollments -------------------------------------------------------------------------------------


@parent_required
@require_GET
def enrollments(request: HttpRequest) -> HttpResponse:
    listing = paginate(request, parent_enrollments(parent=request.user))
    _with_actions(listing.items)
    return render_cabinet(request, "enrollments.html", "enrollments", {"listing": listing})


def own_enrollment(request: HttpRequest, pk: int):
    enrollment = parent_enrollment(parent=request.user, enrollment_id=pk)
    if enrollment is None:
        raise Http404
    enrollment.parent_actions = enrollment_parent_actions(enrollment)
    return enrollment


@parent_required
@require_GET
def enrollment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The application or contract: for an offer the terms that accepting would freeze, for a contract
    the terms agreed and the reserve left, for the waiting list the place in line."""
    enrollment = own_enrollment(request, pk)
    context = {"enrollment": enrollment, "history": list(enrollment_history(enrollment=enrollment))}
    if enrollment.status == EnrollmentStatus.WAITING:
        context["waiting_place"] = waiting_place(enrollment=enrollment)
    elif enrollment.status == EnrollmentStatus.OFFERED:
        context["offer"] = offer_terms(enrollment=enrollment)
    elif enrollment.status in ACCEPTED_STATUSES:
        context["terms"] = contract_terms(enrollment)
        context["rating_state"] = contract_rating_state(enrollment=enrollment)
    if enrollment.parent_actions:
        context["link_problem"] = link_problem(parent=request.user, child=enrollment.child)
    return render_cabinet(request, "enrollment.html", "enrollments", context)


@parent_required
@require_http_methods(["GET", "POST"])
def enrollment_cancel_view(request: HttpRequest, pk: int) -> HttpResponse:
    """GET asks for confirmation; POST cancels. A repeated POST only says it is already cancelled."""
    if request.method == "GET":
        enrollment = own_enrollment(request, pk)
        if "cancel" not in enrollment.parent_actions:
            return redirect("cabinet-enrollment", pk=pk)
        return render_cabinet(
            request,
            "enrollment_cancel.html",
            "enrollments",
            {
                "enrollment": enrollment,
                "action_url": reverse("cabinet-enrollment-cancel", args=[pk]),
                "confirm_label": _("Да, отменить заявку"),
            },
        )
    try:
        result = enrollment_cancel(parent=request.user, enrollment_id=pk)
    except NotFound:
        raise Http404 from None
    except Conflict as error:
        messages.error(request, error.message)
    else:
        if result.changed:
            messages.success(request, _("Заявка отменена."))
        else:
            messages.info(request, _("Заявка уже отменена."))
    return redirect("cabinet-enrollment", pk=pk)


# --- Notifications, profile ----------------------------------------------------------------------------


@parent_required
@require_GET
def notifications(request: HttpRequest) -> HttpResponse:
    listing = paginate(request, user_notifications(user=request.user))
    return render_cabinet(request, "notifications.html", "notifications", {"listing": listing})


@parent_required
@require_POST
def notification_read(request: HttpRequest, pk: int) -> HttpResponse:
    notification = get_object_or_404(user_notifications(user=request.user), pk=pk)
    notification_mark_read(notification=notification)
    return redirect(_notifications_back(request))


@parent_required
@require_POST
def notifications_read_all(request: HttpRequest) -> HttpResponse:
    marked = notifications_mark_all_read(user=request.user)
    if marked:
        messages.success(request, _("Все уведомления отмечены прочитанными."))
    return redirect(_notifications_back(request))


def _notifications_back(request: HttpRequest) -> str:
    """Back to the page of the list the parent was on (only a page number is taken from the form)."""
    page = request.POST.get("page", "")
    suffix = f"?page={int(page)}" if re.fullmatch(r"[0-9]{1,9}", page) and int(page) > 1 else ""
    return reverse("cabinet-notifications") + suffix


@parent_required
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    user = request.user
    form = ContactsForm(
        request.POST or None, initial={"email": user.email, "phone": user.phone, "language": user.language}
    )
    if request.method == "POST" and form.is_valid():
        if contacts_update(user=user, **form.cleaned_data):
            messages.success(request, _("Контакты сохранены."))
        return redirect("cabinet-profile")
    return render_cabinet(
        request, "profile.html", "profile", {"form": form, "snils_masked": mask_snils(user.snils) if user.snils else ""}
    )
