"""Fast inserts for demo data: reserve primary keys, then stream rows through PostgreSQL COPY.

COPY fires row triggers like INSERT does, so the ledger trigger still credits the accounts; it
skips Django (no `save()`, no signals, no `auto_now`), so every column is given explicitly.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Sequence

from django.db import connection, models

_ESCAPE = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_needs_escape = re.compile(r"[\\\t\n\r]").search
CHUNK_ROWS = 50_000


def _cell(value: object) -> str:
    if type(value) is str:
        return value.translate(_ESCAPE) if _needs_escape(value) else value
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    return str(value)  # int, Decimal, date, time and aware datetime all print as PostgreSQL reads them


def reserve_ids(model: type[models.Model], count: int) -> list[int]:
    """Take `count` values from the table's id sequence, safe alongside concurrent inserts."""
    if count == 0:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [model._meta.db_table, count],
        )
        return [row[0] for row in cursor.fetchall()]


def copy_rows(model: type[models.Model], fields: Sequence[str], rows: Iterable[Sequence[object]]) -> int:
    """COPY rows (tuples in the order of `fields`, model field names) into the model's table."""
    meta = model._meta
    columns = ", ".join(connection.ops.quote_name(meta.get_field(name).column) for name in fields)
    sql = f"COPY {connection.ops.quote_name(meta.db_table)} ({columns}) FROM STDIN"
    total = 0
    buffer = io.StringIO()
    pending = 0
    with connection.cursor() as cursor:
        for row in rows:
            buffer.write("\t".join(map(_cell, row)))
            buffer.write("\n")
            pending += 1
            if pending == CHUNK_ROWS:
                buffer.seek(0)
                cursor.copy_expert(sql, buffer)
                total += pending
                buffer = io.StringIO()
                pending = 0
        if pending:
            buffer.seek(0)
            cursor.copy_expert(sql, buffer)
            total += pending
    return total
