"""Excel exports of the police's lodging lists: the guests staying now (and the foreigners' list)
and the results of a search by person.

* The staying lists (`lodging.view`) are exported as the page shows them: names and document
  numbers masked.
* Search results carry full names and document numbers: only for `lodging.search`, with the
  search's reason, and the export is itself a search (a `SearchLog` row and a READ_PERSONAL
  entry, `selectors.log_search`).

Every export leaves an EXPORT entry in the audit trail (filters, row count; never a name or a
document number). Workbooks are written by openpyxl in write-only mode to a temporary file and
streamed by `FileResponse` (constant memory), every text cell forced to text
(`establishments.exports.sheet_cell`: a name typed "=HYPERLINK(…)" runs nothing). Past
`EXPORT_LIMIT` rows the officer narrows the filter first.
"""

from __future__ import annotations

import tempfile

from django.core.exceptions import PermissionDenied
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from antt.core import audit
from antt.core.models import AuditEvent
from antt.establishments.exports import CONTENT_TYPE, ExportFile, ExportTooLarge, sheet_cell
from antt.lodging import selectors
from antt.lodging.models import Declaration
from antt.org.roles import can
from antt.reports.formatting import number

__all__ = ["CONTENT_TYPE", "EXPORT_LIMIT", "ExportFile", "ExportTooLarge", "export_search", "export_staying"]

EXPORT_LIMIT = 50_000
CHUNK = 2000

STAYING_COLUMNS = [
    ("STT", 6),
    ("Họ và tên", 26),
    ("Số giấy tờ", 16),
    ("Quốc tịch", 9),
    ("Cơ sở lưu trú", 32),
    ("Phòng", 8),
    ("Thời điểm đến", 17),
    ("Ngày dự kiến đi", 14),
    ("Khai báo muộn", 10),
]
FOREIGN_COLUMNS = [
    *STAYING_COLUMNS,
    ("Loại giấy tờ cư trú", 16),
    ("Số thị thực / thẻ", 16),
    ("Thời hạn thị thực / thẻ", 14),
    ("Ngày nhập cảnh", 14),
    ("Cửa khẩu nhập cảnh", 16),
]
SEARCH_COLUMNS = [
    ("STT", 6),
    ("Mã lượt", 14),
    ("Họ và tên", 26),
    ("Ngày sinh", 12),
    ("Giới tính", 9),
    ("Loại giấy tờ", 10),
    ("Số giấy tờ", 16),
    ("Quốc tịch", 9),
    ("Cơ sở lưu trú", 32),
    ("Phòng", 8),
    ("Thời điểm đến", 17),
    ("Thời điểm đi", 17),
    ("Tình trạng", 14),
]


def _local(dt):
    """An aware datetime as naive Vietnam time (Excel has no time zones)."""
    return timezone.localtime(dt, selectors.VN).replace(tzinfo=None) if dt else None


def _workbook(title: str, sheet: str, columns):
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(sheet)
    for i, (_, width) in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "A3"
    now = timezone.localtime(timezone.now(), selectors.VN)
    head = WriteOnlyCell(ws, value=f"{title} (xuất ngày {now:%d/%m/%Y %H:%M})")
    head.font = Font(bold=True, size=13)
    ws.append([head])
    header = []
    for name, _ in columns:
        cell = WriteOnlyCell(ws, value=name)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        header.append(cell)
    ws.append(header)
    return wb, ws, now


def _save(wb) -> object:
    fh = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 (FileResponse closes it, which deletes it)
    wb.save(fh)
    fh.seek(0)
    return fh


def _check_size(qs) -> None:
    if qs.order_by()[: EXPORT_LIMIT + 1].count() > EXPORT_LIMIT:
        raise ExportTooLarge(
            f"Danh sách có hơn {number(EXPORT_LIMIT)} khách; vui lòng lọc theo cơ sở, xã, phường hoặc quốc tịch "
            "trước khi xuất."
        )


