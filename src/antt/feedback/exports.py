"""The feedback figures as an Excel workbook (openpyxl, write-only): one sheet per grouping.

Only counts and rates, no personal data; the export is still an audit entry (EXPORT).
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from antt.core import audit
from antt.establishments.exports import sheet_cell
from antt.feedback.stats import ON_TIME_RATE_DOC, SATISFACTION_DOC, Figures, Row

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADER = ["Nhóm", "Tiếp nhận", "Đã trả lời", "Đúng hạn", "Quá hạn", "Tỷ lệ đúng hạn (%)", "Tỷ lệ hài lòng (%)"]


@dataclass
class ExportFile:
    file: object
    filename: str


def _rate(value: float | None):
    return None if value is None else round(value * 100, 1)


def _values(row: Row) -> list:
    return [
        row.label,
        row.received,
        row.answered,
        row.on_time,
        row.late,
        _rate(row.on_time_rate),
        _rate(row.satisfaction_rate),
    ]


def figures_workbook(user, fig: Figures) -> ExportFile:
    wb = Workbook(write_only=True)
    period = f"{fig.date_from:%d/%m/%Y} – {fig.date_to:%d/%m/%Y}"
    for title, rows in (("Theo chủ đề", fig.by_topic), ("Theo đơn vị", fig.by_unit), ("Theo tháng", fig.by_month)):
        ws = wb.create_sheet(title)
        ws.column_dimensions["A"].width = 40
        head = WriteOnlyCell(ws, value=f"THỐNG KÊ PHẢN ÁNH, KIẾN NGHỊ {title.upper()} ({period})")
        head.font = Font(bold=True)
        ws.append([head])
        header = []
        for name in HEADER:
            cell = WriteOnlyCell(ws, value=name)
            cell.font = Font(bold=True)
            header.append(cell)
        ws.append(header)
        for row in rows:
            ws.append([sheet_cell(ws, v) for v in _values(row)])
        ws.append([sheet_cell(ws, v) for v in _values(fig.total)])
        ws.append([])
        ws.append([sheet_cell(ws, ON_TIME_RATE_DOC)])
        ws.append([sheet_cell(ws, SATISFACTION_DOC)])
    fh = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 (FileResponse closes it, which deletes it)
    wb.save(fh)
    fh.seek(0)
    audit.record(
        audit.Action.EXPORT,
        actor=user,
        object_type="feedback.feedback",
        object_repr="Thống kê phản ánh, kiến nghị (xlsx)",
        changes={"format": "xlsx", "from": fig.date_from.isoformat(), "to": fig.date_to.isoformat()},
        reason="Xuất thống kê phản ánh, kiến nghị",
    )
    now = timezone.localtime()
    return ExportFile(fh, f"thong-ke-pakn-{now:%Y%m%d-%H%M}.xlsx")
