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
