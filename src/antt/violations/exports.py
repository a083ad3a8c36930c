"""Exports of the appendix 9 table: Excel (openpyxl) and a landscape PDF (core.pdf).

Both keep the layout of appendix 9 of Quyết định 273/QĐ-UBND (2021): the same heading row
(STT, Lĩnh vực, Nhóm hành vi liên quan đến, Số vụ VPHC, ...), the field rows with their
behaviour groups below them, and the total row "TỔNG" computed by the system. In Excel every
figure is a number cell (thousands shown with the workbook's separators), never text, so that
the sheet can be summed again. Every export leaves an audit entry (`stats_export`).
"""

from __future__ import annotations

import io
from datetime import date

from django.conf import settings
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

from antt.core import audit
from antt.core.models import AuditEvent
from antt.core.pdf import Cell, OfficialDocument
from antt.org.models import Unit
from antt.reports.formatting import number
from antt.violations import selectors_stats
from antt.violations.selectors_stats import COLUMNS, KEYS, LEAD_HEADINGS, TITLE, TOTALS_NOTE

EXPORT_FORMATS = ("xlsx", "pdf")
CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}
HEADINGS = [*LEAD_HEADINGS, *[heading for _k, heading, _s in COLUMNS]]
TOTAL_LABEL = "TỔNG"
# Where the heading row is in the sheet (1-based): two title rows and a blank row above it.
XLSX_HEADING_ROW = 4


def _unit_name(table: dict) -> str:
    unit = table["scope"].unit
    return unit.name if unit else ""


def _subtitle(table: dict) -> str:
    name = _unit_name(table)
    return table["scope"].label + (f" — {name}" if name else "")


def _lead(row: dict) -> list:
    """STT, field and group cells of a row: a field's name on its own row, a group's on its."""
    if row["level"] == "group":
        return [row["stt"], "", row["group_name"]]
    return [row["stt"], row["field_name"], row["group_name"]]


def table_xlsx(table: dict) -> bytes:
    """The table as an .xlsx workbook in the appendix 9 layout (one sheet)."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Phụ lục 9"
    last = get_column_letter(len(HEADINGS))
    ws.append([f"{TITLE}".upper()])
    ws.append([_subtitle(table)])
    ws.append([])
    ws.merge_cells(f"A1:{last}1")
    ws.merge_cells(f"A2:{last}2")
    ws["A1"].font = Font(bold=True, size=13)
    ws["A1"].alignment = Alignment(horizontal="center")
    ws["A2"].font = Font(italic=True)
    ws["A2"].alignment = Alignment(horizontal="center")
    ws.append(HEADINGS)
    thin = Side(style="thin")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    for cell in ws[XLSX_HEADING_ROW]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = border
    for row in table["rows"]:
        ws.append([*_lead(row), *[row[k] for k in KEYS]])
        if row["level"] == "field":
            for cell in ws[ws.max_row]:
                cell.font = Font(bold=True)
    totals = table["totals"]
    ws.append(["", TOTAL_LABEL, "", *[totals[k] for k in KEYS]])
    for cell in ws[ws.max_row]:
        cell.font = Font(bold=True)
    for r in ws.iter_rows(min_row=XLSX_HEADING_ROW + 1, max_row=ws.max_row):
        for cell in r:
            cell.border = border
            if cell.column > len(LEAD_HEADINGS):
                cell.number_format = "#,##0"
            else:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.append([])
    ws.append([TOTALS_NOTE])
    widths = [7, 34, 30, 12, 13, 14, 20, 20, 13, 13]
    for i, width in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = ws.cell(row=XLSX_HEADING_ROW + 1, column=len(LEAD_HEADINGS) + 1)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def table_pdf(table: dict, *, site_name: str | None = None, on: date | None = None) -> bytes:
    """The table as a landscape A4 PDF (Nghị định 30/2020 header, the appendix 9 table)."""
    on = on or timezone.localdate()
    site_name = site_name or settings.ANTT_SITE_NAME
    unit_name = _unit_name(table) or site_name
    doc = OfficialDocument("L", title_meta=f"{TITLE} — {table['scope'].label}", on=on)
    doc.national_header(site_name if unit_name != site_name else None, unit_name, place="Thanh Hóa", on=on)
    doc.title(TITLE, _subtitle(table))
    body = []
    for r in table["rows"]:
        cells = [*_lead(r), *[number(r[k]) for k in KEYS]]
        body.append([Cell(c, bold=True) for c in cells] if r["level"] == "field" and r["has_groups"] else cells)
    totals = ["", TOTAL_LABEL, "", *[number(table["totals"][k]) for k in KEYS]]
    body.append([Cell(c, bold=True) for c in totals])
    widths = [11, 46, 40, 17, 17, 19, 28, 28, 20, 20]
    doc.table(HEADINGS, body, widths=widths, size=9, align=["C", "L", "L", *["R"] * len(KEYS)])
    doc.paragraph(TOTALS_NOTE, italic=True, indent=0, size=10)
    doc.page_numbers()
    return doc.output()


def stats_export(*, user, start: date, end: date, unit: Unit | None = None, fmt: str) -> bytes:
    """The table the user sees as Excel or PDF; every export leaves an EXPORT audit entry.

    Raises PermissionDenied / Http404 like `selectors_stats.stats_table`, ValueError for an
    unknown format.
    """
    if fmt not in EXPORT_FORMATS:
        raise ValueError(fmt)
    table = selectors_stats.stats_table(user, start=start, end=end, unit=unit)
    content = table_xlsx(table) if fmt == "xlsx" else table_pdf(table)
    scope = table["scope"]
    audit.record(
        AuditEvent.Action.EXPORT,
        actor=user,
        object_type="violations.statistics",
        object_repr=f"Thống kê xử phạt VPHC {scope.label}"[:255],
        changes={
            "format": fmt,
            "start": start.isoformat(),
            "end": end.isoformat(),
            "unit": scope.unit.pk if scope.unit else None,
        },
    )
    return content
