"""The audit trail: admin edits and service status changes are kept with who, when and what, shown on
the object's history page, and nobody edits or deletes an audit row through the admin."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, InternalError, ProgrammingError, transaction
from django.urls import reverse

from accounts.roles import MUNICIPAL, role_group
from catalog.models import Program, ProgramHistory
from catalog.programs import program_certify
from enrollments.models import EnrollmentHistory, EnrollmentStatus
from enrollments.services import enrollment_offer
from tests.accounts.factories import MunicipalStaffFactory, UserFactory
from tests.catalog.factories import ProgramFactory
from tests.enrollments.factories import EnrollmentFactory, staff_of

pytestmark = pytest.mark.django_db


def operator_of(municipality, **kwargs):
    operator = MunicipalStaffFactory(municipality=municipality, **kwargs)
    operator.groups.add(role_group(MUNICIPAL))
    return operator


def _change_form_data(response) -> dict:
    """What the admin's change form would post back unchanged: its fields and its inlines' forms."""
    data = {}
    form = response.context["adminform"].form
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if value is None or hasattr(value, "field"):  # nothing, or a file (not re-uploaded)
            continue
        if isinstance(value, (list, tuple)):
            data[name] = [getattr(v, "pk", v) for v in value]
        elif isinstance(value, bool):
            if value:
                data[name] = "on"
        else:
            data[name] = getattr(value, "pk", value)
    for formset in response.context["inline_admin_formsets"]:
        management = formset.formset.management_form
        for name in management.fields:
            data[f"{management.prefix}-{name}"] = management.initial.get(name, management[name].value())
        for inline_form in formset.formset.forms:
            for name in inline_form.fields:
                value = inline_form.initial.get(name)
                if value is not None and value is not False:
                    data[f"{inline_form.prefix}-{name}"] = getattr(value, "pk", value)
    return data


def test_an_admin_edit_is_kept_with_its_author_and_diff_and_shown_on_the_history_page(client):
    superuser = UserFactory(is_staff=True, is_superuser=True, username="regional-boss")
    program = ProgramFactory(title="Шахматы")
    client.force_login(superuser)
    url = reverse("admin:catalog_program_change", args=[program.pk])
    data = _change_form_data(client.get(url))
    data["title"] = "Шахматы для начинающих"

    response = client.post(url, data)

    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    event = ProgramHistory.objects.filter(pgh_obj=program, pgh_label="update").get()
    assert event.title == "Шахматы для начинающих"
    assert event.pgh_context.metadata["user"] == superuser.pk
    history = client.get(reverse("admin:catalog_program_history", args=[program.pk]))
    page = history.content.decode()
    assert "Журнал изменений" in page
    assert "regional-boss" in page
    assert "Шахматы → Шахматы для начинающих" in page


def test_a_service_status_change_names_its_actor_without_a_request(client):
    program = ProgramFactory(status=Program.Status.ON_REVIEW)
    operator = operator_of(program.provider.municipality, username="plavsk-operator")

    program_certify(actor=operator, program_id=program.pk)

    event = ProgramHistory.objects.filter(pgh_obj=program, pgh_label="update").get()
    assert event.status == Program.Status.CERTIFIED
    assert event.pgh_context.metadata["user"] == operator.pk
    client.force_login(operator)
    page = client.get(reverse("admin:catalog_program_history", args=[program.pk])).content.decode()
    assert "plavsk-operator" in page
    assert f"{Program.Status.ON_REVIEW.label} → {Program.Status.CERTIFIED.label}" in page


def test_an_enrollment_transition_is_kept_with_its_actor():
    enrollment = EnrollmentFactory()
    staff = staff_of(enrollment.group)

    enrollment_offer(staff=staff, enrollment_id=enrollment.pk)

    event = EnrollmentHistory.objects.filter(pgh_obj=enrollment, pgh_label="update").latest("pgh_id")
    assert (event.status, event.pgh_context.metadata["user"]) == (EnrollmentStatus.OFFERED, staff.pk)


def test_another_municipalitys_history_page_is_not_shown(client):
    program = ProgramFactory()
    client.force_login(operator_of(ProgramFactory().provider.municipality))

    response = client.get(reverse("admin:catalog_program_history", args=[program.pk]))

    # The admin's answer for an object outside the queryset: back to the index, nothing of it shown.
    assert response.status_code in (302, 404)
    assert program.title not in response.content.decode()


def test_audit_rows_cannot_be_added_changed_or_deleted_in_the_admin(client):
    program = ProgramFactory()
    program.title = "Новое название"
    program.save()
    event = ProgramHistory.objects.filter(pgh_obj=program).latest("pgh_id")
    client.force_login(UserFactory(is_staff=True, is_superuser=True))

    listed = client.get(reverse("admin:catalog_programhistory_changelist"))
    add = client.post(reverse("admin:catalog_programhistory_add"), {"title": "x"})
    change = client.post(reverse("admin:catalog_programhistory_change", args=[event.pk]), {"title": "x"})
    delete = client.post(reverse("admin:catalog_programhistory_delete", args=[event.pk]), {"post": "yes"})

    assert listed.status_code == 200
    assert add.status_code == 403
    assert change.status_code == 403
    assert delete.status_code == 403
    event.refresh_from_db()
    assert event.title == "Новое название"


def test_the_database_refuses_to_edit_an_audit_row():
    program = ProgramFactory()
    event = ProgramHistory.objects.filter(pgh_obj=program).get()

    with pytest.raises((IntegrityError, InternalError, ProgrammingError)), transaction.atomic():
        ProgramHistory.objects.filter(pk=event.pk).update(title="подделка")


def test_audit_rows_are_listed_only_for_the_operators_municipality(client):
    own = ProgramFactory(title="Своя программа")
    other = ProgramFactory(title="Чужая программа")
    operator = operator_of(own.provider.municipality)
    client.force_login(operator)

    listed = client.get(reverse("admin:catalog_programhistory_changelist"))
    other_event = ProgramHistory.objects.filter(pgh_obj=other).get()
    shown = client.get(reverse("admin:catalog_programhistory_change", args=[other_event.pk]))

    ids = {e.pk for e in listed.context["cl"].result_list}
    assert ids == set(ProgramHistory.objects.filter(pgh_obj=own).values_list("pk", flat=True))
    assert shown.status_code in (302, 404)


def test_a_certificate_accounts_money_movements_are_its_ledger_not_audit_rows():
    """The account's totals move with every ledger entry; its audit trail keeps the account's creation
    and would keep a move to another certificate or period, not one row per movement (the ledger is
    that history already, and a debit batch would write every account twice)."""
    from certificates.models import CertificateAccountHistory
    from tests.certificates.factories import LedgerEntryFactory, funded_account

    account = funded_account(Decimal("10000.00"))
    LedgerEntryFactory(
        account=account, kind="RESERVE", nominal_delta=0, reserved_delta=Decimal("1200.00"), spent_delta=0
    )
    LedgerEntryFactory(
        account=account,
        kind="DEBIT",
        nominal_delta=0,
        reserved_delta=Decimal("-300.00"),
        spent_delta=Decimal("300.00"),
    )
    account.refresh_from_db()
    assert (account.nominal, account.reserved, account.spent) == (
        Decimal("10000.00"),
        Decimal("900.00"),
        Decimal("300.00"),
    )
    assert account.entries.count() == 3
    history = CertificateAccountHistory.objects.filter(pgh_obj=account)
    assert [row.pgh_label for row in history] == ["insert"]
