"""The provider's workplace: the door for provider staff. Every page is behind `staff_required` (the
door's one rule, accounts.access.is_provider_staff) and reads only the staff member's own provider.
Views read the request and choose a template; reads and writes are in the apps below this door."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.access import is_provider_manager, is_provider_staff
from billing.attendance import (
    DateInFuture,
    NoLessonsYet,
    NotALessonDate,
    register_for,
    register_groups,
    register_save,
)
from billing.disputes import dispute_resolve
from billing.lessons import provider_lessons_on
from billing.models import AttendanceStatus, Statement
from billing.selectors import (
    provider_dispute,
    provider_disputes,
    provider_open_dispute_count,
    provider_statement,
    provider_statements,
    statement_document,
)
from billing.statement_files import statement_filename, statement_pdf, statement_xlsx
from billing.statements import month_end, statement_issue
from catalog.selectors import staff_groups
from core.errors import DomainError, NotFound
from core.pages import door_pages, post_once
from enrollments.selectors import (
    provider_application,
    provider_applications,
    provider_inbox_counts,
)
from enrollments.services import enrollment_offer, enrollment_reject
from workplace.forms import DisputeResolveForm, RejectForm

APPLICATIONS_PAGE_SIZE = 50
STATEMENTS_PAGE_SIZE = 24
DISPUTES_PAGE_SIZE = 50


# The provider's door: provider staff only.
staff_required = door_pages(is_provider_staff, gettext_lazy("Кабинет организации доступен только её сотрудникам."))
# Applications, statements and disputes are the manager's; a teacher keeps the register of their own groups.
manager_required = door_pages(
    is_provider_manager, gettext_lazy("Этот раздел доступен только руководителю организации.")
)


@staff_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """Where provider staff land: today's lessons (each opening its register), what awaits them in the
    inbox and among the disputes, and the organisation's status."""
    provider = request.user.provider
    inbox = provider_inbox_counts(provider_id=provider.pk)
    today = timezone.localdate()
    # Each of up to hundreds of cards links two pages of its group: reverse once, format per card.
    register, calendar = _url_pattern("workplace:register"), _url_pattern("workplace:lessons")
    lessons = [
        (lesson, f"{register.format(lesson.group.pk)}?date={today.isoformat()}", calendar.format(lesson.group.pk))
        for lesson in provider_lessons_on(provider_id=provider.pk, day=today)
    ]
    is_manager = is_provider_manager(request.user)
    if not is_manager:  # a teacher's day is their own groups' lessons
        own = set(staff_groups(staff=request.user).values_list("pk", flat=True))
        lessons = [row for row in lessons if row[0].group.pk in own]
    return render(
        request,
        "workplace/home.html",
        {
            "provider": provider,
            "today": today,
            "lessons": lessons,
            "new_applications": inbox["new"],
            "offers_waiting": inbox["offered"],
            "open_disputes": provider_open_dispute_count(provider_id=provider.pk),
            "is_manager": is_manager,
        },
    )


def _url_pattern(name: str) -> str:
    """The URL of `name` for an object, with `{}` where its id goes (str.format)."""
    return reverse(name, args=[987654321]).replace("987654321", "{}")


# --- Applications (the inbox) -----------------------------------------------------------------------


@manager_required
@require_GET
def applications(request: HttpRequest) -> HttpResponse:
    """The applications to the provider's groups: new ones first, then the waiting lists and the offers
    awaiting the parents."""
    provider = request.user.provider
    paginator = Paginator(provider_applications(provider_id=provider.pk), APPLICATIONS_PAGE_SIZE)
    try:
        page = paginator.page(request.GET.get("page") or 1)
    except (PageNotAnInteger, EmptyPage):
        page = paginator.page(1)
    return render(request, "workplace/applications.html", {"provider": provider, "page": page})


@manager_required
@require_POST
def application_offer(request: HttpRequest, pk: int) -> HttpResponse:
    """Send the parents an offer (оферта); they have the period's days to accept it."""
    back = reverse("workplace:applications")

    def offer() -> HttpResponse:
        enrollment = enrollment_offer(staff=request.user, enrollment_id=pk)
        messages.success(request, _("Оферта направлена: %(child)s.") % {"child": enrollment.child.full_name})
        return redirect(back)

    return post_once(request, offer, back=back)


