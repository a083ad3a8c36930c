"""Background tasks of the reports app: thin wrappers over services."""

from datetime import date, datetime

from django.tasks import task

from antt.reports.selectors import VN
from antt.reports.services import daily_report_write


@task()
def write_daily_report(day: str | None = None) -> list[str]:
    """Write the daily report files for `day` (ISO date; default today, Asia/Ho_Chi_Minh)."""
    when = date.fromisoformat(day) if day else datetime.now(VN).date()
    return [str(p) for p in daily_report_write(day=when)]
