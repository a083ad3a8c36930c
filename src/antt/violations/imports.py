"""Import of historical penalty decisions from CSV or Excel (issue 4 item 9).

One row per decision, in the template documented in `docs/violations-import.md` (the
columns are `COLUMNS` below; the downloadable templates are built from the same list).
Each valid row becomes:

* a `PenaltyDecision` (kind IMPORTED, source IMPORT, `import_batch`, `external_ref` = the
  decision number, unique per unit, `number` = "NK<unit id>-<decision number>");
* its `ViolationCase` (source IMPORT, code "NK<unit id>-<case reference>"), shared by every
  row of that unit with the same case reference, and reused by a later import;
* one `DecisionViolator` per violator key (ID number, tax code, or an anonymous key per
  decision when only a count is known), so that a person fined twice counts once.

The amount paid is kept only in `PenaltyDecision.amount_paid` (no `FinePayment` rows): the
historical files carry neither payment dates, nor channels, nor receipts, and a payment row
would invent them. The statistics table reads `amount_paid`.

Flow: `import_start` checks the file (content, size, columns) and queues `import_run` as a
background task; `import_run` reads the stored file and calls `import_rows`, the core that
the benchmark calls directly: one validation pass in Python with cached look-ups, then one
transaction for every write (PostgreSQL COPY, SQLite executemany). All-or-nothing mode writes
nothing when a row has an error; skip mode writes the good rows. A crash in the write phase
rolls everything back. A row whose (unit, decision number) is already in the database is not
written again and is counted as "đã có".
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import logging
import re
import secrets
import uuid
import zipfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection, models, transaction
from django.utils import timezone

from antt.core import audit, calendar
from antt.core.identifiers import (
    IdentifierError,
    birth_province_codes,
    check_tax_code,
    parse_personal_id,
    parse_plate,
)
from antt.core.text import fold
from antt.core.uploads import UploadError, sanitise_name
from antt.org.models import AdminArea, Unit
from antt.org.roles import can
from antt.org.selectors import unit_is_visible
from antt.violations.models import (
    Behaviour,
    DecisionStatus,
    DecisionViolator,
    PenaltyDecision,
    Source,
    StatGroup,
    Subject,
    ViolationCase,
    ViolationImport,
)
from antt.violations.rules import ViolationError

logger = logging.getLogger("antt.violations")

DEFAULT_MAX_BYTES = 50 * 1024 * 1024
# Errors kept on the batch for the report; every error row is still counted.
MAX_STORED_ERRORS = 1000
PROGRESS_EVERY = 2000
REF_MAX = 30  # decision number: "NK<unit id>-" + ref fits PenaltyDecision.number (40)
CASE_REF_MAX = 48  # case reference: "NK<unit id>-" + ref fits ViolationCase.code (60)
IMPORTED_NAME = "(dữ liệu nhập, không có họ tên)"
# Legacy (three-level) commune codes for decisions before the two-level structure took
# effect (Nghị quyết 202/2025/QH15: 01/07/2025); the current codes from that day.
TWO_LEVEL_FROM = date(2025, 7, 1)


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    required: bool
    help: str
    example: str


# The example row's unit: Công an phường Hạc Thành as `org.loaders.load_units` names it (the
# police of current commune code 14797), so the template imports as it is on a demo install.
EXAMPLE_UNIT = "ca-xa-14797"

COLUMNS: tuple[Column, ...] = (
    Column(
        "ma_vu_viec",
        "Mã vụ việc",
        True,
        "Mã vụ việc của đơn vị; các quyết định cùng vụ việc ghi cùng mã.",
        "VV-2019-000123",
    ),
    Column(
        "so_quyet_dinh",
        "Số quyết định",
        True,
        f"Số quyết định xử phạt, duy nhất trong đơn vị (tối đa {REF_MAX} ký tự).",
        "123/QĐ-XPVPHC",
    ),
    Column(
        "ngay_quyet_dinh",
        "Ngày quyết định",
        True,
        "dd/mm/yyyy hoặc yyyy-mm-dd; không được sau ngày nhập.",
        "15/03/2019",
    ),
    Column(
        "don_vi",
        "Đơn vị",
        True,
        "Mã nội bộ (slug) hoặc mã định danh điện tử của đơn vị ra quyết định.",
        EXAMPLE_UNIT,
    ),
    Column(
        "doi_tuong",
        "Đối tượng vi phạm",
        False,
        "Số định danh cá nhân (12 số), CMND (9 số) hoặc mã số thuế; nhiều đối tượng cách nhau bằng dấu chấm phẩy.",
        "038085000123;2800123452",
    ),
    Column(
        "so_doi_tuong",
        "Số đối tượng",
        False,
        "Số đối tượng khi không ghi (đủ) mã định danh; để trống = số mã đã ghi.",
        "2",
    ),
    Column(
        "nhom_thong_ke",
        "Nhóm thống kê",
        False,
        "Mã dòng bảng thống kê (ví dụ 1.1, 4); bắt buộc nếu không ghi mã hành vi.",
        "4",
    ),
    Column("ma_hanh_vi", "Mã hành vi", False, "Mã hành vi trong danh mục (nhóm thống kê lấy theo hành vi).", ""),
    Column("tien_phat", "Tiền phạt", True, "Số tiền phạt (đồng, số nguyên không âm); 0 = phạt cảnh cáo.", "800000"),
    Column(
        "tien_da_nop",
        "Tiền đã nộp",
        False,
        "Số tiền đã nộp vào ngân sách (đồng); để trống = 0; không vượt tiền phạt.",
        "800000",
    ),
    Column("tang_vat", "Tang vật, phương tiện", False, "Số tang vật, phương tiện bị tạm giữ; để trống = 0.", "1"),
    Column(
        "giay_phep_bi_tuoc",
        "Giấy phép bị tước",
        False,
        "Số giấy phép, chứng chỉ bị tước quyền sử dụng; để trống = 0.",
        "0",
    ),
    Column("bien_so", "Biển số", False, "Biển số phương tiện (nếu có).", "36A-123.45"),
    Column("ma_xa", "Mã xã", False, "Mã xã, phường nơi vi phạm (mã cũ trước 01/07/2025, mã mới từ ngày đó).", ""),
    Column("ngay_vi_pham", "Ngày vi phạm", False, "Để trống = ngày quyết định.", ""),
)
COLUMN_KEYS = tuple(c.key for c in COLUMNS)
REQUIRED_KEYS = tuple(c.key for c in COLUMNS if c.required)
_LABELS = {c.key: c.label for c in COLUMNS}
# A header cell is read folded ("Mã vụ việc" -> "ma_vu_viec"), so the label works too.
_HEADER_ALIASES = {fold(c.label).replace(" ", "_"): c.key for c in COLUMNS} | {k: k for k in COLUMN_KEYS}


class ImportFileError(ViolationError):
    """The file as a whole is refused (type, size, columns); nothing was stored."""


@dataclass
class RowError:
    row: int
    column: str
    message: str

    def as_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "label": _LABELS.get(self.column, ""), "message": self.message}


@dataclass
class ImportResult:
    total: int = 0
    created: int = 0
    duplicates: int = 0
    error_rows: int = 0
    cases_created: int = 0
    errors: list[RowError] = field(default_factory=list)
    rejected: bool = False


# --- reading the file -------------------------------------------------------------------------

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGIC = b"PK\x03\x04"


def max_import_bytes() -> int:
    return int(getattr(settings, "ANTT_IMPORT_MAX_BYTES", DEFAULT_MAX_BYTES))


def _size_label(size: int) -> str:
    return f"{size // (1024 * 1024)} MB" if size >= 1024 * 1024 else f"{size // 1024} KB"


def detect_kind(name: str, data: bytes) -> str:
    """ "csv", "xlsx" or "xls", decided by the content, which must agree with the extension."""
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if ext not in {"csv", "xlsx", "xls"}:
        raise ImportFileError(f"Chỉ nhận tệp CSV hoặc Excel (.csv, .xlsx, .xls); tệp “{name}” không phải loại này.")
    if not data:
        raise ImportFileError(f"Tệp “{name}” rỗng (0 byte).")
    if data.startswith(_ZIP_MAGIC):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                is_xlsx = "xl/workbook.xml" in archive.namelist()
        except zipfile.BadZipFile:
            is_xlsx = False
        actual = "xlsx" if is_xlsx else "zip"
    elif data.startswith(_OLE_MAGIC):
        actual = "xls"
    elif b"\x00" in data[:65536] or data.startswith(b"%PDF-"):
        actual = "binary"
    else:
        actual = "csv"
    if actual != ext:
        raise ImportFileError(
            f"Tệp “{name}” có đuôi .{ext} nhưng nội dung không phải tệp {ext.upper()}; "
            "vui lòng lưu lại đúng định dạng (CSV UTF-8 hoặc Excel .xlsx)."
        )
    return actual


def _header_keys(header: list) -> list[str]:
    """The column keys of a header row; ImportFileError listing the expected columns when wrong."""
    keys, unknown, seen, repeated = [], [], set(), []
    for cell in header:
        text = str(cell if cell is not None else "").strip().lstrip("\ufeff")
        key = _HEADER_ALIASES.get(re.sub(r"[\s\-]+", "_", fold(text)))
        if key is None:
            if text:
                unknown.append(text)
            keys.append("")
            continue
        if key in seen:
            repeated.append(text)
        seen.add(key)
        keys.append(key)
    missing = [k for k in REQUIRED_KEYS if k not in seen]
    problems = []
    if missing:
        problems.append("thiếu cột " + ", ".join(missing))
    if unknown:
        problems.append("cột không có trong mẫu: " + ", ".join(f"“{u[:40]}”" for u in unknown[:10]))
    if repeated:
        problems.append("cột bị lặp: " + ", ".join(repeated))
    if not seen & {"doi_tuong", "so_doi_tuong"}:
        problems.append("cần cột doi_tuong hoặc so_doi_tuong")
    if not seen & {"nhom_thong_ke", "ma_hanh_vi"}:
        problems.append("cần cột nhom_thong_ke hoặc ma_hanh_vi")
    if problems:
        raise ImportFileError(
            "Tệp không đúng mẫu (" + "; ".join(problems) + "). Các cột của mẫu: " + ", ".join(COLUMN_KEYS) + "."
        )
    return keys


def _cell(value) -> str:
    """An Excel cell as the text a CSV would hold (902305000.0 -> "902305000", dates ISO)."""
    if value is None:
        return ""
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def read_table(name: str, data: bytes, kind: str | None = None) -> list[dict]:
    """The data rows of a CSV/Excel file as {column key: text}; the header is checked first."""
    kind = kind or detect_kind(name, data)
    if kind == "csv":
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ImportFileError(
                f"Tệp “{name}” không phải văn bản UTF-8; khi lưu từ Excel hãy chọn “CSV UTF-8”."
            ) from exc
        first = text.split("\n", 1)[0]
        delimiter = max((",", ";", "\t"), key=first.count)
        try:
            rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
        except csv.Error as exc:
            raise ImportFileError(f"Tệp CSV “{name}” bị lỗi định dạng: {exc}.") from exc
    else:
        from python_calamine import CalamineWorkbook

        try:
            workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
            sheet = workbook.get_sheet_by_index(0)
            rows = [[_cell(v) for v in r] for r in sheet.to_python(skip_empty_area=False)]
        except Exception as exc:  # calamine raises its own error types for broken workbooks
            raise ImportFileError(f"Không đọc được tệp Excel “{name}” (tệp hỏng hoặc có mật khẩu).") from exc
    while rows and not any(str(c).strip() for c in rows[0]):
        rows.pop(0)
    if not rows:
        raise ImportFileError(f"Tệp “{name}” không có dòng tiêu đề. Các cột của mẫu: " + ", ".join(COLUMN_KEYS) + ".")
    keys = _header_keys(rows[0])
    out = []
    for raw in rows[1:]:
        if not any(str(c).strip() for c in raw):
            out.append(None)  # blank line: keeps the row numbers of the file
            continue
        out.append({k: (raw[i] if i < len(raw) else "") for i, k in enumerate(keys) if k})
    while out and out[-1] is None:
        out.pop()
    return out


# --- validation -------------------------------------------------------------------------------

_INT = re.compile(r"-?[0-9]+")
_GROUPED = re.compile(r"-?[0-9]{1,3}([., ][0-9]{3})+")
_DMY = re.compile(r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})")
_ISO = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_DIGITS = re.compile(r"[0-9]+")
_TAX = re.compile(r"([0-9]{10})(-[0-9]{3})?")


@dataclass(slots=True)
class _Row:
    """A valid row, ready to write."""

    row_no: int
    unit_id: int
    unit_path: str
    ref: str
    case_ref: str
    issued_on: date
    violated_on: date
    stat_group_id: int
    fine: int
    paid: int
    seized: int
    licences: int
    plate: str
    plate_display: str
    area_id: int | None
    violators: list[tuple[str, str]]  # (key, kind)


class _Validator:
    """Checks one row at a time; every look-up (unit, group, behaviour, commune) is cached."""

    def __init__(self, officer, today: date):
        self.officer = officer
        self.today = today
        self.units: dict[str, Unit | str] = {}
        self.groups = {g.code: g.pk for g in StatGroup.objects.all()}
        self.behaviours: dict[str, Behaviour | None] = {}
        self.areas: dict[tuple[str, str], int | None] = {}
        self.dates: dict[str, date | str] = {}
        self.seen: dict[tuple[int, str], int] = {}
        self.ids: dict[str, str] = {}
        self.provinces = birth_province_codes()

    def unit(self, value: str) -> Unit | str:
        cached = self.units.get(value)
        if cached is not None:
            return cached
        unit = Unit.objects.filter(slug=value).first() or Unit.objects.filter(agency_code=value).first()
        if unit is None:
            result: Unit | str = f"Không có đơn vị “{value[:60]}” (ghi mã nội bộ hoặc mã định danh của đơn vị)."
        elif self.officer is not None and not unit_is_visible(self.officer, unit):
            result = f"Đơn vị “{unit.name}” ngoài phạm vi quản lý của bạn."
        else:
            result = unit
        self.units[value] = result
        return result

    def day(self, value: str) -> date | str:
        cached = self.dates.get(value)
        if cached is not None:
            return cached
        m = _DMY.fullmatch(value) or _ISO.fullmatch(value)
        result: date | str
        if m is None:
            result = f"Ngày “{value[:20]}” không đúng định dạng dd/mm/yyyy."
        else:
            parts = [int(p) for p in m.groups()]
            y, mo, d = (parts[2], parts[1], parts[0]) if m.re is _DMY else parts
            try:
                result = date(y, mo, d)
            except ValueError:
                result = f"Ngày “{value}” không có thật."
            else:
                if result > self.today:
                    result = f"Ngày {result:%d/%m/%Y} ở tương lai."
                elif result.year < 1990:
                    result = f"Ngày {result:%d/%m/%Y} quá xa, kiểm tra lại."
        self.dates[value] = result
        return result

    def behaviour(self, code: str) -> Behaviour | None:
        if code not in self.behaviours:
            self.behaviours[code] = Behaviour.objects.filter(code=code).first()
        return self.behaviours[code]

    def area(self, code: str, on: date) -> int | None:
        scheme = AdminArea.Scheme.LEGACY if on < TWO_LEVEL_FROM else AdminArea.Scheme.CURRENT
        key = (scheme, code)
        if key not in self.areas:
            self.areas[key] = AdminArea.objects.filter(scheme=scheme, code=code).values_list("pk", flat=True).first()
        return self.areas[key]

    def violator(self, value: str) -> tuple[str, str]:
        """(key, kind) of one ID number / tax code; IdentifierError when malformed."""
        cached = self.ids.get(value)
        if cached is not None:
            return cached, (Subject.ORGANISATION if cached.startswith("tax:") else Subject.PERSON)
        if len(value) == 12 and value.isascii() and value.isdigit():
            # The checks of parse_personal_id without a birth date (12 digits, a province of
            # birth registration); it is called for the message when they fail.
            if value[:3] not in self.provinces:
                parse_personal_id(value)
            key = f"id:{value}"
        elif _DIGITS.fullmatch(value) and len(value) == 9:
            key = f"id:{value}"  # chứng minh nhân dân (9 digits), still common in 2019 files
        elif _TAX.fullmatch(value):
            key = f"tax:{check_tax_code(value)}"
        else:
            raise IdentifierError(
                "phải là số định danh cá nhân (12 chữ số), số CMND (9 chữ số) hoặc mã số thuế (10 hoặc 13 ký tự)."
            )
        self.ids[value] = key
        return key, (Subject.ORGANISATION if key.startswith("tax:") else Subject.PERSON)

    @staticmethod
    def amount(value: str, column: str, errors: list, row_no: int) -> int:
        text = value.strip()
        if not text:
            return 0
        if _INT.fullmatch(text):
            number = int(text)
        elif _GROUPED.fullmatch(text):
            number = int(re.sub(r"[., ]", "", text))
        else:
            errors.append(RowError(row_no, column, f"“{text[:20]}” không phải số nguyên."))
            return 0
        if number < 0:
            errors.append(RowError(row_no, column, "Không được là số âm."))
            return 0
        return number

    def check(self, row_no: int, row: Mapping) -> _Row | list[RowError]:
        errors: list[RowError] = []
        values = {}
        for key, value in row.items():
            if value is None:
                continue
            values[key] = value.strip() if value.__class__ is str else _cell(value).strip()
        get = values.get

        def text(key: str) -> str:
            return get(key, "")

        for key in REQUIRED_KEYS:
            if not text(key):
                errors.append(RowError(row_no, key, "Bắt buộc, đang để trống."))
        case_ref = text("ma_vu_viec")
        if len(case_ref) > CASE_REF_MAX:
            errors.append(RowError(row_no, "ma_vu_viec", f"Dài quá {CASE_REF_MAX} ký tự."))
        ref = re.sub(r"\s+", " ", text("so_quyet_dinh")).upper()
        if len(ref) > REF_MAX:
            errors.append(RowError(row_no, "so_quyet_dinh", f"Dài quá {REF_MAX} ký tự."))

        issued_on = violated_on = None
        if value := text("ngay_quyet_dinh"):
            parsed = self.day(value)
            if isinstance(parsed, str):
                errors.append(RowError(row_no, "ngay_quyet_dinh", parsed))
            else:
                issued_on = violated_on = parsed
        if value := text("ngay_vi_pham"):
            parsed = self.day(value)
            if isinstance(parsed, str):
                errors.append(RowError(row_no, "ngay_vi_pham", parsed))
            elif issued_on is not None and parsed > issued_on:
                errors.append(RowError(row_no, "ngay_vi_pham", "Ngày vi phạm sau ngày quyết định."))
            else:
                violated_on = parsed

        unit = None
        if value := text("don_vi"):
            found = self.unit(value)
            if isinstance(found, str):
                errors.append(RowError(row_no, "don_vi", found))
            else:
                unit = found

        group_id = None
        group_code = text("nhom_thong_ke")
        behaviour_code = text("ma_hanh_vi")
        if group_code:
            group_id = self.groups.get(group_code)
            if group_id is None:
                errors.append(RowError(row_no, "nhom_thong_ke", f"Không có nhóm thống kê “{group_code[:20]}”."))
        if behaviour_code:
            behaviour = self.behaviour(behaviour_code)
            if behaviour is None:
                errors.append(
                    RowError(row_no, "ma_hanh_vi", f"Không có hành vi “{behaviour_code[:60]}” trong danh mục.")
                )
            else:
                if violated_on is not None and not (
                    behaviour.valid_from <= violated_on
                    and (behaviour.valid_to is None or violated_on < behaviour.valid_to)
                ):
                    # A record is judged by the rules in force on the day of the violation
                    # (Luật XLVPHC Art. 156 as amended).
                    errors.append(
                        RowError(
                            row_no, "ma_hanh_vi", f"Hành vi “{behaviour_code}” không có hiệu lực vào ngày vi phạm."
                        )
                    )
                if group_id is not None and behaviour.stat_group_id != group_id:
                    errors.append(RowError(row_no, "nhom_thong_ke", "Không khớp với nhóm thống kê của hành vi."))
                group_id = behaviour.stat_group_id
        if not group_code and not behaviour_code:
            errors.append(RowError(row_no, "nhom_thong_ke", "Cần ghi nhóm thống kê hoặc mã hành vi."))

        fine = self.amount(text("tien_phat"), "tien_phat", errors, row_no)
        paid = self.amount(text("tien_da_nop"), "tien_da_nop", errors, row_no)
        seized = self.amount(text("tang_vat"), "tang_vat", errors, row_no)
        licences = self.amount(text("giay_phep_bi_tuoc"), "giay_phep_bi_tuoc", errors, row_no)
        amount_errors = any(e.column in {"tien_phat", "tien_da_nop"} for e in errors)
        if paid > fine and not amount_errors:
            errors.append(RowError(row_no, "tien_da_nop", "Số tiền đã nộp lớn hơn số tiền phạt."))

        violators: list[tuple[str, str]] = []
        keys_seen: set[str] = set()
        for part in text("doi_tuong").split(";"):
            part = re.sub(r"\s", "", part)
            if not part:
                continue
            try:
                key, kind = self.violator(part)
            except IdentifierError as exc:
                errors.append(RowError(row_no, "doi_tuong", f"“{part[:20]}”: {str(exc)[:1].lower()}{str(exc)[1:]}"))
                continue
            if key in keys_seen:
                errors.append(RowError(row_no, "doi_tuong", f"“{part}” ghi hai lần."))
                continue
            keys_seen.add(key)
            violators.append((key, kind))
        count_text = text("so_doi_tuong")
        count = self.amount(count_text, "so_doi_tuong", errors, row_no) if count_text else len(violators)
        if count_text and count < len(violators):
            errors.append(RowError(row_no, "so_doi_tuong", f"Nhỏ hơn số mã định danh đã ghi ({len(violators)})."))
        elif count == 0 and not any(e.column in {"doi_tuong", "so_doi_tuong"} for e in errors):
            errors.append(RowError(row_no, "doi_tuong", "Cần ghi mã định danh hoặc số đối tượng (ít nhất 1)."))
        elif count > 1000:
            errors.append(RowError(row_no, "so_doi_tuong", "Quá 1000 đối tượng trong một quyết định."))

        plate = plate_display = ""
        if value := text("bien_so"):
            try:
                parsed_plate = parse_plate(value)
                plate, plate_display = parsed_plate.normalised, parsed_plate.display
            except IdentifierError as exc:
                errors.append(RowError(row_no, "bien_so", str(exc)))

        area_id = None
        if (value := text("ma_xa")) and issued_on is not None:
            area_id = self.area(value, violated_on or issued_on)
            if area_id is None:
                errors.append(RowError(row_no, "ma_xa", f"Không có xã, phường mã “{value[:10]}” vào ngày vi phạm."))

        if unit is not None and ref and not any(e.column == "so_quyet_dinh" for e in errors):
            first = self.seen.get((unit.pk, ref))
            if first is not None:
                errors.append(
                    RowError(row_no, "so_quyet_dinh", f"Trùng với dòng {first} (cùng đơn vị, cùng số quyết định).")
                )
            else:
                self.seen[(unit.pk, ref)] = row_no
        if errors:
            return errors
        anonymous = count - len(violators)
        violators += [(f"import:{unit.pk}:{ref}:{i}", Subject.PERSON) for i in range(1, anonymous + 1)]
        return _Row(
            row_no=row_no,
            unit_id=unit.pk,
            unit_path=unit.path,
            ref=ref,
            case_ref=case_ref,
            issued_on=issued_on,
            violated_on=violated_on,
            stat_group_id=group_id,
            fine=fine,
            paid=paid,
            seized=seized,
            licences=licences,
            plate=plate,
            plate_display=plate_display,
            area_id=area_id,
            violators=violators,
        )


# --- writing ----------------------------------------------------------------------------------


def _default(f: models.Field):
    if f.has_default():
        return f.get_default()
    if f.null:
        return None
    if f.empty_strings_allowed:
        return ""
    raise ImproperlyConfiguredColumn(f"{f.model._meta.db_table}.{f.column}")


class ImproperlyConfiguredColumn(RuntimeError):
    """A column the import does not fill and that has no default."""


class _Table:
    """A table's columns: those the import fills, then every other column with its default."""

    def __init__(self, model: type[models.Model], names: list[str], vendor: str):
        self.table = model._meta.db_table
        self.columns = [model._meta.get_field(n).column for n in names]
        extra = [f for f in model._meta.concrete_fields if f.column not in self.columns and not f.primary_key]
        self.columns += [f.column for f in extra]
        self.extra = tuple(_value(_default(f), vendor) for f in extra)
        self.vendor = vendor

    def write(self, rows: list[tuple], with_id: bool) -> None:
        if not rows:
            return
        cols = (["id"] if with_id else []) + self.columns
        names = ", ".join(f'"{c}"' for c in cols)
        extra = self.extra
        if self.vendor == "postgresql":
            sql = f'COPY "{self.table}" ({names}) FROM STDIN'
            with connection.cursor() as cur, cur.cursor.copy(sql) as copy:
                write = copy.write_row
                for row in rows:
                    write(row + extra)
        else:
            marks = ", ".join("?" * len(cols))
            connection.ensure_connection()
            connection.connection.executemany(
                f'INSERT INTO "{self.table}" ({names}) VALUES ({marks})',  # noqa: S608 - model table and columns
                [row + extra for row in rows],
            )


