"""Attendance register, charges (debits) per mark or per month, reversals, disputes, statements."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, JSONField, Q, Value
from django.utils.translation import gettext_lazy as _

from core.audit import tracked
from core.fields import MoneyField


class Lesson(models.Model):
    """One lesson date of a group; the provider may cancel it (then nobody pays for it)."""

    group = models.ForeignKey(
        "catalog.Group", verbose_name=_("группа"), on_delete=models.PROTECT, related_name="lessons"
    )
    date = models.DateField(_("дата"))
    cancelled = models.BooleanField(_("отменено организацией"), default=False)
    cancel_reason = models.CharField(_("причина отмены"), max_length=300, blank=True)
    # A lesson outside the weekly schedule: a lesson moved to this date (moved_from) or one added.
    extra = models.BooleanField(_("вне расписания"), default=False)
    # The lesson's own time when it is not the schedule's: an extra lesson, or one moved within its day.
    start_time = models.TimeField(_("начало"), null=True, blank=True)
    end_time = models.TimeField(_("окончание"), null=True, blank=True)
    room = models.CharField(_("кабинет"), max_length=100, blank=True)
    moved_from = models.OneToOneField(
        "self",
        verbose_name=_("перенесено с"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="moved_to",
    )

    class Meta:
        verbose_name = _("занятие")
        verbose_name_plural = _("занятия")
        ordering = ["group", "date"]
        constraints = [
            models.UniqueConstraint(fields=["group", "date"], name="lesson_once_per_group_date"),
            models.CheckConstraint(
                condition=Q(extra=False) | Q(start_time__isnull=False, end_time__isnull=False),
                name="lesson_extra_has_time",
            ),
            models.CheckConstraint(
                condition=Q(start_time__isnull=True, end_time__isnull=True) | Q(end_time__gt=F("start_time")),
                name="lesson_times_ordered",
            ),
            models.CheckConstraint(condition=Q(moved_from__isnull=True) | Q(extra=True), name="lesson_moved_is_extra"),
        ]
        indexes = [models.Index(fields=["date"], name="lesson_date")]

    def __str__(self) -> str:
        return f"{self.group} {self.date:%d.%m.%Y}"


class AttendanceStatus(models.TextChoices):
    PRESENT = "PRESENT", _("Присутствовал")
    ABSENT = "ABSENT", _("Отсутствовал")
    EXCUSED = "EXCUSED", _("Уважительная причина")


class AttendanceMark(models.Model):
    """A pupil's mark for a lesson. `version` grows with each correction; a charge is per version.

    `billed_version` is the debit job's: the version it last settled (charged, reversed, or found
    nothing to charge). A mark with billed_version < version awaits billing (a partial index finds
    them); whoever changes a mark's status raises its version, and a trigger sets billed_version back
    to 0 when its lesson is cancelled or restored. The database checks that the lesson belongs to the
    enrollment's group.
    """

    lesson = models.ForeignKey(Lesson, verbose_name=_("занятие"), on_delete=models.PROTECT, related_name="marks")
    enrollment = models.ForeignKey(
        "enrollments.Enrollment", verbose_name=_("зачисление"), on_delete=models.PROTECT, related_name="marks"
    )
    status = models.CharField(_("отметка"), max_length=8, choices=AttendanceStatus.choices)
    version = models.PositiveIntegerField(_("версия"), default=1)
    marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("отметил"), null=True, blank=True, on_delete=models.SET_NULL
    )
    updated_at = models.DateTimeField(_("изменена"), auto_now=True)
    billed_version = models.PositiveIntegerField(_("учтённая версия"), default=0, db_default=0, editable=False)

    class Meta:
        verbose_name = _("отметка посещаемости")
        verbose_name_plural = _("журнал посещаемости")
        constraints = [
            models.UniqueConstraint(fields=["lesson", "enrollment"], name="mark_once_per_pupil_lesson"),
            models.CheckConstraint(condition=Q(version__gte=1), name="mark_version_positive"),
        ]
        indexes = [
            # The debit job claims awaiting marks contract by contract (billing.debits), so that a batch
            # of a backlog moves each contract's reserve and account once for all its lessons.
            models.Index(
                fields=["enrollment", "id"],
                condition=Q(billed_version__lt=F("version")),
                name="mark_awaiting_by_contract",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.lesson}: {self.get_status_display()}"


class AttendanceCorrection(models.Model):
    """Each change of a mark is kept."""

    mark = models.ForeignKey(
        AttendanceMark, verbose_name=_("отметка"), on_delete=models.PROTECT, related_name="corrections"
    )
    old_status = models.CharField(_("было"), max_length=8, choices=AttendanceStatus.choices)
    new_status = models.CharField(_("стало"), max_length=8, choices=AttendanceStatus.choices)
    new_version = models.PositiveIntegerField(_("новая версия"))
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("кто"), null=True, blank=True, on_delete=models.SET_NULL
    )
    changed_at = models.DateTimeField(_("когда"), auto_now_add=True)

    class Meta:
        verbose_name = _("исправление отметки")
        verbose_name_plural = _("исправления отметок")
        constraints = [models.UniqueConstraint(fields=["mark", "new_version"], name="correction_once_per_version")]

    def __str__(self) -> str:
        return f"{self.mark_id}: {self.old_status} → {self.new_status}"


@tracked("StatementHistory", _("история акта"), _("история актов"))
class Statement(models.Model):
    """Monthly акт / счёт of one provider to one municipality, made of its lines (StatementLine): its
    totals are sums of the lines, never stored. DRAFT → ISSUED → PAID through billing.statements; once
    issued its lines are frozen (a trigger refuses any change to them)."""

    class Status(models.TextChoices):
        DRAFT = "DRAFT", _("Черновик")
        ISSUED = "ISSUED", _("Выставлен")
        PAID = "PAID", _("Оплачен")

    provider = models.ForeignKey(
        "catalog.Provider", verbose_name=_("организация"), on_delete=models.PROTECT, related_name="statements"
    )
    municipality = models.ForeignKey(
        "catalog.Municipality", verbose_name=_("муниципалитет"), on_delete=models.PROTECT, related_name="statements"
    )
    month = models.DateField(_("месяц"), help_text=_("Первое число месяца."))
    status = models.CharField(_("статус"), max_length=8, choices=Status.choices, default=Status.DRAFT)
    issued_at = models.DateTimeField(_("выставлен"), null=True, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("выставил"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    paid_at = models.DateTimeField(_("оплачен"), null=True, blank=True)
    paid_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("отметил оплату"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("ежемесячный акт")
        verbose_name_plural = _("ежемесячные акты")
        ordering = ["-month", "provider"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "municipality", "month"], name="statement_once_per_month"),
            models.CheckConstraint(
                condition=~Q(status="PAID") | Q(paid_at__isnull=False), name="statement_paid_has_date"
            ),
            models.CheckConstraint(
                condition=Q(status="DRAFT") | Q(issued_at__isnull=False), name="statement_issued_has_date"
            ),
            models.CheckConstraint(condition=Q(month__day=1), name="statement_month_first_day"),
        ]

    def __str__(self) -> str:
        return f"{self.provider} / {self.municipality} / {self.month:%m.%Y}"


class Charge(models.Model):
    """A debit for one attended lesson (PER_LESSON) or one contract month (MONTHLY). Append-only.

    price = certificate_amount + copayment, for `lessons` lessons (1 for LESSON, the month's count for
    MONTH). The certificate part is the ledger DEBIT entry `ledger_entry` on `account` (the account of
    the contract's certificate in the funding period `service_date` falls in; both null when the
    certificate pays nothing); its `reserved_delta` is the part taken from the contract's reserve, with
    the contract's ReserveEntry pointing to the same entry. The co-payment is recorded here and paid to
    the provider outside the system. `provider` and `municipality` (the paying one: the account's
    period's, else the certificate's, else the provider's) are stored for the statements.

    Nothing is ever edited or deleted (a trigger refuses it). A charge is undone by its ChargeReversal;
    a mark or month that is due again is charged by a new row of the next `generation`:
    - LESSON: UNIQUE(mark, generation); a trigger demands that generation = the number of the mark's
      earlier charges and that all of them are reversed, so a mark has at most one live (unreversed)
      charge whatever its version, and two writers of the same generation meet on the unique key.
    - MONTH: the same per (enrollment, month): one live line per contract per month; a later
      adjustment (a lesson cancelled after the month was charged) is a reversal plus the next
      generation, each its own row.
    The database also checks (migrations/sql/0005_money_model.sql) that a LESSON charge is for the
    current version of a PRESENT mark of a lesson not cancelled, of its own enrollment, dated within
    the contract; and that the ledger entry is a DEBIT of that account for the certificate amount.
    """

    class Kind(models.TextChoices):
        LESSON = "LESSON", _("За занятие")
        MONTH = "MONTH", _("За месяц")

    kind = models.CharField(_("вид"), max_length=8, choices=Kind.choices)
    # No single-column indexes where a composite one below leads with the column (enrollment, provider;
    # a municipality is looked up with its provider): the debit job writes every index of every charge.
    enrollment = models.ForeignKey(
        "enrollments.Enrollment",
        verbose_name=_("зачисление"),
        on_delete=models.PROTECT,
        related_name="charges",
        db_index=False,
    )
    mark = models.ForeignKey(
        AttendanceMark,
        verbose_name=_("отметка"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="charges",
    )
    mark_version = models.PositiveIntegerField(_("версия отметки"), null=True, blank=True)
    month = models.DateField(_("месяц"), null=True, blank=True, help_text=_("Первое число месяца."))
    # 0 for the first charge of a mark (or contract month), then one more after each reversal.
    generation = models.PositiveIntegerField(_("поколение"), default=0)
    service_date = models.DateField(_("дата занятия или начало месяца"))
    lessons = models.PositiveIntegerField(_("занятий"), default=1)
    price = MoneyField(_("стоимость"))
    certificate_amount = MoneyField(_("за счёт сертификата"))
    copayment = MoneyField(_("доплата родителей"))
    provider = models.ForeignKey(
        "catalog.Provider",
        verbose_name=_("организация"),
        on_delete=models.PROTECT,
        related_name="charges",
        db_index=False,
    )
    municipality = models.ForeignKey(
        "catalog.Municipality",
        verbose_name=_("муниципалитет-плательщик"),
        on_delete=models.PROTECT,
        related_name="charges",
        db_index=False,
    )
    account = models.ForeignKey(
        "certificates.CertificateAccount",
        verbose_name=_("счёт сертификата"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="charges",
    )
    ledger_entry = models.OneToOneField(
        "certificates.LedgerEntry",
        verbose_name=_("операция"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="charge",
    )
    created_at = models.DateTimeField(_("создано"), auto_now_add=True)

    class Meta:
        verbose_name = _("списание")
        verbose_name_plural = _("списания")
        constraints = [
            models.UniqueConstraint(
                fields=["mark", "generation"], condition=Q(kind="LESSON"), name="charge_once_per_mark_generation"
            ),
            models.UniqueConstraint(
                fields=["enrollment", "month", "generation"],
                condition=Q(kind="MONTH"),
                name="charge_once_per_month_generation",
            ),
            models.CheckConstraint(
                condition=Q(price__gte=0, certificate_amount__gte=0, copayment__gte=0),
                name="charge_amounts_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(price=F("certificate_amount") + F("copayment")), name="charge_parts_add_up"
            ),
            models.CheckConstraint(
                condition=(
                    Q(kind="LESSON", mark__isnull=False, mark_version__isnull=False, month__isnull=True, lessons=1)
                    | Q(
                        kind="MONTH",
                        mark__isnull=True,
                        mark_version__isnull=True,
                        month__isnull=False,
                        service_date=F("month"),
                        lessons__gte=1,
                    )
                ),
                name="charge_kind_fields",
            ),
            models.CheckConstraint(condition=Q(month__day=1), name="charge_month_first_day"),
            models.CheckConstraint(
                condition=Q(certificate_amount=0, ledger_entry__isnull=True, account__isnull=True)
                | Q(certificate_amount__gt=0, ledger_entry__isnull=False, account__isnull=False),
                name="charge_certificate_part_in_ledger",
            ),
        ]
        indexes = [
            models.Index(fields=["service_date"]),
            models.Index(fields=["provider", "municipality", "service_date"], name="charge_provider_month"),
            models.Index(fields=["enrollment", "service_date"], name="charge_enrollment_date"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.service_date:%d.%m.%Y}: {self.price}"


class ChargeReversal(models.Model):
    """Сторно (append-only): a correction after billing or an upheld dispute undoes a charge, once.

    `certificate_amount` (at most the charge's) goes back to the certificate through a REFUND ledger
    entry on the charge's account (null iff the amount is 0); `copayment` (at most the charge's) is owed
    back to the parent. Statements link their lines to reversals themselves; nothing here is updated.
    """

    class Reason(models.TextChoices):
        CORRECTION = "CORRECTION", _("Исправление отметки")
        DISPUTE = "DISPUTE", _("Обоснованная жалоба родителя")

    charge = models.OneToOneField(Charge, verbose_name=_("списание"), on_delete=models.PROTECT, related_name="reversal")
    reason = models.CharField(_("причина"), max_length=16, choices=Reason.choices)
    certificate_amount = MoneyField(_("возврат на сертификат"))
    copayment = MoneyField(_("доплата к возврату родителям"))
    provider = models.ForeignKey(
        "catalog.Provider", verbose_name=_("организация"), on_delete=models.PROTECT, related_name="charge_reversals"
    )
    municipality = models.ForeignKey(
        "catalog.Municipality",
        verbose_name=_("муниципалитет-плательщик"),
        on_delete=models.PROTECT,
        related_name="charge_reversals",
    )
    ledger_entry = models.OneToOneField(
        "certificates.LedgerEntry",
        verbose_name=_("операция"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reversal",
    )
    created_at = models.DateTimeField(_("создано"), auto_now_add=True)

    class Meta:
        verbose_name = _("сторно")
        verbose_name_plural = _("сторно")
        constraints = [
            models.CheckConstraint(
                condition=Q(certificate_amount__gte=0, copayment__gte=0), name="reversal_amounts_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(certificate_amount=0, ledger_entry__isnull=True)
                | Q(certificate_amount__gt=0, ledger_entry__isnull=False),
                name="reversal_certificate_part_in_ledger",
            ),
        ]
        indexes = [models.Index(fields=["provider", "municipality", "created_at"], name="reversal_provider_created")]

    def __str__(self) -> str:
        return f"{self.get_reason_display()}: {self.charge_id}"


class MonthRecheck(models.Model):
    """A group's month whose cancelled lessons changed: the debit job checks its MONTHLY charges again
    (a trigger on lessons writes these rows; the job deletes them once done)."""

    group = models.ForeignKey("catalog.Group", verbose_name=_("группа"), on_delete=models.CASCADE, related_name="+")
    month = models.DateField(_("месяц"))

    class Meta:
        verbose_name = _("месяц к пересчёту")
        verbose_name_plural = _("месяцы к пересчёту")
        constraints = [
            models.UniqueConstraint(fields=["group", "month"], name="month_recheck_once"),
            models.CheckConstraint(condition=Q(month__day=1), name="month_recheck_first_day"),
        ]

    def __str__(self) -> str:
        return f"{self.group_id}: {self.month:%m.%Y}"


class Dispute(models.Model):
    """A parent's objection to a charged lesson (billing.disputes): under PER_LESSON the lesson of a
    PRESENT mark, under MONTHLY one lesson of a charged month that did not take place. Once per charge
    and lesson; an upheld dispute points to the reversal that refunded it."""

    class Status(models.TextChoices):
        OPEN = "OPEN", _("На рассмотрении")
        UPHELD = "UPHELD", _("Удовлетворена")
        REJECTED = "REJECTED", _("Отклонена")

    charge = models.ForeignKey("Charge", verbose_name=_("списание"), on_delete=models.PROTECT, related_name="disputes")
    lesson = models.ForeignKey(Lesson, verbose_name=_("занятие"), on_delete=models.PROTECT, related_name="disputes")
    mark = models.ForeignKey(
        AttendanceMark,
        verbose_name=_("отметка"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="disputes",
    )
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("заявитель"), on_delete=models.PROTECT, related_name="disputes"
    )
    reason = models.TextField(_("суть жалобы"), blank=True)
    status = models.CharField(_("статус"), max_length=8, choices=Status.choices, default=Status.OPEN)
    resolution = models.TextField(_("решение"), blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("рассмотрел"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reversal = models.OneToOneField(
        "ChargeReversal",
        verbose_name=_("сторно"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="dispute",
    )
    created_at = models.DateTimeField(_("подана"), auto_now_add=True)
    resolved_at = models.DateTimeField(_("рассмотрена"), null=True, blank=True)

    class Meta:
        verbose_name = _("жалоба на списание")
        verbose_name_plural = _("жалобы на списания")
        constraints = [
            models.UniqueConstraint(fields=["mark"], condition=Q(status="OPEN"), name="dispute_one_open_per_mark"),
            models.UniqueConstraint(fields=["charge", "lesson"], name="dispute_once_per_charge_lesson"),
            models.CheckConstraint(
                condition=Q(status="OPEN") | Q(resolved_at__isnull=False), name="dispute_resolved_has_date"
            ),
            models.CheckConstraint(
                condition=Q(status="UPHELD", reversal__isnull=False) | (~Q(status="UPHELD") & Q(reversal__isnull=True)),
                name="dispute_upheld_has_reversal",
            ),
        ]
        indexes = [models.Index(fields=["status", "created_at"], name="dispute_status_created")]

    def __str__(self) -> str:
        return f"{self.charge_id}/{self.lesson_id}: {self.get_status_display()}"


class JobRun(models.Model):
    """One run of a money-moving job (the debit job, reconciliation): what it did, or why it failed."""

    class Kind(models.TextChoices):
        DEBIT = "DEBIT", _("Списания")
        RECONCILE = "RECONCILE", _("Сверка")

    class Status(models.TextChoices):
        RUNNING = "RUNNING", _("Выполняется")
        OK = "OK", _("Завершён")
        FAILED = "FAILED", _("Ошибка")

    key = models.CharField(_("ключ"), max_length=128, unique=True)
    kind = models.CharField(_("вид"), max_length=16, choices=Kind.choices, default=Kind.DEBIT, db_default=Kind.DEBIT)
    status = models.CharField(
        _("состояние"), max_length=8, choices=Status.choices, default=Status.RUNNING, db_default=Status.RUNNING
    )
    for_date = models.DateField(_("на дату"), null=True, blank=True)
    started_at = models.DateTimeField(_("начат"), auto_now_add=True)
    finished_at = models.DateTimeField(_("завершён"), null=True, blank=True)
    processed = models.PositiveIntegerField(_("обработано"), default=0)
    charged = models.PositiveIntegerField(_("списаний"), default=0, db_default=0)
    reversed = models.PositiveIntegerField(_("сторно"), default=0, db_default=0)
    certificate_total = MoneyField(_("за счёт сертификатов"), db_default=Decimal("0.00"))
    copayment_total = MoneyField(_("доплаты родителей"), db_default=Decimal("0.00"))
    details = models.JSONField(_("подробности"), default=dict, db_default=Value({}, JSONField()), blank=True)
    error = models.TextField(_("ошибка"), blank=True, default="", db_default="")

    class Meta:
        verbose_name = _("запуск задания")
        verbose_name_plural = _("запуски заданий")
        ordering = ["-started_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="RUNNING") | Q(finished_at__isnull=False), name="job_run_finished_has_date"
            ),
        ]
        indexes = [models.Index(fields=["kind", "-started_at"], name="job_run_kind_started")]

    def __str__(self) -> str:
        return self.key


class StatementLine(models.Model):
    """One line of a statement: a charge (+) or a reversal (−), each in at most one statement ever
    (unique keys). Amounts are copied from the charge or reversal, signed; the database checks them
    (migrations/sql/0006_statement_lines.sql) and refuses any change to a line of an issued statement."""

    class Kind(models.TextChoices):
        CHARGE = "CHARGE", _("Списание")
        REVERSAL = "REVERSAL", _("Сторно")

    statement = models.ForeignKey(Statement, verbose_name=_("акт"), on_delete=models.PROTECT, related_name="lines")
    kind = models.CharField(_("вид"), max_length=8, choices=Kind.choices)
    charge = models.OneToOneField(
        "Charge",
        verbose_name=_("списание"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="statement_line",
    )
    reversal = models.OneToOneField(
        "ChargeReversal",
        verbose_name=_("сторно"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="statement_line",
    )
    lessons = models.IntegerField(_("занятий"))
    certificate_amount = MoneyField(_("за счёт сертификата"))
    copayment = MoneyField(_("доплата родителей"))

    class Meta:
        verbose_name = _("строка акта")
        verbose_name_plural = _("строки актов")
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    kind="CHARGE",
                    charge__isnull=False,
                    reversal__isnull=True,
                    lessons__gte=0,
                    certificate_amount__gte=0,
                    copayment__gte=0,
                )
                | Q(
                    kind="REVERSAL",
                    charge__isnull=True,
                    reversal__isnull=False,
                    lessons__lte=0,
                    certificate_amount__lte=0,
                    copayment__lte=0,
                ),
                name="statement_line_kind_fields",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.statement_id}: {self.get_kind_display()} {self.certificate_amount}"


class BillingNoticeSent(models.Model):
    """A billing notice already written to a parent (billing.notifications): the day's debits once per
    parent and day, a low-balance warning once per parent, account and month."""

    class Kind(models.TextChoices):
        DEBITS = "DEBITS", _("Списания за день")
        LOW_BALANCE = "LOW", _("Не хватит средств")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("получатель"), on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(_("вид"), max_length=8, choices=Kind.choices)
    key = models.CharField(_("ключ"), max_length=64)
    created_at = models.DateTimeField(_("создано"), auto_now_add=True)

    class Meta:
        verbose_name = _("отправленное уведомление о деньгах")
        verbose_name_plural = _("отправленные уведомления о деньгах")
        constraints = [models.UniqueConstraint(fields=["user", "kind", "key"], name="billing_notice_once")]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.kind} {self.key}"
