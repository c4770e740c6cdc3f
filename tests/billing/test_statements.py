"""Monthly statements (billing/statements.py): what goes into which statement, DRAFT → ISSUED → PAID,
who may do it, and the database keeping an issued statement frozen."""

import datetime
import threading
from decimal import Decimal

import pytest
from django.db import connection, connections
from psycopg2 import errorcodes

from billing.models import ChargeReversal, Statement, StatementLine
from billing.selectors import provider_statements, statement_document
from billing.statements import (
    statement_build,
    statement_issue,
    statement_mark_paid,
    statements_build_due,
)
from core.errors import Conflict, Forbidden, NotFound
from tests.accounts.factories import MunicipalStaffFactory, ParentFactory, ProviderStaffFactory, UserFactory
from tests.billing.factories import ChargeFactory, ChargeReversalFactory
from tests.catalog.factories import GroupFactory, MunicipalityFactory, ProgramFactory, ProviderFactory
from tests.db import refused
from tests.enrollments.factories import EnrollmentFactory

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def provider():
    return ProviderFactory(short_name="ДДТ г. Плавска")


@pytest.fixture
def group(provider):
    program = ProgramFactory(
        provider=provider,
        title="Робототехника",
        lesson_price=D("400.00"),
        normative_lesson_price=D("300.00"),
    )
    return GroupFactory(program=program, name="Группа 1")


@pytest.fixture
def contract(group):
    return EnrollmentFactory(group=group, active=True, child__last_name="Смирнов", child__first_name="Артём")


def first_month(group) -> datetime.date:
    return group.start_date.replace(day=1)


