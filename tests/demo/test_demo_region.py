"""The demo region: `manage.py demo_region` fills an empty database with a believable Тульская область."""

from __future__ import annotations

import hashlib
from collections import Counter
from datetime import date, time
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError
from django.db.models import Count, F
from django.test import TestCase
from django.urls import reverse

from accounts.models import Role, User
from accounts.roles import MUNICIPAL, TEACHER
from billing.attendance import has_lesson_today
from billing.models import AttendanceMark, Charge, Dispute
from catalog.models import Direction, Group, Municipality, Program, Provider, ScheduleSlot
from certificates.ledger_keys import account_open_key
from certificates.models import (
    BillingPolicy,
    Certificate,
    CertificateAccount,
    Child,
    FundingPeriod,
    LedgerEntry,
)
from certificates.services import account_open, certificate_issue
from core.validators import inn_is_valid, snils_is_valid
from demo.generator import REFERENCE_DAY, SCHOOL_YEAR_END, SCHOOL_YEAR_START, RegionGenerator, Scale
from demo.logins import DEMO_PASSWORD
from enrollments.models import Enrollment, EnrollmentStatus
from tests.demo.region import load


def fingerprint() -> str:
    """A checksum of the generated content that does not depend on primary keys."""
    parts = [
        sorted(Program.objects.values_list("title", flat=True)),
        sorted(Program.objects.values_list("description", flat=True)),
        sorted(Provider.objects.values_list("inn", "short_name")),
        sorted(Group.objects.values_list("program__title", "name", "teacher", "capacity")),
        sorted(Child.objects.values_list("snils", "last_name", "first_name", "birth_date")),
        sorted(Certificate.objects.values_list("number", "child__snils")),
        # The demo's billing (made from today's date: the same on one day).
        sorted(AttendanceMark.objects.values_list("enrollment__child__snils", "lesson__date", "status", "version")),
        sorted(Charge.objects.values_list("enrollment__child__snils", "service_date", "certificate_amount")),
        sorted(Dispute.objects.values_list("charge__enrollment__child__snils", "lesson__date", "status")),
    ]
    return hashlib.sha256(repr(parts).encode()).hexdigest()


