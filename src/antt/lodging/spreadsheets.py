"""The spreadsheet a lodging establishment uploads (Excel .xlsx or CSV), and the template it
downloads to fill.

    parsed = read_upload(request.FILES["file"])     # LodgingError 400/413 when refused
    parsed.rows      # [{"full_name": "…", "birth_date": "15/01/1990", …}] raw rows for validation
    parsed.lines     # the line of each row in the file (header = line 1), for the report

Refusals (each a `LodgingError` with a Vietnamese message): a file over
`settings.ANTT_LODGING_MAX_FILE_MB` (413, checked from the declared size, then while reading, so a
50 MB upload is never held whole), more than `settings.ANTT_LODGING_MAX_ROWS` rows (413), an
empty file, a file that is not what its extension says (decided by the content: an .xlsx is a zip
holding `xl/workbook.xml`; a .csv is UTF-8 text without NUL bytes), a header with missing required
columns or unknown ones (both listed).

Headers are matched folded (`core.text.fold`: without accents, lower case, "(*)" and other
parentheses dropped), so "Họ và tên (*)", "Ho va ten" and the raw key `full_name` all name the
same column. Excel cells typed as dates are written back as `dd/mm/yyyy` (with ` HH:MM` for the
arrival time); whole numbers lose their ".0" (a document number typed as a number loses its
leading zeros in Excel itself, which is why the template formats every column as text).

The template (`template_xlsx`, `template_csv`) is built from `COLUMNS`; the xlsx also carries an
instructions sheet with the code tables in force (document types, countries, ports, reasons:
`codes.codes_on`) and drop-down lists. `rejected_xlsx` gives the rows a batch refused, with the
reason, to be fixed and sent again.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, time

from django.conf import settings

from antt.core.text import fold
from antt.core.uploads import sanitise_name
from antt.lodging.errors import LodgingError

ZIP_MAGIC = b"PK\x03\x04"
CSV_BOM = "\ufeff"
_CHUNK = 64 * 1024


@dataclass(frozen=True)
class Column:
    key: str  # the raw key of `validation.clean_guest` and the API
    label: str  # the Vietnamese header of the template
    required: bool  # the column must be in the file (the cell may still be blank where the law allows)
    help: str
    example: str
    aliases: tuple[str, ...] = ()


COLUMNS: tuple[Column, ...] = (
    Column(
        "full_name", "Họ và tên", True, "Như trên giấy tờ; chỉ chữ cái, dấu cách và ' - .", "Nguyễn Văn An", ("ho ten",)
    ),
    Column("birth_date", "Ngày sinh", True, "dd/mm/yyyy hoặc yyyy-mm-dd.", "15/01/1990"),
    Column("sex", "Giới tính", True, "Nam, Nữ, Khác (hoặc M, F, X).", "Nam"),
    Column("doc_type", "Loại giấy tờ", True, "Mã loại giấy tờ (xem bảng mã ở trang Hướng dẫn).", "CCCD"),
    Column(
        "doc_number", "Số giấy tờ", True, "Số định danh cá nhân, số hộ chiếu… (giữ nguyên số 0 ở đầu).", "038090012345"
    ),
    Column("nationality", "Quốc tịch", True, "Mã 3 chữ cái (VNM: Việt Nam; xem bảng mã).", "VNM"),
    Column("address", "Địa chỉ", False, "Nơi thường trú hoặc địa chỉ liên hệ.", "Số 5 Trần Phú, phường Hạc Thành"),
    Column("phone", "Số điện thoại", False, "Không bắt buộc.", ""),
    Column(
        "arrived_at",
        "Thời điểm đến",
        True,
        "dd/mm/yyyy HH:MM (giờ Việt Nam); không quá 31 ngày trước.",
        "05/03/2026 14:30",
        ("gio den", "ngay gio den", "ngay den"),
    ),
    Column("expected_departure", "Ngày dự kiến đi", False, "dd/mm/yyyy; không trước ngày đến.", "07/03/2026"),
    Column("room", "Phòng", False, "Số phòng.", "101"),
    Column("reason", "Lý do lưu trú", False, "Mã lý do (xem bảng mã).", "DL"),
    Column(
        "visa_kind",
        "Loại thị thực, thẻ",
        False,
        "Người nước ngoài: VISA (thị thực), TTT (thẻ tạm trú), TTRU (thẻ thường trú), MIENTT (miễn thị thực), "
        "GMTT (giấy miễn thị thực).",
        "",
    ),
    Column("visa_number", "Số thị thực, thẻ", False, "Người nước ngoài.", ""),
    Column("visa_expiry", "Thời hạn thị thực, thẻ", False, "Người nước ngoài: dd/mm/yyyy.", ""),
    Column("entry_date", "Ngày nhập cảnh", False, "Người nước ngoài: dd/mm/yyyy.", ""),
    Column("port_of_entry", "Cửa khẩu nhập cảnh", False, "Người nước ngoài: mã cửa khẩu (xem bảng mã).", ""),
    Column(
        "mrz",
        "MRZ",
        False,
        "Người nước ngoài: hai (hoặc ba) dòng mã đọc máy ở trang thông tin hộ chiếu, cách nhau bằng xuống dòng hoặc dấu |.",
        "",
    ),
)
COLUMN_KEYS = tuple(c.key for c in COLUMNS)
REQUIRED_KEYS = tuple(c.key for c in COLUMNS if c.required)
LABELS = {c.key: c.label for c in COLUMNS}
VISA_KINDS = {
    "VISA": "Thị thực",
    "TTT": "Thẻ tạm trú",
    "TTRU": "Thẻ thường trú",
    "MIENTT": "Miễn thị thực",
    "GMTT": "Giấy miễn thị thực",
}
DATE_KEYS = {"birth_date", "expected_departure", "visa_expiry", "entry_date"}
_PARENS = re.compile(r"\([^)]*\)|\*")


def _header_key(text: str) -> str:
    return " ".join(_PARENS.sub(" ", fold(str(text or "")).replace("_", " ")).split())


REASON_HEADER = "Lý do chưa ghi nhận"
LINE_HEADER = "Dòng trong tệp đã gửi"
HEADER_MAP: dict[str, str] = {}
for _c in COLUMNS:
    for _name in (_c.label, _c.key, *_c.aliases):
        HEADER_MAP[_header_key(_name)] = _c.key


IGNORED_HEADERS = {_header_key(REASON_HEADER), _header_key(LINE_HEADER)}


def column_label(key: str) -> str:
    return LABELS.get(key, key)


# --- reading ----------------------------------------------------------------------------------


@dataclass
class ParsedFile:
    name: str  # sanitised file name
    kind: str  # "xlsx" | "csv"
    sha256: str
    size: int
    rows: list[dict] = field(default_factory=list)  # raw rows: every key of COLUMNS, and `_row` (the line)
    lines: list[int] = field(default_factory=list)  # line of each row in the file


def max_bytes() -> int:
    return int(getattr(settings, "ANTT_LODGING_MAX_FILE_MB", 20)) * 1024 * 1024


def max_rows() -> int:
    return int(getattr(settings, "ANTT_LODGING_MAX_ROWS", 20000))


def _too_big(name: str) -> LodgingError:
    mb = int(getattr(settings, "ANTT_LODGING_MAX_FILE_MB", 20))
    return LodgingError(
        f"Tệp “{name}” lớn hơn {mb} MB. Chia thành nhiều tệp nhỏ hơn rồi gửi lần lượt.", field="file", status=413
    )


def read_bytes(upload) -> tuple[str, bytes]:
    """(sanitised name, content) of an uploaded file; 413 before reading it all when too big."""
    name = sanitise_name(getattr(upload, "name", "") or "") or "tep"
    limit = max_bytes()
    declared = getattr(upload, "size", None)
    if declared is not None and declared > limit:
        raise _too_big(name)
    if hasattr(upload, "seek"):
        upload.seek(0)
    chunks, size = [], 0
    reader = upload.chunks() if hasattr(upload, "chunks") else iter(lambda: upload.read(_CHUNK), b"")
    for chunk in reader:
        size += len(chunk)
        if size > limit:
            raise _too_big(name)
        chunks.append(chunk)
    return name, b"".join(chunks)


def detect_kind(name: str, data: bytes) -> str:
    """ "xlsx" or "csv", decided by the content, which must agree with the extension."""
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if ext not in ("xlsx", "csv"):
        raise LodgingError(
            f"Chỉ nhận tệp Excel (.xlsx) hoặc CSV (.csv); tệp “{name}” không phải loại này.", field="file"
        )
    if not data:
        raise LodgingError(f"Tệp “{name}” rỗng (0 byte).", field="file")
    if data.startswith(ZIP_MAGIC):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                actual = "xlsx" if "xl/workbook.xml" in archive.namelist() else "zip"
        except zipfile.BadZipFile:
            actual = "zip"
    elif b"\x00" in data[:_CHUNK] or data.startswith((b"%PDF-", b"\xd0\xcf\x11\xe0")):
        actual = "binary"
    else:
        actual = "csv"
    if actual != ext:
        raise LodgingError(
            f"Tệp “{name}” có đuôi .{ext} nhưng nội dung không phải tệp {ext.upper()}. "
            "Hãy mở tệp bằng Excel và lưu lại đúng định dạng (Excel .xlsx hoặc CSV UTF-8).",
            field="file",
        )
    return actual


def _cell(value, key: str) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        if key in DATE_KEYS or (key != "arrived_at" and value.time() == time(0, 0)):
            return f"{value:%d/%m/%Y}"
        return f"{value:%d/%m/%Y %H:%M}"
    if isinstance(value, date):
        return f"{value:%d/%m/%Y}"
    if isinstance(value, time):
        return f"{value:%H:%M}"
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value).strip()


def _map_header(header: list) -> list[str | None]:
    """The raw key of each header cell (None for a blank column); LodgingError listing the missing
    and unknown columns."""
    keys: list[str | None] = []
    unknown, repeated, seen = [], [], set()
    for cell in header:
        text = str(cell if cell is not None else "").strip()
        if not text:
            keys.append(None)
            continue
        folded = _header_key(text)
        if folded in IGNORED_HEADERS:  # the two columns of `rejected_xlsx`: a fixed file goes back as it is
            keys.append(None)
            continue
        key = HEADER_MAP.get(folded)
        if key is None:
            unknown.append(text)
        elif key in seen:
            repeated.append(text)
        if key:
            seen.add(key)
        keys.append(key)
    missing = [LABELS[k] for k in REQUIRED_KEYS if k not in seen]
    problems = []
    if missing:
        problems.append("thiếu cột " + ", ".join(f"“{m}”" for m in missing))
    if unknown:
        problems.append("cột không có trong mẫu " + ", ".join(f"“{u[:40]}”" for u in unknown[:10]))
    if repeated:
        problems.append("cột lặp lại " + ", ".join(f"“{r[:40]}”" for r in repeated))
    if problems:
        raise LodgingError(
            "Các cột của tệp không đúng mẫu: " + "; ".join(problems) + ". Tải tệp mẫu và giữ nguyên dòng tiêu đề.",
            field="file",
        )
    return keys


def _table(name: str, data: bytes, kind: str) -> list[list]:
    if kind == "csv":
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise LodgingError(
                f"Tệp “{name}” không phải văn bản UTF-8. Khi lưu từ Excel, chọn “CSV UTF-8 (phân tách bằng dấu phẩy)”.",
                field="file",
            ) from exc
        first = text.split("\n", 1)[0]
        delimiter = ";" if first.count(";") > first.count(",") else ","
        try:
            return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
        except csv.Error as exc:
            raise LodgingError(f"Tệp CSV “{name}” sai định dạng (dấu ngoặc kép không đóng…).", field="file") from exc
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        return list(workbook.get_sheet_by_index(0).to_python(skip_empty_area=False))
    except Exception as exc:  # calamine raises its own error types for a broken or locked workbook
        raise LodgingError(f"Không đọc được tệp Excel “{name}” (tệp hỏng hoặc có mật khẩu).", field="file") from exc


def parse(name: str, data: bytes) -> ParsedFile:
    """The rows of a file already in memory (see `read_upload`)."""
    kind = detect_kind(name, data)
    table = _table(name, data, kind)
    start = 0
    while start < len(table) and not any(str(c if c is not None else "").strip() for c in table[start]):
        start += 1
    if start >= len(table):
        raise LodgingError(f"Tệp “{name}” không có dòng tiêu đề và dữ liệu.", field="file")
    keys = _map_header(table[start])
    parsed = ParsedFile(name=name, kind=kind, sha256=hashlib.sha256(data).hexdigest(), size=len(data))
    limit = max_rows()
    for offset, values in enumerate(table[start + 1 :], start=start + 2):
        row = {}
        for key, value in zip(keys, values, strict=False):
            if key:
                row[key] = _cell(value, key)
        if not any(row.values()):
            continue
        if len(parsed.rows) >= limit:
            raise LodgingError(
                f"Tệp “{name}” có hơn {limit:,} dòng khách".replace(",", ".") + "; chia thành nhiều tệp nhỏ hơn.",
                field="file",
                status=413,
            )
        for key in COLUMN_KEYS:
            row.setdefault(key, "")
        row["_row"] = offset  # the report names the file's line (`services.declare_batch`)
        parsed.rows.append(row)
        parsed.lines.append(offset)
    if not parsed.rows:
        raise LodgingError(f"Tệp “{name}” không có dòng khách nào dưới dòng tiêu đề.", field="file")
    return parsed


def read_upload(upload) -> ParsedFile:
    name, data = read_bytes(upload)
    return parse(name, data)


# --- the template -----------------------------------------------------------------------------


def template_csv() -> bytes:
    """UTF-8 with a BOM (Excel opens it with the Vietnamese letters right), header only."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([_header_label(c) for c in COLUMNS])
    return (CSV_BOM + out.getvalue()).encode("utf-8")