def months_after(month: datetime.date, n: int) -> datetime.date:
    index = month.year * 12 + month.month - 1 + n
    return datetime.date(index // 12, index % 12 + 1, 1)


def charge_on(contract, day: datetime.date):
    return ChargeFactory(mark__enrollment=contract, mark__lesson__date=day)


def after(month: datetime.date) -> datetime.date:
    """A day once the month is over."""
    return months_after(month, 1) + datetime.timedelta(days=2)


def build(contract, month):
    provider_id = contract.group.program.provider_id
    return statement_build(provider_id=provider_id, municipality_id=contract.certificate.municipality_id, month=month)


def line_items(statement) -> set[tuple[str, int]]:
    return {
        ("charge", line.charge_id) if line.charge_id else ("reversal", line.reversal_id)
        for line in StatementLine.objects.filter(statement=statement)
    }


# --- What goes where ----------------------------------------------------------------------------------


def test_a_months_statement_has_each_lesson_charged_in_that_month_with_both_parts(contract, group):
    september = first_month(group)
    charges = [charge_on(contract, september + datetime.timedelta(days=d)) for d in (1, 3, 8)]
    next_month = charge_on(contract, months_after(september, 1) + datetime.timedelta(days=2))
    other_provider = ChargeFactory(
        mark__enrollment__child=contract.child, mark__enrollment__certificate=contract.certificate
    )

    result = build(contract, september)

    statement = result.statement
    assert result.added == 3 and statement.status == Statement.Status.DRAFT
    assert line_items(statement) == {("charge", c.pk) for c in charges}
    assert next_month.pk not in {pk for _k, pk in line_items(statement)}
    assert other_provider.pk not in {pk for _k, pk in line_items(statement)}
    document = statement_document(statement=statement)
    # 400 ₽ a lesson: the certificate pays the normative 300 ₽, the parents 100 ₽.
    assert [(row.lessons, row.certificate_amount, row.copayment) for row in document.rows] == [
        (1, D("300.00"), D("100.00"))
    ] * 3
    assert (document.totals.lessons, document.totals.certificate_amount, document.totals.copayment) == (
        3,
        D("900.00"),
        D("300.00"),
    )
    assert document.rows[0].child_name.startswith("Смирнов Артём")
    listed = provider_statements(provider_id=group.program.provider_id).get(pk=statement.pk)
    assert (listed.total_lessons, listed.total_certificate, listed.total_copayment) == (3, D("900.00"), D("300.00"))


def test_building_again_adds_only_what_arrived_since(contract, group):
    september = first_month(group)
    charge_on(contract, september + datetime.timedelta(days=1))
    first = build(contract, september)
    again = build(contract, september)
    late = charge_on(contract, september + datetime.timedelta(days=5))
    third = build(contract, september)

    assert (first.added, again.added, third.added) == (1, 0, 1)
    assert first.statement.pk == again.statement.pk == third.statement.pk
    assert ("charge", late.pk) in line_items(third.statement)


def test_a_reversal_before_the_issue_lands_in_the_same_month(contract, group):
    september = first_month(group)
    charge = charge_on(contract, september + datetime.timedelta(days=1))
    reversal = ChargeReversalFactory(charge=charge)

    statement = build(contract, september).statement

    assert line_items(statement) == {("charge", charge.pk), ("reversal", reversal.pk)}
    document = statement_document(statement=statement)
    assert document.totals.certificate_amount == D("0.00") and document.totals.lessons == 0
    assert document.rows[1].certificate_amount == D("-300.00") and document.rows[1].copayment == D("-100.00")


def test_corrections_after_the_issue_land_in_the_next_open_statement_as_their_own_lines(contract, group):
    september, october = first_month(group), months_after(first_month(group), 1)
    charge = charge_on(contract, september + datetime.timedelta(days=1))
    staff = ProviderStaffFactory(provider=group.program.provider)
    issued = statement_issue(actor=staff, statement_id=build(contract, september).statement.pk, today=after(september))
    assert issued.issued

    reversal = ChargeReversalFactory(charge=charge, reason=ChargeReversal.Reason.DISPUTE)
    late = charge_on(contract, september + datetime.timedelta(days=20))  # a mark billed after the issue
    in_october = charge_on(contract, october + datetime.timedelta(days=3))
    september_again = build(contract, september)
    october_statement = build(contract, october).statement

    assert september_again.added == 0 and line_items(september_again.statement) == {("charge", charge.pk)}
    assert line_items(october_statement) == {("reversal", reversal.pk), ("charge", late.pk), ("charge", in_october.pk)}
    rows = {row.kind + row.service_label: row for row in statement_document(statement=october_statement).rows}
    refund = rows["REVERSAL" + charge.service_date.strftime("%d.%m.%Y")]
    assert refund.certificate_amount == D("-300.00") and refund.lessons == -1
    assert "Обоснованная жалоба" in refund.label and refund.note  # "к акту за сентябрь …"


def test_after_two_issued_months_a_correction_goes_to_the_third(contract, group):
    september = first_month(group)
    october, november = months_after(september, 1), months_after(september, 2)
    charge = charge_on(contract, september + datetime.timedelta(days=1))
    charge_on(contract, october + datetime.timedelta(days=1))
    staff = ProviderStaffFactory(provider=group.program.provider)
    for month in (september, october):
        statement_issue(actor=staff, statement_id=build(contract, month).statement.pk, today=after(october))
    reversal = ChargeReversalFactory(charge=charge)

    assert statements_build_due(today=after(november)) == 1

    november_statement = Statement.objects.get(provider=group.program.provider, month=november)
    assert line_items(november_statement) == {("reversal", reversal.pk)}


def test_the_nightly_build_makes_the_ended_months_statements(contract, group):
    september = first_month(group)
    charges = [charge_on(contract, september + datetime.timedelta(days=d)) for d in (1, 2)]
    current = charge_on(contract, months_after(september, 1) + datetime.timedelta(days=1))

    assert statements_build_due(today=months_after(september, 1) + datetime.timedelta(days=5)) == 2
    assert statements_build_due(today=months_after(september, 1) + datetime.timedelta(days=6)) == 0

    statement = Statement.objects.get(provider=group.program.provider, month=september)
    assert line_items(statement) == {("charge", c.pk) for c in charges}
    assert not StatementLine.objects.filter(charge=current).exists()


def test_each_charge_and_reversal_is_in_one_statement_at_most(contract, group):
    september = first_month(group)
    charge = charge_on(contract, september + datetime.timedelta(days=1))
    statement = build(contract, september).statement
    other = Statement.objects.create(
        provider=statement.provider, municipality=statement.municipality, month=months_after(september, 1)
    )
    with refused("billing_statementline_charge_id_key", errorcodes.UNIQUE_VIOLATION):
        StatementLine.objects.create(
            statement=other, kind="CHARGE", charge=charge, lessons=1, certificate_amount=D("300"), copayment=D("100")
        )


# --- The database keeps lines honest and an issued statement frozen ----------------------------------------


def test_a_line_must_copy_its_charge(contract, group):
    september = first_month(group)
    charge = charge_on(contract, september + datetime.timedelta(days=1))
    statement = Statement.objects.create(
        provider=group.program.provider, municipality=contract.certificate.municipality, month=september
    )
    with refused("must copy its lessons and amounts"):
        StatementLine.objects.create(
            statement=statement,
            kind="CHARGE",
            charge=charge,
            lessons=1,
            certificate_amount=D("299"),
            copayment=D("100"),
        )
    earlier = Statement.objects.create(
        provider=statement.provider, municipality=statement.municipality, month=months_after(september, -1)
    )
    with refused("cannot go into the statement of an earlier month"):
        StatementLine.objects.create(
            statement=earlier, kind="CHARGE", charge=charge, lessons=1, certificate_amount=D("300"), copayment=D("100")
        )
    foreign = Statement.objects.create(provider=ProviderFactory(), municipality=statement.municipality, month=september)
    with refused("another provider"):
        StatementLine.objects.create(
            statement=foreign, kind="CHARGE", charge=charge, lessons=1, certificate_amount=D("300"), copayment=D("100")
        )
    with refused("statement_line_kind_fields"):
        StatementLine.objects.create(
            statement=statement,
            kind="REVERSAL",
            charge=charge,
            lessons=1,
            certificate_amount=D("300"),
            copayment=D("100"),
        )


def test_an_issued_statement_is_frozen(contract, group):
    september = first_month(group)
    charge_on(contract, september + datetime.timedelta(days=1))
    statement = build(contract, september).statement
    line = statement.lines.get()
    statement_issue(
        actor=ProviderStaffFactory(provider=group.program.provider), statement_id=statement.pk, today=after(september)
    )
    extra = charge_on(contract, september + datetime.timedelta(days=2))

    with refused("its lines are frozen", errorcodes.RESTRICT_VIOLATION):
        StatementLine.objects.create(
            statement=statement, kind="CHARGE", charge=extra, lessons=1, certificate_amount=D("300"), copayment=D("100")
        )
    with refused("never changed", errorcodes.RESTRICT_VIOLATION):
        StatementLine.objects.filter(pk=line.pk).update(certificate_amount=D("1.00"))
    with refused("its lines are frozen", errorcodes.RESTRICT_VIOLATION):
        StatementLine.objects.filter(pk=line.pk).delete()
    with refused("keeps its provider, municipality and month", errorcodes.RESTRICT_VIOLATION):
        Statement.objects.filter(pk=statement.pk).update(month=months_after(september, 1))
    with refused("written once", errorcodes.RESTRICT_VIOLATION):
        Statement.objects.filter(pk=statement.pk).update(issued_by=UserFactory())


def test_a_draft_line_is_never_edited_either(contract, group):
    charge_on(contract, first_month(group) + datetime.timedelta(days=1))
    line = build(contract, first_month(group)).statement.lines.get()
    with refused("never changed", errorcodes.RESTRICT_VIOLATION):
        StatementLine.objects.filter(pk=line.pk).update(lessons=2)


# --- DRAFT → ISSUED → PAID ----------------------------------------------------------------------------


def test_a_statement_is_issued_only_after_its_month(contract, group):
    september = first_month(group)
    charge_on(contract, september + datetime.timedelta(days=1))
    statement = build(contract, september).statement
    staff = ProviderStaffFactory(provider=group.program.provider)

    with pytest.raises(Conflict) as error:
        statement_issue(actor=staff, statement_id=statement.pk, today=september + datetime.timedelta(days=29))
    assert error.value.code == "month_not_over"


def test_issuing_freezes_the_lines_it_showed(contract, group):
    september = first_month(group)
    charge_on(contract, september + datetime.timedelta(days=1))
    statement = build(contract, september).statement
    staff = ProviderStaffFactory(provider=group.program.provider)
    arrived = charge_on(contract, september + datetime.timedelta(days=3))

    shown_one = statement_issue(actor=staff, statement_id=statement.pk, lines_seen=1, today=after(september))
    shown_two = statement_issue(actor=staff, statement_id=statement.pk, lines_seen=2, today=after(september))
    repeated = statement_issue(actor=staff, statement_id=statement.pk, lines_seen=2, today=after(september))

    assert (shown_one.issued, shown_one.added) == (False, 1)
    assert shown_two.issued and not repeated.issued
    statement.refresh_from_db()
    assert statement.status == Statement.Status.ISSUED and statement.issued_by == staff and statement.issued_at
    assert ("charge", arrived.pk) in line_items(statement)


def test_an_empty_statement_is_not_issued(group):
    statement = Statement.objects.create(
        provider=group.program.provider, municipality=group.program.provider.municipality, month=first_month(group)
    )
    with pytest.raises(Conflict):
        statement_issue(
            actor=ProviderStaffFactory(provider=group.program.provider),
            statement_id=statement.pk,
            today=after(first_month(group)),
        )


def test_who_may_issue_and_mark_paid(contract, group):
    september = first_month(group)
    charge_on(contract, september + datetime.timedelta(days=1))
    statement = build(contract, september).statement
    municipality = contract.certificate.municipality
    own_staff = ProviderStaffFactory(provider=group.program.provider)
    operator = MunicipalStaffFactory(municipality=municipality)

    for stranger in (
        ProviderStaffFactory(),
        ParentFactory(),
        MunicipalStaffFactory(municipality=MunicipalityFactory()),
    ):
        with pytest.raises(NotFound):
            statement_issue(actor=stranger, statement_id=statement.pk, today=after(september))
        with pytest.raises(NotFound):
            statement_mark_paid(actor=stranger, statement_id=statement.pk)
    with pytest.raises(Conflict):  # not issued yet
        statement_mark_paid(actor=operator, statement_id=statement.pk)

    assert statement_issue(actor=operator, statement_id=statement.pk, today=after(september)).issued
    with pytest.raises(Forbidden):
        statement_mark_paid(actor=own_staff, statement_id=statement.pk)
    paid = statement_mark_paid(actor=operator, statement_id=statement.pk)
    again = statement_mark_paid(actor=operator, statement_id=statement.pk)

    assert paid.changed and not again.changed
    statement.refresh_from_db()
    assert statement.status == Statement.Status.PAID and statement.paid_by == operator
    assert not statement_issue(actor=own_staff, statement_id=statement.pk, today=after(september)).issued


def test_a_regional_operator_marks_any_statement_paid(contract, group):
    september = first_month(group)
    charge_on(contract, september + datetime.timedelta(days=1))
    statement = build(contract, september).statement
    regional = UserFactory(role="REGIONAL", is_staff=True)
    statement_issue(actor=regional, statement_id=statement.pk, today=after(september))
    assert statement_mark_paid(actor=regional, statement_id=statement.pk).changed


# --- Two builds at once --------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_builds_at_once_put_each_charge_into_one_statement(contract, group):
    september = first_month(group)
    charges = [charge_on(contract, september + datetime.timedelta(days=d)) for d in range(1, 11)]
    errors = []
    barrier = threading.Barrier(2)

    def run():
        try:
            barrier.wait()
            build(contract, september)
        except Exception as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    statement = Statement.objects.get(provider=group.program.provider, month=september)
    assert line_items(statement) == {("charge", c.pk) for c in charges}
    assert StatementLine.objects.count() == 10
    connection.close()


def test_the_nightly_build_does_every_provider_at_once_as_one_build_each_would(contract, group):
    """The set-based nightly build against statement_build's rules: a provider whose September is issued
    gets its late September charge in October's statement with October's own charges (October has ended);
    another provider gets its September statement; nothing lands in an issued statement."""
    september = first_month(group)
    october, november = months_after(september, 1), months_after(september, 2)
    staff = ProviderStaffFactory(provider=group.program.provider)
    issued_charge = charge_on(contract, september + datetime.timedelta(days=1))
    issued = build(contract, september).statement
    statement_issue(actor=staff, statement_id=issued.pk, today=after(september))
    late = charge_on(contract, september + datetime.timedelta(days=2))
    in_october = charge_on(contract, october + datetime.timedelta(days=1))
    in_november = charge_on(contract, november + datetime.timedelta(days=1))  # the build's month: not ended
    other_group = GroupFactory(program=ProgramFactory(provider=ProviderFactory()), start_date=group.start_date)
    other = EnrollmentFactory(group=other_group, active=True, certificate=contract.certificate)
    other_charge = charge_on(other, september + datetime.timedelta(days=3))

    assert statements_build_due(today=november + datetime.timedelta(days=1)) == 3

    october_statement = Statement.objects.get(provider=group.program.provider, month=october)
    assert october_statement.status == Statement.Status.DRAFT
    assert line_items(october_statement) == {("charge", late.pk), ("charge", in_october.pk)}
    assert line_items(Statement.objects.get(pk=issued.pk)) == {("charge", issued_charge.pk)}
    other_statement = Statement.objects.get(provider=other_group.program.provider, month=september)
    assert line_items(other_statement) == {("charge", other_charge.pk)}
    assert not StatementLine.objects.filter(charge=in_november).exists()
    assert not Statement.objects.filter(month=november).exists()
    assert statements_build_due(today=november + datetime.timedelta(days=1)) == 0
