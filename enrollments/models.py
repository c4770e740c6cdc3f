"""Enrollments: one child's application to one group, the offer, the contract it becomes, its
audit trail and the money reserved for it.

Statuses change only through enrollments.services (a row lock on the expected status, the event
written in the same transaction). Seats held are computed from these rows (enrollments.selectors),
never stored.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.audit import tracked
from core.fields import MoneyField


class EnrollmentStatus(models.TextChoices):
    WAITING = "WAITING", _("В листе ожидания")
    SUBMITTED = "SUBMITTED", _("Заявка подана")
    OFFERED = "OFFERED", _("Оферта направлена")
    ACTIVE = "ACTIVE", _("Договор действует")
    TERMINATED = "TERMINATED", _("Договор расторгнут")
    REJECTED = "REJECTED", _("Заявка отклонена")
    CANCELLED = "CANCELLED", _("Отменена")
    EXPIRED = "EXPIRED", _("Срок истёк")


# Statuses that hold a seat in the group; a waiting application does not.
SEAT_HOLDING_STATUSES = (EnrollmentStatus.SUBMITTED, EnrollmentStatus.OFFERED, EnrollmentStatus.ACTIVE)
LIVE_STATUSES = (EnrollmentStatus.WAITING, *SEAT_HOLDING_STATUSES)

# The only transitions a service may make (checked under a row lock).
ALLOWED_TRANSITIONS = {
    EnrollmentStatus.WAITING: {EnrollmentStatus.SUBMITTED, EnrollmentStatus.CANCELLED, EnrollmentStatus.EXPIRED},
    EnrollmentStatus.SUBMITTED: {
        EnrollmentStatus.OFFERED,
        EnrollmentStatus.REJECTED,
        EnrollmentStatus.CANCELLED,
        EnrollmentStatus.EXPIRED,
    },
    EnrollmentStatus.OFFERED: {EnrollmentStatus.ACTIVE, EnrollmentStatus.CANCELLED, EnrollmentStatus.EXPIRED},
    EnrollmentStatus.ACTIVE: {EnrollmentStatus.TERMINATED},
}


class ContractFunding(models.TextChoices):
    FUNDED = "FUNDED", _("Сертификатом")
    PAID = "PAID", _("Родителями")
    FREE = "FREE", _("Бесплатно")


# Statuses of a contract that someone accepted (the database demands who and when).
ACCEPTED_STATUSES = (EnrollmentStatus.ACTIVE, EnrollmentStatus.TERMINATED)


# reserve_remaining is moved by the reserve rows' trigger with every charge; the account's history keeps the money.
@tracked("EnrollmentHistory", _("история зачисления"), _("история зачислений"), exclude=["reserve_remaining"])
class Enrollment(models.Model):
    """One child's application to one group, and the contract it becomes."""

    child = models.ForeignKey(
        "certificates.Child", verbose_name=_("ребёнок"), on_delete=models.PROTECT, related_name="enrollments"
    )
    group = models.ForeignKey(
        "catalog.Group", verbose_name=_("группа"), on_delete=models.PROTECT, related_name="enrollments"
    )
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("заявитель"), on_delete=models.PROTECT, related_name="applications"
    )
    certificate = models.ForeignKey(
        "certificates.Certificate",
        verbose_name=_("сертификат"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="enrollments",
    )
    status = models.CharField(
        _("статус"), max_length=16, choices=EnrollmentStatus.choices, default=EnrollmentStatus.SUBMITTED
    )
    created_at = models.DateTimeField(_("подана"), auto_now_add=True)
    status_changed_at = models.DateTimeField(_("статус изменён"), auto_now_add=True)
    # Set on every entry into SUBMITTED or OFFERED (promotion included); the expiry job ends it after.
    expires_at = models.DateTimeField(_("истекает"), null=True, blank=True)
    reject_reason = models.CharField(_("причина отказа"), max_length=500, blank=True)
    accepted_at = models.DateTimeField(_("договор заключён"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("договор принял"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="accepted_contracts",
    )
    starts_on = models.DateField(_("договор действует с"), null=True, blank=True)
    # The contract's last day: the group's end, or the day a termination takes effect (the seat is held
    # until then).
    ends_on = models.DateField(_("договор действует до"), null=True, blank=True)

    # The terms as agreed (a snapshot: later edits of the program do not change a running contract).
    funding = models.CharField(_("оплата"), max_length=16, choices=ContractFunding.choices, blank=True)
    period = models.ForeignKey(
        "certificates.FundingPeriod",
        verbose_name=_("период финансирования"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    billing_policy = models.CharField(_("порядок оплаты"), max_length=16, blank=True)
    lesson_price = MoneyField(_("стоимость занятия по договору"))
    normative_lesson_price = MoneyField(_("нормативная стоимость занятия"))
    certificate_per_lesson = MoneyField(_("сертификат платит за занятие"))
    lessons_per_month = models.PositiveSmallIntegerField(_("занятий в месяц"), default=0)
    planned_lessons = models.PositiveIntegerField(_("занятий до конца периода"), default=0)
    copayment_shown = MoneyField(
        _("доплата родителей"),
        help_text=_("Сколько родители доплачивают до конца периода, как показано им при принятии."),
    )
    # Kept by the database (its reserve rows' trigger), never written by Django: what is still set aside
    # on the certificate for this contract.
    reserve_remaining = MoneyField(_("остаток резерва"), editable=False)

    class Meta:
        verbose_name = _("зачисление")
        verbose_name_plural = _("зачисления")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["child", "group"],
                condition=Q(status__in=LIVE_STATUSES),
                name="enrollment_one_live_per_child_group",
            ),
            models.CheckConstraint(condition=Q(lesson_price__gte=0), name="enrollment_price_not_negative"),
            # Only the parent's acceptance makes a contract: who and when are recorded, and a trigger
            # (migrations/sql/0003_contracts.sql) demands that `accepted_by` is a confirmed parent of the child.
            models.CheckConstraint(
                condition=~Q(status__in=["ACTIVE", "TERMINATED"])
                | Q(accepted_at__isnull=False, accepted_by__isnull=False),
                name="enrollment_contract_was_accepted",
            ),
            models.CheckConstraint(
                condition=Q(reserve_remaining__gte=0, copayment_shown__gte=0, certificate_per_lesson__gte=0),
                name="enrollment_money_not_negative",
            ),
        ]
        indexes = [
            models.Index(fields=["group", "status"], name="enrollment_group_status"),
            models.Index(fields=["status", "expires_at"], name="enrollment_status_expires"),
        ]

    def __str__(self) -> str:
        return f"{self.child} → {self.group}"

    @property
    def copayment_per_lesson(self) -> Decimal:
        """What the parents pay per lesson under the contract's terms (the certificate pays the rest)."""
        return self.lesson_price - self.certificate_per_lesson


class EnrollmentEvent(models.Model):
    """Audit trail: every status change, who made it and when (written in the same transaction)."""

    # PROTECT: the audit trail outlives nothing it tells of; an enrollment with events is never deleted.
    enrollment = models.ForeignKey(
        Enrollment, verbose_name=_("зачисление"), on_delete=models.PROTECT, related_name="events"
    )
    from_status = models.CharField(_("из статуса"), max_length=16, choices=EnrollmentStatus.choices, blank=True)
    to_status = models.CharField(_("в статус"), max_length=16, choices=EnrollmentStatus.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("кто"), null=True, blank=True, on_delete=models.SET_NULL
    )
    note = models.CharField(_("комментарий"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("когда"), auto_now_add=True)

    class Meta:
        verbose_name = _("событие зачисления")
        verbose_name_plural = _("события зачислений")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.from_status or '—'} → {self.to_status}"


class ReserveEntry(models.Model):
    """Money set aside on a certificate account for one contract, or given back: the contract's side
    of a RESERVE or RELEASE ledger entry. It points down to the ledger; the ledger never points up."""

    enrollment = models.ForeignKey(
        Enrollment, verbose_name=_("зачисление"), on_delete=models.PROTECT, related_name="reserve_entries"
    )
    ledger_entry = models.OneToOneField(
        "certificates.LedgerEntry", verbose_name=_("операция"), on_delete=models.PROTECT, related_name="reserve_entry"
    )
    # + set aside, − given back: equal to the ledger entry's reserved_delta, on an account of the
    # contract's certificate (the trigger checks both, then moves the contract's reserve_remaining).
    amount = MoneyField(_("сумма"))

    class Meta:
        verbose_name = _("резерв по договору")
        verbose_name_plural = _("резервы по договорам")
        constraints = [models.CheckConstraint(condition=~Q(amount=0), name="reserve_entry_amount_not_zero")]

    def __str__(self) -> str:
        return f"{self.enrollment_id}: {self.ledger_entry_id}"


class TermsChangeStatus(models.TextChoices):
    PROPOSED = "PROPOSED", _("Ждёт решения родителей")
    ACCEPTED = "ACCEPTED", _("Принято родителями")
    DECLINED = "DECLINED", _("Отклонено, договор расторгнут")
    SUPERSEDED = "SUPERSEDED", _("Заменено")


class TermsChange(models.Model):
    """New terms of a running contract that raise the parents' co-payment: they take effect only when a
    parent accepts them (enrollments.contracts). Until then the contract's current terms and reserve stay
    in force; a parent who declines ends the contract at once. A later change supersedes a pending one.

    The co-payments are over the contract's remaining lessons, computed as copayment_shown is."""

    enrollment = models.ForeignKey(
        Enrollment, verbose_name=_("зачисление"), on_delete=models.PROTECT, related_name="terms_changes"
    )
    lesson_price_before = MoneyField(_("стоимость занятия до"))
    lesson_price_after = MoneyField(_("стоимость занятия после"))
    certificate_per_lesson_before = MoneyField(_("сертификат платит за занятие до"))
    certificate_per_lesson_after = MoneyField(_("сертификат платит за занятие после"))
    lessons = models.PositiveIntegerField(_("оставшихся занятий"), default=0)
    copayment_before = MoneyField(_("доплата до"))
    copayment_after = MoneyField(_("доплата после"))
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("кто предложил"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Пусто, если изменение внесла периодическая задача."),
    )
    created_at = models.DateTimeField(_("предложено"), auto_now_add=True)
    status = models.CharField(
        _("статус"), max_length=16, choices=TermsChangeStatus.choices, default=TermsChangeStatus.PROPOSED
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("кто решил"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("когда решено"), null=True, blank=True)
    # Set when the rollover proposed it: the period the contract was to continue into, where the
    # certificate could not cover its share. One such proposal per contract and period is enough, so the
    # nightly rollover reads this to stay idempotent (enrollments.rollover).
    period = models.ForeignKey(
        "certificates.FundingPeriod",
        verbose_name=_("новый период финансирования"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Заполнено, если условия изменились при переходе договора в новый период."),
    )

    class Meta:
        verbose_name = _("изменение условий договора")
        verbose_name_plural = _("изменения условий договоров")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["enrollment"], condition=Q(status="PROPOSED"), name="terms_change_one_proposed"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["PROPOSED", "ACCEPTED", "DECLINED", "SUPERSEDED"]),
                name="terms_change_status_known",
            ),
            # A pending change is undecided; a parent's decision says who and when; a superseded one when.
            models.CheckConstraint(
                condition=Q(status="PROPOSED", decided_at__isnull=True, decided_by__isnull=True)
                | Q(status__in=["ACCEPTED", "DECLINED"], decided_at__isnull=False, decided_by__isnull=False)
                | Q(status="SUPERSEDED", decided_at__isnull=False),
                name="terms_change_decided_has_who_and_when",
            ),
            models.CheckConstraint(
                condition=Q(
                    lesson_price_before__gte=0,
                    lesson_price_after__gte=0,
                    certificate_per_lesson_before__gte=0,
                    certificate_per_lesson_after__gte=0,
                    copayment_before__gte=0,
                    copayment_after__gte=0,
                ),
                name="terms_change_money_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.enrollment_id}: {self.lesson_price_before} → {self.lesson_price_after}"

    @property
    def copayment_per_lesson_before(self) -> Decimal:
        return self.lesson_price_before - self.certificate_per_lesson_before

    @property
    def copayment_per_lesson_after(self) -> Decimal:
        return self.lesson_price_after - self.certificate_per_lesson_after


class RatingStatus(models.TextChoices):
    PENDING = "PENDING", _("На модерации")
    PUBLISHED = "PUBLISHED", _("Опубликована")
    REJECTED = "REJECTED", _("Отклонена")


# The four scores of the ПФДО rating form, in the order parents see them.
RATING_SCORES = ("results", "teachers", "facilities", "overall")
RATING_MIN, RATING_MAX = 1, 5


def _score_field(label):
    return models.PositiveSmallIntegerField(label)


@tracked("ProgramRatingHistory", _("история оценки программы"), _("история оценок программ"))
class ProgramRating(models.Model):
    """A parent's rating of a program under one contract, after a month of it (enrollments.ratings).

    Public only once municipal staff publish it; the program's mean and count (Program.rating,
    rating_count) are kept from the published ones by the moderation service, in the same transaction."""

    enrollment = models.ForeignKey(
        Enrollment, verbose_name=_("договор"), on_delete=models.PROTECT, related_name="ratings"
    )
    # The contract's program, copied so that a program's ratings are read without the contracts.
    program = models.ForeignKey(
        "catalog.Program", verbose_name=_("программа"), on_delete=models.PROTECT, related_name="ratings"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("автор"), on_delete=models.PROTECT, related_name="+"
    )
    results = _score_field(_("результаты"))
    teachers = _score_field(_("педагоги"))
    facilities = _score_field(_("материально-техническая база"))
    overall = _score_field(_("общая оценка"))
    comment = models.TextField(_("комментарий"), max_length=2000, blank=True)
    status = models.CharField(_("статус"), max_length=16, choices=RatingStatus.choices, default=RatingStatus.PENDING)
    created_at = models.DateTimeField(_("оставлена"), auto_now_add=True)
    moderated_at = models.DateTimeField(_("решение модератора"), null=True, blank=True)
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("модератор"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # Why municipal staff refused it; shown to the parent.
    reject_reason = models.CharField(_("причина отказа"), max_length=1000, blank=True)
    answer = models.TextField(_("ответ организации"), max_length=2000, blank=True)
    answered_at = models.DateTimeField(_("ответ дан"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("кто ответил"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("оценка программы")
        verbose_name_plural = _("оценки программ")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["enrollment"], name="rating_one_per_contract"),
            *(
                models.CheckConstraint(
                    condition=Q(**{f"{score}__gte": RATING_MIN, f"{score}__lte": RATING_MAX}),
                    name=f"rating_{score}_range",
                )
                for score in RATING_SCORES
            ),
            models.CheckConstraint(condition=Q(status__in=RatingStatus.values), name="rating_status_known"),
            # A decision says who and when; a refusal says why.
            models.CheckConstraint(
                condition=Q(status="PENDING", moderated_at__isnull=True)
                | Q(status="PUBLISHED", moderated_at__isnull=False, moderated_by__isnull=False)
                | Q(status="REJECTED", moderated_at__isnull=False, moderated_by__isnull=False) & ~Q(reject_reason=""),
                name="rating_decision_has_who_and_when",
            ),
            models.CheckConstraint(
                condition=Q(answer="", answered_at__isnull=True) | (~Q(answer="") & Q(answered_at__isnull=False)),
                name="rating_answer_has_when",
            ),
        ]
        indexes = [
            # The program page's published ratings, newest first.
            models.Index(fields=["program", "status", "-created_at"], name="rating_program_status"),
            # The moderators' queue.
            models.Index(fields=["status", "created_at"], name="rating_status_created"),
        ]

    def __str__(self) -> str:
        return f"{self.program} — {self.overall}"
