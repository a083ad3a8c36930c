"""Gap-free numbers: the next value of a counter, taken inside the caller's transaction.

    with transaction.atomic():
        seq = next_value("dossier:H56.14", period="260423")
        dossier.code = format_dossier_code("H56.14", received_on, seq)
        dossier.save()

The counter row stays locked until the caller's transaction ends, so two counters
receiving at the same second get consecutive numbers, and a rollback returns the
number (no gap). Numbers that may have gaps should use a database sequence instead.
"""

from __future__ import annotations

from datetime import date

from django.db import IntegrityError, transaction

from antt.core.models import Counter


def next_value(key: str, *, period: str = "") -> int:
    """Increment and return the counter (key, period); must run inside a transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("next_value() must run inside the transaction that uses the number.")
    try:
        with transaction.atomic():  # savepoint: a concurrent first insert may win the race
            Counter.objects.get_or_create(key=key, period=period)
    except IntegrityError:
        pass
    counter = Counter.objects.select_for_update().get(key=key, period=period)
    counter.value += 1
    counter.save(update_fields=["value"])
    return counter.value


def format_dossier_code(agency_code: str, received_on: date, seq: int) -> str:
    """`<agency code>-<yymmdd>-<4-digit sequence>`, as the one-stop system numbers dossiers
    (Nghị định 61/2018/NĐ-CP, now Nghị định 118/2025/NĐ-CP and Thông tư 03/2025/TT-VPCP;
    `../shared/research/legal-facts.md` §1.4). Past 9,999 a day the sequence simply widens."""
    return f"{agency_code}-{received_on:%y%m%d}-{seq:04d}"
