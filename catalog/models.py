"""Municipalities, directions, providers, programs, groups and their weekly schedules."""

import re

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from core.audit import tracked
from core.fields import DateMultiRangeField, MoneyField
from core.validators import validate_inn, validate_ogrn

AGE_MIN, AGE_MAX = 5, 18
LATITUDE_RANGE = [MinValueValidator(-90), MaxValueValidator(90)]
LONGITUDE_RANGE = [MinValueValidator(-180), MaxValueValidator(180)]


class Municipality(models.Model):
    name = models.CharField(_("название"), max_length=200)
    code = models.CharField(_("код"), max_length=2, help_text=_("Две цифры; входят в номер сертификата."))
    region_code = models.CharField(_("код региона"), max_length=2, default="71")

    class Meta:
        verbose_name = _("муниципалитет")
        verbose_name_plural = _("муниципалитеты")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["region_code", "code"], name="municipality_code_unique"),
            models.CheckConstraint(condition=Q(code__regex=r"^\d{2}$"), name="municipality_code_two_digits"),
            models.CheckConstraint(condition=Q(region_code__regex=r"^\d{2}$"), name="municipality_region_two_digits"),
        ]

    def __str__(self) -> str:
        return self.name


class DirectionCode(models.TextChoices):
    TECHNICAL = "technical", _("Техническая")
    SCIENCE = "science", _("Естественнонаучная")
    SPORTS = "sports", _("Физкультурно-спортивная")
    ARTS = "arts", _("Художественная")
    TOURISM = "tourism", _("Туристско-краеведческая")
    SOCIAL = "social", _("Социально-гуманитарная")


class Direction(models.Model):
    """One of the six fixed направленности; the rows come from a data migration."""

    Code = DirectionCode

    code = models.CharField(_("код"), max_length=16, choices=DirectionCode.choices, unique=True)
    name = models.CharField(_("название"), max_length=100)
    position = models.PositiveSmallIntegerField(_("порядок"), default=0)

    class Meta:
        verbose_name = _("направленность")
        verbose_name_plural = _("направленности")
        ordering = ["position"]
        constraints = [
            models.CheckConstraint(condition=Q(code__in=DirectionCode.values), name="direction_code_fixed"),
        ]

    def __str__(self) -> str:
        return self.name


