"""Attendance register, charges (debits) per mark or per month, reversals, disputes, statements."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from core.fields import MoneyField


class Lesson(models.Model):
    """One lesson date of a group; the provider may cancel it (then nobody pays for it)."""

    group = models.ForeignKey(
        "catalog.Group", verbose_name=_("группа"), on_delete=models.PROTECT, related_name="lessons"
    )
    date = models.DateField(_("дата"))
    cancelled = models.BooleanField(_("отменено организацией"), default=False)
    cancel_reason = models.CharField(_("причина отмены"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("занятие")
        verbose_name_plural = _("занятия")
        ordering = ["group", "date"]
        constraints = [models.UniqueConstraint(fields=["group", "date"], name="lesson_once_per_group_date")]

    def __str__(self) -> str:
        return f"{self.group} {self.date:%d.%m.%Y}"


class AttendanceStatus(models.TextChoices):
    PRESENT = "PRESENT", _("Присутствовал")
    ABSENT = "ABSENT", _("Отсутствовал")
    EXCUSED = "EXCUSED", _("Уважительная причина")


class AttendanceMark(models.Model):
    """A pupil's mark for a lesson. `version` grows with each correction; a charge is per version."""

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

    class Meta:
        verbose_name = _("отметка посещаемости")
        verbose_name_plural = _("журнал посещаемости")
        constraints = [
            models.UniqueConstraint(fields=["lesson", "enrollment"], name="mark_once_per_pupil_lesson"),
            models.CheckConstraint(condition=Q(version__gte=1), name="mark_version_positive"),
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
        ]

    def __str__(self) -> str:
        return f"{self.provider} / {self.municipality} / {self.month:%m.%Y}"


class Charge(models.Model):
    """A debit for one attended lesson (PER_LESSON) or one contract month (MONTHLY).

    price = certificate_amount + copayment. The certificate part is the ledger DEBIT entry; the
    co-payment is recorded here and paid to the provider outside the system. Unique keys make the
    debit job safe to repeat: one charge per mark version, one per enrollment month.
    """

    class Kind(models.TextChoices):
        LESSON = "LESSON", _("За занятие")
        MONTH = "MONTH", _("За месяц")

    kind = models.CharField(_("вид"), max_length=8, choices=Kind.choices)
    enrollment = models.ForeignKey(
        "enrollments.Enrollment", verbose_name=_("зачисление"), on_delete=models.PROTECT, related_name="charges"
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
    month = models.DateField(_("месяц"), null=True, blank=True)
    service_date = models.DateField(_("дата занятия или начало месяца"))
    price = MoneyField(_("стоимость"))
    certificate_amount = MoneyField(_("за счёт сертификата"))
    copayment = MoneyField(_("доплата родителей"))
    ledger_entry = models.OneToOneField(
        "certificates.LedgerEntry",
        verbose_name=_("операция"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="charge",
    )
    statement = models.ForeignKey(
        Statement, verbose_name=_("акт"), null=True, blank=True, on_delete=models.PROTECT, related_name="charges"
    )
    created_at = models.DateTimeField(_("создано"), auto_now_add=True)

    class Meta:
        verbose_name = _("списание")
        verbose_name_plural = _("списания")
        constraints = [
            models.UniqueConstraint(
                fields=["mark", "mark_version"], condition=Q(kind="LESSON"), name="charge_once_per_mark_version"
            ),
            models.UniqueConstraint(
                fields=["enrollment", "month"], condition=Q(kind="MONTH"), name="charge_once_per_month"
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
                    Q(kind="LESSON", mark__isnull=False, mark_version__isnull=False, month__isnull=True)
                    | Q(kind="MONTH", mark__isnull=True, month__isnull=False)
                ),
                name="charge_kind_fields",
            ),
            models.CheckConstraint(
                condition=Q(certificate_amount=0) | Q(ledger_entry__isnull=False),
                name="charge_certificate_part_in_ledger",
            ),
        ]
        indexes = [models.Index(fields=["service_date"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.service_date:%d.%m.%Y}: {self.price}"


class ChargeReversal(models.Model):
    """Сторно: a correction after billing or an upheld dispute refunds a charge, once."""

    class Reason(models.TextChoices):
        CORRECTION = "CORRECTION", _("Исправление отметки")
        DISPUTE = "DISPUTE", _("Обоснованная жалоба родителя")

    charge = models.OneToOneField(Charge, verbose_name=_("списание"), on_delete=models.PROTECT, related_name="reversal")
    reason = models.CharField(_("причина"), max_length=16, choices=Reason.choices)
    ledger_entry = models.OneToOneField(
        "certificates.LedgerEntry",
        verbose_name=_("операция"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reversal",
    )
    statement = models.ForeignKey(
        Statement, verbose_name=_("акт"), null=True, blank=True, on_delete=models.PROTECT, related_name="reversals"
    )
    created_at = models.DateTimeField(_("создано"), auto_now_add=True)

    class Meta:
        verbose_name = _("сторно")
        verbose_name_plural = _("сторно")

    def __str__(self) -> str:
        return f"{self.get_reason_display()}: {self.charge_id}"


class Dispute(models.Model):
    """A parent's objection to a charged lesson (billing.disputes): under PER_LESSON the lesson of a
    PRESENT mark, under MONTHLY one lesson of a charged month that did not take place. Once per charge
    and lesson; an upheld dispute points to the reversal that refunded it."""

    class Status(models.TextChoices):
        OPEN = "OPEN", _("На рассмотрении")
        UPHELD = "UPHELD", _("Удовлетворена")
        REJECTED = "REJECTED", _("Отклонена")

    charge = models.ForeignKey(
        "Charge", verbose_name=_("списание"), on_delete=models.PROTECT, related_name="disputes"
    )
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
    """One run of a money-moving job, keyed so that the same run is never started twice."""

    key = models.CharField(_("ключ"), max_length=128, unique=True)
    started_at = models.DateTimeField(_("начат"), auto_now_add=True)
    finished_at = models.DateTimeField(_("завершён"), null=True, blank=True)
    processed = models.PositiveIntegerField(_("обработано"), default=0)

    class Meta:
        verbose_name = _("запуск задания")
        verbose_name_plural = _("запуски заданий")

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
