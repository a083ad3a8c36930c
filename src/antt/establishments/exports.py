"""The staff export of the registry list: an Excel workbook of the filtered establishments.

Business data only (no owner, representative or responsible person: those are read one
establishment at a time, logged), so `establishment.view` is enough; every export still leaves
an EXPORT entry in the audit trail with the filter and the row count. The workbook is written by
openpyxl in write-only mode to a temporary file (constant memory) and streamed back by
`FileResponse`, as the dossier work lists do; past `EXPORT_LIMIT` rows the officer narrows the
filter first.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from antt.core import audit
from antt.core.models import AuditEvent
from antt.establishments.selectors import establishment_list
from antt.reports.formatting import number

EXPORT_LIMIT = 50_000
CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
COLUMNS = [
    ("STT", 6),
    ("Tên cơ sở", 36),
    ("Tên giao dịch, biển hiệu", 26),
    ("Mã số thuế", 16),
    ("Loại hình", 18),
    ("Ngành, nghề kinh doanh có điều kiện về ANTT", 40),
    ("Địa chỉ", 32),
    ("Xã, phường", 20),
    ("Đơn vị công an quản lý", 28),
    ("Tình trạng", 18),
    ("Điện thoại cơ sở", 15),
    ("Nhóm cơ sở về PCCC", 30),
    ("Hạn kiểm tra ANTT", 14),
    ("Hạn kiểm tra PCCC", 14),
    ("Điểm rủi ro", 10),
]
DATE_FORMAT = "dd/mm/yyyy"


def sheet_cell(ws, value) -> WriteOnlyCell:
    """One cell of a write-only sheet (every workbook of the app): text is always text, never a
    formula (a name typed "=HYPERLINK(…)" runs nothing, OWASP CSV/formula injection), without
    the control characters a workbook cannot hold; dates in dd/mm/yyyy."""
    if isinstance(value, str):
        c = WriteOnlyCell(ws, value=ILLEGAL_CHARACTERS_RE.sub("", value))
        c.data_type = "s"
        return c
    c = WriteOnlyCell(ws, value=value)
    if hasattr(value, "isoformat"):
        c.number_format = DATE_FORMAT
    return c


class ExportTooLarge(ValueError):
    """More rows than an export may hold (the message is Vietnamese, shown as is)."""


@dataclass
class ExportFile:
    file: object  # an open binary file positioned at 0
    count: int
    filename: str


def _row(n: int, e) -> list:
    fire = getattr(e, "fire", None)  # RelatedObjectDoesNotExist is an AttributeError: no fire profile
    return [
        n,
        e.name,
        e.trade_name,
        e.tax_code,
        e.get_kind_display(),
        "; ".join(line.name for line in e.lines.all()),
        e.address,
        e.area.name if e.area_id else "",
        e.unit.name,
        e.get_status_display(),
        e.phone,
        fire.category.name if fire is not None else "",
        e.next_security_due,
        e.next_fire_due,
        e.risk_score,
    ]


def export_xlsx(user, filters: dict) -> ExportFile:
    """The list the user sees with these filters (`selectors.establishment_list` keywords)."""
    qs = establishment_list(user, **filters)
    count = qs.order_by()[: EXPORT_LIMIT + 1].count()
    if count > EXPORT_LIMIT:
        raise ExportTooLarge(
            f"Danh sách có hơn {number(EXPORT_LIMIT)} cơ sở; vui lòng lọc theo đơn vị, ngành nghề hoặc xã, phường "
            "trước khi xuất."
        )
    rows = qs.select_related("unit", "area", "fire__category").prefetch_related("lines")
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Cơ sở")
    for i, (_, width) in enumerate(COLUMNS, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "A3"
    now = timezone.localtime()
    title = WriteOnlyCell(ws, value=f"SỔ QUẢN LÝ CƠ SỞ (xuất ngày {now:%d/%m/%Y %H:%M})")
    title.font = Font(bold=True, size=13)
    ws.append([title])
    header = []
    for name, _ in COLUMNS:
        cell = WriteOnlyCell(ws, value=name)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        header.append(cell)
    ws.append(header)
    written = 0
    for written, e in enumerate(rows.iterator(chunk_size=2000), start=1):
        ws.append([sheet_cell(ws, value) for value in _row(written, e)])
    fh = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 (FileResponse closes it, which deletes it)
    wb.save(fh)
    fh.seek(0)
    audit.record(
        AuditEvent.Action.EXPORT,
        actor=user,
        object_type="establishments.establishment",
        object_repr="Sổ quản lý cơ sở (xlsx)",
        changes={"format": "xlsx", "filter": _filter_for_audit(filters), "count": written},
        reason="Xuất danh sách cơ sở",
    )
    return ExportFile(fh, written, f"so-quan-ly-co-so-{now:%Y%m%d-%H%M}.xlsx")


def _filter_for_audit(filters: dict) -> dict:
    out = {}
    for key, value in filters.items():
        if value in (None, "", False) and key != "fire":
            continue
        out[key] = getattr(value, "pk", value)
    return out
