"""Writes of the shared kernel. Each runs in a transaction and leaves an audit entry."""

from __future__ import annotations

from django.db import transaction

from antt.core import audit
from antt.core.models import CalendarDay

_CALENDAR_DAY_FIELDS = ["date", "kind", "name", "legal_basis"]


def calendar_day_save(*, day: CalendarDay, actor=None, reason: str = "") -> CalendarDay:
    """Create or change a day off / make-up working day, with its audit entry.

    The calendar reads these rows on every call, so the change applies at once
    to every deadline computed afterwards (see `antt.core.calendar`).
    """
    day.full_clean()
    with transaction.atomic():
        before = None
        if day.pk is not None:
            stored = CalendarDay.objects.select_for_update().filter(pk=day.pk).first()
            before = audit.snapshot(stored, _CALENDAR_DAY_FIELDS) if stored is not None else None
        day.save()
        after = audit.snapshot(day, _CALENDAR_DAY_FIELDS)
        audit.record(
            audit.Action.CREATE if before is None else audit.Action.UPDATE,
            day,
            changes={"before": before, "after": after},
            reason=reason,
            actor=actor,
        )
    return day


def calendar_day_delete(*, day: CalendarDay, actor=None, reason: str = "") -> None:
    """Remove a day off / make-up working day, keeping what it was in the audit trail."""
    with transaction.atomic():
        stored = CalendarDay.objects.select_for_update().get(pk=day.pk)
        audit.record(
            audit.Action.DELETE,
            stored,
            changes={"before": audit.snapshot(stored, _CALENDAR_DAY_FIELDS), "after": None},
            reason=reason,
            actor=actor,
        )
        stored.delete()
