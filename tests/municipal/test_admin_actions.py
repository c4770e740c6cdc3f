"""What a municipal officer changes in the admin goes through a service: provider and program decisions,
freezing certificates, funding periods with their checks. A raw form post never moves money or a status."""

from decimal import Decimal

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.models import LogEntry
from django.urls import reverse
from django.utils import timezone

from catalog.models import Program, Provider
from catalog.selectors import visible_programs
from certificates.models import Certificate, FundingPeriod
from enrollments.eligibility import CertificateNotActive
from notices.models import Notification
from tests.accounts.factories import ProviderStaffFactory
from tests.catalog.factories import ProgramFactory, ProviderFactory
from tests.certificates.factories import CertificateFactory, FundingPeriodFactory, funded_account, school_year_of
from tests.enrollments.factories import child_in, group_with_lessons, offered, parent_of

pytestmark = pytest.mark.django_db


def act(client, model: str, action: str, pk: int, reason: str | None = "Документы проверены"):
    """Choose the action on the changelist (the confirmation page), then confirm it with the reason."""
    url = reverse(f"admin:{model}_changelist")
    page = client.post(url, {"action": action, ACTION_CHECKBOX_NAME: [pk], "index": 0})
    assert page.status_code == 200 and "Подтвердить" in page.content.decode()
    data = {"action": action, ACTION_CHECKBOX_NAME: [pk], "confirm": "yes"}
    if reason is not None:
        data["reason"] = reason
    return client.post(url, data)


@pytest.fixture
def officer(client, operator_of):
    def login(municipality):
        user = operator_of(municipality)
        client.force_login(user)
        return user

    return login


# --- Providers ---------------------------------------------------------------------------------------------


def test_a_provider_is_approved_rejected_and_suspended_with_a_notice_to_its_staff(client, officer):
    provider = ProviderFactory(status=Provider.Status.ON_REVIEW)
    staff = ProviderStaffFactory(provider=provider)
    officer(provider.municipality)

    # A rejection without a reason is refused on the confirmation page.
    page = act(client, "catalog_provider", "reject", provider.pk, reason="")
    assert page.status_code == 200 and "Обязательное поле" in page.content.decode()
    provider.refresh_from_db()
    assert provider.status == Provider.Status.ON_REVIEW

    assert act(client, "catalog_provider", "approve", provider.pk).status_code == 302
    provider.refresh_from_db()
    assert provider.status == Provider.Status.APPROVED
    assert Notification.objects.filter(user=staff, title__contains="допущена").exists()

    assert act(client, "catalog_provider", "suspend", provider.pk, reason="Лицензия отозвана").status_code == 302
    provider.refresh_from_db()
    assert provider.status == Provider.Status.SUSPENDED
    notice = Notification.objects.filter(user=staff, title__contains="приостановлено").get()
    assert "Лицензия отозвана" in notice.body
    assert LogEntry.objects.filter(object_id=str(provider.pk), change_message__contains="Лицензия отозвана").exists()


def test_a_provider_under_review_is_rejected_with_the_reason_told(client, officer):
    provider = ProviderFactory(status=Provider.Status.NEW)
    staff = ProviderStaffFactory(provider=provider)
    officer(provider.municipality)

    act(client, "catalog_provider", "reject", provider.pk, reason="Нет лицензии")

    provider.refresh_from_db()
    assert provider.status == Provider.Status.REJECTED
    assert "Нет лицензии" in Notification.objects.get(user=staff).body


# --- Programs ----------------------------------------------------------------------------------------------


def test_a_certified_program_appears_in_the_catalog_and_an_archived_one_leaves_it(client, officer):
    program = ProgramFactory(status=Program.Status.ON_REVIEW)
    officer(program.provider.municipality)
    assert program not in visible_programs()

    act(client, "catalog_program", "certify", program.pk, reason="")

    program.refresh_from_db()
    assert program.status == Program.Status.CERTIFIED
    assert visible_programs().filter(pk=program.pk).exists()

    act(client, "catalog_program", "archive", program.pk, reason="Программа больше не ведётся")
    program.refresh_from_db()
    assert program.status == Program.Status.ARCHIVED and program.review_comment == "Программа больше не ведётся"
    assert not visible_programs().filter(pk=program.pk).exists()


def test_a_program_is_rejected_with_a_reason(client, officer):
    program = ProgramFactory(status=Program.Status.ON_REVIEW)
    officer(program.provider.municipality)

    act(client, "catalog_program", "reject", program.pk, reason="Нет учебного плана")

    program.refresh_from_db()
    assert program.status == Program.Status.REJECTED and program.review_comment == "Нет учебного плана"


# --- Certificates ------------------------------------------------------------------------------------------


def test_a_frozen_certificate_cannot_take_an_offer_until_unfrozen(client, officer):
    period = FundingPeriodFactory(year=school_year_of(timezone.localdate()))
    offer = offered(child_in(period), group_with_lessons())
    certificate = offer.certificate
    officer(certificate.municipality)

    act(client, "certificates_certificate", "freeze", certificate.pk, reason="Ребёнок переехал")
    certificate.refresh_from_db()
    assert certificate.status == Certificate.Status.FROZEN
    assert Notification.objects.filter(user=parent_of(offer.child), title__contains="приостановлен").exists()

    from enrollments.contracts import enrollment_accept

    with pytest.raises(CertificateNotActive):
        enrollment_accept(parent=parent_of(offer.child), enrollment_id=offer.pk)

    act(client, "certificates_certificate", "unfreeze", certificate.pk, reason="Документы получены")
    certificate.refresh_from_db()
    assert certificate.status == Certificate.Status.ACTIVE
    assert enrollment_accept(parent=parent_of(offer.child), enrollment_id=offer.pk).changed


