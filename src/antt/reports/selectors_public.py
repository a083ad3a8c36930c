"""Public monthly figures of the one-stop shop per unit (the portal's /so-lieu/ page).

No user, no personal data: counts of dossiers and of ratings per handling unit and month.
Definitions are those of the supervision statistics (`antt.reports.selectors`) and of the
satisfaction ratings (`antt.feedback.selectors.SATISFACTION_RATE_DOC`), not new ones:

- *received*: dossiers submitted in the month (local dates, Asia/Ho_Chi_Minh);
- *completed*: dossiers completed (approved, result ready or returned) in the month;
- *on-time rate*: completed early or on time ÷ completed in the month (`in_time_rate`);
- *satisfaction rate*: ratings given in the month whose overall level is "very satisfied" or
  "satisfied" ÷ ratings given in the month.

A rate with no denominator is None (the page shows "—"). Unit counts are not personal data
and are published whole (no small-count suppression: they count dossiers, not people).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.db.models import Count, Q
from django.db.models.functions import TruncMonth
from django.utils import timezone

from antt.dossiers.models import Dossier, Timeliness
from antt.feedback.models import SATISFIED_LEVELS, Rating
from antt.feedback.selectors import SATISFACTION_RATE_DOC, SATISFACTION_TARGET
from antt.org.models import Unit
from antt.reports.selectors import VN, _ratio

__all__ = ["SATISFACTION_RATE_DOC", "SATISFACTION_TARGET", "month_bounds", "monthly_by_unit", "monthly_totals"]
IN_TIME = (Timeliness.EARLY, Timeliness.ON_TIME)


def month_bounds(month: date) -> tuple[datetime, datetime]:
    """[first instant of the month, first instant of the next month) in local time."""
    first = month.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return datetime.combine(first, time.min, tzinfo=VN), datetime.combine(following, time.min, tzinfo=VN)


def current_month() -> date:
    return timezone.localdate().replace(day=1)


def _row(received=0, completed=0, in_time=0, ratings=0, satisfied=0) -> dict:
    return {
        "received": received,
        "completed": completed,
        "in_time": in_time,
        "on_time_rate": _ratio(in_time, completed),
        "ratings": ratings,
        "satisfied": satisfied,
        "satisfaction_rate": _ratio(satisfied, ratings),
    }


def monthly_by_unit(month: date) -> dict:
    """{"rows": [{"unit": name, ...figures}], "total": {...}} for the month; units with no figure left out.

    Three grouped queries whatever the volume (dossiers received, dossiers completed, ratings).
    """
    start, end = month_bounds(month)
    received = dict(
        Dossier.objects.filter(submitted_at__gte=start, submitted_at__lt=end)
        .values_list("unit_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    completed = {
        r["unit_id"]: r
        for r in Dossier.objects.filter(completed_at__gte=start, completed_at__lt=end)
        .values("unit_id")
        .annotate(n=Count("pk"), in_time=Count("pk", filter=Q(timeliness__in=IN_TIME)))
        .order_by()
    }
    rated = {
        r["unit_id"]: r
        for r in Rating.objects.filter(created_at__gte=start, created_at__lt=end)
        .values("unit_id")
        .annotate(n=Count("*"), satisfied=Count("pk", filter=Q(overall_level__in=SATISFIED_LEVELS)))
        .order_by()
    }
    unit_ids = set(received) | set(completed) | set(rated)
    names = dict(Unit.objects.filter(pk__in=unit_ids).values_list("pk", "name"))
    rows = []
    for uid in unit_ids:
        c, r = completed.get(uid, {}), rated.get(uid, {})
        rows.append(
            {
                "unit_id": uid,
                "unit": names.get(uid, "—"),
                **_row(received.get(uid, 0), c.get("n", 0), c.get("in_time", 0), r.get("n", 0), r.get("satisfied", 0)),
            }
        )
    rows.sort(key=lambda row: (-row["received"], -row["completed"], row["unit"]))
    total = _row(
        sum(x["received"] for x in rows),
        sum(x["completed"] for x in rows),
        sum(x["in_time"] for x in rows),
        sum(x["ratings"] for x in rows),
        sum(x["satisfied"] for x in rows),
    )
    return {"month": month.replace(day=1), "rows": rows, "total": total}


def monthly_totals(last: date, months: int = 12) -> list[dict]:
    """Province-wide received / completed / on-time rate for the `months` months ending with `last`."""
    first = last.replace(day=1)
    for _ in range(months - 1):
        first = (first - timedelta(days=1)).replace(day=1)
    start, _unused = month_bounds(first)
    _unused, end = month_bounds(last)
    series: dict[date, dict] = {}
    cursor = first
    while cursor <= last:
        series[cursor] = _row()
        series[cursor]["month"] = cursor
        cursor = (cursor + timedelta(days=32)).replace(day=1)

    def key(value) -> date:
        return (value.astimezone(VN).date() if isinstance(value, datetime) else value).replace(day=1)

    for r in (
        Dossier.objects.filter(submitted_at__gte=start, submitted_at__lt=end)
        .annotate(m=TruncMonth("submitted_at", tzinfo=VN))
        .values("m")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        if (row := series.get(key(r["m"]))) is not None:
            row["received"] = r["n"]
    for r in (
        Dossier.objects.filter(completed_at__gte=start, completed_at__lt=end)
        .annotate(m=TruncMonth("completed_at", tzinfo=VN))
        .values("m")
        .annotate(n=Count("pk"), in_time=Count("pk", filter=Q(timeliness__in=IN_TIME)))
        .order_by()
    ):
        if (row := series.get(key(r["m"]))) is not None:
            row.update(completed=r["n"], in_time=r["in_time"], on_time_rate=_ratio(r["in_time"], r["n"]))
    return list(series.values())
