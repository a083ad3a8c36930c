"""The statistics files (`/luu-tru/thong-ke/xuat.csv|xlsx`): one line per month × category and a
total line per month, counts only (no personal data). Text cells can never become formulas (OWASP
CSV injection) and hold no control characters a workbook cannot store."""

from __future__ import annotations

import csv
import io

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
EXPORT_HEADERS = [
    "Tháng",
    "Mã",
    "Tên",
    "Lượt khách",
    "Ngày khách",
    "Lượt khách quốc tế",
    "Ngày khách quốc tế",
    "Lượt khách Việt Nam",
    "Ngày khách Việt Nam",
]
EXPORT_KEYS = ["guests", "nights", "foreign_guests", "foreign_nights", "vietnamese_guests", "vietnamese_nights"]


def _text(value):
    value = ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value  # OWASP: a spreadsheet must not read a cell as a formula
    return value


def export_rows(table: dict) -> list[list]:
    """One line per month × category (and a total line per month): a long table any tool reads."""
    out = []
    for i, month in enumerate(table["months"]):
        label = f"{month:%m/%Y}"
        for r in table["rows"]:
            cell = r["cells"][i]
            if cell["guests"]:
                out.append([label, str(r["code"]), r["name"], *[cell[k] for k in EXPORT_KEYS]])
        total = table["month_totals"][i]
        out.append([label, "", "Tổng cộng", *[total[k] for k in EXPORT_KEYS]])
    return out


def csv_bytes(rows: list[list]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(EXPORT_HEADERS)
    for row in rows:
        writer.writerow([_text(v) for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")  # BOM: Excel reads the file as UTF-8


def xlsx_bytes(rows: list[list], title: str, subtitle: str) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "Thống kê lưu trú"
    ws.append([title])
    ws.append([subtitle])
    ws["A1"].font = Font(bold=True)
    ws.append([])
    ws.append(EXPORT_HEADERS)
    for cell in ws[4]:
        cell.font = Font(bold=True)
    for row in rows:
        ws.append([ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v for v in row])
        for cell in ws[ws.max_row]:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # text stays text: never a formula
    ws.column_dimensions["C"].width = 36
    for letter in "DEFGHI":
        ws.column_dimensions[letter].width = 16
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