def test_the_registry_finds_a_certificate_by_number_or_the_childs_name(client, officer):
    certificate, other = CertificateFactory(), CertificateFactory()
    officer(certificate.municipality)
    url = reverse("admin:certificates_certificate_changelist")

    for term in (certificate.number, certificate.child.last_name):
        found = client.get(url, {"q": term}).context["cl"].result_list
        assert list(found) == [certificate]
    assert other not in client.get(url).context["cl"].result_list


# --- Funding periods ---------------------------------------------------------------------------------------


def period_post(period: FundingPeriod, **changes) -> dict:
    data = {
        "municipality": period.municipality_id,
        "name": period.name,
        "start_date": period.start_date.isoformat(),
        "end_date": period.end_date.isoformat(),
        "nominal": str(period.nominal),
        "max_funded_certificates": period.max_funded_certificates,
        "total_budget": str(period.total_budget),
        "billing_policy": period.billing_policy,
        "direction_cap": period.direction_cap or "",
        "accepting_contracts": "on" if period.accepting_contracts else "",
        "review_days": period.review_days,
        "offer_days": period.offer_days,
        "dispute_days": period.dispute_days,
    }
    data.update(changes)
    return data


def test_funding_period_figures_never_go_below_what_is_issued_and_the_policy_stays(client, officer):
    account = funded_account(Decimal("10000.00"))
    period = account.period
    FundingPeriod.objects.filter(pk=period.pk).update(funded_accounts=1, total_budget=Decimal("50000.00"))
    period.refresh_from_db()
    officer(period.municipality)
    url = reverse("admin:certificates_fundingperiod_change", args=[period.pk])

    page = client.post(
        url,
        period_post(
            period, max_funded_certificates=0, total_budget="5000.00", billing_policy="MONTHLY", end_date="2000-01-01"
        ),
    )

    assert page.status_code == 200
    errors = page.context["adminform"].form.errors
    assert "Уже открыто счетов финансирования: 1" in str(errors["max_funded_certificates"])
    assert "не может быть меньше уже выданных номиналов: 10 000.00 ₽" in str(errors["total_budget"])
    assert "Порядок оплаты не меняется" in str(errors["billing_policy"])
    assert "Окончание должно быть позже начала" in str(errors["end_date"])
    period.refresh_from_db()
    assert period.total_budget == Decimal("50000.00")

    # Within the limits the change is saved by the service.
    assert client.post(url, period_post(period, total_budget="60000.00", dispute_days=14)).status_code == 302
    period.refresh_from_db()
    assert period.total_budget == Decimal("60000.00") and period.dispute_days == 14


def test_a_new_funding_period_must_not_overlap_and_belongs_to_the_officers_municipality(client, officer):
    existing = FundingPeriodFactory(year=2030)
    other = FundingPeriodFactory(year=2031)
    officer(existing.municipality)
    url = reverse("admin:certificates_fundingperiod_add")
    new = FundingPeriod(
        municipality=existing.municipality,
        name="Новый",
        start_date=existing.end_date,
        end_date=existing.end_date.replace(year=existing.end_date.year + 1),
        nominal=Decimal("12000.00"),
        max_funded_certificates=10,
        total_budget=Decimal("120000.00"),
    )

    overlapping = client.post(url, period_post(new))
    assert "пересекается с периодом" in str(overlapping.context["adminform"].form.errors)
    foreign = client.post(url, period_post(new, municipality=other.municipality_id))
    assert "municipality" in foreign.context["adminform"].form.errors

    later = period_post(new, start_date=existing.end_date.replace(day=30).isoformat().replace("-08-30", "-09-01"))
    assert client.post(url, later).status_code == 302
    assert FundingPeriod.objects.filter(municipality=existing.municipality, name="Новый").exists()


# --- A raw form post moves neither money nor a status ---------------------------------------------------------


def test_a_form_post_cannot_change_a_status_or_a_price(client, officer):
    program = ProgramFactory(status=Program.Status.ON_REVIEW)
    officer(program.provider.municipality)
    url = reverse("admin:catalog_program_change", args=[program.pk])
    form = client.get(url).context["adminform"].form
    assert "status" not in form.fields and "lesson_price" not in form.fields
    data = {name: form.initial.get(name) or "" for name in form.fields}
    data.update(
        {
            "title": "Новое название",
            "status": Program.Status.CERTIFIED,
            "lesson_price": "1.00",
            "groups-TOTAL_FORMS": 0,
            "groups-INITIAL_FORMS": 0,
        }
    )
    data = {k: v for k, v in data.items() if v is not None}

    response = client.post(url, data)

    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else None
    program.refresh_from_db()
    assert program.title == "Новое название"
    assert program.status == Program.Status.ON_REVIEW and program.lesson_price != Decimal("1.00")


def test_a_certificate_status_and_an_account_balance_cannot_be_posted(client, officer):
    account = funded_account(Decimal("10000.00"))
    certificate = account.certificate
    officer(certificate.municipality)

    client.post(
        reverse("admin:certificates_certificate_change", args=[certificate.pk]),
        {"status": Certificate.Status.CLOSED, "number": "7100000000"},
    )
    denied = client.post(
        reverse("admin:certificates_certificateaccount_change", args=[account.pk]), {"nominal": "99999.00"}
    )

    certificate.refresh_from_db()
    account.refresh_from_db()
    assert certificate.status == Certificate.Status.ACTIVE and certificate.number != "7100000000"
    assert denied.status_code == 403 and account.nominal == Decimal("10000.00")
