"""Generate a realistic Тульская область: municipalities, providers, programs, groups, families, certificates.

Everything random comes from `random.Random` instances seeded from `--seed` (one per phase, so a
change in one phase does not reshuffle the others), and every date is fixed, so the same seed
gives the same data. Rows go in through COPY (see bulk.py); only the small demo issues its
certificates through `certificates.services.certificate_issue`, as the portal would. The bulk
ledger rows take their idempotency keys from `certificates.ledger_keys`, like the services.
"""

from __future__ import annotations

import math
import random
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import connection, transaction

from accounts.models import Role, User
from catalog.models import Direction, Group, Municipality, Program, Provider, ScheduleSlot
from catalog.services import program_open_groups_refresh, search_vocabulary_refresh
from certificates.ledger_keys import account_open_key
from certificates.models import (
    BillingPolicy,
    Certificate,
    CertificateAccount,
    Child,
    FundingPeriod,
    LedgerEntry,
    ParentLink,
)
from certificates.services import certificate_issue, certificate_number, certificate_valid_until
from core.validators import inn_with_checksum, snils_with_checksum
from demo import people
from demo.billing import make_demo_billing
from demo.bulk import copy_rows, reserve_ids
from demo.contracts import make_demo_contracts
from demo.covers import cover_name, covers_write
from demo.favourites import make_demo_favourites
from demo.geo import venue_point
from demo.logins import create_demo_logins
from demo.places import DEMO_MUNICIPALITY, MOBILE_CODES, MONTHLY_BILLING, MUNICIPALITIES, REGION_CODE, Place
from demo.programs import (
    DISTANCE_SENTENCE,
    GENERAL_SENTENCES,
    IN_PERSON_SENTENCES,
    LEVELS,
    NORMATIVE_BASE,
    OVZ_SENTENCE,
    STUDIOS,
    TEMPLATES,
    Template,
)
from demo.providers import (
    CENTER_KINDS,
    KINDS,
    LEGAL_FORMS,
    LICENCE_AUTHORITY,
    MIX_FULL,
    MIX_SMALL,
    SPECIALITIES,
    SPECIALITY_WEIGHTS,
    TAX_OFFICES,
    ProviderKind,
)
from demo.ratings import make_demo_ratings

MSK = ZoneInfo("Europe/Moscow")
SCHOOL_YEAR_START = date(2026, 9, 1)
SCHOOL_YEAR_END = date(2027, 5, 31)
PERIOD_START = date(2026, 9, 1)
PERIOD_END = date(2027, 8, 31)
PERIOD_NAME = "ПФДО 2026/2027"
# Ages of children are counted on this day; certificates are issued on it.
REFERENCE_DAY = PERIOD_START
ISSUED_AT = datetime(2026, 9, 1, 10, 0, tzinfo=MSK)

NOMINALS = (10_000, 11_000, 11_500, 12_000, 12_000, 12_500, 13_000, 14_000)
ALWAYS_NUMBERED = {"school", "co", "kinder"}


@dataclass(frozen=True)
class Scale:
    name: str
    providers: int
    programs: int
    groups: int
    parents: int = 0  # small scales: so many families
    children: int = 0  # full scale: exactly so many children, every one with a funded certificate
    demo_weight: int = 0  # extra weight for Плавский район so the demo municipality is well stocked

    @property
    def bulk_certificates(self) -> bool:
        return self.children > 0


SCALES = {
    # For tests: the smallest data set that still has every municipality, direction and login.
    "tiny": Scale("tiny", providers=32, programs=90, groups=120, parents=30, demo_weight=40),
    "small": Scale("small", providers=60, programs=400, groups=600, parents=300, demo_weight=60),
    "full": Scale("full", providers=5_000, programs=100_000, groups=150_000, children=300_000),
}


@dataclass
class Phase:
    name: str
    seconds: float
    rows: int


@dataclass
class Report:
    scale: str
    seed: int
    phases: list[Phase] = field(default_factory=list)
    logins: list[tuple[str, str, str]] = field(default_factory=list)

    @property
    def seconds(self) -> float:
        return sum(p.seconds for p in self.phases)


@dataclass
class ProviderRow:
    id: int
    place: Place
    kind: ProviderKind
    status: str
    speciality: str
    address: str
    teachers: list[str]
    ip_person: str = ""


@dataclass
class ProgramRow:
    id: int
    provider: ProviderRow
    template: Template
    age_min: int
    age_max: int
    status: str
    weekly: int


# --- helpers -------------------------------------------------------------------------------------


def apportion(total: int, weights: list[float]) -> list[int]:
    """Split `total` in proportion to `weights` (largest remainder; ties broken by position)."""
    whole = sum(weights)
    exact = [total * w / whole for w in weights]
    counts = [math.floor(x) for x in exact]
    order = sorted(range(len(weights)), key=lambda i: (-(exact[i] - counts[i]), i))
    for i in order[: total - sum(counts)]:
        counts[i] += 1
    return counts