@pytest.mark.django_db
@pytest.mark.usefixtures("small_region")
class TestSmallRegion:
    def test_prints_the_demo_logins(self, small_region):
        for username in ("parent", "provider", "teacher", "municipal", "admin"):
            assert username in small_region
        assert DEMO_PASSWORD in small_region

    def test_real_municipalities_with_plavsky_district(self):
        assert Municipality.objects.count() == 25
        plavsk = Municipality.objects.get(name="Плавский район")
        assert plavsk.region_code == "71"
        assert set(Municipality.objects.values_list("region_code", flat=True)) == {"71"}
        assert Municipality.objects.filter(name__in=["г. Тула", "г. Новомосковск", "Щёкинский район"]).count() == 3

    def test_municipality_codes_are_two_unique_digits(self):
        codes = list(Municipality.objects.values_list("code", flat=True))
        assert all(len(code) == 2 and code.isdigit() for code in codes)
        assert len(set(codes)) == len(codes)

    def test_every_provider_inn_validates(self):
        inns = list(Provider.objects.values_list("inn", flat=True))
        assert len(inns) == 60
        assert all(inn_is_valid(inn) for inn in inns)
        kinds = set(Provider.objects.values_list("kind", flat=True))
        assert kinds == {Provider.Kind.ORGANIZATION, Provider.Kind.INDIVIDUAL}
        assert not Provider.objects.filter(kind=Provider.Kind.ORGANIZATION, licence_number="").exists()

    def test_providers_in_every_review_state(self):
        statuses = Counter(Provider.objects.values_list("status", flat=True))
        assert statuses[Provider.Status.APPROVED] > 45
        for status in (Provider.Status.NEW, Provider.Status.ON_REVIEW, Provider.Status.SUSPENDED):
            assert statuses[status] >= 1

    def test_every_snils_validates_and_is_unique(self):
        children = list(Child.objects.values_list("snils", flat=True))
        assert len(children) > 400
        assert all(snils_is_valid(s) for s in children)
        parents = list(User.objects.exclude(snils=None).values_list("snils", flat=True))
        assert all(snils_is_valid(s) for s in parents)
        assert len(set(children) | set(parents)) == len(children) + len(parents)

    def test_every_direction_has_certified_programs_in_the_catalog(self):
        for direction in Direction.objects.all():
            catalog = Program.objects.filter(
                direction=direction, status=Program.Status.CERTIFIED, provider__status=Provider.Status.APPROVED
            )
            assert catalog.count() >= 10, direction
            assert catalog.filter(provider__municipality__name="Плавский район").exists(), direction

    def test_programs_are_plausible(self):
        assert Program.objects.count() == 400
        assert not Program.objects.filter(age_min__lt=5).exists()
        assert not Program.objects.filter(age_max__gt=18).exists()
        assert not Program.objects.filter(age_min__gt=F("age_max")).exists()
        funding = Counter(Program.objects.values_list("funding", flat=True))
        assert funding[Program.Funding.CERTIFICATE] > funding[Program.Funding.FREE] > 0
        assert funding[Program.Funding.PAID] > 0
        assert not Program.objects.filter(funding=Program.Funding.FREE).exclude(lesson_price=0).exists()
        certificate = Program.objects.filter(funding=Program.Funding.CERTIFICATE)
        copayment = certificate.filter(lesson_price__gt=F("normative_lesson_price")).count()
        assert 0 < copayment < certificate.count() / 2
        assert Program.objects.filter(special_needs=True).exists()
        statuses = set(Program.objects.values_list("status", flat=True))
        assert {Program.Status.CERTIFIED, Program.Status.DRAFT, Program.Status.ON_REVIEW} <= statuses
        for description in Program.objects.values_list("description", flat=True)[:50]:
            assert 2 <= description.count(".") <= 6

    def test_groups_and_schedules_fit_the_school_year(self):
        assert Group.objects.count() == 600
        assert not Group.objects.filter(capacity__lt=8).exists()
        assert not Group.objects.filter(capacity__gt=25).exists()
        assert not Group.objects.filter(start_date__lt=SCHOOL_YEAR_START).exists()
        assert not Group.objects.filter(end_date__gt=SCHOOL_YEAR_END).exists()
        assert Group.objects.filter(enrollment_open=True).count() > Group.objects.count() / 2
        per_group = Counter(Group.objects.annotate(n=Count("schedule")).values_list("n", flat=True))
        assert set(per_group) <= {1, 2, 3}
        assert not ScheduleSlot.objects.filter(start_time__lt=time(9, 0)).exists()
        assert not ScheduleSlot.objects.filter(end_time__gt=time(20, 0)).exists()
        assert all(g.teacher.count(" ") == 2 for g in Group.objects.all()[:50])

    def test_families(self):
        parents = User.objects.filter(role=Role.PARENT)
        assert 280 <= parents.count() <= 320
        assert set(parents.annotate(n=Count("children")).values_list("n", flat=True)) <= {1, 2, 3}
        assert not parents.exclude(username="parent").filter(password__startswith="pbkdf2").exists()
        for child in Child.objects.all():
            assert 5 <= child.age_on(REFERENCE_DAY) <= 17

    def test_funding_periods(self):
        periods = FundingPeriod.objects.all()
        assert periods.count() == 25
        for period in periods:
            assert (period.start_date, period.end_date) == (date(2026, 9, 1), date(2027, 8, 31))
            assert period.total_budget == period.nominal * period.max_funded_certificates
        monthly = periods.filter(billing_policy=BillingPolicy.MONTHLY).count()
        assert 1 <= monthly <= 2
        assert periods.get(municipality__name="Плавский район").billing_policy == BillingPolicy.PER_LESSON

    def test_about_half_the_children_hold_certificates_and_contracts_hold_money(self):
        children = Child.objects.count()
        certificates = Certificate.objects.count()
        assert children * 0.35 < certificates < children * 0.65
        # Accounts open with the contracts that need money: each has its period's nominal, part of it
        # reserved for the contract.
        accounts = list(CertificateAccount.objects.select_related("period"))
        assert accounts
        for account in accounts:
            assert account.nominal == account.period.nominal
            assert account.available + account.reserved + account.spent == account.nominal
            assert account.reserved > 0
        number = Certificate.objects.filter(municipality__name="Плавский район").values_list("number", flat=True)[0]
        plavsk = Municipality.objects.get(name="Плавский район")
        assert number.startswith("71" + plavsk.code) and len(number) == 10

    def test_demo_logins(self):
        roles = dict(
            User.objects.filter(username__in=["parent", "provider", "municipal", "admin"]).values_list(
                "username", "role"
            )
        )
        assert roles == {
            "parent": Role.PARENT,
            "provider": Role.PROVIDER,
            "municipal": Role.MUNICIPAL,
            "admin": Role.REGIONAL,
        }
        parent = User.objects.get(username="parent")
        assert parent.check_password(DEMO_PASSWORD)
        children = list(parent.children.all())
        assert len(children) == 2
        assert {c.municipality.name for c in children} == {"Плавский район"}
        # Both children have certificates (the younger's issued on her first application), and the elder's
        # contract opened his funded account for the period.
        assert Certificate.objects.filter(child__in=children).count() == 2
        assert CertificateAccount.objects.filter(certificate__child__in=children).count() == 1
        provider = User.objects.get(username="provider")
        assert provider.provider.municipality.name == "Плавский район"
        assert provider.provider.status == Provider.Status.APPROVED
        municipal = User.objects.get(username="municipal")
        assert municipal.is_staff and not municipal.is_superuser
        assert municipal.municipality.name == "Плавский район"
        assert municipal.groups.filter(name=MUNICIPAL).exists()
        assert municipal.has_perm("catalog.change_program")
        assert municipal.has_perm("certificates.view_ledgerentry")
        assert not municipal.has_perm("certificates.change_ledgerentry")
        admin = User.objects.get(username="admin")
        assert admin.is_superuser and admin.is_staff

    def test_the_enrollment_flow_is_there_to_see(self):
        """The demo parent: a contract with money reserved and an application waiting for an offer; the
        demo provider: new applications in its inbox."""
        parent = User.objects.get(username="parent")
        contracts = Enrollment.objects.filter(child__parents=parent, status=EnrollmentStatus.ACTIVE)
        assert contracts.count() == 1
        contract = contracts.get()
        assert contract.reserve_remaining > 0 and contract.accepted_by == parent
        assert Enrollment.objects.filter(child__parents=parent, status=EnrollmentStatus.SUBMITTED).count() == 1
        provider = User.objects.get(username="provider").provider
        inbox = Enrollment.objects.filter(group__program__provider=provider, status=EnrollmentStatus.SUBMITTED)
        assert inbox.count() >= 6

    def test_the_demo_provider_has_groups_on_every_weekday_pupils_and_a_teacher_login(self, client):
        provider = User.objects.get(username="provider").provider
        weekdays = set(ScheduleSlot.objects.filter(group__program__provider=provider).values_list("weekday", flat=True))
        assert weekdays >= {0, 1, 2, 3, 4, 5}
        teacher = User.objects.get(username="teacher")
        assert (teacher.role, teacher.provider, teacher.is_active) == (Role.PROVIDER, provider, True)
        assert list(teacher.groups.values_list("name", flat=True)) == [TEACHER]
        own = Group.objects.filter(teacher_user=teacher)
        assert own.exists() and all(group.teacher == teacher.full_name for group in own)
        # The demo contract's group is the teacher's: they have pupils and a register.
        contract = Enrollment.objects.get(child__parents__username="parent", status=EnrollmentStatus.ACTIVE)
        assert contract.group.teacher_user == teacher
        assert client.login(username="teacher", password=DEMO_PASSWORD)
        listed = client.get(reverse("api:provider-group-list") + "?page=1").json()
        assert listed["count"] == own.count()
        assert client.get(reverse("workplace:pupils", args=[contract.group_id])).status_code == 200
        assert client.get(reverse("workplace:earnings")).status_code == 403

    def test_the_demo_provider_reaches_the_attendance_register(self, client):
        """From the workplace home to the register of the demo contract's group (marks come later)."""
        assert client.login(username="provider", password=DEMO_PASSWORD)
        home = client.get(reverse("workplace:home")).content.decode()
        assert f'href="{reverse("workplace:attendance")}"' in home
        contract = Enrollment.objects.get(child__parents__username="parent", status=EnrollmentStatus.ACTIVE)
        register_url = reverse("workplace:register", args=[contract.group_id])
        # The home page lists today's lessons only: the group's register is there on its lesson days.
        if has_lesson_today(contract.group):
            assert register_url in home
        attendance = client.get(reverse("workplace:attendance"))
        assert attendance.status_code == 200 and register_url in attendance.content.decode()
        register = client.get(reverse("workplace:register", args=[contract.group_id]))
        assert register.status_code == 200
        assert contract.group.program.title in register.content.decode()

    def test_program_pages_show_covers_contacts_and_a_months_cost(self, client):
        """The demo provider's showcase programs have their direction's cover (the file is there), every
        fifth program has none (the placeholder), and providers have their contacts."""
        provider = User.objects.get(username="provider").provider
        showcase = Program.objects.filter(provider=provider, title__icontains="Робототехника", listed=True).first()
        assert showcase is not None and showcase.cover.name
        assert Path(settings.MEDIA_ROOT, showcase.cover.name).is_file()
        covered = Program.objects.exclude(cover="").count()
        assert 0.7 < covered / Program.objects.count() < 0.9
        assert provider.phone and provider.email and provider.address

        page = client.get(reverse("program", args=[showcase.pk])).content.decode()

        assert 'class="program-cover__img"' in page and f"Обложка программы «{showcase.title}»" in page
        assert "Контакты организации" in page and provider.phone in page
        assert 'data-testid="month-cost"' in page
        assert client.get(showcase.cover.url).status_code == 200

    @pytest.mark.parametrize("username", ["municipal", "admin"])
    def test_staff_logins_see_the_program_changelist(self, client, username):
        assert client.login(username=username, password=DEMO_PASSWORD)
        response = client.get("/admin/catalog/program/")
        assert response.status_code == 200
        response = client.get("/admin/catalog/program/", {"q": "Робототехника"})
        assert response.status_code == 200
        assert "Робототехника" in response.content.decode()

    def test_certificate_numbers_continue_after_the_demo(self):
        plavsk = Municipality.objects.get(name="Плавский район")
        numbers = Certificate.objects.filter(municipality=plavsk).values_list("number", flat=True)
        before = max(int(number[4:]) for number in numbers)
        child = Child.objects.filter(municipality=plavsk, certificate__isnull=True).first()
        certificate = certificate_issue(child=child)
        assert int(certificate.number[4:]) > before  # the sequence goes on after the demo's numbers


