"""Exports of a filtered work list: an Excel workbook and the PDF register (Sổ theo dõi hồ sơ).

The register prints the applicant's name, address and phone (its columns, docs/legal/one-stop.md
§1.3 "Register", after the Thanh Hóa system; Mẫu 07 of Thông tư 03/2025/TT-VPCP, Mẫu 06 of
Thông tư 01/2018/TT-VPCP), so both exports need the `person.view` capability, and each one leaves
an EXPORT entry in the audit trail with the filter used and the number of rows.

The workbook is written by openpyxl in write-only mode (rows streamed to a temporary file, constant
memory) and the file is streamed back by `FileResponse`; an export is capped at
`selectors_lists.EXPORT_LIMIT` rows: past that the officer narrows the filter.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from datetime import date, datetime

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from antt.core import audit, calendar
from antt.core.models import AuditEvent
from antt.dossiers import deadlines
from antt.dossiers.models import Dossier, Status
from antt.dossiers.selectors_lists import (
    EXPORT_LIMIT,
    ListFilters,
    Tab,
    deadline_badge,
    dossier_worklist,
    export_rows,
)
from antt.org.roles import can


class ExportTooLarge(ValueError):
    """More rows than an export may hold (the message is Vietnamese, shown as is)."""


# (header, width) of the workbook: the register's columns, then the work-list ones.
COLUMNS = [
    ("STT", 6),
    ("Mã hồ sơ", 22),
    ("Nội dung hồ sơ (thủ tục)", 45),
    ("Số lượng (bộ)", 8),
    ("Họ tên chủ hồ sơ", 26),
    ("Địa chỉ", 36),
    ("Số điện thoại", 14),
    ("Ngày nhận hồ sơ", 17),
    ("Hẹn trả kết quả", 17),
    ("Ngày trả kết quả", 17),
    ("Người nhận hồ sơ", 22),
    ("Địa bàn phát sinh hồ sơ", 24),
    ("Đơn vị giải quyết", 28),
    ("Hình thức nộp", 18),
    ("Trạng thái", 20),
    ("Tình trạng hạn", 18),
    ("Cán bộ đang xử lý", 22),
    ("Ghi chú", 30),
]
DATE_FORMAT = "dd/mm/yyyy hh:mm"


@dataclass
class ExportFile:
    file: object  # an open binary file positioned at 0
    count: int
    filename: str


def require_export(user) -> None:
    """Exports carry personal data: only roles with person.view (a supervisor reads statistics)."""
    if not can(user, "dossier.view") or not can(user, "person.view"):
        raise PermissionDenied("Bạn không có quyền xuất danh sách hồ sơ có thông tin cá nhân.")


def _checked_queryset(user, filters: ListFilters, now: datetime) -> tuple[QuerySet[Dossier], int]:
    require_export(user)
    qs = dossier_worklist(user, filters, now=now)
    count = qs.order_by()[: EXPORT_LIMIT + 1].count()
    if count > EXPORT_LIMIT:
        raise ExportTooLarge(
            f"Danh sách có hơn {EXPORT_LIMIT:,} hồ sơ; vui lòng lọc theo đơn vị, thủ tục hoặc thời gian "
            "trước khi xuất.".replace(",", ".")
        )
    return export_rows(qs), count


def _local_naive(dt: datetime | None):
    """Excel has no time zones: the local (Asia/Ho_Chi_Minh) wall time."""
    return calendar.local(dt).replace(tzinfo=None) if dt is not None else None


def _address(d: Dossier) -> str:
    parts = [d.applicant_address]
    if d.applicant_area_id:
        parts.append(d.applicant_area.name)
    return ", ".join(p for p in parts if p)


def _officer(user) -> str:
    return (user.full_name or user.username) if user is not None else ""


def register_row(d: Dossier, n: int, now: datetime, cutoff: datetime) -> list:
    """One register line (values, dates as local datetimes)."""
    note = d.reasons if d.status in (Status.NOT_RECEIVED, Status.STOPPED, Status.WITHDRAWN) else ""
    return [
        n,
        d.code,
        d.procedure.name,
        1,
        d.applicant_name,
        _address(d),
        d.applicant_phone,
        _local_naive(d.received_at or d.submitted_at),
        _local_naive(d.due_at),
        _local_naive(d.returned_at),
        _officer(d.received_by),
        d.applicant_area.name if d.applicant_area_id else "",
        d.unit.name,
        d.get_channel_display(),
        d.get_status_display(),
        deadline_badge(d, now, cutoff).text,
        _officer(d.assignee),
        note,
    ]


def _title(filters: ListFilters) -> str:
    if filters.tab in Tab.LABELS and filters.tab != Tab.ALL:
        return f"Sổ theo dõi hồ sơ — {Tab.LABELS[filters.tab]}"
    return "Sổ theo dõi hồ sơ"


def period_text(filters: ListFilters) -> str:
    start, end = filters.received_from, filters.received_to
    if start and end:
        return f"Từ ngày {start:%d/%m/%Y} đến ngày {end:%d/%m/%Y}"
    if start:
        return f"Từ ngày {start:%d/%m/%Y}"
    if end:
        return f"Đến ngày {end:%d/%m/%Y}"
    return ""


def _audit_export(fmt: str, filters: ListFilters, count: int) -> None:
    audit.record(
        AuditEvent.Action.EXPORT,
        object_type="dossiers.dossier",
        object_repr=f"Danh sách hồ sơ ({fmt})",
        changes={"format": fmt, "filter": filters.as_audit(), "count": count},
        reason="Xuất danh sách hồ sơ có thông tin cá nhân",
    )


def export_xlsx(user, filters: ListFilters, *, now: datetime | None = None) -> ExportFile:
    """The filtered list as an .xlsx workbook (one sheet, a header row, one row per dossier)."""
    now = now or timezone.now()
    qs, _ = _checked_queryset(user, filters, now)
    cutoff = deadlines.due_soon_cutoff(now)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Hồ sơ")
    for i, (_, width) in enumerate(COLUMNS):
        ws.column_dimensions[get_column_letter(i + 1)].width = width
    ws.freeze_panes = "A3"
    title = WriteOnlyCell(
        ws, value=_title(filters).upper() + (f" ({period_text(filters)})" if period_text(filters) else "")
    )
    title.font = Font(bold=True, size=13)
    ws.append([title])
    header = []
    for name, _ in COLUMNS:
        cell = WriteOnlyCell(ws, value=name)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        header.append(cell)
    ws.append(header)
    count = 0
    for count, d in enumerate(qs.iterator(chunk_size=2000), start=1):
        row = []
        for value in register_row(d, count, now, cutoff):
            if isinstance(value, datetime):
                cell = WriteOnlyCell(ws, value=value)
                cell.number_format = DATE_FORMAT
                row.append(cell)
            else:
                row.append(value)
        ws.append(row)
    fh = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 (FileResponse closes it, which deletes it)
    wb.save(fh)
    fh.seek(0)
    _audit_export("xlsx", filters, count)
    stamp = f"{calendar.local(now):%Y%m%d-%H%M}"
    return ExportFile(fh, count, f"danh-sach-ho-so-{stamp}.xlsx")


def register_period(filters: ListFilters, now: datetime) -> tuple[date, date] | None:
    """The (first, last) day printed under the register's title; an open end is today."""
    start, end = filters.received_from, filters.received_to
    if not start:
        return None
    return start, end or calendar.local(now).date()


def export_register_pdf(user, filters: ListFilters, *, unit=None, now: datetime | None = None) -> ExportFile:
    """The filtered list printed as the register (Sổ theo dõi hồ sơ, `printing.register_pdf`)."""
    from antt.dossiers.printing import register_pdf

    now = now or timezone.now()
    qs, count = _checked_queryset(user, filters, now)
    title = None if filters.tab in ("", Tab.ALL) else f"SỔ THEO DÕI HỒ SƠ: {Tab.LABELS[filters.tab].upper()}"
    pdf = register_pdf(qs, title=title, unit=unit or user.unit, period=register_period(filters, now))
    fh = tempfile.TemporaryFile(suffix=".pdf")  # noqa: SIM115 (FileResponse closes it)
    fh.write(pdf)
    fh.seek(0)
    _audit_export("pdf", filters, count)
    stamp = f"{calendar.local(now):%Y%m%d-%H%M}"
    return ExportFile(fh, count, f"so-theo-doi-ho-so-{stamp}.pdf")