def _value(value, vendor: str):
    """A Python default as the raw driver wants it (SQLite: text for dates and JSON)."""
    if isinstance(value, dict | list):
        return json.dumps(value)
    if vendor == "sqlite" and isinstance(value, datetime):
        return str(value.astimezone(UTC).replace(tzinfo=None))
    if vendor == "sqlite" and isinstance(value, date):
        return value.isoformat()
    return value


def _reserve_ids(model: type[models.Model], n: int) -> list[int]:
    """`n` fresh primary keys (PostgreSQL: the table's sequence; SQLite: past the highest key,
    under the write lock the transaction already holds)."""
    if n == 0:
        return []
    table = model._meta.db_table
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, n])
            return [r[0] for r in cur.fetchall()]
        cur.execute(f'SELECT COALESCE(MAX(id), 0) FROM "{table}"')  # noqa: S608 - a model's table
        top = cur.fetchone()[0]
        cur.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        row = cur.fetchone()
        top = max(top, row[0] if row else 0)
    return list(range(top + 1, top + 1 + n))


_DECISION_FIELDS = [
    "number", "token", "payment_reference", "kind", "source", "unit", "unit_path", "case",
    "violated_at", "issued_at", "issued_on", "area", "plate", "plate_display", "stat_group",
    "warning_only", "total_fine", "amount_paid", "seized_count", "suspension_count", "violator_count",
    "paid_on", "status", "import_batch", "external_ref", "created_at", "updated_at",
    "violator_kind", "violator_name", "violator_name_folded", "violator_id_number", "violator_tax_code",
]  # fmt: skip
_CASE_FIELDS = ["code", "unit", "occurred_on", "area", "summary", "source", "created_at"]
_VIOLATOR_FIELDS = ["decision", "violator_key", "kind"]
_CHUNK = 900  # IN (...) lists stay under SQLite's variable limit


