"""When a declaration is due (contract: deadlines.py), from the `DeadlineRule` rows.

The rule in force on the day of arrival (Vietnam time) for the kind of guest decides:

* `cutoff` (Vietnamese guests, Luật Cư trú Art. 30(3)): an arrival before `cutoff_hour`:00 is due
  at `cutoff_hour`:00 the same day; at or after it, at `next_day_hour`:00 the next day. An arrival
  after midnight is on its own calendar day (00:30 → 23:00 that day).
* `hours` (foreigners, Luật 47/2014/QH13 Art. 33(1); TT 87/2026/TT-BCA from 24/07/2026):
  `within_hours` after the arrival plus `grace_minutes`; at an establishment whose commune is a
  `RemoteCommune`, `remote_within_hours` (the law's own limit, without the grace).

The rows are read once and cached in-process; saving or deleting a `DeadlineRule` (the admin)
drops the cache, and it expires after `TTL` seconds anyway (another process's change).
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, date, datetime, timedelta
from datetime import timezone as dt_timezone

from django.db.models.signals import post_delete, post_save

from antt.lodging.errors import LodgingError
from antt.lodging.models import DeadlineRule, RemoteCommune

# Asia/Ho_Chi_Minh: UTC+7 without daylight saving since 1975 (a fixed offset is exact and fast).
VN = dt_timezone(timedelta(hours=7), "ICT")
UTC = UTC
TTL = 60.0

_lock = threading.Lock()
_cache: list = [0.0, None]  # [loaded at (monotonic), rules]


def load_rules() -> list[DeadlineRule]:
    """Every `DeadlineRule` row (few), cached."""
    now = time.monotonic()
    loaded_at, rules = _cache
    if rules is not None and now - loaded_at < TTL:
        return rules
    rules = list(DeadlineRule.objects.order_by("guest_kind", "-valid_from"))
    with _lock:
        _cache[0], _cache[1] = now, rules
    return rules


def invalidate(**_kwargs) -> None:
    with _lock:
        _cache[0], _cache[1] = 0.0, None


post_save.connect(invalidate, sender=DeadlineRule, dispatch_uid="lodging-deadlines-save")
post_delete.connect(invalidate, sender=DeadlineRule, dispatch_uid="lodging-deadlines-delete")


def rule_for(arrived_at: datetime, *, foreigner: bool, rules=None) -> DeadlineRule:
    """The rule in force on the arrival's Vietnamese calendar day for this kind of guest."""
    day = arrived_at.astimezone(VN).date()
    kind = DeadlineRule.GuestKind.FOREIGNER if foreigner else DeadlineRule.GuestKind.VIETNAMESE
    best = None
    for rule in load_rules() if rules is None else rules:
        if rule.guest_kind != kind or rule.valid_from > day or (rule.valid_to and rule.valid_to <= day):
            continue
        if best is None or rule.valid_from > best.valid_from:
            best = rule
    if best is None:
        raise LodgingError(
            "Chưa có quy định về thời hạn khai báo lưu trú áp dụng cho ngày đến; đề nghị quản trị viên bổ sung.",
            field="arrived_at",
            status=422,
        )
    return best


class RuleBook:
    """The rules for many arrivals at once (a batch): the rule of each (kind of guest, day) is
    looked up once."""

    def __init__(self, rules=None):
        self.rules = load_rules() if rules is None else list(rules)
        self._chosen: dict[tuple[bool, date], DeadlineRule] = {}

    def due_at(self, arrived_at: datetime, *, foreigner: bool, remote: bool = False) -> datetime:
        key = (foreigner, arrived_at.astimezone(VN).date())
        rule = self._chosen.get(key)
        if rule is None:
            rule = self._chosen[key] = rule_for(arrived_at, foreigner=foreigner, rules=self.rules)
        return _apply(rule, arrived_at, remote)


def is_remote(area_id: int | None) -> bool:
    """True when the commune is listed as a remote area (one indexed query)."""
    return bool(area_id) and RemoteCommune.objects.filter(area_id=area_id).exists()


def due_at(arrived_at: datetime, *, foreigner: bool, remote: bool = False, rules=None) -> datetime:
    """The moment the declaration of a guest arriving at `arrived_at` (aware) is due, in UTC.
    `rules`: the `DeadlineRule` rows to choose from (default: all, cached)."""
    if arrived_at.tzinfo is None:
        raise ValueError("arrived_at must be timezone-aware")
    return _apply(rule_for(arrived_at, foreigner=foreigner, rules=rules), arrived_at, remote)


def _apply(rule: DeadlineRule, arrived_at: datetime, remote: bool) -> datetime:
    local = arrived_at.astimezone(VN)
    if rule.method == DeadlineRule.Method.CUTOFF:
        cutoff, next_hour = rule.cutoff_hour, rule.next_day_hour
        if cutoff is None or next_hour is None:
            raise LodgingError(
                "Quy định thời hạn khai báo thiếu giờ chốt; đề nghị quản trị viên bổ sung.",
                field="arrived_at",
                status=422,
            )
        day = local.date()
        if local.hour < cutoff:
            due = datetime(day.year, day.month, day.day, cutoff, tzinfo=VN)
        else:
            nxt = day + timedelta(days=1)
            due = datetime(nxt.year, nxt.month, nxt.day, next_hour, tzinfo=VN)
        return due.astimezone(UTC)
    if remote and rule.remote_within_hours is not None:
        return (local + timedelta(hours=rule.remote_within_hours)).astimezone(UTC)
    within = timedelta(hours=rule.within_hours or 0, minutes=rule.grace_minutes or 0)
    return (local + within).astimezone(UTC)


def is_late(declared_at: datetime, due: datetime) -> bool:
    """Declared after the deadline (a declaration exactly at the deadline is on time)."""
    return declared_at > due
