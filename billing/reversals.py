"""Reversing one charge (сторно) outside the debit job: an upheld dispute (services: writes). The debit
job reverses charges itself, set-based (billing/debits.py); both write the same REFUND key per charge.

The certificate part goes back through a REFUND ledger entry on the charge's account (keyed once per
charge, so a retry refunds nothing twice); the co-payment part is recorded on the reversal as owed back
to the parent. A charge is reversed at most once (the reversal's unique key on the charge): a second
attempt, here or by the debit job's correction, is refused by the database and reported as a Conflict.

Lock order (core/locking.py): the contract (enrollment) row, then the certificate account.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.translation import gettext as _

from billing.models import Charge, ChargeReversal
from certificates.ledger_keys import charge_refund_key
from certificates.models import CertificateAccount, LedgerEntry
from core.errors import Conflict
from core.locking import lock_all, lock_one
from core.money import ZERO, split
from enrollments.models import Enrollment


def one_lesson_share(charge: Charge) -> tuple[Decimal, Decimal]:
    """(certificate part, co-payment part) of one lesson of a MONTH charge: the month's parts split into
    its lessons (kopecks to the first lessons), the last, smallest, share."""
    if charge.lessons <= 1:
        return charge.certificate_amount, charge.copayment
    return split(charge.certificate_amount, charge.lessons)[-1], split(charge.copayment, charge.lessons)[-1]


def charge_reverse(
    *,
    charge_id: int,
    reason: str,
    certificate_amount: Decimal | None = None,
    copayment: Decimal | None = None,
) -> ChargeReversal:
    """Reverse a charge, whole or (a MONTH charge's disputed lesson) in part, in the caller's
    transaction. Raises Conflict when it is already reversed."""
    charge = Charge.objects.get(pk=charge_id)
    certificate_amount = charge.certificate_amount if certificate_amount is None else certificate_amount
    copayment = charge.copayment if copayment is None else copayment
    with transaction.atomic():
        lock_one(Enrollment.objects.filter(pk=charge.enrollment_id))
        if charge.account_id:
            lock_all(CertificateAccount.objects.filter(pk=charge.account_id))
        if ChargeReversal.objects.filter(charge_id=charge.pk).exists():
            raise Conflict(_("Это списание уже возвращено."), code="charge_reversed")
        entry = None
        if certificate_amount > ZERO:
            entry = LedgerEntry.objects.create(
                account_id=charge.account_id,
                kind=LedgerEntry.Kind.REFUND,
                nominal_delta=ZERO,
                reserved_delta=ZERO,
                spent_delta=-certificate_amount,
                idempotency_key=charge_refund_key(charge.pk),
                description=_refund_description(charge, reason),
            )
        try:
            with transaction.atomic():
                return ChargeReversal.objects.create(
                    charge=charge,
                    reason=reason,
                    certificate_amount=certificate_amount,
                    copayment=copayment,
                    provider_id=charge.provider_id,
                    municipality_id=charge.municipality_id,
                    ledger_entry=entry,
                )
        except IntegrityError:
            raise Conflict(_("Это списание уже возвращено."), code="charge_reversed") from None


def _refund_description(charge: Charge, reason: str) -> str:
    # Stored in the portal's source language, as every ledger description.
    with translation.override(settings.LANGUAGE_CODE):
        return f"Возврат: {ChargeReversal.Reason(reason).label}, {charge.service_date:%d.%m.%Y}"