def _existing_refs(rows: list[_Row]) -> set[tuple[int, str]]:
    """(unit, decision number) pairs of the rows that an earlier import already wrote.

    Raw SQL: building Django IN lists of 100,000 values costs more than the query.
    """
    by_unit: dict[int, list[str]] = {}
    for r in rows:
        by_unit.setdefault(r.unit_id, []).append(r.ref)
    table = PenaltyDecision._meta.db_table
    found = set()
    with connection.cursor() as cur:
        for unit_id, refs in by_unit.items():
            if connection.vendor == "postgresql":
                cur.execute(
                    f'SELECT external_ref FROM "{table}" WHERE unit_id = %s AND external_ref = ANY(%s)',  # noqa: S608
                    [unit_id, refs],
                )
                found.update((unit_id, ref) for (ref,) in cur.fetchall())
                continue
            for i in range(0, len(refs), _CHUNK):
                chunk = refs[i : i + _CHUNK]
                marks = ", ".join(["%s"] * len(chunk))
                cur.execute(
                    f'SELECT external_ref FROM "{table}" WHERE unit_id = %s AND external_ref IN ({marks})',  # noqa: S608
                    [unit_id, *chunk],
                )
                found.update((unit_id, ref) for (ref,) in cur.fetchall())
    return found


def _status(fine: int, paid: int) -> str:
    if fine == 0:
        return DecisionStatus.WARNING
    if paid >= fine:
        return DecisionStatus.PAID
    return DecisionStatus.PARTLY_PAID if paid else DecisionStatus.UNPAID


