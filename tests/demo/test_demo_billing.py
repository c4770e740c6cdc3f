"""The demo region's billing: after `manage.py demo_region` the demo provider has kept its registers, the
debit job has charged them, the demo parent has disputed two lessons (one upheld and refunded, one
open), and the previous month's statement is issued; the parent and the provider see it all."""

from __future__ import annotations

import importlib.util
import io
from collections import Counter
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from billing.debits import run_debits
from billing.models import (
    AttendanceCorrection,
    AttendanceMark,
    AttendanceStatus,
    Charge,
    ChargeReversal,
    Dispute,
    Lesson,
    Statement,
)
from billing.statements import month_start
from certificates.models import CertificateAccount, LedgerEntry
from demo.logins import DEMO_PASSWORD
from enrollments.models import Enrollment, EnrollmentStatus

TODAY = timezone.localdate()
PREVIOUS_MONTH = month_start(month_start(TODAY) - timedelta(days=1))


def _son_contract() -> Enrollment:
    return Enrollment.objects.select_related("certificate", "group").get(
        child__parents__username="parent", status=EnrollmentStatus.ACTIVE
    )


def _provider():
    return User.objects.get(username="provider").provider


@pytest.mark.django_db
@pytest.mark.usefixtures("small_region")
class TestDemoBilling:
    def test_the_contracts_started_in_the_past(self):
        """The demo's contracts were accepted on the first day of the previous month (or at the group's
        start), so that lessons up to yesterday could be kept in the register."""
        contract = _son_contract()
        assert contract.starts_on == min(TODAY, max(contract.group.start_date, PREVIOUS_MONTH))
        assert contract.starts_on < TODAY
        classmates = Enrollment.objects.filter(group=contract.group, status=EnrollmentStatus.ACTIVE)
        assert classmates.count() >= 4
        assert set(classmates.values_list("starts_on", flat=True)) == {contract.starts_on}

    def test_registers_up_to_yesterday(self):
        provider = _provider()
        marks = AttendanceMark.objects.filter(lesson__group__program__provider=provider)
        statuses = Counter(marks.values_list("status", flat=True))
        assert statuses[AttendanceStatus.PRESENT] > 3 * (statuses[AttendanceStatus.ABSENT] + statuses["EXCUSED"])
        assert statuses[AttendanceStatus.ABSENT] >= 1 and statuses[AttendanceStatus.EXCUSED] >= 1
        assert not marks.filter(lesson__date__gte=TODAY).exists()
        # A few weeks: from the first day of the previous month at the latest.
        assert marks.order_by("lesson__date").first().lesson.date <= PREVIOUS_MONTH + timedelta(days=7)
        cancelled = Lesson.objects.get(group__program__provider=provider, cancelled=True)
        assert cancelled.cancel_reason
        assert not cancelled.marks.exists()
        correction = AttendanceCorrection.objects.get(mark__lesson__group__program__provider=provider)
        assert (correction.old_status, correction.new_status, correction.new_version) == ("ABSENT", "PRESENT", 2)
        assert correction.changed_by.username == "provider"

    def test_every_present_mark_is_charged_once(self):
        """The debit job ran: each PRESENT mark of a lesson held has its charge, and running the job again
        charges nothing more."""
        provider = _provider()
        present = AttendanceMark.objects.filter(
            lesson__group__program__provider=provider, status=AttendanceStatus.PRESENT, lesson__cancelled=False
        )
        charged = Charge.objects.filter(provider=provider, kind=Charge.Kind.LESSON)
        assert charged.count() == present.count() > 0
        assert set(charged.values_list("mark_id", flat=True)) == set(present.values_list("pk", flat=True))
        assert not AttendanceMark.objects.filter(billed_version__lt=1).exists()
        again = run_debits()
        assert (again.charged, again.reversed) == (0, 0)

    def test_the_parents_statement_shows_debits_the_reserve_used_and_a_refund(self):
        contract = _son_contract()
        account = CertificateAccount.objects.get(certificate=contract.certificate, period=contract.period)
        entries = LedgerEntry.objects.filter(account=account)
        kinds = Counter(entries.values_list("kind", flat=True))
        assert kinds[LedgerEntry.Kind.DEBIT] >= 4
        assert kinds[LedgerEntry.Kind.REFUND] == 1
        # The debits were paid from the contract's reserve: less is reserved than acceptance reserved.
        reserved_at_acceptance = entries.filter(kind=LedgerEntry.Kind.RESERVE).aggregate(s=Sum("reserved_delta"))["s"]
        from_reserve = -entries.filter(kind=LedgerEntry.Kind.DEBIT).aggregate(s=Sum("reserved_delta"))["s"]
        assert from_reserve > 0
        assert account.reserved == reserved_at_acceptance - from_reserve == contract.reserve_remaining
        # The balance: what is left to spend, below the nominal.
        debited = entries.filter(kind=LedgerEntry.Kind.DEBIT).aggregate(s=Sum("spent_delta"))["s"]
        refunded = -entries.filter(kind=LedgerEntry.Kind.REFUND).aggregate(s=Sum("spent_delta"))["s"]
        assert account.spent == debited - refunded > 0
        assert account.available == account.nominal - account.reserved - account.spent
        assert Decimal("0") < account.available < account.nominal

    def test_the_parent_sees_it_on_the_statement_page(self, client):
        contract = _son_contract()
        url = reverse("cabinet-statement", args=[contract.certificate.number])
        assert client.login(username="parent", password=DEMO_PASSWORD)
        first = client.get(url)
        assert first.status_code == 200
        html = first.content.decode()
        assert html.count("statement__line--debit") >= 4
        assert "statement__line--refund" in html  # the newest line
        assert "Жалоба: На рассмотрении" in html  # on the latest debit
        assert "Оспорить" in html  # the other debits may still be disputed
        entries = LedgerEntry.objects.filter(account__certificate=contract.certificate).count()
        pages = [html] + [client.get(url, {"page": n}).content.decode() for n in range(2, (entries + 19) // 20 + 1)]
        # The upheld dispute's debit (the previous month's) may be on a later page.
        assert sum(page.count("Жалоба: Удовлетворена") for page in pages) == 1

    def test_one_dispute_upheld_and_refunded_one_open(self):
        contract = _son_contract()
        disputes = Dispute.objects.filter(charge__enrollment=contract).order_by("lesson__date")
        assert [d.status for d in disputes] == [Dispute.Status.UPHELD, Dispute.Status.OPEN]
        upheld, open_one = disputes
        assert upheld.raised_by.username == "parent" and upheld.resolved_by.username == "provider"
        assert upheld.reversal.reason == ChargeReversal.Reason.DISPUTE
        assert upheld.reversal.ledger_entry.kind == LedgerEntry.Kind.REFUND
        assert upheld.reversal.certificate_amount == upheld.charge.certificate_amount > 0
        assert month_start(upheld.lesson.date) == PREVIOUS_MONTH
        assert not hasattr(open_one.charge, "reversal")

    def test_the_previous_months_statement_is_issued(self):
        provider = _provider()
        issued = Statement.objects.get(provider=provider, month=PREVIOUS_MONTH)
        assert issued.status == Statement.Status.ISSUED
        assert issued.issued_by.username == "provider"
        month_charges = Charge.objects.filter(provider=provider, service_date__gte=PREVIOUS_MONTH).filter(
            service_date__lt=month_start(TODAY)
        )
        assert set(issued.lines.values_list("charge_id", flat=True)) == set(month_charges.values_list("pk", flat=True))
        # The refund of the upheld dispute came after the month was issued: a line of the next open
        # statement, the current month's draft.
        draft = Statement.objects.get(provider=provider, month=month_start(TODAY))
        assert draft.status == Statement.Status.DRAFT
        refund = ChargeReversal.objects.get(charge__provider=provider)
        assert refund.statement_line.statement == draft

    def test_the_provider_sees_registers_statements_and_disputes(self, client):
        contract = _son_contract()
        lesson = Lesson.objects.filter(group=contract.group, cancelled=False).order_by("-date").first()
        assert client.login(username="provider", password=DEMO_PASSWORD)
        register = client.get(reverse("workplace:register", args=[contract.group_id]), {"date": lesson.date})
        assert register.status_code == 200
        html = register.content.decode()
        assert html.count("checked") >= 4  # the pupils' marks
        assert "«Отсутствовал» → «Присутствовал» (версия 2)" in html  # the last lesson's correction
        statements = client.get(reverse("workplace:statements")).content.decode()
        assert "Выставлен" in statements and "Черновик" in statements
        disputes = client.get(reverse("workplace:disputes")).content.decode()
        assert "Смирнов Артём" in disputes and "Рассмотреть" in disputes

    def test_reconcile_passes(self):
        if importlib.util.find_spec("billing.reconciliation") is None:
            pytest.skip("billing.reconciliation (manage.py reconcile) is not on this branch yet")
        out = io.StringIO()
        call_command("reconcile", stdout=out)  # raises CommandError on any mismatch
        assert "MISMATCH" not in out.getvalue()
