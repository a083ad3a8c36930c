"""Writing many `Declaration` rows at once (contract: services.py, "rows written with
`bulk.write_declarations`").

PostgreSQL: one `COPY lodging_declaration (…) FROM STDIN` through psycopg 3's `cursor.copy()`
on the raw cursor of Django's connection: no ORM object, no per-row statement; the partitioned
table routes each row to its month (or the DEFAULT partition). SQLite: one `executemany`.

Every row is a dict holding every column of the table by attribute name (`COLUMNS`); ids come
from `lodging.ids.allocate()` beforehand, in the same transaction. Must run inside it (the
caller's `transaction.atomic`).
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connection, models, transaction

from antt.lodging.models import Declaration

FIELDS = list(Declaration._meta.concrete_fields)
COLUMNS = tuple(f.attname for f in FIELDS)  # attribute names: "establishment_id", "unit_id"…
DB_COLUMNS = tuple(f.column for f in FIELDS)
TABLE = Declaration._meta.db_table


# PostgreSQL type of each column for `copy.set_types` (psycopg then picks every dumper once).
_PG_TYPES = {"bigint": "int8", "boolean": "bool", "date": "date", "smallint": "int2", "uuid": "uuid"}


def _pg_types() -> list[str]:
    out = []
    for f in FIELDS:
        db_type = f.db_type(connection) or ""
        out.append("timestamptz" if db_type.startswith("timestamp") else _PG_TYPES.get(db_type, "text"))
    return out


def _quoted() -> str:
    qn = connection.ops.quote_name
    return ", ".join(qn(c) for c in DB_COLUMNS)


def _sqlite_adapters() -> list:
    """Per column, what Django's SQLite backend would store (aware datetimes as naive UTC text,
    UUIDs as 32 hex characters); None where the value goes in as it is."""
    ops = connection.ops
    adapters = []
    for f in FIELDS:
        if isinstance(f, models.DateTimeField):
            adapters.append(ops.adapt_datetimefield_value)
        elif isinstance(f, models.UUIDField):
            adapters.append(lambda v: v.hex if v is not None else None)
        else:
            adapters.append(None)
    return adapters


def write_declarations(rows: Sequence[dict]) -> int:
    """Insert the rows; returns how many. Raises KeyError when a row lacks a column."""
    if not rows:
        return 0
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("write_declarations() must run inside the transaction that allocated the ids.")
    cols = COLUMNS
    if connection.vendor == "postgresql":
        sql = f"COPY {TABLE} ({_quoted()}) FROM STDIN"
        with connection.cursor() as cursor:
            raw = cursor.cursor  # the psycopg cursor under Django's wrapper
            with raw.copy(sql) as copy:
                copy.set_types(_pg_types())
                write = copy.write_row
                for row in rows:
                    write([row[c] for c in cols])
        return len(rows)
    adapters = list(zip(cols, _sqlite_adapters(), strict=True))
    params = [[(a(row[c]) if a is not None and row[c] is not None else row[c]) for c, a in adapters] for row in rows]
    placeholders = ", ".join(["%s"] * len(cols))
    with connection.cursor() as cursor:
        cursor.executemany(f"INSERT INTO {TABLE} ({_quoted()}) VALUES ({placeholders})", params)  # noqa: S608 (names come from the model, values are parameters)
    return len(rows)
