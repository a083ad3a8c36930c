"""Retention of personal data (issue 6, point 8): run nightly by `lodging_daily`.

The periods are `RetentionRule` rows in force on the day (category, months, legal basis): no
period is written here. A category without a rule in force is left alone (and said so).

* **stay**: a stay whose end is older than the period is anonymised. Its end is the departure,
  or the arrival + 30 days when it never departed (a stay left open, or cancelled). Every row of
  the stay (arrival, corrections, departure) loses the guest's name (and folded name), date of
  birth (the year stays, in `birth_year`), document number, address, phone and visa number;
  `anonymised_at` is set. Nationality, sex, birth year, establishment, unit, commune, type, room,
  dates and states stay: the statistics (`selectors_stats`, `OccupancyDay`) are unchanged.
  **Legal hold**: a stay with a watchlist alert that is not closed is skipped (and counted).
  Rows are updated in batches of `BATCH` (UPDATE … WHERE id IN (…)), each batch in its own
  transaction, so a run over millions of rows never holds a long lock.
* **search_log**: `SearchLog` rows older than the period are deleted.
* **batch_report**: the per-row report of a `DeclarationBatch` older than the period is emptied
  (the counts stay).
* **closed_watch**: a watchlist entry closed longer ago than the period loses its name, folded
  name, date of birth and document number (unless an alert on it is still open).

One audit entry (action SYSTEM, object "lodging.retention") records the counts and the periods
applied, never a person.
"""

from __future__ import annotations

from calendar import monthrange
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F, Q
from django.db.models.functions import Coalesce, ExtractYear
from django.utils import timezone

from antt.core import audit
from antt.core.models import AuditEvent
from antt.lodging.models import Alert, Declaration, DeclarationBatch, RetentionRule, SearchLog, WatchEntry
from antt.lodging.selectors_stats import VN

BATCH = 10_000
OPEN_STAY_DAYS = 30  # an open (never departed) stay is taken to end 30 days after arrival
# The check constraint `lodging_watch_identifiable` wants a document number or a name and a date
# of birth; an anonymised entry keeps this marker (plus its id) as its "document number".
WATCH_MARKER = "DA-XOA-"


@dataclass
class RetentionResult:
    stays: int = 0
    rows: int = 0
    held: int = 0
    search_logs: int = 0
    batch_reports: int = 0
    watch_entries: int = 0
    months: dict[str, int | None] = field(default_factory=dict)

    def summary(self) -> str:
        missing = [k for k, v in self.months.items() if v is None]
        text = (
            f"Ẩn danh {self.stays} lượt lưu trú ({self.rows} dòng), giữ lại {self.held} lượt có cảnh báo chưa xử lý xong; "
            f"xóa {self.search_logs} nhật ký tra cứu; xóa báo cáo từng dòng của {self.batch_reports} lần gửi; "
            f"ẩn danh {self.watch_entries} đối tượng đã gỡ khỏi danh sách theo dõi."
        )
        if missing:
            text += " Chưa có thời hạn lưu trữ đang hiệu lực cho: " + ", ".join(missing) + "."
        return text


def months_before(moment: datetime, months: int) -> datetime:
    """The same local wall-clock time `months` months earlier (the day clamped to the month's end)."""
    local = moment.astimezone(VN)
    index = local.year * 12 + local.month - 1 - months
    year, month = index // 12, index % 12 + 1
    return local.replace(year=year, month=month, day=min(local.day, monthrange(year, month)[1]))


def period_months(category: str, on) -> int | None:
    """The months of the rule of `category` in force on `on` (the latest valid_from), or None."""
    rule = (
        RetentionRule.objects.filter(RetentionRule.valid_on(on), category=category)
        .order_by("-valid_from", "-pk")
        .values_list("months", flat=True)
        .first()
    )
    return rule


def open_alert_stays():
    return Alert.objects.exclude(status=Alert.Status.CLOSED).values("stay_id")


