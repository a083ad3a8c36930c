"""Ids of `Declaration` rows, taken before the rows are written, so that a batch can be written
with COPY (PostgreSQL) or one executemany (SQLite) and still know its ids (an arrival's
`stay_id` is its own id).

PostgreSQL: the sequence `lodging_declaration_id_seq` (migration 0002): `nextval` never blocks
another transaction; a rolled-back batch leaves a gap, which is harmless (ids are not legal
numbers). SQLite: a `core.Counter` row moved by n under the write lock SQLite holds anyway.
"""

from __future__ import annotations

from django.db import connection, transaction

from antt.core.models import Counter

SEQUENCE = "lodging_declaration_id_seq"


def allocate(n: int) -> list[int]:
    """n fresh ids, ascending. Must run inside the transaction that writes the rows."""
    if n <= 0:
        return []
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT nextval('{SEQUENCE}') FROM generate_series(1, %s)", [n])  # noqa: S608 (names are module constants, values are parameters)
            return sorted(row[0] for row in cursor.fetchall())
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("allocate() must run inside the transaction that writes the rows.")
    Counter.objects.get_or_create(key="lodging:declaration", period="")
    counter = Counter.objects.select_for_update().get(key="lodging:declaration", period="")
    first = counter.value + 1
    counter.value += n
    counter.save(update_fields=["value"])
    return list(range(first, first + n))
