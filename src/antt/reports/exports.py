"""Statistics exports: an Excel workbook (openpyxl) and a landscape PDF table (core.pdf)."""

from __future__ import annotations

import io

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Font

from antt.core.pdf import OfficialDocument
from antt.reports.formatting import number, percent
from antt.reports.selectors import StatsFilters

SUMMARY_LINES = [
    ("Tồn kỳ trước chuyển sang", "carried_over", "n"),
    ("Tiếp nhận mới trong kỳ", "received", "n"),
    ("  trong đó trực tuyến", "received_online", "n"),
    ("Đã giải quyết", "resolved", "n"),
    ("  trước hạn", "early", "n"),
    ("  đúng hạn", "on_time", "n"),
    ("  quá hạn", "late", "n"),
    ("Tỷ lệ giải quyết trước hạn và đúng hạn", "in_time_rate", "%"),
    ("Đang giải quyết cuối kỳ", "in_progress", "n"),
    ("  trong hạn", "in_progress_on_time", "n"),
    ("  quá hạn", "in_progress_late", "n"),
    ("Đã trả kết quả", "returned", "n"),
    ("Rút hồ sơ", "withdrawn", "n"),
    ("Từ chối tiếp nhận", "refused", "n"),
    ("Dừng xử lý", "stopped", "n"),
    ("Thời gian giải quyết trung bình (ngày làm việc)", "avg_days", "n"),
    ("Thời hạn theo quy định trung bình (ngày làm việc)", "avg_legal_days", "n"),
    ("Tỷ lệ thời gian giải quyết / thời hạn quy định (chỉ tiêu ≤ 80%)", "time_ratio", "%"),
    ("Tỷ lệ hồ sơ nộp trực tuyến", "online_rate", "%"),
    ("Tỷ lệ nộp phí, lệ phí trực tuyến", "fees_online_rate", "%"),
    ("Hồ sơ có thành phần được số hóa", "digitised", "n"),
    ("Kết quả có bản điện tử", "results_digitised", "n"),
]
TABLE_HEADERS = [
    "Tên",
    "Tồn trước",
    "Tiếp nhận",
    "Trực tuyến",
    "Đã giải quyết",
    "Trước hạn",
    "Đúng hạn",
    "Quá hạn",
    "Tỷ lệ đúng hạn",
    "Đang giải quyết",
    "Đang quá hạn",
    "TG TB (ngày)",
    "TG/Quy định",
]
TABLE_KEYS = [
    "carried_over",
    "received",
    "received_online",
    "resolved",
    "early",
    "on_time",
    "late",
    "in_time_rate",
    "in_progress",
    "in_progress_late",
    "avg_days",
    "time_ratio",
]
PERCENT_KEYS = {"in_time_rate", "time_ratio", "online_rate", "fees_online_rate"}
DIMENSION_TITLES = {"field": "Theo lĩnh vực", "procedure": "Theo thủ tục", "unit": "Theo đơn vị"}


def _value(row: dict, key: str, kind: str | None = None):
    value = row.get(key)
    if kind == "%" or key in PERCENT_KEYS:
        return percent(value)
    return number(value)


def _raw(value):
    return "" if value is None else (round(value, 4) if isinstance(value, float) else value)


def workbook(f: StatsFilters, summary: dict, tables: dict[str, list[dict]], months: list[dict]) -> bytes:
    """The statistics as an .xlsx file: a summary sheet, one sheet per table, one per month."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Tổng hợp"
    ws.append(["Thống kê giải quyết thủ tục hành chính", f.label])
    ws["A1"].font = Font(bold=True)
    ws.append([])
    for label, key, _kind in SUMMARY_LINES:
        ws.append([label.strip(), _raw(summary.get(key))])
    sat = summary["satisfaction"]
    ws.append(["Số phiếu đánh giá", sat["count"]])
    ws.append(["Tỷ lệ hài lòng (chỉ tiêu > 80%)", _raw(sat["satisfaction_rate"])])
    ws.column_dimensions["A"].width = 62
    for dimension, rows in tables.items():
        sheet = wb.create_sheet(DIMENSION_TITLES[dimension])
        sheet.append(TABLE_HEADERS)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in rows:
            sheet.append([row["name"], *[_raw(row.get(k)) for k in TABLE_KEYS]])
        sheet.column_dimensions["A"].width = 50
    sheet = wb.create_sheet("Theo tháng")
    sheet.append(["Tháng", "Tiếp nhận", "Trực tuyến", "Đã giải quyết", "Trước hạn", "Đúng hạn", "Quá hạn"])
    for m in months:
        sheet.append(
            [
                m["month"].strftime("%m/%Y"),
                m["received"],
                m["online"],
                m["resolved"],
                m["early"],
                m["on_time"],
                m["late"],
            ]
        )
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def pdf(f: StatsFilters, summary: dict, tables: dict[str, list[dict]], *, unit_name: str, site_name: str) -> bytes:
    """The statistics as a landscape PDF: the summary, then one table per dimension."""
    today = timezone.localdate()
    doc = OfficialDocument("L", title_meta=f"Thống kê giải quyết TTHC — {f.label}", on=today)
    doc.national_header(site_name, unit_name, place="Thanh Hóa", on=today)
    doc.title("Báo cáo thống kê giải quyết thủ tục hành chính", f.label)
    rows = [[label.strip(), _value(summary, key, kind)] for label, key, kind in SUMMARY_LINES]
    sat = summary["satisfaction"]
    rows.append(["Số phiếu đánh giá mức độ hài lòng", number(sat["count"])])
    rows.append(["Tỷ lệ hài lòng (chỉ tiêu > 80%)", percent(sat["satisfaction_rate"])])
    doc.table(["Chỉ tiêu", "Số liệu"], rows, widths=[170, 60])
    widths = [66] + [15.5] * len(TABLE_KEYS)
    for dimension, data in tables.items():
        doc.space(6)
        doc.paragraph(DIMENSION_TITLES[dimension], bold=True, indent=0)
        body = [[r["name"], *[_value(r, k) for k in TABLE_KEYS]] for r in data] or [["Không có số liệu"] + [""] * 12]
        doc.table(TABLE_HEADERS, body, widths=widths, size=9)
    doc.page_numbers()
    return doc.output()