def _header_label(column: Column) -> str:
    return f"{column.label} (*)" if column.required else column.label


def _codes_rows(codes) -> dict[str, list[tuple[str, str]]]:
    return {
        "Loại giấy tờ": [
            (d.code, f"{d.name}{' (người nước ngoài)' if d.for_foreigners and not d.for_vietnamese else ''}")
            for d in sorted(codes.doc_types.values(), key=lambda d: (d.order, d.code))
        ],
        "Quốc tịch": [(c.code, c.name) for c in sorted(codes.countries.values(), key=lambda c: c.code)],
        "Cửa khẩu nhập cảnh": [(p.code, p.name) for p in sorted(codes.ports.values(), key=lambda p: (p.order, p.name))],
        "Lý do lưu trú": [(r.code, r.name) for r in sorted(codes.reasons.values(), key=lambda r: (r.order, r.code))],
        "Loại thị thực, thẻ": list(VISA_KINDS.items()),
    }


def template_xlsx(codes) -> bytes:
    """The Excel template: the data sheet (header, every column formatted as text, drop-down lists),
    the instructions and the code tables in force (`codes`: `codes.codes_on(today)`)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter, quote_sheetname
    from openpyxl.worksheet.datavalidation import DataValidation

    wb = Workbook()
    sheet = wb.active
    sheet.title = "Khách lưu trú"
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDEBF7")
    for i, column in enumerate(COLUMNS, start=1):
        cell = sheet.cell(row=1, column=i, value=_header_label(column))
        cell.font, cell.fill = bold, fill
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        letter = get_column_letter(i)
        sheet.column_dimensions[letter].width = (
            44 if column.key in ("mrz", "address") else max(14, len(column.label) + 4)
        )
        sheet.column_dimensions[letter].number_format = "@"
        for r in range(2, 1002):  # text format on the rows people fill (keeps leading zeros)
            sheet.cell(row=r, column=i).number_format = "@"
    sheet.freeze_panes = "A2"

    tables = _codes_rows(codes)
    code_sheet = wb.create_sheet("Bảng mã")
    col = 1
    ranges: dict[str, str] = {}
    for title, rows in tables.items():
        code_sheet.cell(row=1, column=col, value=f"{title}: mã").font = bold
        code_sheet.cell(row=1, column=col + 1, value="tên").font = bold
        for r, (code, label) in enumerate(rows, start=2):
            code_sheet.cell(row=r, column=col, value=code)
            code_sheet.cell(row=r, column=col + 1, value=label)
        letter = get_column_letter(col)
        ranges[title] = f"{quote_sheetname(code_sheet.title)}!${letter}$2:${letter}${max(2, len(rows) + 1)}"
        code_sheet.column_dimensions[letter].width = 12
        code_sheet.column_dimensions[get_column_letter(col + 1)].width = 40
        col += 3

    lists = {
        "sex": '"Nam,Nữ,Khác"',
        "doc_type": ranges["Loại giấy tờ"],
        "nationality": ranges["Quốc tịch"],
        "port_of_entry": ranges["Cửa khẩu nhập cảnh"],
        "reason": ranges["Lý do lưu trú"],
        "visa_kind": ranges["Loại thị thực, thẻ"],
    }
    for i, column in enumerate(COLUMNS, start=1):
        if column.key in lists:
            dv = DataValidation(type="list", formula1=lists[column.key], allow_blank=True, showErrorMessage=True)
            dv.error, dv.errorTitle = "Chọn một mã trong danh sách (trang “Bảng mã”).", "Mã không đúng"
            letter = get_column_letter(i)
            dv.add(f"{letter}2:{letter}20001")
            sheet.add_data_validation(dv)

    guide = wb.create_sheet("Hướng dẫn")
    lines = [
        ("Mẫu tệp thông báo lưu trú", ""),
        ("", ""),
        ("Cách điền", ""),
        ("1.", "Mỗi khách một dòng trên trang “Khách lưu trú”; giữ nguyên dòng tiêu đề (dòng 1)."),
        ("2.", "Cột có dấu (*) phải có trong tệp; người nước ngoài cần thêm thị thực/thẻ, ngày nhập cảnh, cửa khẩu."),
        (
            "3.",
            "Ngày ghi dd/mm/yyyy (ví dụ 05/03/2026) hoặc yyyy-mm-dd; thời điểm đến ghi dd/mm/yyyy HH:MM (giờ Việt Nam).",
        ),
        ("4.", "Mã (loại giấy tờ, quốc tịch, cửa khẩu, lý do) lấy ở trang “Bảng mã”."),
        (
            "5.",
            f"Tối đa {max_rows():,} dòng và {int(getattr(settings, 'ANTT_LODGING_MAX_FILE_MB', 20))} MB mỗi tệp.".replace(
                ",", "."
            ),
        ),
        ("6.", "Có thể lưu thành CSV UTF-8 (dấu phẩy hoặc chấm phẩy) thay cho Excel."),
        ("", ""),
        ("Cột", "Hướng dẫn (ví dụ)"),
    ]
    lines += [(_header_label(c), f"{c.help}{f' Ví dụ: {c.example}' if c.example else ''}") for c in COLUMNS]
    for r, (a, b) in enumerate(lines, start=1):
        guide.cell(row=r, column=1, value=a)
        guide.cell(row=r, column=2, value=b)
    guide["A1"].font = Font(bold=True, size=14)
    guide["A3"].font = bold
    guide.cell(row=11, column=1).font = bold
    guide.cell(row=11, column=2).font = bold
    guide.column_dimensions["A"].width = 28
    guide.column_dimensions["B"].width = 110
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def rejected_xlsx(rows: list[dict], lines: list[int], reasons: list[str]) -> bytes:
    """The refused rows, as the template's columns plus why they were refused and the line they
    had, to fix and send again as they are (`parse` ignores the two extra columns)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    sheet = wb.active
    sheet.title = "Khách lưu trú"
    for i, column in enumerate(COLUMNS, start=1):
        sheet.cell(row=1, column=i, value=_header_label(column)).font = Font(bold=True)
    extra = len(COLUMNS)
    sheet.cell(row=1, column=extra + 1, value=REASON_HEADER).font = Font(bold=True)
    sheet.cell(row=1, column=extra + 2, value=LINE_HEADER).font = Font(bold=True)
    for r, (row, line, reason) in enumerate(zip(rows, lines, reasons, strict=True), start=2):
        for i, column in enumerate(COLUMNS, start=1):
            cell = sheet.cell(row=r, column=i, value=str(row.get(column.key, "") or ""))
            cell.number_format = "@"
        sheet.cell(row=r, column=extra + 1, value=reason)
        sheet.cell(row=r, column=extra + 2, value=line)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