def _write(batch: ViolationImport, rows: list[_Row], result: ImportResult) -> None:
    """Every write of the import, inside the caller's transaction."""
    vendor = connection.vendor
    sqlite = vendor == "sqlite"
    now = timezone.now()
    now_db = _value(now, vendor)
    # Serialise imports per unit (PostgreSQL row locks, fixed order); SQLite's write lock
    # is taken by the batch update just before.
    list(Unit.objects.select_for_update().filter(pk__in={r.unit_id for r in rows}).order_by("pk").values_list("pk"))
    existing = _existing_refs(rows)
    if existing:
        result.duplicates = sum(1 for r in rows if (r.unit_id, r.ref) in existing)
        rows = [r for r in rows if (r.unit_id, r.ref) not in existing]
    if not rows:
        return

    # cases: reuse by code, create the rest (occurred on the earliest date of its rows)
    wanted: dict[str, _Row] = {}
    for r in rows:
        code = f"NK{r.unit_id}-{r.case_ref}"
        first = wanted.get(code)
        if first is None or r.violated_on < first.violated_on:
            wanted[code] = r
    codes = list(wanted)
    case_ids: dict[str, int] = {}
    for i in range(0, len(codes), _CHUNK):
        case_ids.update(ViolationCase.objects.filter(code__in=codes[i : i + _CHUNK]).values_list("code", "id"))
    new_codes = [c for c in codes if c not in case_ids]
    ids = _reserve_ids(ViolationCase, len(new_codes))
    case_rows = []
    summary = f"Nhập từ tệp {batch.file_name}"[:300]
    for pk, code in zip(ids, new_codes, strict=True):
        r = wanted[code]
        case_ids[code] = pk
        occurred = r.violated_on.isoformat() if sqlite else r.violated_on
        case_rows.append((pk, code, r.unit_id, occurred, r.area_id, summary, Source.IMPORT, now_db))
    _Table(ViolationCase, _CASE_FIELDS, vendor).write(case_rows, with_id=True)
    result.cases_created = len(case_rows)

    # decisions and their violators
    moments: dict[date, object] = {}

    def moment(day: date):
        value = moments.get(day)
        if value is None:
            local_midnight = datetime.combine(day, time.min, tzinfo=calendar.LOCAL_TZ)
            value = _value(local_midnight.astimezone(UTC), vendor)
            moments[day] = value
        return value

    decision_ids = _reserve_ids(PenaltyDecision, len(rows))
    name_folded = fold(IMPORTED_NAME)
    token = secrets.token_urlsafe
    decision_rows, violator_rows = [], []
    batch_id = batch.pk
    for pk, r in zip(decision_ids, rows, strict=True):
        single = r.violators[0] if len(r.violators) == 1 else None
        id_number = tax_code = ""
        kind = Subject.PERSON
        if single is not None:
            key, kind = single
            if key.startswith("id:"):
                id_number = key[3:]
            elif key.startswith("tax:"):
                tax_code = key[4:]
        issued_on = r.issued_on.isoformat() if sqlite else r.issued_on
        decision_rows.append(
            (
                pk,
                f"NK{r.unit_id}-{r.ref}",
                token(24),
                f"NK{pk:012d}",
                PenaltyDecision.Kind.IMPORTED,
                Source.IMPORT,
                r.unit_id,
                r.unit_path,
                case_ids[f"NK{r.unit_id}-{r.case_ref}"],
                moment(r.violated_on),
                moment(r.issued_on),
                issued_on,
                r.area_id,
                r.plate,
                r.plate_display,
                r.stat_group_id,
                r.fine == 0,
                r.fine,
                r.paid,
                r.seized,
                r.licences,
                len(r.violators),
                issued_on if r.fine and r.paid >= r.fine else None,
                _status(r.fine, r.paid),
                batch_id,
                r.ref,
                now_db,
                now_db,
                kind,
                IMPORTED_NAME,
                name_folded,
                id_number,
                tax_code,
            )
        )
        for key, vkind in r.violators:
            violator_rows.append((pk, key, vkind))
    _Table(PenaltyDecision, _DECISION_FIELDS, vendor).write(decision_rows, with_id=True)
    _Table(DecisionViolator, _VIOLATOR_FIELDS, vendor).write(violator_rows, with_id=False)
    result.created = len(decision_rows)