def due_stays(cutoff: datetime):
    """Current rows of the stays whose end is before `cutoff`, not yet anonymised, not on hold."""
    ended = Q(departed_at__lt=cutoff) | Q(
        departed_at__isnull=True, arrived_at__lt=cutoff - timedelta(days=OPEN_STAY_DAYS)
    )
    # A stay that ended before the cutoff arrived before it: the bound keeps PostgreSQL in the
    # partitions of the old months.
    return Declaration.objects.filter(
        ended, arrived_at__lt=cutoff, is_current=True, anonymised_at__isnull=True
    ).order_by()


def _anonymise_stays(cutoff: datetime, now: datetime, result: RetentionResult, batch: int) -> None:
    held = due_stays(cutoff).filter(stay_id__in=open_alert_stays())
    result.held = held.count()
    due = due_stays(cutoff).exclude(stay_id__in=open_alert_stays())
    while True:
        with transaction.atomic():
            stay_ids = list(due.values_list("stay_id", flat=True)[:batch])
            if not stay_ids:
                return
            ids = list(
                Declaration.objects.filter(stay_id__in=stay_ids, anonymised_at__isnull=True).values_list(
                    "id", flat=True
                )
            )
            for i in range(0, len(ids), batch):
                result.rows += Declaration.objects.filter(id__in=ids[i : i + batch]).update(
                    full_name="",
                    name_folded="",
                    birth_year=Coalesce(F("birth_year"), ExtractYear("birth_date")),
                    birth_date=None,
                    doc_number="",
                    address="",
                    phone="",
                    visa_number="",
                    note="",  # a correction's or cancellation's reason may name the guest
                    anonymised_at=now,
                )
            result.stays += len(stay_ids)


def _delete_in_batches(qs, batch: int) -> int:
    total = 0
    while True:
        with transaction.atomic():
            ids = list(qs.values_list("pk", flat=True)[:batch])
            if not ids:
                return total
            total += qs.model.objects.filter(pk__in=ids).delete()[0]


def _anonymise_watch(cutoff: datetime) -> int:
    entries = (
        WatchEntry.objects.filter(is_active=False, closed_at__lt=cutoff)
        .exclude(doc_number__startswith=WATCH_MARKER)
        .exclude(alerts__status__in=[Alert.Status.NEW, Alert.Status.ACKNOWLEDGED])
        .values_list("pk", flat=True)
    )
    done = 0
    for pk in list(entries):
        done += WatchEntry.objects.filter(pk=pk).update(
            full_name="", name_folded="", birth_date=None, note="", doc_number=f"{WATCH_MARKER}{pk}"[:20]
        )
    return done


def anonymise_due(now: datetime | None = None, *, batch: int = BATCH) -> RetentionResult:
    """Apply every retention rule in force on `now`'s date; return the counts (see the module)."""
    now = now or timezone.now()
    today = now.astimezone(VN).date()
    result = RetentionResult()
    C = RetentionRule.Category
    for category in (C.STAY, C.SEARCH_LOG, C.BATCH_REPORT, C.CLOSED_WATCH):
        result.months[category.value] = period_months(category, today)

    if (months := result.months[C.STAY]) is not None:
        _anonymise_stays(months_before(now, months), now, result, batch)
    if (months := result.months[C.SEARCH_LOG]) is not None:
        result.search_logs = _delete_in_batches(SearchLog.objects.filter(at__lt=months_before(now, months)), batch)
    if (months := result.months[C.BATCH_REPORT]) is not None:
        with transaction.atomic():
            result.batch_reports = (
                DeclarationBatch.objects.filter(created_at__lt=months_before(now, months))
                .exclude(report=[])
                .update(report=[])
            )
    if (months := result.months[C.CLOSED_WATCH]) is not None:
        with transaction.atomic():
            result.watch_entries = _anonymise_watch(months_before(now, months))

    with transaction.atomic():
        audit.record(
            AuditEvent.Action.SYSTEM,
            object_type="lodging.retention",
            object_id=today.isoformat(),
            object_repr="Ẩn danh, xóa dữ liệu cá nhân hết thời hạn lưu trữ (lưu trú)",
            changes={
                "stays": result.stays,
                "rows": result.rows,
                "held": result.held,
                "search_logs": result.search_logs,
                "batch_reports": result.batch_reports,
                "watch_entries": result.watch_entries,
                "months": result.months,
            },
            reason="Thời hạn lưu trữ theo danh mục RetentionRule",
        )
    return result