def round10(value: float) -> int:
    return round(value / 10.0) * 10


def weighted(rng: random.Random, table: dict[str, float]) -> str:
    return rng.choices(list(table), weights=list(table.values()))[0]


def fixed_datetime(rng: random.Random, start: date, end: date) -> datetime:
    day = start + timedelta(days=rng.randrange((end - start).days + 1))
    return datetime(day.year, day.month, day.day, 9 + rng.randrange(9), rng.randrange(60), tzinfo=MSK)


class UniqueDigits:
    """Unique random numbers with a fixed prefix; the caller adds the checksum."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used: set[str] = set()

    def take(self, prefix: str, digits: int) -> str:
        while True:
            value = prefix + f"{self.rng.randrange(10**digits):0{digits}d}"
            if value not in self.used:
                self.used.add(value)
                return value


class Snils:
    """Unique valid СНИЛС numbers, above the range issued before checksums existed."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used: set[int] = set()

    def take(self) -> str:
        while True:
            body = self.rng.randrange(2_000_000, 999_999_999)
            if body not in self.used:
                self.used.add(body)
                return snils_with_checksum(f"{body:09d}")


# --- the generator -------------------------------------------------------------------------------


class RegionGenerator:
    def __init__(self, *, scale: Scale, seed: int, log: Callable[[str], None] | None = None) -> None:
        self.scale = scale
        self.seed = seed
        self.log = log or (lambda _message: None)
        self.report = Report(scale=scale.name, seed=seed)
        self.snils = Snils(self.rng("snils"))
        self.places = list(MUNICIPALITIES)
        self.place_by_name = {p.name: p for p in self.places}
        self.demo_place = self.place_by_name[DEMO_MUNICIPALITY]
        self.municipality_ids: dict[str, int] = {}
        self.period_ids: dict[str, int] = {}
        self.nominals: dict[str, int] = {}
        self.providers: list[ProviderRow] = []
        self.programs: list[ProgramRow] = []
        self.children: list[tuple[int, str, date]] = []  # (id, municipality name, birth date)
        self.children_per_place: Counter[str] = Counter()
        self.demo_provider: ProviderRow | None = None

    def rng(self, phase: str) -> random.Random:
        return random.Random(f"demo-region:{self.seed}:{phase}")

    def phase(self, name: str, work: Callable[[], int]) -> None:
        started = time.perf_counter()
        rows = work()
        seconds = time.perf_counter() - started
        self.report.phases.append(Phase(name, seconds, rows))
        self.log(f"  {name}: {rows} строк, {seconds:.1f} с")

    def run(self) -> Report:
        with transaction.atomic():
            # Check foreign keys as each COPY ends rather than all at commit, so that every phase
            # is charged with its own checks and the commit does not hold millions of queued events.
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            self.phase("municipalities", self.make_municipalities)
            self.phase("providers", self.make_providers)
            self.phase("programs", self.make_programs)
            self.phase("program covers (pictures)", covers_write)
            self.phase("groups+schedule", self.make_groups)
            self.phase("parents+children", self.make_families)
            self.phase("funding periods", self.make_periods)
            if self.scale.bulk_certificates:
                self.phase("certificates+accounts+ledger", self.make_certificates_bulk)
            else:
                self.phase("certificates (service)", self.issue_certificates)
            self.phase("demo logins", self.make_logins)
            self.phase("search vocabulary", search_vocabulary_refresh)
            self.phase("program open groups (start dates, schedules)", program_open_groups_refresh)
            self.phase("demo parent's favourites", self.make_favourites)
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")  # back to Django's default for the caller
        if not self.scale.bulk_certificates:
            # Statistics first: the services below plan their statements over tables just filled, and without
            # them (autovacuum analyses a minute later, or not yet) a join may be planned as over empty
            # tables; the demo tests' set-up then took 30 s or 90 s depending on autovacuum's timing.
            self.phase("analyze", self.analyze)
            # Through the services, each in a transaction of its own, as the portal makes them.
            self.phase("applications and contracts (services)", self.make_contracts)
            # The debit job must run outside a transaction, as the nightly task does.
            self.phase("registers, debits, disputes, statements (services)", self.make_billing)
            self.phase("ratings, moderation, answers (services)", self.make_ratings)
        if self.scale.bulk_certificates:
            self.phase("analyze", self.analyze)
        return self.report

    # --- municipalities ---------------------------------------------------------------------

    def make_municipalities(self) -> int:
        created = Municipality.objects.bulk_create(
            Municipality(name=p.name, code=p.code, region_code=REGION_CODE) for p in self.places
        )
        self.municipality_ids = {m.name: m.pk for m in created}
        return len(created)

    # --- providers --------------------------------------------------------------------------

    def provider_plan(self, rng: random.Random) -> list[tuple[Place, str]]:
        """Which provider kinds go where: a centre in every municipality, the regional institutions
        in Tula, a well-stocked Плавский район, and the rest by population."""
        plan: list[tuple[Place, str]] = []
        for place in self.places:
            kind = "ddt" if place is self.demo_place else rng.choice(CENTER_KINDS)
            plan.append((place, kind))
        tula = self.places[0]
        plan += [(tula, "eco_regional"), (tula, "tourism_regional"), (tula, "quantorium")]
        if self.scale.demo_weight:
            plan += [(self.demo_place, k) for k in ("dyussh", "school", "ip", "private")]
        rest = self.scale.providers - len(plan)
        mix = MIX_FULL if self.scale.name == "full" else MIX_SMALL
        weights = [p.weight + (self.scale.demo_weight if p is self.demo_place else 0) for p in self.places]
        for place, count in zip(self.places, apportion(rest, weights), strict=True):
            plan += [(place, weighted(rng, mix)) for _ in range(count)]
        return plan

    def make_providers(self) -> int:
        rng = self.rng("providers")
        inns = UniqueDigits(rng)
        plan = self.provider_plan(rng)
        ids = reserve_ids(Provider, len(plan))
        numbers: Counter[tuple[str, str]] = Counter()
        rows = []
        for pk, (place, kind_key) in zip(ids, plan, strict=True):
            if kind_key == "school" and place is self.places[0]:
                kind_key = "co"  # Tula's schools are «Центры образования»
            kind = KINDS[kind_key]
            numbers[(place.name, kind_key)] += 1
            n = numbers[(place.name, kind_key)]
            number = f" № {n}" if kind_key in ALWAYS_NUMBERED or (kind.numbered and n > 1) else ""
            address = self.address(rng, place)
            speciality = ""
            ip_person = ""
            if kind_key == "ip":
                person = people.adult(rng, female=rng.random() < 0.7)
                speciality = weighted(rng, SPECIALITY_WEIGHTS)
                legal = kind.legal.format(name=person.full_name)
                short = kind.short.format(name=person.short_name)
                ip_person = person.full_name
                inn = _inn(inns.take("71" + rng.choice(TAX_OFFICES), 6))
                licence = self.licence(rng) if rng.random() < 0.15 else ""
                email = people.email_for(rng, person)
                website = ""
            elif kind_key == "private":
                speciality = weighted(rng, SPECIALITY_WEIGHTS)
                brand = rng.choice(SPECIALITIES[speciality])
                form, form_short = rng.choice(LEGAL_FORMS)
                legal = kind.legal.format(form=form, name=brand)
                short = kind.short.format(form_short=form_short, name=brand)
                inn = _inn(inns.take("71" + rng.choice(TAX_OFFICES), 5))
                licence = self.licence(rng)
                slug = people.translit(brand).replace("--", "-")
                email = f"info@{slug}-{people.translit(place.town_short)}.ru"
                website = f"https://{slug}-{people.translit(place.town_short)}.ru" if rng.random() < 0.6 else ""
            else:
                legal = kind.legal.format(number=number, genitive=place.genitive)
                short = kind.short.format(number=number)
                inn = _inn(inns.take("71" + rng.choice(TAX_OFFICES), 5))
                licence = self.licence(rng)
                suffix = n if kind.numbered or kind_key in ALWAYS_NUMBERED else ""
                email = f"{kind.email_slug}{suffix}.{people.translit(place.town_short)}@tularegion.org"
                website = ""
            if not kind.key.endswith("_regional") and kind.key != "quantorium":
                short = f"{short} ({place.town_short})"
            status = self.provider_status(rng, kind)
            teachers = [ip_person] if ip_person else [people.adult(rng).full_name for _ in range(1 + rng.randrange(6))]
            provider = ProviderRow(pk, place, kind, status, speciality, address, teachers, ip_person)
            if place is self.demo_place and kind_key == "ddt":
                provider.status = Provider.Status.APPROVED
                provider.teachers = [people.adult(rng).full_name for _ in range(6)]
                self.demo_provider = provider
            self.providers.append(provider)
            rows.append(
                [
                    pk,
                    Provider.Kind.INDIVIDUAL if kind_key == "ip" else Provider.Kind.ORGANIZATION,
                    legal,
                    short,
                    inn,
                    licence,
                    self.municipality_ids[place.name],
                    address,
                    people.landline(rng, place.phone_code),
                    email,
                    website,
                    provider.status,
                    fixed_datetime(rng, date(2019, 1, 9), date(2026, 6, 30)),
                ]
            )
        # Whatever the scale, the registry shows providers in every state of the review.
        for status in (Provider.Status.NEW, Provider.Status.ON_REVIEW, Provider.Status.SUSPENDED):
            if any(p.status == status for p in self.providers):
                continue
            approved = [
                i
                for i, p in enumerate(self.providers)
                if p.status == Provider.Status.APPROVED and p is not self.demo_provider
            ]
            newcomers = [i for i in approved if self.providers[i].kind.key in ("ip", "private", "school", "kinder")]
            index = rng.choice(newcomers or approved)
            self.providers[index].status = status
            rows[index][11] = status
        fields = [
            "id",
            "kind",
            "legal_name",
            "short_name",
            "inn",
            "licence_number",
            "municipality",
            "address",
            "phone",
            "email",
            "website",
            "status",
            "created_at",
        ]
        return copy_rows(Provider, fields, rows)

    @staticmethod
    def provider_status(rng: random.Random, kind: ProviderKind) -> str:
        if kind.municipal:
            return Provider.Status.APPROVED if rng.random() < 0.97 else Provider.Status.SUSPENDED
        roll = rng.random()
        if roll < 0.84:
            return Provider.Status.APPROVED
        if roll < 0.89:
            return Provider.Status.ON_REVIEW
        if roll < 0.94:
            return Provider.Status.NEW
        if roll < 0.98:
            return Provider.Status.SUSPENDED
        return Provider.Status.REJECTED

    @staticmethod
    def licence(rng: random.Random) -> str:
        return f"{LICENCE_AUTHORITY}/00{rng.randrange(100_000, 400_000):06d}"

    @staticmethod
    def address(rng: random.Random, place: Place) -> str:
        house = rng.randrange(1, 120)
        building = f", корп. {rng.randrange(1, 4)}" if rng.random() < 0.1 else ""
        return f"{place.postcode}, Тульская обл., {place.town}, {rng.choice(place.streets)}, д. {house}{building}"

    # --- programs ---------------------------------------------------------------------------

    def template_pool(self, provider: ProviderRow) -> list[Template]:
        profile = provider.kind.profile if provider.kind.profile != "private" else provider.speciality
        pool = [t for t in TEMPLATES if profile in t.profiles and (not t.only_in or provider.place.name in t.only_in)]
        if profile == "kinder":
            pool = [t for t in pool if t.ages[0] <= 6]
        return pool

    def make_programs(self) -> int:
        rng = self.rng("programs")
        directions = {d.code: d.pk for d in Direction.objects.all()}
        weights = [p.kind.programs_weight for p in self.providers]
        extra = self.scale.programs - len(self.providers) - 6
        per_provider = Counter(rng.choices(range(len(self.providers)), weights=weights, k=max(extra, 0)))
        ids = reserve_ids(Program, self.scale.programs)
        next_id = iter(ids)
        rows = []
        for index, provider in enumerate(self.providers):
            count = 1 + per_provider[index]
            pool = self.template_pool(provider)
            chosen: list[Template] = []
            if provider is self.demo_provider:
                forced = ("robotics", "eco", "chess", "izo", "localhistory", "english")
                chosen = [next(t for t in pool if t.key == key) for key in forced]
            used = {t.key for t in chosen}
            while len(chosen) < count + (6 if provider is self.demo_provider else 0):
                # Different programs first; a big centre may then run a second «Шахматы».
                fresh = [t for t in pool if t.key not in used] or pool
                template = rng.choice(fresh)
                used.add(template.key)
                chosen.append(template)
            for position, template in enumerate(chosen):
                forced_row = provider is self.demo_provider and position < 6
                rows.append(self.program_row(rng, next(next_id), provider, template, directions, forced_row))
        fields = [
            "id",
            "provider",
            "title",
            "description",
            "direction",
            "activity_type",
            "age_min",
            "age_max",
            "form",
            "special_needs",
            "venue_address",
            "venue_latitude",
            "venue_longitude",
            "lesson_price",
            "normative_lesson_price",
            "lessons_per_month",
            "funding",
            "status",
            "rating_count",
            "created_at",
            "updated_at",
            "cover",
        ]
        return copy_rows(Program, fields, rows)

    def program_row(
        self,
        rng: random.Random,
        pk: int,
        provider: ProviderRow,
        t: Template,
        directions: dict[str, int],
        forced: bool,
    ) -> tuple:
        place = provider.place
        title = rng.choice(t.titles).format(studio=rng.choice(STUDIOS), land=place.land)
        if rng.random() < 0.15:
            title = f"{title} ({rng.choice(LEVELS)})"
        lo, hi = t.ages
        if provider.kind.profile == "kinder":
            lo, hi = max(lo, 5), min(hi, 7)
        age_min = min(lo + rng.choice((0, 0, 0, 1)), hi)
        age_max = max(hi - rng.choice((0, 0, 0, 1)), min(age_min + 2, hi))
        age_min, age_max = max(age_min, 5), min(age_max, 18)

        roll = rng.random()
        if t.distance and roll < (0.35 if not provider.kind.municipal else 0.1):
            form = Program.Form.DISTANCE
        elif roll > 0.92:
            form = Program.Form.MIXED
        else:
            form = Program.Form.FULL_TIME
        special_needs = rng.random() < t.ovz
        if form == Program.Form.DISTANCE:
            venue = "Дистанционно (онлайн)"
        elif rng.random() < 0.8:
            venue = provider.address
        else:
            venue = self.address(rng, place)
        latitude, longitude = (None, None) if form == Program.Form.DISTANCE else venue_point(place, venue)

        weekly = rng.choices((1, 2, 3), weights=(25, 55, 20))[0]
        factor = 1.1 if place.name == "г. Тула" else 1.0 if place.name.startswith(("г. ", "п. ")) else 0.9
        normative = round10(
            NORMATIVE_BASE[t.direction] * 0.6 * t.price * (t.minutes / 45) ** 0.7 * factor * rng.uniform(0.9, 1.1)
        )
        normative = max(normative, 60)
        funding = self.funding(rng, provider)
        if forced:
            funding = Program.Funding.CERTIFICATE
        if funding == Program.Funding.FREE:
            price = 0
        elif funding == Program.Funding.PAID:
            price = round10(normative * rng.uniform(1.1, 1.8))
        elif rng.random() < 0.8:
            price = round10(normative * rng.uniform(0.8, 1.0))
        else:
            price = round10(normative * rng.uniform(1.1, 1.4))  # above the normative: the parents pay the rest

        status = Program.Status.CERTIFIED if forced else self.program_status(rng, provider.status)
        self.programs.append(ProgramRow(pk, provider, t, age_min, age_max, status, weekly))

        extras = t.about[1:]
        picked = sorted(rng.sample(range(len(extras)), min(len(extras), rng.randrange(0, 3))))
        sentences = [t.about[0], *(extras[i] for i in picked)]
        if special_needs:
            sentences.append(OVZ_SENTENCE)
        elif len(sentences) < 3 and rng.random() < 0.5:
            general = GENERAL_SENTENCES if form == Program.Form.DISTANCE else IN_PERSON_SENTENCES
            sentences.append(rng.choice(general))
        times = "раз" if weekly == 1 else "раза"
        sentences.append(
            DISTANCE_SENTENCE
            if form == Program.Form.DISTANCE
            else f"Занятия проходят {weekly} {times} в неделю по {t.minutes} минут."
        )
        description = " ".join(s.format(land=place.land) for s in sentences[:4])
        created = fixed_datetime(rng, date(2021, 3, 1), date(2026, 8, 20))
        return (
            pk,
            provider.id,
            title,
            description,
            directions[t.direction],
            t.activity,
            age_min,
            age_max,
            form,
            special_needs,
            venue,
            latitude,
            longitude,
            f"{price}.00",
            f"{normative}.00",
            4 * weekly,
            funding,
            status,
            0,
            created,
            created,
            cover_name(t.direction, pk, forced=forced),
        )

    @staticmethod
    def funding(rng: random.Random, provider: ProviderRow) -> str:
        roll = rng.random()
        if provider.kind.municipal:
            if roll < 0.2:
                return Program.Funding.FREE
            return Program.Funding.PAID if roll > 0.96 else Program.Funding.CERTIFICATE
        return Program.Funding.PAID if roll < 0.25 else Program.Funding.CERTIFICATE

    @staticmethod
    def program_status(rng: random.Random, provider_status: str) -> str:
        roll = rng.random()
        if provider_status == Provider.Status.NEW:
            return Program.Status.DRAFT
        if provider_status in (Provider.Status.ON_REVIEW, Provider.Status.REJECTED):
            return Program.Status.ON_REVIEW if roll < 0.6 else Program.Status.DRAFT
        if provider_status == Provider.Status.SUSPENDED:
            return Program.Status.CERTIFIED if roll < 0.7 else Program.Status.ARCHIVED
        if roll < 0.86:
            return Program.Status.CERTIFIED
        if roll < 0.91:
            return Program.Status.ON_REVIEW
        if roll < 0.95:
            return Program.Status.DRAFT
        if roll < 0.98:
            return Program.Status.ARCHIVED
        return Program.Status.REJECTED

    # --- groups and schedules ---------------------------------------------------------------

    def make_groups(self) -> int:
        rng = self.rng("groups")
        extra = self.scale.groups - len(self.programs)
        per_program = Counter(rng.choices(range(len(self.programs)), k=max(extra, 0)))
        ids = reserve_ids(Group, len(self.programs) + max(extra, 0))
        next_id = iter(ids)
        slots: list[tuple] = []
        demo_groups = 0

        def rows() -> Iterator[tuple]:
            nonlocal demo_groups
            for index, program in enumerate(self.programs):
                count = 1 + per_program[index]
                for name, (lo, _hi) in self.group_names(rng, program, count):
                    pk = next(next_id)
                    t = program.template
                    capacity = min(max(rng.randint(*t.capacity), 8), 25)
                    start = rng.choices(
                        (date(2026, 9, 1), date(2026, 9, 7), date(2026, 9, 14), date(2026, 9, 15), date(2026, 10, 1)),
                        weights=(50, 15, 15, 10, 10),
                    )[0]
                    end = rng.choices(
                        (date(2027, 5, 31), date(2027, 5, 29), date(2027, 5, 25), date(2027, 5, 20)),
                        weights=(50, 20, 20, 10),
                    )[0]
                    if program.status == Program.Status.CERTIFIED:
                        is_open = rng.random() < 0.88 or program.provider is self.demo_provider
                    else:
                        is_open = False
                    teacher = rng.choice(program.provider.teachers)
                    # The demo provider's k-th group has its days shifted by k: with six groups or more it
                    # meets on every day from Monday to Saturday, whatever the draws.
                    shift = demo_groups if program.provider is self.demo_provider else 0
                    demo_groups += program.provider is self.demo_provider
                    slots.extend(self.schedule(rng, pk, program, lo, shift=shift))
                    yield (pk, program.id, name, teacher, capacity, start, end, is_open)

        count = copy_rows(
            Group, ["id", "program", "name", "teacher", "capacity", "start_date", "end_date", "enrollment_open"], rows()
        )
        count += copy_rows(ScheduleSlot, ["group", "weekday", "start_time", "end_time", "room"], slots)
        return count

    @staticmethod
    def group_names(rng: random.Random, program: ProgramRow, count: int) -> list[tuple[str, tuple[int, int]]]:
        """Names of a program's groups, with the youngest age each group takes."""
        ages = (program.age_min, program.age_max)
        style = rng.randrange(3)
        span = program.age_max - program.age_min
        if style == 2 and 2 <= count <= 3 and span >= 2 * count - 1:
            bounds = [program.age_min + span * i // count for i in range(count + 1)]
            labels = ("Младшая группа", "Старшая группа") if count == 2 else ("Младшая", "Средняя", "Старшая")
            result = []
            for i, label in enumerate(labels):
                lo, hi = bounds[i] + (1 if i else 0), bounds[i + 1]
                name = label if label.endswith("группа") else f"{label} группа"
                result.append((f"{name} ({lo}–{hi} лет)", (lo, hi)))
            return result
        if style == 1 and count <= 4:
            return [(f"{i}-й год обучения", ages) for i in range(1, count + 1)]
        return [(f"Группа {i}", ages) for i in range(1, count + 1)]

    @staticmethod
    def schedule(
        rng: random.Random, group_id: int, program: ProgramRow, youngest: int, *, shift: int = 0
    ) -> list[tuple]:
        t = program.template
        patterns = {
            1: ((0,), (1,), (2,), (3,), (4,), (5,)),
            2: ((0, 2), (1, 3), (2, 4), (0, 3), (1, 4), (3, 5)),
            3: ((0, 2, 4), (1, 3, 5), (0, 2, 5)),
        }
        days = rng.choice(patterns[program.weekly])
        if shift:
            days = tuple(sorted((day + shift) % 6 for day in days))
        minutes = t.minutes
        preschool = program.age_max <= 8 and youngest <= 6
        latest = 20 * 60 - minutes
        if preschool:
            weekday_starts = [570, 600, 630, 660, 960, 990, 1020, 1050]
        else:
            weekday_starts = list(range(13 * 60 + 30, latest + 1, 15))
        saturday_starts = list(range(9 * 60, 15 * 60 + 1, 30))
        start = rng.choice(weekday_starts)
        room = t.room
        if "абинет" in room or room == "Компьютерный класс":
            room = f"{room}, каб. {rng.randrange(1, 4)}{rng.randrange(0, 3)}{rng.randrange(1, 10)}"
        slots = []
        for day in days:
            begin = rng.choice(saturday_starts) if day == 5 else start
            end = begin + minutes
            slots.append((group_id, day, _clock(begin), _clock(end), room))
        return slots

    # --- parents and children ---------------------------------------------------------------

    def make_families(self) -> int:
        rng = self.rng("families")
        oids = UniqueDigits(rng)
        weights = [p.weight + (self.scale.demo_weight if p is self.demo_place else 0) for p in self.places]
        if self.scale.bulk_certificates:
            targets = apportion(self.scale.children, weights)
        else:
            targets = apportion(self.scale.parents, weights)
        plan: list[tuple[Place, int]] = []  # (place, number of children) per family
        for place, target in zip(self.places, targets, strict=True):
            if self.scale.bulk_certificates:
                left = target
                while left > 0:
                    size = min(rng.choices((1, 2, 3), weights=(35, 35, 30))[0], left)
                    plan.append((place, size))
                    left -= size
            else:
                plan += [(place, rng.choices((1, 2, 3), weights=(35, 35, 30))[0]) for _ in range(target)]
        parent_ids = reserve_ids(User, len(plan))
        child_ids = iter(reserve_ids(Child, sum(size for _place, size in plan)))
        users: list[tuple] = []
        kids: list[tuple] = []
        links: list[tuple[int, int]] = []
        for parent_id, (place, size) in zip(parent_ids, plan, strict=True):
            female = rng.random() < 0.75
            base = rng.choice(people.SURNAMES)
            father = rng.choice(people.MALE_ADULT)
            if female:
                parent = people.Person(
                    people.surname_for(base, True),
                    rng.choice(people.FEMALE_ADULT),
                    rng.choice(people.MALE_ADULT)[2],
                    True,
                )
            else:
                parent = people.Person(base, father[0], rng.choice(people.MALE_ADULT)[1], False)
            oid = oids.take("1", 9)
            users.append(
                (
                    parent_id,
                    "!" + "".join(rng.choices("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", k=40)),
                    False,
                    f"esia-{oid}",
                    parent.first_name,
                    parent.last_name,
                    people.email_for(rng, parent),
                    False,
                    True,
                    fixed_datetime(rng, date(2022, 1, 10), date(2026, 8, 31)),
                    Role.PARENT,
                    parent.middle_name,
                    people.mobile_phone(rng, MOBILE_CODES),
                    self.snils.take(),
                    oid,
                )
            )
            for _ in range(size):
                child_id = next(child_ids)
                girl = rng.random() < 0.5
                kid = people.child_of(rng, family_surname=base, father_name=father[0], female=girl)
                age = rng.randrange(5, 18)
                born = date(REFERENCE_DAY.year - age - 1, 9, 2) + timedelta(days=rng.randrange(365))
                kids.append(
                    (
                        child_id,
                        kid.last_name,
                        kid.first_name,
                        kid.middle_name,
                        born,
                        Child.Sex.FEMALE if girl else Child.Sex.MALE,
                        self.snils.take(),
                        self.municipality_ids[place.name],
                        fixed_datetime(rng, date(2022, 1, 10), date(2026, 8, 31)),
                    )
                )
                links.append((child_id, parent_id))
                self.children.append((child_id, place.name, born))
                self.children_per_place[place.name] += 1
        user_fields = [
            "id",
            "password",
            "is_superuser",
            "username",
            "first_name",
            "last_name",
            "email",
            "is_staff",
            "is_active",
            "date_joined",
            "role",
            "middle_name",
            "phone",
            "snils",
            "esia_oid",
        ]
        count = copy_rows(User, user_fields, users)
        count += copy_rows(
            Child,
            [
                "id",
                "last_name",
                "first_name",
                "middle_name",
                "birth_date",
                "sex",
                "snils",
                "municipality",
                "created_at",
            ],
            kids,
        )
        # The families come from Gosuslugi: their links to their children are confirmed.
        count += copy_rows(
            ParentLink,
            ["child", "user", "confirmation", "confirmed_at"],
            ((child_id, user_id, ParentLink.Confirmation.ESIA, ISSUED_AT) for child_id, user_id in links),
        )
        return count

    # --- funding periods and certificates ---------------------------------------------------

    def make_periods(self) -> int:
        rng = self.rng("periods")
        periods = []
        for place in self.places:
            nominal = 12_000 if place is self.demo_place else rng.choice(NOMINALS)
            children = self.children_per_place[place.name]
            if self.scale.bulk_certificates:
                limit = max(100, math.ceil(children * 1.05 / 100) * 100)
            elif place.name == "Ясногорский район":
                limit = 2  # a small limit, so the demo also shows accounting certificates and the queue
            else:
                limit = max(20, math.ceil(children * 1.2 / 10) * 10)
            self.nominals[place.name] = nominal
            periods.append(
                FundingPeriod(
                    municipality_id=self.municipality_ids[place.name],
                    name=PERIOD_NAME,
                    start_date=PERIOD_START,
                    end_date=PERIOD_END,
                    nominal=nominal,
                    max_funded_certificates=limit,
                    total_budget=nominal * limit,
                    billing_policy=BillingPolicy.MONTHLY if place.name in MONTHLY_BILLING else BillingPolicy.PER_LESSON,
                )
            )
        created = FundingPeriod.objects.bulk_create(periods)
        self.period_ids = {place.name: p.pk for place, p in zip(self.places, created, strict=True)}
        return len(created)

    def issue_certificates(self) -> int:
        """Small demo: about half the children get their certificate through the portal's service."""
        rng = self.rng("certificates")
        chosen = [child_id for child_id, _place, _born in self.children if rng.random() < 0.5]
        for child in Child.objects.filter(pk__in=chosen).select_related("municipality").order_by("pk"):
            certificate_issue(child=child)
        return len(chosen)

    def make_certificates_bulk(self) -> int:
        """Full scale: every child holds a funded certificate with this period's nominal credited."""
        certificate_ids = reserve_ids(Certificate, len(self.children))
        account_ids = reserve_ids(CertificateAccount, len(self.children))
        sequence: Counter[str] = Counter()
        codes = {p.name: p.code for p in self.places}
        certificates, accounts, entries = [], [], []
        for (child_id, place_name, born), certificate_id, account_id in zip(
            self.children, certificate_ids, account_ids, strict=True
        ):
            sequence[place_name] += 1
            number = certificate_number(
                region_code=REGION_CODE, municipality_code=codes[place_name], sequence=sequence[place_name]
            )
            municipality_id = self.municipality_ids[place_name]
            certificates.append(
                (
                    certificate_id,
                    child_id,
                    number,
                    municipality_id,
                    Certificate.Status.ACTIVE,
                    ISSUED_AT,
                    certificate_valid_until(born),
                )
            )
            accounts.append((account_id, certificate_id, self.period_ids[place_name], "0.00", "0.00", "0.00"))
            entries.append(
                (
                    account_id,
                    LedgerEntry.Kind.OPEN,
                    f"{self.nominals[place_name]}.00",
                    "0.00",
                    "0.00",
                    account_open_key(account_id),  # the key account_open() uses, so opening again credits nothing
                    f"Номинал на период «{PERIOD_NAME}»",
                    ISSUED_AT,
                )
            )
        count = copy_rows(
            Certificate,
            ["id", "child", "number", "municipality", "status", "issued_at", "valid_until"],
            certificates,
        )
        count += copy_rows(
            CertificateAccount, ["id", "certificate", "period", "nominal", "reserved", "spent"], accounts
        )
        count += copy_rows(
            LedgerEntry,
            [
                "account",
                "kind",
                "nominal_delta",
                "reserved_delta",
                "spent_delta",
                "idempotency_key",
                "description",
                "created_at",
            ],
            entries,
        )
        # Each period counts the funded accounts opened in it (the acceptance service keeps counting).
        for place_name, period_id in self.period_ids.items():
            FundingPeriod.objects.filter(pk=period_id).update(funded_accounts=sequence[place_name])
        return count

    # --- logins and statistics --------------------------------------------------------------

    def make_logins(self) -> int:
        assert self.demo_provider is not None
        self.report.logins = create_demo_logins(
            rng=self.rng("logins"),
            snils=self.snils.take,
            municipality_id=self.municipality_ids[self.demo_place.name],
            provider_id=self.demo_provider.id,
        )
        return len(self.report.logins)

    def make_favourites(self) -> int:
        return make_demo_favourites(municipality_id=self.municipality_ids[self.demo_place.name])

    def make_contracts(self) -> int:
        assert self.demo_provider is not None
        return make_demo_contracts(
            rng=self.rng("contracts"),
            provider_id=self.demo_provider.id,
            municipality_id=self.municipality_ids[self.demo_place.name],
        )

    def make_billing(self) -> int:
        assert self.demo_provider is not None
        return make_demo_billing(rng=self.rng("billing"), provider_id=self.demo_provider.id)

    def make_ratings(self) -> int:
        assert self.demo_provider is not None
        return make_demo_ratings(provider_id=self.demo_provider.id)

    def analyze(self) -> int:
        tables = [
            m._meta.db_table
            for m in (Provider, Program, Group, ScheduleSlot, User, Child, Certificate, CertificateAccount, LedgerEntry)
        ]
        tables.append(Child.parents.through._meta.db_table)
        with connection.cursor() as cursor:
            for table in tables:
                cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")
        return 0


def _inn(body: str) -> str:
    return inn_with_checksum(body)


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}:00"


def region_is_loaded() -> bool:
    return Municipality.objects.exists()


def generate_region(*, scale: str = "small", seed: int = 71, log: Callable[[str], None] | None = None) -> Report:
    """Fill an empty database with the demo region (see the module docstring)."""
    return RegionGenerator(scale=SCALES[scale], seed=seed, log=log).run()