def import_rows(
    batch: ViolationImport,
    rows: Iterable[Mapping | None],
    *,
    progress: Callable[[int, int | None], None] | None = None,
    officer=None,
) -> ImportResult:
    """Validate `rows` ({column key: value}, the file's data rows in order, None for a blank
    line) and write them for `batch` in one transaction; the batch's counters, state and
    report are saved. `officer` (default: the batch's creator) bounds the units allowed.

    Callable without HTTP (the benchmark does): `import_rows(batch, rows, progress=print)`.
    """
    officer = officer if officer is not None else batch.created_by
    total = len(rows) if hasattr(rows, "__len__") else None
    validator = _Validator(officer, timezone.localdate())
    result = ImportResult()
    good: list[_Row] = []
    errors = result.errors
    processed = 0
    for processed, row in enumerate(rows, start=1):
        if row is None:
            continue
        result.total += 1
        checked = validator.check(processed + 1, row)  # + 1: the header is line 1
        if isinstance(checked, list):
            result.error_rows += 1
            if len(errors) < MAX_STORED_ERRORS:
                errors.extend(checked[: MAX_STORED_ERRORS - len(errors)])
        else:
            good.append(checked)
        if progress is not None and processed % PROGRESS_EVERY == 0:
            progress(processed, total)
    if progress is not None:
        progress(processed, total)

    report = [e.as_dict() for e in errors]
    batch.total_rows = result.total
    batch.processed_rows = processed
    batch.error_rows = result.error_rows
    batch.errors = report
    if result.error_rows and batch.mode == ViolationImport.Mode.ALL_OR_NOTHING:
        result.rejected = True
        with transaction.atomic():
            batch.state = ViolationImport.State.REJECTED
            batch.finished_at = timezone.now()
            batch.message = f"Có {result.error_rows} dòng lỗi; không nhập dòng nào (chế độ tất cả hoặc không)."
            batch.save()
            _audit(batch, result)
        return result

    with transaction.atomic():
        # First write of the transaction: on SQLite it takes the database's write lock.
        ViolationImport.objects.filter(pk=batch.pk).update(state=ViolationImport.State.RUNNING)
        _write(batch, good, result)
        batch.created_rows = result.created
        batch.duplicate_rows = result.duplicates
        batch.state = ViolationImport.State.DONE
        batch.finished_at = timezone.now()
        batch.message = _summary(result)
        batch.save()
        _audit(batch, result)
    return result