@pytest.mark.django_db
def test_if_empty_loads_once():
    first = load("--scale", "tiny", "--if-empty")
    counts = (Municipality.objects.count(), Provider.objects.count(), Program.objects.count(), User.objects.count())
    second = load("--scale", "tiny", "--if-empty")
    assert "parent" in first
    assert "уже есть" in second
    assert counts == (
        Municipality.objects.count(),
        Provider.objects.count(),
        Program.objects.count(),
        User.objects.count(),
    )


@pytest.mark.django_db
def test_quiet_load_says_one_line_and_nothing_when_there_is_nothing_to_do():
    # ./run loads at verbosity 0: its banner gives the logins, and its later starts say nothing here.
    first = load("--scale", "tiny", "--if-empty", "--verbosity", "0")
    assert first.startswith("Демо-данные:") and first.count("\n") == 1
    assert load("--scale", "tiny", "--if-empty", "--verbosity", "0") == ""


@pytest.mark.django_db
def test_refuses_a_database_that_has_data():
    load("--scale", "tiny")
    with pytest.raises(CommandError):
        load("--scale", "tiny")


def _generate_and_forget(*args: str) -> str:
    atomics = TestCase._enter_atomics()  # as in small_region: the services' durable transactions run inside
    try:
        load(*args)
        result = fingerprint()
    finally:
        TestCase._rollback_atomics(atomics)
    assert not Municipality.objects.exists()
    return result


