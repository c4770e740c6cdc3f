"""The dashboard on the admin index: its figures against rows built here, its query count, its charts
and tables, and the operator's scope (a municipal operator sees their municipality only)."""

from collections import Counter, defaultdict

import pytest
from django.urls import reverse

from accounts.roles import MUNICIPAL, role_group
from billing.models import Charge, Dispute
from certificates.models import CertificateAccount, Child
from core.money import ZERO
from enrollments.models import ACCEPTED_STATUSES, Enrollment, EnrollmentStatus
from municipal.dashboard import dashboard
from tests.accounts.factories import MunicipalStaffFactory, UserFactory
from tests.municipal.dashboard_data import build_region

pytestmark = pytest.mark.django_db


def expected(municipality, period) -> dict:
    """The dashboard's figures for one municipality, computed row by row in Python."""
    accounts = list(CertificateAccount.objects.filter(period=period))
    by_month, by_direction = defaultdict(lambda: ZERO), defaultdict(lambda: ZERO)
    for charge in Charge.objects.filter(account__period=period).select_related("enrollment__group__program__direction"):
        reversal = getattr(charge, "reversal", None)
        paid = charge.certificate_amount - (reversal.certificate_amount if reversal else ZERO)
        by_month[charge.service_date.strftime("%m.%Y")] += paid
        by_direction[charge.enrollment.group.program.direction.name] += paid
    contracts = Enrollment.objects.filter(period=period, status__in=ACCEPTED_STATUSES).select_related("group__program")
    return {
        "funded_accounts": len(accounts),
        "funded_limit": period.max_funded_certificates,
        "budget": period.total_budget,
        "reserved": sum((a.reserved for a in accounts), ZERO),
        "spent": sum((a.spent for a in accounts), ZERO),
        "children": Child.objects.filter(municipality=municipality).count(),
        "children_with_contract": len(
            set(
                Enrollment.objects.filter(child__municipality=municipality, status=EnrollmentStatus.ACTIVE).values_list(
                    "child_id", flat=True
                )
            )
        ),
        "by_month": dict(by_month),
        "by_direction": dict(by_direction),
        "programs": Counter(e.group.program.title for e in contracts),
        "disputes": Counter(
            d.charge.provider.short_name
            for d in Dispute.objects.filter(charge__municipality=municipality).select_related("charge__provider")
        ),
    }


def figures(board) -> dict:
    return {
        "funded_accounts": board.funded_accounts,
        "funded_limit": board.funded_limit,
        "budget": board.budget,
        "reserved": board.reserved,
        "spent": board.spent,
        "children": board.children,
        "children_with_contract": board.children_with_contract,
        "by_month": {r.label: r.value for r in board.spending_by_month},
        "by_direction": {r.label: r.value for r in board.spending_by_direction},
        "programs": Counter({r.label: r.value for r in board.top_programs}),
        "disputes": Counter({r.label: r.value for r in board.dispute_providers}),
    }


@pytest.fixture
def region():
    return build_region()


def operator_of(municipality):
    operator = MunicipalStaffFactory(municipality=municipality)
    operator.groups.add(role_group(MUNICIPAL))
    return operator


def test_the_figures_are_those_of_the_rows(region):
    board = dashboard(municipality_id=region.own.pk)

    want = expected(region.own, region.own_period)
    assert figures(board) == want
    # The data really has something in each figure (a dashboard of zeros would pass the above too).
    assert want["spent"] > 0 and want["children_with_contract"] == 3 and want["children"] == 4
    assert want["programs"] == Counter({"Шахматы": 2, "Робототехника": 1})
    assert want["disputes"] == Counter({"ДДТ Плавск": 1})
    # The reversal is taken off: what the charges less reversals paid is what the accounts spent.
    assert sum((r.value for r in board.spending_by_month), ZERO) == board.spent


def test_the_region_adds_up_its_municipalities(region):
    board = dashboard(municipality_id=None)

    own, other = expected(region.own, region.own_period), expected(region.other, region.other_period)
    assert board.funded_accounts == own["funded_accounts"] + other["funded_accounts"]
    assert board.spent == own["spent"] + other["spent"]
    assert board.budget == own["budget"] + other["budget"]
    assert figures(board)["disputes"] == own["disputes"] + other["disputes"]
    assert figures(board)["programs"] == own["programs"] + other["programs"]


def test_the_dashboard_takes_a_fixed_number_of_queries(region, django_assert_num_queries):
    # periods, children, children with a contract, accounts' money, spending by month and direction,
    # top programs, disputes
    with django_assert_num_queries(7):
        dashboard(municipality_id=region.own.pk)
    with django_assert_num_queries(7):
        dashboard(municipality_id=None)


def test_the_index_page_takes_a_fixed_number_of_queries(region, client, django_assert_num_queries):
    client.force_login(operator_of(region.own))
    client.get(reverse("admin:index"))  # warm the session and the content types
    # user, permissions, the app list's, the 7 of the dashboard, the alert's job run, recent actions
    with django_assert_num_queries(12) as captured:
        response = client.get(reverse("admin:index"))
    assert response.status_code == 200, [q["sql"][:120] for q in captured.captured_queries]


def test_a_municipal_operator_sees_charts_and_tables_of_their_municipality_only(region, client):
    client.force_login(operator_of(region.own))

    page = client.get(reverse("admin:index")).content.decode()

    assert "Сводка: Плавский район" in page
    assert page.count('class="pygal-chart') == 5
    for chart in ("chart-limits", "chart-months", "chart-directions", "chart-programs", "chart-disputes"):
        assert f'id="{chart}"' in page
    assert "Шахматы" in page and "ДДТ Плавск" in page
    assert "Гитара" not in page and "ЦДТ Белёв" not in page and "Белёвский район" not in page
    # Nothing fetched from elsewhere: no script in the charts, no outside address.
    assert "kozea.github.io" not in page and "<script" not in page.split('id="dashboard"')[1].split("</section>")[0]
    # The app list is still there, below the dashboard.
    assert page.index('id="dashboard"') < page.index('class="app-catalog')


def test_a_regional_operator_chooses_a_municipality(region, client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))

    everything = client.get(reverse("admin:index")).content.decode()
    one = client.get(reverse("admin:index"), {"municipality": region.other.pk}).content.decode()

    assert "Сводка: все муниципалитеты" in everything
    assert "Гитара" in everything and "Шахматы" in everything
    assert "Сводка: Белёвский район" in one
    assert "Гитара" in one and "Шахматы" not in one


def test_provider_staff_and_parents_see_no_dashboard(region, client):
    from municipal.templatetags.municipal_dashboard import admin_dashboard
    from tests.accounts.factories import ProviderStaffFactory

    class Request:
        GET = {}

    for user in (ProviderStaffFactory(is_staff=True), UserFactory()):
        request = Request()
        request.user = user
        assert admin_dashboard({"request": request}) == {"board": None}