def _summary(result: ImportResult) -> str:
    parts = [f"Đã nhập {result.created} quyết định"]
    if result.duplicates:
        parts.append(f"{result.duplicates} dòng đã có từ trước")
    if result.error_rows:
        parts.append(f"bỏ qua {result.error_rows} dòng lỗi")
    return ", ".join(parts) + "."


def _audit(batch: ViolationImport, result: ImportResult) -> None:
    audit.record(
        audit.Action.CREATE if result.created else audit.Action.SYSTEM,
        batch,
        actor=batch.created_by,
        changes={
            "file_sha256": batch.file_sha256,
            "state": batch.state,
            "rows": result.total,
            "created": result.created,
            "duplicates": result.duplicates,
            "error_rows": result.error_rows,
            "cases_created": result.cases_created,
        },
        reason="Nhập dữ liệu vi phạm hành chính từ tệp",
    )


# --- the service and the task body -------------------------------------------------------------


def _read_upload(file) -> tuple[str, bytes]:
    name = sanitise_name(getattr(file, "name", "") or "")
    limit = max_import_bytes()
    declared = getattr(file, "size", None)
    if declared is not None and declared > limit:
        raise ImportFileError(f"Tệp “{name}” vượt quá {_size_label(limit)}.", status=413)
    if hasattr(file, "seek"):
        file.seek(0)
    chunks, size = [], 0
    for chunk in file.chunks() if hasattr(file, "chunks") else iter(lambda: file.read(64 * 1024), b""):
        size += len(chunk)
        if size > limit:
            raise ImportFileError(f"Tệp “{name}” vượt quá {_size_label(limit)}.", status=413)
        chunks.append(chunk)
    return name, b"".join(chunks)


