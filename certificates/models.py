"""Children, certificates, funding periods, certificate accounts and their append-only ledger.

The ledger is the truth about money. `CertificateAccount` keeps running totals for fast reads, but
only the database trigger in `migrations/sql/` (0003, 0004) changes them, in the same statement as the ledger
insert, and CHECK constraints refuse a total that would go negative or exceed the nominal.
"""

from datetime import date

from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import RangeOperators
from django.db import models
from django.db.models import F, Func, Q
from django.utils.translation import gettext_lazy as _

from core.audit import tracked
from core.dates import age_on
from core.fields import MoneyField
from core.validators import mask_snils, validate_snils

# A certificate is valid until the 18th birthday; a child born earlier than this is a data error.
CHILD_MAX_AGE = 18
EARLIEST_BIRTH_DATE = date(1990, 1, 1)


class Child(models.Model):
    class Sex(models.TextChoices):
        MALE = "M", _("мужской")
        FEMALE = "F", _("женский")

    parents = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("родители"), related_name="children", through="ParentLink"
    )
    last_name = models.CharField(_("фамилия"), max_length=150)
    first_name = models.CharField(_("имя"), max_length=150)
    middle_name = models.CharField(_("отчество"), max_length=150, blank=True)
    birth_date = models.DateField(_("дата рождения"))
    sex = models.CharField(_("пол"), max_length=1, choices=Sex.choices)
    snils = models.CharField(_("СНИЛС"), max_length=11, unique=True, validators=[validate_snils])
    municipality = models.ForeignKey(
        "catalog.Municipality",
        verbose_name=_("муниципалитет проживания"),
        on_delete=models.PROTECT,
        related_name="children",
    )
    created_at = models.DateTimeField(_("добавлен"), auto_now_add=True)

    class Meta:
        verbose_name = _("ребёнок")
        verbose_name_plural = _("дети")
        ordering = ["last_name", "first_name"]
        constraints = [
            models.CheckConstraint(condition=Q(snils__regex=r"^\d{11}$"), name="child_snils_digits"),
            models.CheckConstraint(condition=Q(birth_date__gte=EARLIEST_BIRTH_DATE), name="child_birth_date_plausible"),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.last_name, self.first_name, self.middle_name) if p)

    @property
    def snils_masked(self) -> str:
        return mask_snils(self.snils)

    def age_on(self, day: date) -> int:
        return age_on(self.birth_date, day)


