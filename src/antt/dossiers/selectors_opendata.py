"""The one-stop shop's figures for the open dataset "ho-so-theo-thang" (issue 7 point 3).

Public, whole province, no user: only counts, grouped by month × unit × field × procedure, with
the definitions of `antt.reports.selectors` and `antt.feedback.selectors` (the contract's):

* received: dossiers submitted in the month (`submitted_at`, Vietnam time);
* completed: dossiers completed in the month (`completed_at`), split early / on time / late by
  their `timeliness` (`dossiers.deadlines.classify`);
* on-time rate = (early + on time) ÷ completed (`reports.selectors._derive`'s `in_time_rate`);
* ratings: satisfaction ratings given in the month (`Rating.created_at`); satisfied: overall
  level very satisfied or satisfied (`feedback.models.SATISFIED_LEVELS`); satisfaction rate =
  satisfied ÷ ratings (`feedback.selectors.SATISFACTION_RATE_DOC`).

The rows are ordered by month, then unit id, so the rows of one (month, unit) follow each other:
the dataset suppresses across them against the /so-lieu/ page's unit totals
(`antt.reports.selectors_public.monthly_by_unit`). Those totals are exactly the sums of these
rows: the same dossiers (all of them, by `submitted_at` / `completed_at`), the same ratings
(`Rating.created_at`, `Rating.unit`), the same months (Vietnam time: `TruncMonth(tzinfo=VN)` here,
`month_bounds` there) and the same unit (`Dossier.unit`, the handling unit, by id). Every completed
dossier has its timeliness (`services` sets both at once), so completed = early + on time + late
in every row and the page's "đúng hạn, trước hạn" is the sum of early + on time.
(`tests/test_opendata_groups.py` checks the sums.)

Memory stays flat however many months and procedures there are: three GROUP BY queries, each
ordered by the same key and read with `.iterator()`, are merged as sorted streams
(`heapq.merge`); one output row at a time is in memory.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator
from datetime import date, datetime
from itertools import groupby
from zoneinfo import ZoneInfo

from django.db.models import Count, Max, Q
from django.db.models.functions import TruncMonth

from antt.dossiers.models import Dossier, Timeliness
from antt.feedback.models import SATISFIED_LEVELS, Rating

VN = ZoneInfo("Asia/Ho_Chi_Minh")
CHUNK = 2000
KEY = ("unit_id", "field_id", "procedure_id")
NAMES = ("unit__name", "field__name", "procedure__code", "procedure__name")
FIGURES = ("received", "completed", "early", "on_time", "late", "ratings", "satisfied")


def _month(value) -> date:
    if isinstance(value, datetime):
        return value.astimezone(VN).date().replace(day=1) if value.tzinfo else value.date().replace(day=1)
    return value.replace(day=1)


def _stream(qs, column: str, start: datetime | None, end: datetime | None, **aggregates) -> Iterator[tuple]:
    if start is not None:
        qs = qs.filter(**{f"{column}__gte": start})
    if end is not None:
        qs = qs.filter(**{f"{column}__lt": end})
    rows = (
        qs.filter(**{f"{column}__isnull": False})
        .annotate(m=TruncMonth(column, tzinfo=VN))
        .values("m", *KEY, *NAMES)
        .annotate(**aggregates)
        .order_by("m", *KEY)
    )
    for r in rows.iterator(chunk_size=CHUNK):
        yield (_month(r["m"]), r["unit_id"], r["field_id"], r["procedure_id"]), r


def monthly_rows(*, start: datetime | None = None, end: datetime | None = None) -> Iterator[dict]:
    """One dict per (month, unit, field, procedure) with any figure, ordered by month then ids.

    Keys: month (date, 1st of the month), unit_id, unit, field, procedure_code, procedure, the FIGURES
    (counts, 0 when none) and on_time_rate, satisfaction_rate (None when the denominator is 0).
    """
    received = _stream(Dossier.objects.all(), "submitted_at", start, end, received=Count("pk"))
    completed = _stream(
        Dossier.objects.all(),
        "completed_at",
        start,
        end,
        completed=Count("pk"),
        early=Count("pk", filter=Q(timeliness=Timeliness.EARLY)),
        on_time=Count("pk", filter=Q(timeliness=Timeliness.ON_TIME)),
        late=Count("pk", filter=Q(timeliness=Timeliness.LATE)),
    )
    rated = _stream(
        Rating.objects.all(),
        "created_at",
        start,
        end,
        ratings=Count("pk"),
        satisfied=Count("pk", filter=Q(overall_level__in=SATISFIED_LEVELS)),
    )
    merged = heapq.merge(received, completed, rated, key=lambda item: item[0])
    for key, items in groupby(merged, key=lambda item: item[0]):
        row = {"month": key[0], "unit_id": key[1], **dict.fromkeys(FIGURES, 0)}
        for _, r in items:
            row.update(
                unit=r["unit__name"], field=r["field__name"], procedure_code=r["procedure__code"],
                procedure=r["procedure__name"],
            )  # fmt: skip
            row.update({k: r[k] for k in FIGURES if k in r})
        done = row["completed"]
        row["on_time_rate"] = (row["early"] + row["on_time"]) / done if done else None
        row["satisfaction_rate"] = row["satisfied"] / row["ratings"] if row["ratings"] else None
        yield row


def last_modified() -> datetime | None:
    """When the figures last changed: the latest dossier update or rating."""
    stamps = [
        Dossier.objects.aggregate(m=Max("updated_at"))["m"],
        Rating.objects.aggregate(m=Max("created_at"))["m"],
    ]
    stamps = [s for s in stamps if s is not None]
    return max(stamps) if stamps else None