@pytest.mark.django_db
def test_same_seed_same_data_other_seed_other_data():
    first = _generate_and_forget("--scale", "tiny", "--seed", "5")
    again = _generate_and_forget("--scale", "tiny", "--seed", "5")
    other = _generate_and_forget("--scale", "tiny", "--seed", "6")
    assert first == again
    assert first != other


@pytest.mark.django_db
def test_bulk_certificates_as_at_full_scale():
    """The full-scale path in miniature: every child gets a funded certificate through COPY."""
    scale = Scale("bulk-test", providers=32, programs=60, groups=80, children=250)
    report = RegionGenerator(scale=scale, seed=3).run()
    assert {p.name for p in report.phases} >= {"certificates+accounts+ledger", "analyze"}
    assert Child.objects.count() == 250 + 2  # and the demo parent's two
    assert CertificateAccount.objects.count() == 250  # the demo parent's elder has a certificate, not yet an account
    # The ledger trigger credited every account with its period's nominal.
    for account in CertificateAccount.objects.select_related("period"):
        assert account.nominal == account.period.nominal
    assert LedgerEntry.objects.filter(kind=LedgerEntry.Kind.OPEN).count() == 250
    # The bulk rows carry the ledger's own key: opening a bulk-loaded account again credits nothing.
    account = CertificateAccount.objects.select_related("certificate", "period").first()
    assert LedgerEntry.objects.get(account=account).idempotency_key == account_open_key(account.pk)
    assert account_open(certificate=account.certificate, period=account.period).nominal == account.period.nominal
    assert LedgerEntry.objects.filter(account=account).count() == 1
    for municipality in Municipality.objects.all():
        numbers = sorted(Certificate.objects.filter(municipality=municipality).values_list("number", flat=True))
        if not numbers:
            continue
        assert numbers == [f"71{municipality.code}{i:06d}" for i in range(1, len(numbers) + 1)]
        period = FundingPeriod.objects.get(municipality=municipality)
        assert period.funded_accounts == CertificateAccount.objects.filter(period=period).count()
        assert period.max_funded_certificates >= len(numbers)
