"""Parents' ratings of programs (services and selectors): a parent rates the program of a contract that
has run a month, on the four ПФДО scores; municipal staff publish or reject it; the provider answers a
published one publicly.

The program's mean and count (Program.rating, rating_count) are kept from the PUBLISHED ratings only, in
the same transaction as the decision that changes them: the decision locks the rating row, then the
program row (FOR NO KEY UPDATE), and only then reads the published ratings in a new statement, so two
decisions on one program's ratings at once wait for each other and the second counts the first. The mean
is the mean of the overall score («общая оценка»), to two places, half up (PostgreSQL's numeric rounding).

Lock order: a rating row, then its program row; nothing else is locked here (see core.locking).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Avg, Case, Count, IntegerField, QuerySet, Value, When
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from catalog.models import Program
from core.audit import acting
from core.errors import Conflict, DomainError, Forbidden, NotFound, reason_required
from core.locking import lock_one
from enrollments.eligibility import require_confirmed_link
from enrollments.models import (
    ACCEPTED_STATUSES,
    RATING_MAX,
    RATING_MIN,
    RATING_SCORES,
    Enrollment,
    ProgramRating,
    RatingStatus,
)
from enrollments.services import enrollment_subject
from notices.services import Notice, notices_send

COMMENT_MAX = ProgramRating._meta.get_field("comment").max_length
ANSWER_MAX = ProgramRating._meta.get_field("answer").max_length
# The decisions moderators may take (a published rating may still be withdrawn, with a reason).
ALLOWED_DECISIONS = {
    RatingStatus.PENDING: {RatingStatus.PUBLISHED, RatingStatus.REJECTED},
    RatingStatus.PUBLISHED: {RatingStatus.REJECTED},
}


class ContractNotFound(NotFound):
    code = "contract_not_found"


class NotAContract(Conflict):
    code = "not_a_contract"


class RatingTooEarly(Conflict):
    code = "rating_too_early"


class AlreadyRated(Conflict):
    code = "already_rated"


class RatingNotFound(NotFound):
    code = "rating_not_found"


class DecisionNotAllowed(Conflict):
    code = "decision_not_allowed"


# --- When a contract may be rated ------------------------------------------------------------------------


def month_after(day: date) -> date:
    """The same day a month later (the month's last day when it has no such day: 31 January → 28/29 February)."""
    year, month = (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


def rating_opens_on(enrollment: Enrollment) -> date | None:
    """The first day the contract may be rated: a month after it started; None when it is no contract, or
    ended before running a month."""
    if enrollment.status not in ACCEPTED_STATUSES or enrollment.starts_on is None:
        return None
    opens = month_after(enrollment.starts_on)
    if enrollment.status != "ACTIVE" and enrollment.ends_on is not None and enrollment.ends_on < opens:
        return None
    return opens


@dataclass(frozen=True)
class RatingState:
    """What the contract's page shows about rating: the rating made, or whether and when one can be made."""

    rating: ProgramRating | None
    opens_on: date | None
    can_rate: bool


def contract_rating_state(*, enrollment: Enrollment, today: date | None = None) -> RatingState:
    """One query (the contract's rating, if any)."""
    today = today or timezone.localdate()
    rating = ProgramRating.objects.filter(enrollment=enrollment).first()
    opens = rating_opens_on(enrollment)
    return RatingState(rating=rating, opens_on=opens, can_rate=rating is None and opens is not None and opens <= today)


def _parent_contract(*, parent, enrollment_id: int) -> Enrollment:
    enrollment = (
        Enrollment.objects.filter(pk=enrollment_id, child__parents=parent)
        .select_related("child", "group__program")
        .first()
    )
    if enrollment is None:
        raise ContractNotFound(_("Договор не найден среди ваших."))
    return enrollment


def rating_check(*, parent, enrollment_id: int, today: date | None = None) -> Enrollment:
    """The parent's contract, if they may rate its program today; else the reason, as a domain error:
    not their contract (not found), not a contract, too early, already rated, their link to the child
    unconfirmed."""
    today = today or timezone.localdate()
    enrollment = _parent_contract(parent=parent, enrollment_id=enrollment_id)
    if enrollment.status not in ACCEPTED_STATUSES:
        raise NotAContract(_("Оценить программу можно только по заключённому договору."))
    if ProgramRating.objects.filter(enrollment=enrollment).exists():
        raise AlreadyRated(_("Вы уже оценили программу по этому договору."))
    opens = rating_opens_on(enrollment)
    if opens is None:
        raise RatingTooEarly(_("Договор длился меньше месяца: оценить программу по нему нельзя."))
    if today < opens:
        raise RatingTooEarly(
            _("Оценить программу можно через месяц занятий по договору: с %(date)s.")
            % {"date": opens.strftime("%d.%m.%Y")}
        )
    require_confirmed_link(parent=parent, child=enrollment.child)
    return enrollment


def _scores_checked(scores: dict[str, int]) -> dict[str, int]:
    errors = {}
    checked = {}
    for name in RATING_SCORES:
        value = scores.get(name)
        if not isinstance(value, int) or isinstance(value, bool) or not RATING_MIN <= value <= RATING_MAX:
            errors[name] = [_("Поставьте оценку от 1 до 5.")]
        else:
            checked[name] = value
    if errors:
        raise DomainError(_("Поставьте все четыре оценки от 1 до 5."), fields=errors)
    return checked


def rating_submit(
    *,
    parent,
    enrollment_id: int,
    results: int,
    teachers: int,
    facilities: int,
    overall: int,
    comment: str = "",
    today: date | None = None,
) -> ProgramRating:
    """The parent rates the program of their contract; the rating waits for municipal moderation.

    One per contract: the database's unique constraint decides between two at once (the second is told
    the program is already rated)."""
    scores = _scores_checked({"results": results, "teachers": teachers, "facilities": facilities, "overall": overall})
    comment = (comment or "").strip()
    if len(comment) > COMMENT_MAX:
        message = _("Комментарий не длиннее %(n)s знаков.") % {"n": COMMENT_MAX}
        raise DomainError(message, fields={"comment": [message]})
    try:
        with transaction.atomic(durable=True), acting(parent):
            enrollment = rating_check(parent=parent, enrollment_id=enrollment_id, today=today)
            return ProgramRating.objects.create(
                enrollment=enrollment,
                program_id=enrollment.group.program_id,
                author=parent,
                comment=comment,
                **scores,
            )
    except IntegrityError as error:
        if getattr(error.__cause__, "diag", None) and error.__cause__.diag.constraint_name == "rating_one_per_contract":
            raise AlreadyRated(_("Вы уже оценили программу по этому договору.")) from error
        raise


# --- Moderation ------------------------------------------------------------------------------------------


def program_rating_refresh(program_id: int) -> None:
    """Set the program's mean and count from its published ratings. The caller's transaction holds the
    program row locked (lock_one), so this statement sees every decision committed before it."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            UPDATE catalog_program p
               SET rating = s.mean::numeric(3, 2), rating_count = s.n
              FROM (SELECT avg(overall) AS mean, count(*) AS n
                      FROM enrollments_programrating
                     WHERE program_id = %s AND status = %s) s
             WHERE p.id = %s
            """,
            [program_id, RatingStatus.PUBLISHED, program_id],
        )


def _decide(*, actor, rating_id: int, to: str, reason: str = "") -> tuple[ProgramRating, bool]:
    try:
        rating = lock_one(ProgramRating.objects.filter(pk=rating_id))
    except ProgramRating.DoesNotExist:
        raise RatingNotFound(_("Оценка не найдена.")) from None
    if rating.status == to:
        return rating, False
    if to not in ALLOWED_DECISIONS.get(rating.status, ()):
        raise DecisionNotAllowed(
            _("Оценку в статусе «%(status)s» нельзя перевести в «%(to)s».")
            % {"status": rating.get_status_display(), "to": RatingStatus(to).label}
        )
    was_public = rating.status == RatingStatus.PUBLISHED
    rating.status = to
    rating.moderated_at = timezone.now()
    rating.moderated_by = actor
    rating.reject_reason = reason
    rating.save(update_fields=["status", "moderated_at", "moderated_by", "reject_reason"])
    if was_public or to == RatingStatus.PUBLISHED:
        lock_one(Program.objects.filter(pk=rating.program_id))
        program_rating_refresh(rating.program_id)
    return rating, True


def _notify_author(rating: ProgramRating, title: str, body: str = "") -> None:
    # Stored in the portal's source language; the e-mail frame is rendered in the recipient's.
    notices_send(
        [Notice(user_id=rating.author_id, title=title, body=body, subject=enrollment_subject(rating.enrollment_id))]
    )


@transaction.atomic(durable=True)
def rating_publish(*, actor, rating_id: int) -> ProgramRating:
    """Municipal staff publish a rating: it shows on the program's page and counts in its mean.
    Idempotent (publishing a published one changes nothing)."""
    with acting(actor):
        rating, changed = _decide(actor=actor, rating_id=rating_id, to=RatingStatus.PUBLISHED)
        if changed:
            with translation.override(settings.LANGUAGE_CODE):
                _notify_author(
                    rating, _("Ваша оценка программы «%(program)s» опубликована") % {"program": rating.program.title}
                )
    return rating


@transaction.atomic(durable=True)
def rating_reject(*, actor, rating_id: int, reason: str) -> ProgramRating:
    """Municipal staff refuse a rating, or withdraw a published one, with a reason the parent is told: it
    is hidden from the program's page and its mean. Idempotent."""
    reason = reason_required(reason)
    with acting(actor):
        rating, changed = _decide(actor=actor, rating_id=rating_id, to=RatingStatus.REJECTED, reason=reason)
        if changed:
            with translation.override(settings.LANGUAGE_CODE):
                _notify_author(
                    rating,
                    _("Ваша оценка программы «%(program)s» не опубликована") % {"program": rating.program.title},
                    _("Причина: %(reason)s") % {"reason": reason},
                )
    return rating


# --- The provider's answer ---------------------------------------------------------------------------------


@transaction.atomic(durable=True)
def rating_answer(*, staff, rating_id: int, answer: str) -> ProgramRating:
    """The provider answers a published rating of its program publicly (a new answer replaces the old)."""
    answer = (answer or "").strip()
    if not answer:
        message = _("Напишите ответ.")
        raise DomainError(message, fields={"answer": [message]})
    if len(answer) > ANSWER_MAX:
        message = _("Ответ не длиннее %(n)s знаков.") % {"n": ANSWER_MAX}
        raise DomainError(message, fields={"answer": [message]})
    if not staff.provider_id:
        raise Forbidden(_("Отвечать на оценки может только сотрудник организации."))
    try:
        rating = lock_one(ProgramRating.objects.filter(pk=rating_id, program__provider_id=staff.provider_id))
    except ProgramRating.DoesNotExist:
        raise RatingNotFound(_("Оценка не найдена.")) from None
    if rating.status != RatingStatus.PUBLISHED:
        raise DecisionNotAllowed(_("Ответить можно только на опубликованную оценку."))
    with acting(staff):
        rating.answer = answer
        rating.answered_at = timezone.now()
        rating.answered_by = staff
        rating.save(update_fields=["answer", "answered_at", "answered_by"])
    return rating


# --- Selectors -----------------------------------------------------------------------------------------------


def program_published_ratings(*, program_id: int) -> QuerySet[ProgramRating]:
    """A program's published ratings with their answers, newest first (the index rating_program_status)."""
    return ProgramRating.objects.filter(program_id=program_id, status=RatingStatus.PUBLISHED).order_by(
        "-created_at", "-pk"
    )


def program_score_means(*, program_id: int) -> dict:
    """Each score's mean over the program's published ratings (None when there are none), and their count."""
    return ProgramRating.objects.filter(program_id=program_id, status=RatingStatus.PUBLISHED).aggregate(
        count=Count("pk"), **{name: Avg(name) for name in RATING_SCORES}
    )


def provider_ratings(*, provider_id: int) -> QuerySet[ProgramRating]:
    """Published ratings of the provider's programs, the unanswered first, then newest first; with the program."""
    return (
        ProgramRating.objects.filter(program__provider_id=provider_id, status=RatingStatus.PUBLISHED)
        .select_related("program")
        .annotate(answered=Case(When(answer="", then=Value(0)), default=Value(1), output_field=IntegerField()))
        .order_by("answered", "-created_at", "-pk")
    )