@manager_required
@require_http_methods(["GET", "POST"])
def application_reject(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the application and a form for the reason (required); POST: reject it with that reason."""
    enrollment = provider_application(provider_id=request.user.provider_id, enrollment_id=pk)
    if enrollment is None:
        raise Http404
    form = RejectForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        back = reverse("workplace:applications")

        def reject() -> HttpResponse:
            enrollment_reject(staff=request.user, enrollment_id=pk, reason=form.cleaned_data["reason"])
            messages.success(request, _("Заявка отклонена: %(child)s.") % {"child": enrollment.child.full_name})
            return redirect(back)

        return post_once(request, reject, back=back)
    return render(
        request,
        "workplace/application_reject.html",
        {"provider": request.user.provider, "enrollment": enrollment, "form": form},
    )


# --- The attendance register ------------------------------------------------------------------------


@staff_required
@require_GET
def attendance(request: HttpRequest) -> HttpResponse:
    """The provider's groups, those meeting today first, each opening its register."""
    provider = request.user.provider
    rows = register_groups(groups=staff_groups(staff=request.user))
    return render(request, "workplace/attendance.html", {"provider": provider, "rows": rows})


def _register_url(pk: int, day: datetime.date | None = None) -> str:
    path = reverse("workplace:register", args=[pk])
    return f"{path}?date={day.isoformat()}" if day else path


def _parse_date(raw: str | None) -> datetime.date | None:
    """A date from the form (YYYY-MM-DD); raises DomainError for anything else."""
    try:
        return datetime.date.fromisoformat((raw or "").strip())
    except ValueError:
        raise DomainError(_("Дата занятия указана неверно."), code="invalid_date") from None


@staff_required
@require_http_methods(["GET", "POST"])
def register(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the register of one lesson (today's, else the latest past one, or `?date=`); POST: save it,
    once per form key, all or nothing (a refusal is shown with its reason and nothing is saved)."""
    if request.method == "POST":
        return _register_save(request, pk)
    raw = request.GET.get("date")
    try:
        day = _parse_date(raw) if raw else None
        page = register_for(staff=request.user, group_id=pk, date=day)
    except NotFound:
        raise Http404 from None
    except NoLessonsYet as error:
        page, no_lessons = None, error.message
    except DomainError as error:
        # A date the calendar does not have: say so, and open the register on its default lesson.
        messages.error(request, error.message)
        return redirect(_register_url(pk))
    else:
        no_lessons = ""
    if page is None:
        group = staff_groups(staff=request.user).select_related("program__provider").filter(pk=pk).first()
        if group is None:
            raise Http404
    else:
        group = page.group
    return render(
        request,
        "workplace/register.html",
        {
            "provider": group.program.provider,
            "group": group,
            "register": page,
            "no_lessons": no_lessons,
            "statuses": AttendanceStatus.choices,
        },
    )


def _posted_marks(request: HttpRequest) -> list[tuple[int, str]]:
    """`mark-<enrollment id>` radios; «Все присутствовали» without JavaScript marks every pupil the
    form listed (`pupil`) present."""
    try:
        if request.POST.get("all_present"):
            return [(int(pk), AttendanceStatus.PRESENT) for pk in request.POST.getlist("pupil")]
        return [(int(key[5:]), value) for key, value in request.POST.items() if key.startswith("mark-")]
    except ValueError:
        raise DomainError(_("Форма журнала устарела: откройте журнал заново."), code="invalid_form") from None


def _saved_message(day: datetime.date, result) -> str:
    parts = [_("Журнал за %(date)s сохранён.") % {"date": day.strftime("%d.%m.%Y")}]
    if result.marked:
        parts.append(_("Отмечено учеников: %(n)s.") % {"n": result.marked})
    if result.corrected:
        parts.append(_("Исправлено отметок: %(n)s.") % {"n": result.corrected})
    if result.cancellation_changed:
        parts.append(_("Отмена занятия сохранена."))
    if not (result.marked or result.corrected or result.cancellation_changed):
        parts.append(_("Изменений не было."))
    return " ".join(parts)


def _register_save(request: HttpRequest, pk: int) -> HttpResponse:
    raw = request.POST.get("date")
    try:
        day = _parse_date(raw)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect(_register_url(pk))
    back = _register_url(pk, day)

    def save() -> HttpResponse:
        try:
            result = register_save(
                staff=request.user,
                group_id=pk,
                date=day,
                marks=_posted_marks(request),
                cancelled=bool(request.POST.get("cancelled")),
                reason=request.POST.get("reason", ""),
            )
        except (DateInFuture, NotALessonDate) as error:
            # No register on that date to go back to: the default lesson, with the reason.
            messages.error(request, error.message)
            return redirect(_register_url(pk))
        messages.success(request, _saved_message(day, result))
        return redirect(back)

    return post_once(request, save, back=back)


# --- Monthly statements (акты) -----------------------------------------------------------------------


def _own_statement(request: HttpRequest, pk: int):
    statement = provider_statement(provider_id=request.user.provider_id, statement_id=pk)
    if statement is None:
        raise Http404
    return statement


@manager_required
@require_GET
def statements(request: HttpRequest) -> HttpResponse:
    """The provider's statements to each paying municipality, newest month first, with their totals."""
    provider = request.user.provider
    paginator = Paginator(provider_statements(provider_id=provider.pk), STATEMENTS_PAGE_SIZE)
    try:
        page = paginator.page(request.GET.get("page") or 1)
    except (PageNotAnInteger, EmptyPage):
        page = paginator.page(1)
    return render(request, "workplace/statements.html", {"provider": provider, "page": page})


@manager_required
@require_GET
def statement_detail(request: HttpRequest, pk: int) -> HttpResponse:
    statement = _own_statement(request, pk)
    return render(
        request,
        "workplace/statement.html",
        {
            "provider": request.user.provider,
            "statement": statement,
            "document": statement_document(statement=statement),
            "month_over": month_end(statement.month) < timezone.localdate(),
        },
    )


@manager_required
@require_POST
def statement_issue_view(request: HttpRequest, pk: int) -> HttpResponse:
    """«Выставить»: the statement is frozen with the lines the page showed (their number comes back with
    the form); if more arrived meanwhile, they are added and shown first."""
    back = reverse("workplace:statement", args=[pk])
    try:
        lines_seen = int(request.POST.get("lines", ""))
    except ValueError:
        lines_seen = None

    def issue() -> HttpResponse:
        result = statement_issue(actor=request.user, statement_id=pk, lines_seen=lines_seen)
        if result.issued:
            messages.success(request, _("Акт выставлен."))
        elif result.statement.status == Statement.Status.DRAFT:
            messages.warning(
                request,
                ngettext(
                    "В акт добавлена %(n)s новая строка. Проверьте акт и выставьте его снова.",
                    "В акт добавлено %(n)s новых строк. Проверьте акт и выставьте его снова.",
                    result.added,
                )
                % {"n": result.added},
            )
        else:
            messages.info(request, _("Акт уже выставлен."))
        return redirect(back)

    return post_once(request, issue, back=back)


@manager_required
@require_GET
def statement_pdf_view(request: HttpRequest, pk: int) -> HttpResponse:
    document = statement_document(statement=_own_statement(request, pk))
    return _download(statement_pdf(document), "application/pdf", statement_filename(document, "pdf"))


@manager_required
@require_GET
def statement_xlsx_view(request: HttpRequest, pk: int) -> HttpResponse:
    document = statement_document(statement=_own_statement(request, pk))
    return _download(
        statement_xlsx(document),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        statement_filename(document, "xlsx"),
    )


def _download(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- Parents' disputes -------------------------------------------------------------------------------


@manager_required
@require_GET
def disputes(request: HttpRequest) -> HttpResponse:
    """Disputes of the provider's charges: open ones first, each with the lesson, the child and the
    parent's reason."""
    provider = request.user.provider
    paginator = Paginator(provider_disputes(provider_id=provider.pk), DISPUTES_PAGE_SIZE)
    try:
        page = paginator.page(request.GET.get("page") or 1)
    except (PageNotAnInteger, EmptyPage):
        page = paginator.page(1)
    return render(request, "workplace/disputes.html", {"provider": provider, "page": page})


@manager_required
@require_http_methods(["GET", "POST"])
def dispute_resolve_view(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the dispute and a form (uphold or reject, a reason required); POST: the decision."""
    dispute = provider_dispute(provider_id=request.user.provider_id, dispute_id=pk)
    if dispute is None:
        raise Http404
    form = DisputeResolveForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        back = reverse("workplace:disputes")

        def resolve() -> HttpResponse:
            uphold = form.cleaned_data["decision"] == DisputeResolveForm.UPHOLD
            dispute_resolve(
                actor=request.user, dispute_id=pk, uphold=uphold, resolution=form.cleaned_data["resolution"]
            )
            messages.success(
                request, _("Жалоба удовлетворена, деньги возвращены.") if uphold else _("Жалоба отклонена.")
            )
            return redirect(back)

        return post_once(request, resolve, back=back)
    return render(
        request,
        "workplace/dispute_resolve.html",
        {"provider": request.user.provider, "dispute": dispute, "form": form},
    )
