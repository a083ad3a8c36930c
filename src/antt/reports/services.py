"""Writes of the reports app: exports (audited) and the daily report file of the public service centre."""

from __future__ import annotations

import csv
import io
import os
from datetime import date, datetime, time, timedelta
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from openpyxl import Workbook
from openpyxl.styles import Font

from antt.core import audit
from antt.core.models import AuditEvent
from antt.dossiers.models import Dossier, Timeliness
from antt.org.roles import can
from antt.reports import exports, selectors
from antt.reports.selectors import VN, StatsFilters

EXPORT_FORMATS = ("xlsx", "pdf")


def stats_export(*, user, filters: StatsFilters, fmt: str) -> bytes:
    """The statistics the user sees, as an Excel or PDF file; every export leaves an audit entry."""
    if not can(user, "reports.view"):
        raise PermissionDenied("Bạn không có quyền xem thống kê.")
    if fmt not in EXPORT_FORMATS:
        raise ValueError(fmt)
    summary = selectors.stats_summary(user, filters)
    tables = {dim: selectors.stats_by(user, filters, dim) for dim in ("field", "procedure", "unit")}
    if fmt == "xlsx":
        content = exports.workbook(filters, summary, tables, selectors.stats_by_month(user, filters))
    else:
        unit = filters.unit or user.unit
        content = exports.pdf(
            filters, summary, tables, unit_name=unit.name if unit else "", site_name=settings.ANTT_SITE_NAME
        )
    audit.record(
        AuditEvent.Action.EXPORT,
        actor=user,
        object_type="reports.statistics",
        object_repr=f"Thống kê {filters.label}"[:255],
        changes={
            "format": fmt,
            "start": filters.start.isoformat(),
            "end": filters.end.isoformat(),
            "unit": filters.unit.pk if filters.unit else None,
            "field": filters.field_id,
            "procedure": filters.procedure_id,
        },
    )
    return content


# --- Daily report for the public service centre ----------------------------------------------

DAILY_HEADERS = [
    "Mã đơn vị",
    "Đơn vị",
    "Mã thủ tục",
    "Thủ tục",
    "Tiếp nhận trong ngày",
    "Giải quyết trong ngày",
    "Trong đó trước hạn",
    "Trong đó đúng hạn",
    "Trong đó quá hạn",
    "Đang giải quyết cuối ngày",
    "Đang giải quyết quá hạn",
]


def daily_rows(day: date) -> list[list]:
    """Per unit and procedure, for the whole province: the day's figures (one GROUP BY).

    Rows only for pairs with something to report (received or resolved that day, or open at its end).
    """
    start = datetime.combine(day, time.min, tzinfo=VN)
    end = start + timedelta(days=1)
    received = Q(submitted_at__gte=start, submitted_at__lt=end)
    resolved = Q(completed_at__gte=start, completed_at__lt=end)
    open_end = selectors._open_at(end)
    rows = (
        Dossier.objects.filter(submitted_at__lt=end)
        .filter(received | resolved | open_end)
        .values("unit__agency_code", "unit__name", "unit__path", "procedure__code", "procedure__name")
        .annotate(
            received=Count("pk", filter=received),
            resolved=Count("pk", filter=resolved),
            early=Count("pk", filter=resolved & Q(timeliness=Timeliness.EARLY)),
            on_time=Count("pk", filter=resolved & Q(timeliness=Timeliness.ON_TIME)),
            late=Count("pk", filter=resolved & Q(timeliness=Timeliness.LATE)),
            in_progress=Count("pk", filter=open_end),
            in_progress_late=Count("pk", filter=open_end & Q(due_at__lt=end)),
        )
        .order_by("unit__path", "procedure__code")
    )
    return [
        [
            r["unit__agency_code"] or "",
            r["unit__name"],
            r["procedure__code"],
            r["procedure__name"],
            r["received"],
            r["resolved"],
            r["early"],
            r["on_time"],
            r["late"],
            r["in_progress"],
            r["in_progress_late"],
        ]
        for r in rows
    ]


def reports_dir() -> Path:
    return Path(getattr(settings, "ANTT_REPORTS_DIR", "") or Path(settings.VAR_DIR) / "reports")


def _atomic_write(path: Path, content: bytes) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_bytes(content)
    os.replace(tmp, path)


def daily_report_write(*, day: date, directory: Path | None = None) -> list[Path]:
    """Write (or overwrite) the day's report files: `bao-cao-ngay-YYYY-MM-DD.xlsx` and `.csv`.

    The CSV is UTF-8 with a BOM (so that Excel opens the Vietnamese letters), comma-separated.
    Running it again for the same day replaces both files: the files always hold the figures
    of the last run. Each run leaves an audit entry (an export of province-wide data).
    """
    directory = Path(directory or reports_dir())
    directory.mkdir(parents=True, exist_ok=True)
    rows = daily_rows(day)
    totals = ["", "Tổng cộng", "", ""] + [sum(r[i] for r in rows) for i in range(4, len(DAILY_HEADERS))]
    stem = directory / f"bao-cao-ngay-{day.isoformat()}"

    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow(DAILY_HEADERS)
    writer.writerows(rows)
    writer.writerow(totals)
    csv_path = stem.with_suffix(".csv")
    _atomic_write(csv_path, text.getvalue().encode("utf-8-sig"))

    wb = Workbook()
    ws = wb.active
    ws.title = day.strftime("%d-%m-%Y")
    ws.append([f"Báo cáo tình hình giải quyết hồ sơ ngày {day:%d/%m/%Y}"])
    ws["A1"].font = Font(bold=True)
    ws.append(DAILY_HEADERS)
    for cell in ws[2]:
        cell.font = Font(bold=True)
    for row in rows:
        ws.append(row)
    ws.append(totals)
    out = io.BytesIO()
    wb.save(out)
    xlsx_path = stem.with_suffix(".xlsx")
    _atomic_write(xlsx_path, out.getvalue())

    audit.record(
        AuditEvent.Action.EXPORT,
        object_type="reports.daily",
        object_repr=f"Báo cáo ngày {day:%d/%m/%Y}",
        changes={"day": day.isoformat(), "rows": len(rows), "files": [csv_path.name, xlsx_path.name]},
        actor_name="hệ thống (báo cáo ngày)",
    )
    return [xlsx_path, csv_path]
