"""Idempotency keys of the certificate ledger: every ledger key is built here.

A ledger row's `idempotency_key` is unique, so writing the same key twice credits or debits once.
Everything that writes ledger rows (the services, the demo's bulk loader, later the reserve,
release and debit steps) builds its key with these functions, so the two writers of one kind of
row can never drift apart and double a credit. Pure functions of primary keys, no database access.
"""

from __future__ import annotations


def account_open_key(account_id: int) -> str:
    """The OPEN entry crediting an account's nominal for its period: one per account."""
    return f"account:{account_id}:open"


def reserve_key(enrollment_id: int, step: int) -> str:
    """The `step`-th change of a contract's reserve (RESERVE or RELEASE): steps count the contract's
    reserve rows, so a retried change cannot be written twice."""
    return f"enrollment:{enrollment_id}:reserve:{step}"


# The debit job writes its ledger rows with set-based SQL: each key below also has its SQL spelling
# (`*_KEY_SQL`, an expression over the named columns), kept here beside the Python function that
# builds the same string (tests/billing/test_debits.py checks the two agree).


def lesson_debit_key(mark_id: int, generation: int) -> str:
    """The DEBIT paying the `generation`-th charge of an attendance mark: one per charge, so a debit
    run repeated after a crash cannot pay the same lesson twice."""
    return f"mark:{mark_id}:charge:{generation}"


LESSON_DEBIT_KEY_SQL = "'mark:' || {mark_id} || ':charge:' || {generation}"


def month_debit_key(enrollment_id: int, month, generation: int) -> str:
    """The DEBIT paying the `generation`-th charge of a contract's month (MONTHLY policy)."""
    return f"enrollment:{enrollment_id}:month:{month:%Y-%m}:charge:{generation}"


MONTH_DEBIT_KEY_SQL = (
    "'enrollment:' || {enrollment_id} || ':month:' || to_char({month}, 'YYYY-MM') || ':charge:' || {generation}"
)


def charge_refund_key(charge_id: int) -> str:
    """The REFUND giving back a charge's certificate part (a charge is reversed at most once, for a
    correction or an upheld dispute alike)."""
    return f"charge:{charge_id}:refund"


CHARGE_REFUND_KEY_SQL = "'charge:' || {charge_id} || ':refund'"
