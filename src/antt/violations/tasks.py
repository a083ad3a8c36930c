"""The daily work of administrative violations (thin wrappers over the services).

`violations_daily(today)` marks decisions late, then alerts units about overdue seized items,
records whose decision deadline is near or past, and decisions that turned late. Every step is
idempotent: running it twice the same day changes and sends nothing more. It runs as the
Django task `run_violations_daily` or the management command `violations_daily` (cron).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date

from django.tasks import task
from django.utils import timezone

from antt.violations import notifications, services


@dataclass
class DailySummary:
    marked_late: int = 0
    seized_alerted: int = 0
    records_alerted: int = 0
    late_alerted: int = 0


def violations_daily(today: date | None = None) -> DailySummary:
    today = today or timezone.localdate()
    summary = DailySummary()
    summary.marked_late = services.decisions_mark_late(today)
    summary.seized_alerted = services.seized_items_alert_overdue(today)
    summary.records_alerted = notifications.alert_record_deadlines(today)
    summary.late_alerted = notifications.alert_late_decisions(today)
    return summary


@task()
def run_violations_daily() -> dict:
    return asdict(violations_daily())