def import_start(*, officer, file, mode: str) -> ViolationImport:
    """Check an uploaded file and queue its import (`import_run` as a background task).

    Refused with ImportFileError (400/413) for a wrong type, size or header; ViolationError 403
    without `violation.import`. The file is stored under `violations/imports/`.
    """
    if not can(officer, "violation.import"):
        raise ViolationError("Bạn không có quyền nhập dữ liệu vi phạm hành chính.", status=403)
    if not getattr(officer, "unit_id", None):
        raise ViolationError("Tài khoản chưa thuộc đơn vị nào.", status=403)
    if mode not in ViolationImport.Mode.values:
        raise ViolationError("Chọn cách nhập: tất cả hoặc không, hoặc bỏ qua dòng lỗi.", status=400)
    try:
        name, data = _read_upload(file)
    except UploadError as exc:
        raise ImportFileError(str(exc)) from exc
    kind = detect_kind(name, data)
    rows = read_table(name, data, kind)  # the header is checked now, so a wrong file is refused at once
    if not any(r is not None for r in rows):
        raise ImportFileError(f"Tệp “{name}” không có dòng dữ liệu nào.")
    today = timezone.localdate()
    path = default_storage.save(
        f"violations/imports/{today:%Y}/{today:%m}/{uuid.uuid4().hex}.{kind}", ContentFile(data)
    )
    with transaction.atomic():
        batch = ViolationImport.objects.create(
            unit_id=officer.unit_id,
            created_by=officer,
            file_name=name[:255],
            file_sha256=hashlib.sha256(data).hexdigest(),
            file_path=path,
            mode=mode,
            total_rows=sum(1 for r in rows if r is not None),
        )
        audit.record_create(batch, reason="Tải lên tệp dữ liệu vi phạm để nhập")
        transaction.on_commit(lambda: _enqueue(batch.pk))
    return batch