def _chunks(qs):
    """The rows in chunks, each with its establishments' names (one query per chunk)."""
    batch = []
    for d in qs.iterator(chunk_size=CHUNK):
        batch.append(d)
        if len(batch) == CHUNK:
            yield batch, selectors.establishment_names(batch)
            batch = []
    if batch:
        yield batch, selectors.establishment_names(batch)


def _audit_filters(values: dict) -> dict:
    return {
        k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in values.items() if v not in (None, "", False)
    }


def export_staying(user, filters: dict, *, foreigners: bool = False) -> ExportFile:
    """The guests staying now (`selectors.staying_now` keywords), masked as on the page."""
    if foreigners:
        filters = {**filters, "foreign_only": True}
    qs = selectors.staying_now(user, **filters)
    _check_size(qs)
    columns = FOREIGN_COLUMNS if foreigners else STAYING_COLUMNS
    title = "KHAI BÁO TẠM TRÚ CỦA NGƯỜI NƯỚC NGOÀI" if foreigners else "KHÁCH ĐANG LƯU TRÚ"
    wb, ws, now = _workbook(title, "Khách lưu trú", columns)
    written = 0
    for rows, names in _chunks(qs):
        for d in rows:
            written += 1
            values = [
                written,
                selectors.mask_name(d.full_name),
                selectors.mask_doc(d.doc_number),
                d.nationality,
                names.get(d.establishment_id, ""),
                d.room,
                _local(d.arrived_at),
                d.expected_departure,
                "Có" if d.is_late else "",
            ]
            if foreigners:
                values += [d.visa_kind, d.visa_number, d.visa_expiry, d.entry_date, d.port_of_entry]
            ws.append([sheet_cell(ws, v) for v in values])
    fh = _save(wb)
    audit.record(
        AuditEvent.Action.EXPORT,
        actor=user,
        object_type="lodging.declaration",
        object_repr="Người nước ngoài đang tạm trú (xlsx)" if foreigners else "Khách đang lưu trú (xlsx)",
        changes={"format": "xlsx", "filter": _audit_filters(filters), "count": written, "masked": True},
        reason="Xuất danh sách khách đang lưu trú",
    )
    kind = "nguoi-nuoc-ngoai" if foreigners else "khach-dang-luu-tru"
    return ExportFile(fh, written, f"{kind}-{now:%Y%m%d-%H%M}.xlsx")


def export_search(user, criteria: dict, reason: str) -> ExportFile:
    """The results of a search by person, in full: `lodging.search` and a reason; logged as a
    search (SearchLog + READ_PERSONAL) and as an export."""
    if not can(user, "lodging.search"):
        raise PermissionDenied("Bạn không có quyền xuất kết quả tra cứu thông tin lưu trú.")
    qs = selectors.search_queryset(user, criteria)
    _check_size(qs)
    wb, ws, now = _workbook("KẾT QUẢ TRA CỨU LƯU TRÚ", "Kết quả tra cứu", SEARCH_COLUMNS)
    states = dict(Declaration.State.choices)
    written = 0
    for rows, names in _chunks(qs):
        for d in rows:
            written += 1
            values = [
                written,
                str(d.stay_id),
                d.full_name,
                d.birth_date,
                d.get_sex_display(),
                d.doc_type,
                d.doc_number,
                d.nationality,
                names.get(d.establishment_id, ""),
                d.room,
                _local(d.arrived_at),
                _local(d.departed_at),
                str(states.get(d.state, d.state)),
            ]
            ws.append([sheet_cell(ws, v) for v in values])
    fh = _save(wb)
    log = selectors.log_search(user, kind="export", criteria=criteria, reason=reason, results=written)
    audit.record(
        AuditEvent.Action.EXPORT,
        actor=user,
        object_type="lodging.searchlog",
        object_id=str(log.pk),
        object_repr="Kết quả tra cứu lưu trú (xlsx)",
        changes={"format": "xlsx", "criteria": log.criteria, "count": written},
        reason=log.reason,
    )
    return ExportFile(fh, written, f"tra-cuu-luu-tru-{now:%Y%m%d-%H%M}.xlsx")