@tracked("ProviderHistory", _("история организации"), _("история организаций"))
class Provider(models.Model):
    class Kind(models.TextChoices):
        ORGANIZATION = "ORG", _("Организация")
        INDIVIDUAL = "IP", _("Индивидуальный предприниматель")

    class Status(models.TextChoices):
        NEW = "NEW", _("Новая")
        ON_REVIEW = "ON_REVIEW", _("На проверке")
        APPROVED = "APPROVED", _("Допущена")
        REJECTED = "REJECTED", _("Отклонена")
        SUSPENDED = "SUSPENDED", _("Приостановлена")

    kind = models.CharField(_("вид"), max_length=3, choices=Kind.choices, default=Kind.ORGANIZATION)
    legal_name = models.CharField(_("полное наименование"), max_length=500)
    short_name = models.CharField(_("краткое наименование"), max_length=200)
    inn = models.CharField(_("ИНН"), max_length=12, unique=True, validators=[validate_inn])
    # Blank for providers registered before the registry import asked for it.
    ogrn = models.CharField(_("ОГРН"), max_length=15, blank=True, default="", db_default="", validators=[validate_ogrn])
    licence_number = models.CharField(
        _("номер лицензии"),
        max_length=64,
        blank=True,
        help_text=_("Может быть пустым у ИП, который ведёт занятия лично."),
    )
    licence_date = models.DateField(_("дата лицензии"), null=True, blank=True)
    municipality = models.ForeignKey(
        Municipality, verbose_name=_("муниципалитет"), on_delete=models.PROTECT, related_name="providers"
    )
    address = models.CharField(_("адрес"), max_length=500, blank=True)
    phone = models.CharField(_("телефон"), max_length=32, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    website = models.URLField(_("сайт"), blank=True)
    status = models.CharField(_("статус"), max_length=16, choices=Status.choices, default=Status.NEW)
    created_at = models.DateTimeField(_("создана"), auto_now_add=True)

    class Meta:
        verbose_name = _("организация")
        verbose_name_plural = _("организации")
        ordering = ["short_name"]
        constraints = [
            models.CheckConstraint(condition=Q(inn__regex=r"^(\d{10}|\d{12})$"), name="provider_inn_digits"),
            models.CheckConstraint(condition=Q(ogrn__regex=r"^(\d{13}|\d{15})?$"), name="provider_ogrn_digits"),
            models.CheckConstraint(
                condition=Q(kind="IP") | ~Q(licence_number=""), name="provider_organization_has_licence"
            ),
        ]

    def __str__(self) -> str:
        return self.short_name


class RevisionStatus(models.TextChoices):
    DRAFT = "DRAFT", _("Черновик")
    ON_REVIEW = "ON_REVIEW", _("На сертификации")
    REJECTED = "REJECTED", _("Отклонена")


# The listing columns kept by triggers and jobs (search, next start, rating) are not the program's
# terms: their churn would bury the changes people made.
@tracked(
    "ProgramHistory",
    _("история программы"),
    _("история программ"),
    exclude=[
        "search_vector",
        "next_start",
        "schedule_mask",
        "open_starts",
        "listed",
        "municipality",
        "rating",
        "rating_count",
        "updated_at",
    ],
)
class Program(models.Model):
    class Form(models.TextChoices):
        FULL_TIME = "FULL_TIME", _("Очная")
        MIXED = "MIXED", _("Очно-заочная")
        DISTANCE = "DISTANCE", _("Дистанционная")

    class Funding(models.TextChoices):
        FREE = "FREE", _("Бесплатно (бюджетное место)")
        CERTIFICATE = "CERTIFICATE", _("Оплата сертификатом")
        PAID = "PAID", _("Платно (за счёт родителей)")

    class Status(models.TextChoices):
        DRAFT = "DRAFT", _("Черновик")
        ON_REVIEW = "ON_REVIEW", _("На сертификации")
        CERTIFIED = "CERTIFIED", _("Сертифицирована")
        REJECTED = "REJECTED", _("Отклонена")
        ARCHIVED = "ARCHIVED", _("В архиве")

    provider = models.ForeignKey(
        Provider, verbose_name=_("организация"), on_delete=models.PROTECT, related_name="programs"
    )
    title = models.CharField(_("название"), max_length=300)
    description = models.TextField(_("описание"), blank=True)
    direction = models.ForeignKey(
        Direction, verbose_name=_("направленность"), on_delete=models.PROTECT, related_name="programs"
    )
    activity_type = models.CharField(_("вид деятельности"), max_length=200, blank=True)
    age_min = models.PositiveSmallIntegerField(_("возраст от"), default=AGE_MIN)
    age_max = models.PositiveSmallIntegerField(_("возраст до"), default=AGE_MAX)
    form = models.CharField(_("форма обучения"), max_length=16, choices=Form.choices, default=Form.FULL_TIME)
    special_needs = models.BooleanField(_("подходит детям с ОВЗ"), default=False)
    venue_address = models.CharField(_("адрес проведения"), max_length=500, blank=True)
    # The venue on the map (WGS 84 degrees, about 10 cm at 6 places): the results map and the distance
    # sort (search.selectors). Both or neither (a CHECK); a distance programme usually has neither.
    venue_latitude = models.DecimalField(
        _("широта"), max_digits=8, decimal_places=6, null=True, blank=True, validators=LATITUDE_RANGE
    )
    venue_longitude = models.DecimalField(
        _("долгота"), max_digits=9, decimal_places=6, null=True, blank=True, validators=LONGITUDE_RANGE
    )
    lesson_price = MoneyField(_("стоимость занятия"))
    normative_lesson_price = MoneyField(_("нормативная стоимость занятия"))
    lessons_per_month = models.PositiveSmallIntegerField(_("занятий в месяц"), default=8)
    funding = models.CharField(_("финансирование"), max_length=16, choices=Funding.choices, default=Funding.CERTIFICATE)
    status = models.CharField(_("статус"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    rating = models.DecimalField(
        _("рейтинг"),
        max_digits=3,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("Средняя оценка родителей; пересчитывается при каждой оценке."),
    )
    rating_count = models.PositiveIntegerField(_("число оценок"), default=0)
    # Resized by catalog.programs.cover_prepare (type and size checked there).
    # Database defaults for these new columns: the demo loader COPYs programs without them (demo/generator.py).
    cover = models.ImageField(_("обложка"), upload_to="programs/covers/", blank=True, db_default="")
    # A certified program's edited version awaiting certification: the changed fields only (direction as
    # direction_id, prices as strings, cover as its stored name). The certified version stays listed until
    # catalog.programs.program_certify applies this; running contracts keep their own snapshot of the terms.
    revision = models.JSONField(_("новая версия"), null=True, blank=True)
    revision_status = models.CharField(
        _("статус новой версии"), max_length=16, choices=RevisionStatus.choices, blank=True, default="", db_default=""
    )
    # Why the municipality refused the program or its new version; shown to the provider.
    review_comment = models.TextField(_("замечания муниципалитета"), blank=True, default="", db_default="")
    created_at = models.DateTimeField(_("создана"), auto_now_add=True)
    updated_at = models.DateTimeField(_("изменена"), auto_now=True)
    # Kept by a database trigger (migrations/sql/0003_search.sql): title (A), activity type (B), description (C).
    search_vector = SearchVectorField(null=True, editable=False)
    # The columns below are kept by database triggers (migrations/sql/0008_listing.sql), never written by Django
    # (see save()), so that the catalog's search reads this one table.
    # Start date of the nearest open group (enrollment open, not ended on the day it was computed),
    # NULL when none; refreshed nightly.
    next_start = models.DateField(null=True, editable=False)
    # One bit per (weekday, part of day) in which an open group meets (search.schedule.schedule_bits).
    schedule_mask = models.IntegerField(default=0, db_default=0, editable=False)
    # The open groups' start dates, one single-day range each (migrations/sql/0022_program_open_starts.sql):
    # the catalog's child filter (search.child.fits_child).
    open_starts = DateMultiRangeField(null=True, editable=False)
    # Shown in the catalog: certified, and the provider approved.
    listed = models.BooleanField(default=False, db_default=False, editable=False)
    # The provider's municipality.
    municipality = models.ForeignKey(
        Municipality, null=True, editable=False, db_index=False, on_delete=models.DO_NOTHING, related_name="+"
    )

    class Meta:
        verbose_name = _("программа")
        verbose_name_plural = _("программы")
        ordering = ["title"]
        constraints = [
            models.CheckConstraint(
                condition=Q(age_min__gte=AGE_MIN, age_max__lte=AGE_MAX, age_min__lte=F("age_max")),
                name="program_age_range",
            ),
            models.CheckConstraint(
                condition=Q(lesson_price__gte=0, normative_lesson_price__gte=0), name="program_prices_not_negative"
            ),
            models.CheckConstraint(condition=Q(lessons_per_month__gt=0), name="program_lessons_per_month_positive"),
            models.CheckConstraint(condition=~Q(funding="FREE") | Q(lesson_price=0), name="program_free_costs_nothing"),
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5), name="program_rating_range"
            ),
            models.CheckConstraint(
                condition=Q(venue_latitude__isnull=True, venue_longitude__isnull=True)
                | Q(
                    # NULL compares as unknown, which a CHECK lets through: one coordinate alone must fail.
                    venue_latitude__isnull=False,
                    venue_longitude__isnull=False,
                    venue_latitude__gte=-90,
                    venue_latitude__lte=90,
                    venue_longitude__gte=-180,
                    venue_longitude__lte=180,
                ),
                name="program_venue_coordinates",
                violation_error_message=_(
                    "Укажите широту и долготу вместе: широта от −90 до 90, долгота от −180 до 180."
                ),
            ),
        ]
        indexes = [
            models.Index(fields=["status", "direction"]),
            GinIndex(fields=["search_vector"], name="program_search_vector"),
            GinIndex(OpClass(Lower("title"), name="gin_trgm_ops"), name="program_title_trgm"),
            # The catalog's orderings, so that a broad query reads its first page from the index and
            # stops after 20 rows instead of sorting every listed program (docs/benchmarks.md).
            models.Index(fields=["title", "id"], condition=Q(listed=True), name="program_listed_title"),
            models.Index(
                F("rating").desc(nulls_last=True),
                F("rating_count").desc(),
                "title",
                "id",
                condition=Q(listed=True),
                name="program_listed_rating",
            ),
            models.Index(
                F("next_start").asc(nulls_last=True),
                "title",
                "id",
                condition=Q(listed=True),
                name="program_listed_next_start",
            ),
            # Every column the facet counts and the non-text filters read, so that they scan this
            # narrow index (index-only) rather than the wide rows with descriptions and search vectors.
            models.Index(
                fields=["direction", "municipality", "funding"],
                include=["age_min", "age_max", "special_needs", "schedule_mask", "open_starts", "id"],
                condition=Q(listed=True),
                name="program_listed_facets",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs):
        # An update writes every field but the ones the database keeps: this instance's copy of them
        # may be stale (a group added since it was loaded), and writing it back would undo the trigger.
        if not self._state.adding and kwargs.get("update_fields") is None and not kwargs.get("force_insert"):
            kwargs["update_fields"] = [
                f.name for f in self._meta.concrete_fields if not f.primary_key and f.name not in DATABASE_KEPT
            ]
        super().save(*args, **kwargs)


# Program columns kept by database triggers (migrations/sql/0003_search.sql, 0008_listing.sql, 0022_program_open_starts.sql).
DATABASE_KEPT = frozenset({"search_vector", "next_start", "schedule_mask", "open_starts", "listed", "municipality"})


class FacetCell(models.Model):
    """How many listed programs share one combination of the facet and filter columns.

    Kept by statement triggers on catalog_program (migrations/sql/0008_listing.sql), never written by Django: a
    search without text or schedule filters sums these ~11 000 cells for its facet counts instead of
    grouping 100 000 programs (search.selectors).
    """

    # No indexes of their own: the unique constraint leads with direction, and rows are few.
    direction = models.ForeignKey(Direction, db_index=False, on_delete=models.DO_NOTHING, related_name="+")
    municipality = models.ForeignKey(Municipality, db_index=False, on_delete=models.DO_NOTHING, related_name="+")
    funding = models.CharField(max_length=16, choices=Program.Funding.choices)
    special_needs = models.BooleanField()
    age_min = models.PositiveSmallIntegerField()
    age_max = models.PositiveSmallIntegerField()
    programs = models.IntegerField()

    class Meta:
        verbose_name = _("ячейка счётчиков каталога")
        verbose_name_plural = _("счётчики каталога")
        constraints = [
            models.UniqueConstraint(
                fields=["direction", "municipality", "funding", "special_needs", "age_min", "age_max"],
                name="facetcell_one_per_combination",
            ),
            models.CheckConstraint(condition=Q(programs__gte=0), name="facetcell_programs_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.direction_id}/{self.municipality_id}/{self.funding}: {self.programs}"


class SearchWord(models.Model):
    """The catalog's vocabulary (words of program titles, activity types, descriptions), for typo correction:
    a query word not in it is replaced by its nearest neighbour by trigram similarity."""

    word = models.CharField(_("слово"), max_length=100, primary_key=True)

    class Meta:
        verbose_name = _("слово поиска")
        verbose_name_plural = _("словарь поиска")
        indexes = [GinIndex(OpClass("word", name="gin_trgm_ops"), name="search_word_trgm")]

    def __str__(self) -> str:
        return self.word


class SearchSynonym(models.Model):
    """Words parents use for one thing («рисование, ИЗО, живопись, рисунок») or one name in two scripts
    («LEGO, лего»): a search for any of them also finds programs that use another (search.words).
    Kept by regional staff in the admin; shared by every municipality."""

    # The search keeps the dictionary in the cache; a save or delete here drops it (catalog.apps).
    CACHE_KEY = "search:synonyms:v1"
    ENTRY = re.compile(r"[0-9a-zа-яё]+")

    words = models.CharField(
        _("слова"),
        max_length=500,
        help_text=_("Слова или выражения через запятую, например: рисование, ИЗО, живопись, рисунок."),
    )

    class Meta:
        verbose_name = _("группа синонимов поиска")
        verbose_name_plural = _("синонимы поиска")
        ordering = ["words"]

    def __str__(self) -> str:
        return self.words

    def entries(self) -> list[str]:
        """The group's words and expressions, lower-case, each reduced to its letters and digits
        («Scratch 3.0» → «scratch 3 0»); empty ones dropped."""
        found = (" ".join(self.ENTRY.findall(part.lower())) for part in self.words.split(","))
        return list(dict.fromkeys(entry for entry in found if entry))

    def clean(self):
        super().clean()
        entries = [part.strip() for part in self.words.split(",") if part.strip()]
        if len(self.entries()) < 2:
            raise ValidationError({"words": _("Нужно хотя бы два разных слова через запятую.")})
        self.words = ", ".join(entries)


@tracked("GroupHistory", _("история группы"), _("история групп"))
class Group(models.Model):
    """A class of pupils. Free seats are computed from enrollments, never stored."""

    program = models.ForeignKey(Program, verbose_name=_("программа"), on_delete=models.PROTECT, related_name="groups")
    name = models.CharField(_("название"), max_length=200)
    # The teacher's name as shown to parents; kept as given for organisations without teacher accounts.
    teacher = models.CharField(_("педагог"), max_length=200)
    # The teacher's account (a teacher of the same organisation), when there is one: a teacher sees the
    # register and roster of their own groups only (catalog.selectors.staff_groups).
    teacher_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("учётная запись педагога"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="taught_groups",
    )
    capacity = models.PositiveIntegerField(_("мест"))
    start_date = models.DateField(_("начало занятий"))
    end_date = models.DateField(_("окончание занятий"))
    enrollment_open = models.BooleanField(_("набор открыт"), default=True)

    class Meta:
        verbose_name = _("группа")
        verbose_name_plural = _("группы")
        ordering = ["program", "name"]
        indexes = [models.Index(fields=["program", "start_date"])]
        constraints = [
            models.CheckConstraint(condition=Q(capacity__gt=0), name="group_capacity_positive"),
            models.CheckConstraint(condition=Q(end_date__gte=F("start_date")), name="group_dates_ordered"),
        ]

    def __str__(self) -> str:
        return f"{self.program} — {self.name}"


class ScheduleSlot(models.Model):
    class Weekday(models.IntegerChoices):
        MONDAY = 0, _("понедельник")
        TUESDAY = 1, _("вторник")
        WEDNESDAY = 2, _("среда")
        THURSDAY = 3, _("четверг")
        FRIDAY = 4, _("пятница")
        SATURDAY = 5, _("суббота")
        SUNDAY = 6, _("воскресенье")

    group = models.ForeignKey(Group, verbose_name=_("группа"), on_delete=models.CASCADE, related_name="schedule")
    weekday = models.PositiveSmallIntegerField(_("день недели"), choices=Weekday.choices)
    start_time = models.TimeField(_("начало"))
    end_time = models.TimeField(_("окончание"))
    room = models.CharField(_("кабинет"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("занятие в расписании")
        verbose_name_plural = _("расписание")
        ordering = ["weekday", "start_time"]
        constraints = [
            models.CheckConstraint(condition=Q(weekday__gte=0, weekday__lte=6), name="slot_weekday_range"),
            models.CheckConstraint(condition=Q(end_time__gt=F("start_time")), name="slot_times_ordered"),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start_time:%H:%M}–{self.end_time:%H:%M}"


class Favourite(models.Model):
    """A program a user bookmarked (избранное)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("пользователь"), on_delete=models.CASCADE, related_name="favourites"
    )
    program = models.ForeignKey(Program, verbose_name=_("программа"), on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(_("добавлено"), auto_now_add=True)

    class Meta:
        verbose_name = _("избранное")
        verbose_name_plural = _("избранное")
        constraints = [models.UniqueConstraint(fields=["user", "program"], name="favourite_once_per_user_program")]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.program_id}"
