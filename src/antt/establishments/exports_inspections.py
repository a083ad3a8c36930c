"""The monthly inspection plan as an Excel workbook: one sheet per part of the plan (due this
month, overdue, planned, overdue findings), the same rows as the page, in the same order.

No personal data (business names, tax codes, addresses, dates only). Written by openpyxl in
write-only mode; each sheet holds at most `EXPORT_LIMIT` rows (the plan of a whole province
is narrowed by unit past that, and the sheet says so). Every export leaves an EXPORT entry in
the audit trail with the unit, the month and the row counts.
"""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from antt.core import audit
from antt.core.models import AuditEvent
from antt.establishments import selectors_inspections as selectors
from antt.establishments.exports import sheet_cell
from antt.establishments.models import Domain

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EXPORT_LIMIT = 20_000
CHUNK = 2_000


def _d(value) -> str:
    return f"{value:%d/%m/%Y}" if value else ""


def _chunks(qs, shape, plan):
    """The rows of a part, `CHUNK` at a time (shaped like the page's), at most EXPORT_LIMIT."""
    for start in range(0, EXPORT_LIMIT, CHUNK):
        rows = list(qs[start : start + CHUNK])
        if not rows:
            return
        yield from shape(rows, plan)
        if len(rows) < CHUNK:
            return


def _establishment_cells(r: dict) -> list:
    by_code = {d["code"]: d for d in r["domains"]}
    sec, fire = by_code.get(Domain.SECURITY), by_code.get(Domain.FIRE)
    return [
        r["name"],
        r["tax_code"],
        r["address"],
        r["unit_name"],
        r["risk_score"],
        _d(sec and sec["due"]),
        _d(sec and sec["last"]),
        _d(sec and sec["planned"] and sec["planned"]["planned_on"]),
        _d(fire and fire["due"]),
        _d(fire and fire["last"]),
        _d(fire and fire["planned"] and fire["planned"]["planned_on"]),
    ]


ESTABLISHMENT_HEADINGS = [
    "Tên cơ sở",
    "Mã số thuế",
    "Địa chỉ",
    "Đơn vị quản lý",
    "Điểm rủi ro",
    "Hạn kiểm tra ANTT",
    "Kiểm tra ANTT gần nhất",
    "Đã lên lịch ANTT",
    "Hạn kiểm tra PCCC",
    "Kiểm tra PCCC gần nhất",
    "Đã lên lịch PCCC",
]

SHEETS = (
    ("due", "Đến hạn trong tháng", ESTABLISHMENT_HEADINGS, selectors.establishment_rows, _establishment_cells),
    ("overdue", "Quá hạn", ESTABLISHMENT_HEADINGS, selectors.establishment_rows, _establishment_cells),
    (
        "planned",
        "Đã lên kế hoạch",
        ["Ngày dự kiến", "Tên cơ sở", "Địa chỉ", "Lĩnh vực", "Hình thức", "Đơn vị", "Thông báo cho cơ sở"],
        selectors.planned_rows,
        lambda r: [
            _d(r["planned_on"]),
            r["establishment__name"],
            r["establishment__address"],
            str(r["domain_label"]),
            str(r["kind_label"]),
            r["unit_name"],
            r["notice"].text,
        ],
    ),
    (
        "overdue_findings",
        "Tồn tại quá hạn",
        ["Hạn khắc phục", "Số ngày quá hạn", "Tên cơ sở", "Tồn tại", "Yêu cầu khắc phục", "Đơn vị"],
        selectors.finding_rows,
        lambda r: [
            _d(r["due_on"]),
            r["days_late"],
            r["establishment__name"],
            r["description"],
            r["requirement"],
            r["unit_name"],
        ],
    ),
)


def plan_xlsx(plan: selectors.Plan, *, user) -> io.BytesIO:
    """The workbook of `plan` (already scoped to `user` by `monthly_plan`)."""
    wb = Workbook(write_only=True)
    counts = {}
    for key, title, headings, shape, cells in SHEETS:
        ws = wb.create_sheet(title)
        heading = WriteOnlyCell(ws, value=f"{title} — {plan.unit.name} — tháng {plan.month:%m/%Y}")
        heading.font = Font(bold=True)
        ws.append([heading])
        bold = []
        for text in headings:
            cell = WriteOnlyCell(ws, value=text)
            cell.font = Font(bold=True)
            bold.append(cell)
        ws.append(bold)
        n = 0
        for row in _chunks(getattr(plan, key), shape, plan):
            ws.append([sheet_cell(ws, value) for value in cells(row)])
            n += 1
        if n >= EXPORT_LIMIT:
            ws.append([f"Chỉ xuất {EXPORT_LIMIT} dòng đầu; hãy chọn đơn vị nhỏ hơn để xuất đủ."])
        counts[key] = n
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    audit.record(
        AuditEvent.Action.EXPORT,
        plan.unit,
        actor=user,
        changes={"month": f"{plan.month:%Y-%m}", "rows": counts},
        reason="Xuất Excel kế hoạch kiểm tra cơ sở",
    )
    return out
