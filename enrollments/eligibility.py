"""Who may apply for which group: each refusal a domain error with its own code and translated message
(the doors map them: not found 404, forbidden 403, conflicts 409, the rest 400)."""

from __future__ import annotations

from datetime import date

from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.models import AGE_MAX, AGE_MIN, Group, Program, Provider
from certificates.models import Certificate, Child, FundingPeriod, ParentLink
from certificates.services import parent_link_confirmed, period_current
from core.dates import age_on
from core.errors import Conflict, DomainError, Forbidden, NotFound
from enrollments.models import LIVE_STATUSES, Enrollment


class ChildNotFound(NotFound):
    code = "child_not_found"


class GroupNotFound(NotFound):
    code = "group_not_found"


class LinkNotConfirmed(Forbidden):
    code = "link_not_confirmed"


class AgeOutOfRange(DomainError):
    code = "age_out_of_range"


class CertificateNotActive(Conflict):
    code = "certificate_not_active"


class ProgramNotListed(Conflict):
    code = "program_not_listed"


class GroupClosed(Conflict):
    code = "group_closed"


class AlreadyEnrolled(Conflict):
    code = "already_enrolled"


class PeriodClosed(Conflict):
    code = "period_closed"


def parent_child_or_404(*, parent, child_id: int) -> Child:
    """The parent's child; another family's child answers exactly as a missing one."""
    child = Child.objects.filter(pk=child_id, parents=parent).select_related("municipality").first()
    if child is None:
        raise ChildNotFound(_("Ребёнок не найден."))
    return child


def parent_confirmed_child(*, parent, child_id: int) -> Child:
    """The parent's child, with its municipality, when the parent's link to it is confirmed (one query):
    another family's child answers as a missing one; an unconfirmed link says how to confirm it."""
    link = ParentLink.objects.filter(user=parent, child_id=child_id).select_related("child__municipality").first()
    if link is None:
        raise ChildNotFound(_("Ребёнок не найден."))
    if not link.confirmation:
        raise link_not_confirmed()
    return link.child


def require_confirmed_link(*, parent, child: Child) -> None:
    if not parent_link_confirmed(parent=parent, child_id=child.pk):
        raise link_not_confirmed()


def link_not_confirmed() -> LinkNotConfirmed:
    return LinkNotConfirmed(
        _(
            "Связь с ребёнком не подтверждена. Войдите через Госуслуги (дети из вашего профиля подтверждаются "
            "сами) или обратитесь к муниципальному оператору с документами, подтверждающими родство."
        )
    )


def contract_start(group: Group, today: date | None = None) -> date:
    """The first day a contract for the group can run: the group's start, or today when it runs already."""
    return max(today or timezone.localdate(), group.start_date)


def check_can_apply(
    *, child: Child, group: Group, certificate: Certificate | None, today: date | None = None
) -> FundingPeriod | None:
    """Everything but the parent's link (checked first) and the seat (decided under the group lock).
    Returns the funding period the contract would start in (contract_period(), already looked up here)."""
    today = today or timezone.localdate()
    check_group_and_child(child=child, group=group, certificate=certificate, today=today)
    check_not_enrolled(already=Enrollment.objects.filter(child=child, group=group, status__in=LIVE_STATUSES).exists())
    period = contract_period(child=child, group=group, today=today)
    check_period_open(period)
    return period


def check_group_and_child(*, child: Child, group: Group, certificate: Certificate | None, today: date) -> None:
    """The rules that need no query: the program is listed, the group open, the child of the program's
    age on the group's start date, the certificate (if issued) active. `group.program.provider` loaded."""
    program: Program = group.program
    if program.status != Program.Status.CERTIFIED or program.provider.status != Provider.Status.APPROVED:
        raise ProgramNotListed(
            _("Программа сейчас не принимает заявки: она не сертифицирована или организация не допущена.")
        )
    if not group.enrollment_open or group.end_date < today:
        raise GroupClosed(_("Набор в эту группу закрыт."))
    age = age_on(child.birth_date, group.start_date)
    if not program.age_min <= age <= program.age_max or not AGE_MIN <= age <= AGE_MAX:
        raise AgeOutOfRange(
            _("Программа для детей от %(min)s до %(max)s лет, а ребёнку на начало занятий будет %(age)s.")
            % {"min": program.age_min, "max": program.age_max, "age": age}
        )
    if certificate is not None and certificate.status != Certificate.Status.ACTIVE:
        raise CertificateNotActive(
            _("Сертификат № %(number)s %(status)s: записаться по нему нельзя.")
            % {"number": certificate.number, "status": certificate.get_status_display().lower()}
        )


def check_not_enrolled(*, already: bool) -> None:
    """`already`: the child has a live enrollment (applied, waiting, offered or in force) in the group."""
    if already:
        raise AlreadyEnrolled(_("Ребёнок уже записан в эту группу или ждёт места в ней."))


def check_period_open(period: FundingPeriod | None) -> None:
    if period is not None and not period.accepting_contracts:
        raise PeriodClosed(_("Период финансирования закрыт для новых договоров."))


def contract_period(*, child: Child, group: Group, today: date | None = None) -> FundingPeriod | None:
    """The funding period of the child's municipality in which the contract would start."""
    return period_current(municipality=child.municipality, on=contract_start(group, today))