@tracked(
    "ParentLinkHistory", _("история связи родителя с ребёнком"), _("история связей родителей с детьми"), deletes=True
)
class ParentLink(models.Model):
    """A parent's confirmed link to a child: by Gosuslugi (the child is in the parent's Gosuslugi
    profile) or by municipal staff (documents checked). Only these links show a child's registry data
    (names, certificate, statement, enrollments) and let a parent apply, accept or terminate; a child
    typed in by hand is a ChildClaim until it is confirmed, never a link (a CHECK refuses an unconfirmed
    row, and migration 0010 turned the unconfirmed links of older databases into claims)."""

    class Confirmation(models.TextChoices):
        ESIA = "ESIA", _("Госуслуги")
        MUNICIPAL = "MUNICIPAL", _("муниципальный оператор")

    child = models.ForeignKey(Child, verbose_name=_("ребёнок"), on_delete=models.CASCADE, related_name="parent_links")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("родитель"), on_delete=models.CASCADE, related_name="child_links"
    )
    confirmation = models.CharField(_("подтверждение"), max_length=16, choices=Confirmation.choices)
    confirmed_at = models.DateTimeField(_("подтверждена"))

    class Meta:
        verbose_name = _("связь родителя с ребёнком")
        verbose_name_plural = _("связи родителей с детьми")
        constraints = [
            models.UniqueConstraint(fields=["child", "user"], name="parent_link_once"),
            models.CheckConstraint(
                condition=Q(confirmation="", confirmed_at__isnull=True)
                | (~Q(confirmation="") & Q(confirmed_at__isnull=False)),
                name="parent_link_confirmed_has_date",
            ),
            models.CheckConstraint(condition=Q(confirmation__in=["ESIA", "MUNICIPAL"]), name="parent_link_confirmed"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.child_id}"

    @property
    def confirmed(self) -> bool:
        return bool(self.confirmation)


class ChildClaim(models.Model):
    """A child a parent added by hand: a claim waiting for municipal review, kept apart from ParentLink.

    The claim holds only what the claimant typed (names, birth date, sex, СНИЛС, municipality), and that
    is all the claimant is ever shown of it: no registry child, certificate, statement or enrollment is
    reached through a claim, so the pages and API that show a child (all through ParentLink) answer 404
    to a claimant. `child` is the registry child with the claimed СНИЛС when there is one, for the
    reviewing officer only; `review_municipality` is whose operators review it (the registry child's
    municipality when known, else the typed one).

    States: PENDING waits for review; SUSPENDED also waits, but the child is confirmed to another parent
    through Gosuslugi, so the officer must be sure before confirming (the claimant is told nothing of
    the difference: both read «ожидает проверки», so a claim reveals nothing about who holds a number).
    CONFIRMED (by the officer with documents checked, or by the claimant's own Gosuslugi profile) made a
    confirmed ParentLink; REJECTED (with a reason) is gone from the claimant's pages.
    """

    class Status(models.TextChoices):
        PENDING = "PENDING", _("ожидает проверки")
        SUSPENDED = "SUSPENDED", _("приостановлена: ребёнок подтверждён через Госуслуги у другого родителя")
        CONFIRMED = "CONFIRMED", _("подтверждена")
        REJECTED = "REJECTED", _("отклонена")

    OPEN_STATUSES = (Status.PENDING, Status.SUSPENDED)

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("заявитель"), on_delete=models.CASCADE, related_name="child_claims"
    )
    last_name = models.CharField(_("фамилия"), max_length=150)
    first_name = models.CharField(_("имя"), max_length=150)
    middle_name = models.CharField(_("отчество"), max_length=150, blank=True)
    birth_date = models.DateField(_("дата рождения"))
    sex = models.CharField(_("пол"), max_length=1, choices=Child.Sex.choices)
    snils = models.CharField(_("СНИЛС"), max_length=11, validators=[validate_snils])
    municipality = models.ForeignKey(
        "catalog.Municipality",
        verbose_name=_("муниципалитет проживания"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    child = models.ForeignKey(
        Child,
        verbose_name=_("ребёнок в реестре"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="claims",
    )
    review_municipality = models.ForeignKey(
        "catalog.Municipality",
        verbose_name=_("проверяет муниципалитет"),
        on_delete=models.PROTECT,
        related_name="child_claims",
    )
    status = models.CharField(
        _("состояние"), max_length=16, choices=Status.choices, default=Status.PENDING, db_default=Status.PENDING
    )
    created_at = models.DateTimeField(_("подана"), auto_now_add=True)
    suspended_at = models.DateTimeField(_("приостановлена"), null=True, blank=True)
    decided_at = models.DateTimeField(_("решение принято"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("кто принял решение"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    reason = models.TextField(_("основание или причина"), blank=True)

    class Meta:
        verbose_name = _("заявка на добавление ребёнка")
        verbose_name_plural = _("заявки на добавление детей")
        constraints = [
            # One open claim per parent and number: a second one would only duplicate the review.
            models.UniqueConstraint(
                fields=["user", "snils"],
                condition=Q(status__in=["PENDING", "SUSPENDED"]),
                name="child_claim_open_once",
            ),
            models.CheckConstraint(condition=Q(snils__regex=r"^\d{11}$"), name="child_claim_snils_digits"),
            models.CheckConstraint(
                condition=Q(status__in=["PENDING", "SUSPENDED"], decided_at__isnull=True)
                | (Q(status__in=["CONFIRMED", "REJECTED"]) & Q(decided_at__isnull=False)),
                name="child_claim_decided_has_date",
            ),
            models.CheckConstraint(
                condition=~Q(status="REJECTED") | ~Q(reason=""), name="child_claim_rejected_has_reason"
            ),
        ]
        indexes = [models.Index(fields=["snils"], name="child_claim_snils")]

    def __str__(self) -> str:
        return f"{self.full_name} ({self.get_status_display()})"

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.last_name, self.first_name, self.middle_name) if p)

    @property
    def snils_masked(self) -> str:
        return mask_snils(self.snils)

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES


class BillingPolicy(models.TextChoices):
    PER_LESSON = "PER_LESSON", _("За каждое посещённое занятие")
    MONTHLY = "MONTHLY", _("Помесячно")


class DateRange(Func):
    function = "DATERANGE"
    output_field = models.DateField()


# funded_accounts is a counter the acceptance service moves with each account opened (the accounts'
# own history says who opened each).
@tracked(
    "FundingPeriodHistory",
    _("история периода финансирования"),
    _("история периодов финансирования"),
    exclude=["funded_accounts"],
)
class FundingPeriod(models.Model):
    """A municipality's программа персонифицированного финансирования for one year."""

    municipality = models.ForeignKey(
        "catalog.Municipality",
        verbose_name=_("муниципалитет"),
        on_delete=models.PROTECT,
        related_name="funding_periods",
    )
    name = models.CharField(_("название"), max_length=200)
    start_date = models.DateField(_("начало"))
    end_date = models.DateField(_("окончание"))
    nominal = MoneyField(_("номинал сертификата"))
    max_funded_certificates = models.PositiveIntegerField(_("число сертификатов финансирования"))
    total_budget = MoneyField(_("объём финансирования"))
    billing_policy = models.CharField(
        _("порядок оплаты"), max_length=16, choices=BillingPolicy.choices, default=BillingPolicy.PER_LESSON
    )
    direction_cap = models.PositiveIntegerField(
        _("предел детей на направленность"),
        null=True,
        blank=True,
        help_text=_("Пусто — без ограничения."),
    )
    accepting_contracts = models.BooleanField(
        _("принимает новые договоры"), default=True, db_default=True, help_text=_("Снимите, чтобы закрыть период.")
    )
    review_days = models.PositiveSmallIntegerField(_("рабочих дней на рассмотрение заявки"), default=7, db_default=7)
    offer_days = models.PositiveSmallIntegerField(_("рабочих дней на принятие оферты"), default=7, db_default=7)
    dispute_days = models.PositiveSmallIntegerField(
        _("дней на жалобу на списание"),
        default=10,
        db_default=10,
        help_text=_("Сколько дней после списания родитель может его оспорить."),
    )
    # Accounts opened in this period, counted by the acceptance service as its last statement, so the
    # CHECK below refuses the one acceptance too many however many race for the last places.
    funded_accounts = models.PositiveIntegerField(_("открыто счетов"), default=0, db_default=0, editable=False)

    class Meta:
        verbose_name = _("период финансирования")
        verbose_name_plural = _("периоды финансирования")
        ordering = ["-start_date"]
        constraints = [
            models.CheckConstraint(condition=Q(end_date__gt=F("start_date")), name="period_dates_ordered"),
            models.CheckConstraint(
                condition=Q(nominal__gte=0, total_budget__gte=0), name="period_amounts_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(direction_cap__isnull=True) | Q(direction_cap__gt=0), name="period_direction_cap_positive"
            ),
            models.CheckConstraint(
                condition=Q(funded_accounts__lte=F("max_funded_certificates")), name="period_funded_within_limit"
            ),
            models.CheckConstraint(condition=Q(review_days__gt=0, offer_days__gt=0), name="period_days_positive"),
            models.CheckConstraint(condition=Q(dispute_days__gt=0), name="period_dispute_days_positive"),
            # A lesson date must fall in exactly one period of its municipality.
            ExclusionConstraint(
                name="period_no_overlap",
                expressions=[
                    ("municipality", RangeOperators.EQUAL),
                    (DateRange("start_date", "end_date", models.Value("[]")), RangeOperators.OVERLAPS),
                ],
            ),
        ]

    def __str__(self) -> str:
        return f"{self.municipality}: {self.name}"


class CertificateKind(models.TextChoices):
    """What a certificate is in one period: funded when it has that period's account, accounting (free
    budget programs only) otherwise. A property of the period's account, never stored on the certificate."""

    ACCOUNTING = "ACCOUNTING", _("Сертификат учёта")
    FUNDED = "FUNDED", _("Сертификат финансирования")


@tracked("CertificateHistory", _("история сертификата"), _("история сертификатов"))
class Certificate(models.Model):
    Kind = CertificateKind

    class Status(models.TextChoices):
        ACTIVE = "ACTIVE", _("Действует")
        FROZEN = "FROZEN", _("Приостановлен")
        CLOSED = "CLOSED", _("Закрыт")

    child = models.OneToOneField(Child, verbose_name=_("ребёнок"), on_delete=models.PROTECT, related_name="certificate")
    number = models.CharField(_("номер"), max_length=10, unique=True)
    municipality = models.ForeignKey(
        "catalog.Municipality", verbose_name=_("муниципалитет"), on_delete=models.PROTECT, related_name="certificates"
    )
    status = models.CharField(_("статус"), max_length=16, choices=Status.choices, default=Status.ACTIVE)
    issued_at = models.DateTimeField(_("выдан"), auto_now_add=True)
    valid_until = models.DateField(_("действует до"), help_text=_("До 18-летия ребёнка."))

    class Meta:
        verbose_name = _("сертификат")
        verbose_name_plural = _("сертификаты")
        ordering = ["number"]
        constraints = [
            models.CheckConstraint(condition=Q(number__regex=r"^\d{10}$"), name="certificate_number_ten_digits"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def kind(self) -> str:
        """Funded in the current period when it has that period's account (the selectors set
        `current_account`), an accounting certificate otherwise."""
        return CertificateKind.FUNDED if getattr(self, "current_account", None) else CertificateKind.ACCOUNTING

    def get_kind_display(self) -> str:
        return str(CertificateKind(self.kind).label)


class FundedCertificateRequest(models.Model):
    """First-come queue for a funded certificate once the period's limit is reached."""

    period = models.ForeignKey(FundingPeriod, verbose_name=_("период"), on_delete=models.PROTECT, related_name="queue")
    certificate = models.ForeignKey(
        Certificate, verbose_name=_("сертификат"), on_delete=models.PROTECT, related_name="funding_requests"
    )
    created_at = models.DateTimeField(_("в очереди с"), auto_now_add=True)
    granted_at = models.DateTimeField(_("удовлетворена"), null=True, blank=True)

    class Meta:
        verbose_name = _("очередь на сертификат финансирования")
        verbose_name_plural = _("очередь на сертификаты финансирования")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["period", "certificate"], name="funding_request_once_per_period")
        ]

    def __str__(self) -> str:
        return f"{self.certificate} / {self.period}"


class DirectionChild(models.Model):
    """A child counted against the period's cap per direction: one row per child with an active contract
    in the direction this period, however many such contracts they have."""

    period = models.ForeignKey(FundingPeriod, verbose_name=_("период"), on_delete=models.PROTECT, related_name="+")
    direction = models.ForeignKey(
        "catalog.Direction", verbose_name=_("направленность"), on_delete=models.PROTECT, related_name="+"
    )
    child = models.ForeignKey(Child, verbose_name=_("ребёнок"), on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("ребёнок в счёте направленности")
        verbose_name_plural = _("дети в счёте направленностей")
        constraints = [
            models.UniqueConstraint(fields=["period", "direction", "child"], name="direction_child_once"),
        ]

    def __str__(self) -> str:
        return f"{self.period_id}/{self.direction_id}: {self.child_id}"


class DirectionCount(models.Model):
    """How many children a period counts in a direction: raised by the acceptance service as its last
    statement, by a conditional update that only succeeds under the period's cap (the row lock then
    orders concurrent acceptances, so the cap is never passed)."""

    period = models.ForeignKey(FundingPeriod, verbose_name=_("период"), on_delete=models.PROTECT, related_name="+")
    direction = models.ForeignKey(
        "catalog.Direction", verbose_name=_("направленность"), on_delete=models.PROTECT, related_name="+"
    )
    children = models.PositiveIntegerField(_("детей"), default=0)

    class Meta:
        verbose_name = _("счётчик детей по направленности")
        verbose_name_plural = _("счётчики детей по направленностям")
        constraints = [models.UniqueConstraint(fields=["period", "direction"], name="direction_count_once")]

    def __str__(self) -> str:
        return f"{self.period_id}/{self.direction_id}: {self.children}"


@tracked(
    "CertificateAccountHistory",
    _("история счёта сертификата"),
    _("история счетов сертификатов"),
    # The ledger is the totals' history, entry by entry (LedgerEntry); an audit row per movement
    # would only repeat it, at the cost of one more row written per account in every debit batch.
    quiet=["nominal", "reserved", "spent"],
)
class CertificateAccount(models.Model):
    """A certificate's money in one funding period: available = nominal − reserved − spent.

    The totals are written only by the ledger trigger (migrations/sql/); never edit them.
    """

    certificate = models.ForeignKey(
        Certificate, verbose_name=_("сертификат"), on_delete=models.PROTECT, related_name="accounts"
    )
    period = models.ForeignKey(
        FundingPeriod, verbose_name=_("период"), on_delete=models.PROTECT, related_name="accounts"
    )
    nominal = MoneyField(_("номинал"))
    reserved = MoneyField(_("зарезервировано"))
    spent = MoneyField(_("списано"))

    class Meta:
        verbose_name = _("счёт сертификата")
        verbose_name_plural = _("счета сертификатов")
        constraints = [
            models.UniqueConstraint(fields=["certificate", "period"], name="account_one_per_period"),
            models.CheckConstraint(
                condition=Q(nominal__gte=0, reserved__gte=0, spent__gte=0), name="account_totals_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(nominal__gte=F("reserved") + F("spent")), name="account_available_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.certificate} / {self.period.name}"

    @property
    def available(self):
        return self.nominal - self.reserved - self.spent


class LedgerEntry(models.Model):
    """One append-only movement on a certificate account. Corrections are new rows, never edits."""

    class Kind(models.TextChoices):
        OPEN = "OPEN", _("Начисление номинала")
        RESERVE = "RESERVE", _("Резерв по договору")
        RELEASE = "RELEASE", _("Снятие резерва")
        DEBIT = "DEBIT", _("Списание за занятие")
        REFUND = "REFUND", _("Возврат (сторно)")

    # Indexed by (account, created_at) below; no second index on the account alone.
    account = models.ForeignKey(
        CertificateAccount, verbose_name=_("счёт"), on_delete=models.PROTECT, related_name="entries", db_index=False
    )
    kind = models.CharField(_("вид"), max_length=8, choices=Kind.choices)
    nominal_delta = MoneyField(_("изменение номинала"))
    reserved_delta = MoneyField(_("изменение резерва"))
    spent_delta = MoneyField(_("изменение списанного"))
    idempotency_key = models.CharField(_("ключ идемпотентности"), max_length=128, unique=True)
    description = models.CharField(_("описание"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("время"), auto_now_add=True)

    class Meta:
        verbose_name = _("операция по сертификату")
        verbose_name_plural = _("операции по сертификатам")
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                name="ledger_kind_signs",
                condition=(
                    Q(kind="OPEN", nominal_delta__gt=0, reserved_delta=0, spent_delta=0)
                    | Q(kind="RESERVE", nominal_delta=0, reserved_delta__gt=0, spent_delta=0)
                    | Q(kind="RELEASE", nominal_delta=0, reserved_delta__lt=0, spent_delta=0)
                    | Q(kind="DEBIT", nominal_delta=0, reserved_delta__lte=0, spent_delta__gt=0)
                    | Q(kind="REFUND", nominal_delta=0, reserved_delta=0, spent_delta__lt=0)
                ),
            ),
        ]
        indexes = [models.Index(fields=["account", "created_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.idempotency_key}"