def _enqueue(import_id: int) -> None:
    from antt.violations.tasks_imports import run_violation_import

    try:
        run_violation_import.enqueue(import_id)
    except Exception:  # the batch stays pending; `manage.py` can run it again
        logger.exception("could not enqueue violation import %s", import_id)


def import_run(pk: int) -> ViolationImport:
    """Run a pending import: read the stored file, validate, write. Idempotent: a batch that
    is not pending is returned unchanged. A crash leaves nothing written and the batch FAILED."""
    with transaction.atomic():
        batch = ViolationImport.objects.select_for_update().select_related("created_by").get(pk=pk)
        if batch.state != ViolationImport.State.PENDING:
            return batch
        batch.state = ViolationImport.State.RUNNING
        batch.save(update_fields=["state"])

    def progress(done: int, total: int | None) -> None:
        ViolationImport.objects.filter(pk=pk).update(processed_rows=done)

    try:
        with default_storage.open(batch.file_path, "rb") as f:
            data = f.read()
        rows = read_table(batch.file_name, data)
        import_rows(batch, rows, progress=progress)
    except Exception as exc:
        logger.exception("violation import %s failed", pk)
        message = exc.message if isinstance(exc, ViolationError) else "Lỗi hệ thống khi nhập; không dòng nào được ghi."
        with transaction.atomic():
            ViolationImport.objects.filter(pk=pk).update(
                state=ViolationImport.State.FAILED, finished_at=timezone.now(), message=message[:500], created_rows=0
            )
    batch.refresh_from_db()
    return batch


# --- the template files -----------------------------------------------------------------------


def template_csv() -> bytes:
    """The CSV template: the header and one example row (UTF-8 with BOM, so Excel reads it)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMN_KEYS)
    writer.writerow([c.example for c in COLUMNS])
    return ("\ufeff" + out.getvalue()).encode()


def template_xlsx() -> bytes:
    """The Excel template: sheet 1 the header (+ an example row), sheet 2 the guide."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = "Du lieu"
    ws.append(list(COLUMN_KEYS))
    ws.append([c.example for c in COLUMNS])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for i, c in enumerate(COLUMNS, start=1):
        ws.column_dimensions[ws.cell(1, i).column_letter].width = max(14, len(c.key) + 4)
    guide = wb.create_sheet("Huong dan")
    guide.append(["Cột", "Tên", "Bắt buộc", "Cách ghi", "Ví dụ"])
    for cell in guide[1]:
        cell.font = Font(bold=True)
    for c in COLUMNS:
        guide.append([c.key, c.label, "có" if c.required else "không", c.help, c.example])
    guide.column_dimensions["D"].width = 90
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
