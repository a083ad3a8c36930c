"""Monthly partitions of `lodging_declaration` on PostgreSQL (no-op on SQLite).

The table is `PARTITION BY RANGE (arrived_at)` with one partition per calendar month (Vietnam
time is not used for the bounds: partitions are cut at 00:00 UTC of the 1st, which only moves a
few hours of arrivals to the neighbouring partition) and a DEFAULT partition that catches
anything outside the created months, so an insert never fails. `ensure_partitions` creates the
months between two dates that do not exist yet; `lodging_daily` keeps three months ahead.
A month cannot be created while the DEFAULT partition holds rows of that month: it then moves
them (detach-free: the rows are few, they only come from arrivals far in the past or future).
"""

from __future__ import annotations

from datetime import date

from django.db import connection, transaction

TABLE = "lodging_declaration"
STRAYS_SQL = (
    "CREATE TEMP TABLE lodging_strays ON COMMIT DROP AS SELECT * FROM lodging_declaration_default "
    "WHERE arrived_at >= %s AND arrived_at < %s"
)


def month_start(day: date) -> date:
    return day.replace(day=1)


def next_month(day: date) -> date:
    return date(day.year + (day.month == 12), day.month % 12 + 1, 1)


def partition_name(month: date) -> str:
    return f"{TABLE}_{month:%Y%m}"


def existing(cursor) -> set[str]:
    cursor.execute(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
        "JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = %s",
        [TABLE],
    )
    return {row[0] for row in cursor.fetchall()}


def create_month(cursor, month: date) -> None:
    name, lo, hi = partition_name(month), month, next_month(month)
    cursor.execute(f"SELECT count(*) FROM {TABLE}_default WHERE arrived_at >= %s AND arrived_at < %s", [lo, hi])  # noqa: S608 (names are module constants, values are parameters)
    strays = cursor.fetchone()[0]
    if strays:
        cursor.execute(
            STRAYS_SQL,
            [lo, hi],
        )
        cursor.execute(f"DELETE FROM {TABLE}_default WHERE arrived_at >= %s AND arrived_at < %s", [lo, hi])  # noqa: S608 (names are module constants, values are parameters)
    cursor.execute(
        f"CREATE TABLE {name} PARTITION OF {TABLE} FOR VALUES FROM (%s) TO (%s)",
        [f"{lo.isoformat()} 00:00:00+00", f"{hi.isoformat()} 00:00:00+00"],
    )
    if strays:
        cursor.execute(f"INSERT INTO {TABLE} SELECT * FROM lodging_strays")  # noqa: S608 (names are module constants, values are parameters)
        cursor.execute("DROP TABLE lodging_strays")


def ensure_partitions(first: date, last: date, *, using=None) -> list[str]:
    """Create the monthly partitions from `first`'s month to `last`'s month; return the new names."""
    conn = connection if using is None else using
    if conn.vendor != "postgresql":
        return []
    made = []
    with transaction.atomic(using=conn.alias), conn.cursor() as cursor:
        have = existing(cursor)
        month = month_start(first)
        while month <= last:
            if partition_name(month) not in have:
                create_month(cursor, month)
                made.append(partition_name(month))
            month = next_month(month)
    return made


def ledger_maintenance(using=None) -> None:
    """Let this transaction delete or rewrite declaration rows (generated or benchmark data, a
    test back-dating a row): the append-only trigger of migration 0003 then lets it through.
    PostgreSQL only; a no-op on SQLite. Must run inside the transaction that needs it."""
    conn = connection if using is None else using
    if conn.vendor != "postgresql":
        return
    if not conn.in_atomic_block:
        raise RuntimeError("ledger_maintenance() must run inside a transaction.")
    with conn.cursor() as cursor:
        cursor.execute("SET LOCAL antt.ledger_maintenance = 'on'")
