"""The code tables in force on a day (contract: codes.py), read once and cached in-process.

`codes_on(day)` returns a frozen `Codes` with the document types valid that day, the active
countries, the ports of entry and the reasons of stay valid that day, each by code. The cache is
dropped whenever one of the four tables is saved or deleted in this process (signals), and after
`TTL` seconds at most, so that an administrator's change made in another process is seen soon.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from datetime import date

from django.db.models.signals import post_delete, post_save

from antt.lodging.models import Country, DocumentType, PortOfEntry, StayReason

TTL = 60.0  # seconds; changes made in another process are seen after this at most


@dataclass(frozen=True)
class Codes:
    doc_types: dict[str, DocumentType] = field(default_factory=dict)
    countries: dict[str, Country] = field(default_factory=dict)
    ports: dict[str, PortOfEntry] = field(default_factory=dict)
    reasons: dict[str, StayReason] = field(default_factory=dict)


_lock = threading.Lock()
_cache: dict[date, tuple[float, Codes]] = {}


def _load(day: date) -> Codes:
    return Codes(
        doc_types={d.code: d for d in DocumentType.objects.filter(DocumentType.valid_on(day))},
        countries={c.code: c for c in Country.objects.filter(is_active=True)},
        ports={p.code: p for p in PortOfEntry.objects.filter(PortOfEntry.valid_on(day))},
        reasons={r.code: r for r in StayReason.objects.filter(StayReason.valid_on(day))},
    )


def codes_on(day: date) -> Codes:
    """The code tables valid on `day` (cached)."""
    now = time.monotonic()
    hit = _cache.get(day)
    if hit is not None and now - hit[0] < TTL:
        return hit[1]
    codes = _load(day)
    with _lock:
        if len(_cache) > 64:  # a few days are ever asked for; keep the dict small
            _cache.clear()
        _cache[day] = (now, codes)
    return codes


def invalidate(**_kwargs) -> None:
    """Drop every cached day (connected to the four tables' save and delete signals)."""
    with _lock:
        _cache.clear()


for _model in (DocumentType, Country, PortOfEntry, StayReason):
    post_save.connect(invalidate, sender=_model, dispatch_uid=f"lodging-codes-{_model.__name__}-save")
    post_delete.connect(invalidate, sender=_model, dispatch_uid=f"lodging-codes-{_model.__name__}-delete")
