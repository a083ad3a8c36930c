"""One cleaner for the quick form, the spreadsheet and the API (contract: validation.py).

`clean_guest(raw, codes=..., now=...)` turns a raw row (strings as typed; dates and datetimes
as a spreadsheet reader gives them are accepted too) into a `CleanGuest`, or reports every
problem of the row as `RowError`s. Messages are Vietnamese, name the field and never repeat the
value (a report may be shown, logged or stored; the value is personal data).

It runs once per row of a 10,000-row file inside the benchmark of issue 6, so it does no
database query (the code tables come in `codes`), compiles its patterns once and parses dates
by hand rather than with `strptime`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import timezone as dt_timezone
from functools import lru_cache

from antt.core.text import fold
from antt.lodging.codes import Codes
from antt.lodging.errors import LodgingError
from antt.lodging.mrz import parse_mrz

# Asia/Ho_Chi_Minh has been UTC+7 without daylight saving since 1975: a fixed offset gives the same
# local times as the zone database and converts several times faster (once per row of a file).
VN = dt_timezone(timedelta(hours=7), "ICT")
UTC = UTC
VIETNAM = "VNM"

RAW_KEYS = (
    "full_name",
    "birth_date",
    "sex",
    "doc_type",
    "doc_number",
    "nationality",
    "address",
    "phone",
    "arrived_at",
    "expected_departure",
    "room",
    "reason",
    "visa_kind",
    "visa_number",
    "visa_expiry",
    "entry_date",
    "port_of_entry",
    "mrz",
)

# What the fields are called in the messages (the form's labels, the template's headers).
LABELS = {
    "full_name": "Họ và tên",
    "birth_date": "Ngày sinh",
    "sex": "Giới tính",
    "doc_type": "Loại giấy tờ",
    "doc_number": "Số giấy tờ",
    "nationality": "Quốc tịch",
    "address": "Địa chỉ",
    "phone": "Số điện thoại",
    "arrived_at": "Thời điểm đến",
    "expected_departure": "Ngày dự kiến đi",
    "room": "Phòng",
    "reason": "Lý do lưu trú",
    "visa_kind": "Loại giấy tờ cư trú (thị thực, thẻ)",
    "visa_number": "Số thị thực / thẻ",
    "visa_expiry": "Thời hạn thị thực / thẻ",
    "entry_date": "Ngày nhập cảnh",
    "port_of_entry": "Cửa khẩu nhập cảnh",
    "mrz": "Vùng đọc máy (MRZ)",
}

# Visa and residence papers of a foreigner (contract: validation.py), with their Vietnamese names.
VISA_KINDS = {
    "VISA": "Thị thực",
    "TTT": "Thẻ tạm trú",
    "TTRU": "Thẻ thường trú",
    "MIENTT": "Miễn thị thực",
    "GMTT": "Giấy miễn thị thực",
}
VISA_NEEDS_NUMBER = frozenset({"VISA", "TTT", "TTRU", "GMTT"})

REQUIRED = ("full_name", "birth_date", "sex", "doc_type", "doc_number", "nationality", "arrived_at", "reason")
REQUIRED_FOREIGN = ("visa_kind", "entry_date", "port_of_entry")
MAX_LENGTHS = {"full_name": 150, "address": 300, "room": 20, "phone": 20}

# Application limits (not law): how far in the future a typed arrival may be (clock skew of the
# desk's computer), and how old an arrival this channel still takes: older ones are declared at
# the police station, which records why they are late.
ARRIVAL_FUTURE_TOLERANCE = timedelta(minutes=10)
ARRIVAL_MAX_AGE = timedelta(days=31)
MAX_AGE_YEARS = 120

_DATE_DMY = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")
_DATE_YMD = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_DATETIME_DMY = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})[ T]+(\d{1,2})[:h](\d{2})(?::(\d{2}))?$")
_NAME = re.compile(r"^[^\W\d_]+(?:[ '\-.]+[^\W\d_]+)*\.?$")
_DOC_CLEAN = re.compile(r"[\s]+")
_ANY_NUMBER = re.compile(r"^[A-Z0-9./-]{1,20}$")
_VISA_NUMBER = re.compile(r"^[A-Z0-9./-]{1,20}$")
_PHONE = re.compile(r"^\+?[0-9][0-9 .()-]{6,18}[0-9]$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")  # NUL, escapes…: PostgreSQL refuses NUL in text
_SEX = {
    "M": "M",
    "F": "F",
    "X": "X",
    "Nam": "M",
    "Nữ": "F",
    "Khác": "X",
    "m": "M",
    "nam": "M",
    "male": "M",
    "f": "F",
    "nu": "F",
    "female": "F",
    "x": "X",
    "khac": "X",
    "<": "X",
}


@dataclass
class RowError:
    row: int | None
    field: str
    message: str
    code: str = ""  # "duplicate" for a guest already declared (409 on the form path)

    def as_dict(self) -> dict:
        out = {"row": self.row, "field": self.field, "message": self.message}
        if self.code:
            out["code"] = self.code
        return out


@dataclass
class CleanGuest:
    full_name: str
    name_folded: str
    birth_date: date | None
    birth_year: int | None
    sex: str
    doc_type: str
    doc_number: str
    nationality: str
    stats_nationality: str
    address: str
    phone: str
    arrived_at: datetime
    expected_departure: date | None
    room: str
    reason: str
    visa_kind: str
    visa_number: str
    visa_expiry: date | None
    entry_date: date | None
    port_of_entry: str
    mrz_checked: bool
    warnings: list[str] = field(default_factory=list)

    @property
    def is_foreigner(self) -> bool:
        return self.nationality != VIETNAM


# --- parsing ---------------------------------------------------------------------------------------


class _Bad(Exception):
    """A value that cannot be read; the message names the field."""


def _str(value) -> str:
    if value is None:
        return ""
    if value.__class__ is str:
        return value.strip()
    if isinstance(value, float) and value.is_integer():  # a spreadsheet's number cell
        return str(int(value))
    return str(value).strip()


def _dmy(text: str) -> tuple[int, int, int] | None:
    """(year, month, day) of "dd/mm/yyyy" by slicing (the common case), else of the patterns."""
    if len(text) == 10 and text[2] == "/" and text[5] == "/":
        try:
            return int(text[6:]), int(text[3:5]), int(text[:2])
        except ValueError:
            pass
    m = _DATE_DMY.match(text)
    if m:
        return int(m[3]), int(m[2]), int(m[1])
    m = _DATE_YMD.match(text)
    if m:
        return int(m[1]), int(m[2]), int(m[3])
    return None


def parse_date(value, label: str) -> date | None:
    """dd/mm/yyyy or yyyy-mm-dd (or a date); None when blank."""
    if value is None or value == "":
        return None
    if value.__class__ is not str:
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
    text = _str(value)
    if not text:
        return None
    parts = _dmy(text)
    if parts is None:
        raise _Bad(f"{label} không đúng dạng ngày/tháng/năm (dd/mm/yyyy).")
    try:
        return date(*parts)
    except ValueError:
        raise _Bad(f"{label} không phải là ngày có thật.") from None


def parse_arrival(value, label: str = LABELS["arrived_at"]) -> datetime | None:
    """dd/mm/yyyy HH:MM[:SS] or ISO 8601 (or a datetime); naive = Vietnam time; aware result."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        dt = value
    elif isinstance(value, date):
        raise _Bad(f"{label} cần có cả giờ và phút.")
    else:
        text = _str(value)
        if not text:
            return None
        try:
            if len(text) == 16 and text[2] == "/" and text[5] == "/" and text[10] == " " and text[13] == ":":
                dt = datetime(int(text[6:10]), int(text[3:5]), int(text[:2]), int(text[11:13]), int(text[14:]))
            elif m := _DATETIME_DMY.match(text):
                dt = datetime(int(m[3]), int(m[2]), int(m[1]), int(m[4]), int(m[5]), int(m[6] or 0))
            elif _dmy(text) is not None:
                raise _Bad(f"{label} cần có cả giờ và phút.")
            else:
                try:
                    dt = datetime.fromisoformat(text)
                except ValueError:
                    raise _Bad(f"{label} không đúng dạng ngày/tháng/năm giờ:phút (dd/mm/yyyy HH:MM).") from None
        except ValueError:
            raise _Bad(f"{label} không phải là thời điểm có thật.") from None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=VN)
    try:  # "0001-01-01T00:00+14:00" parses, but has no UTC or Vietnam time
        dt.astimezone(UTC).astimezone(VN)
    except (OverflowError, ValueError):
        raise _Bad(f"{label} không phải là thời điểm có thật.") from None
    return dt


def parse_sex(value) -> str:
    text = _str(value)
    if not text:
        return ""
    sex = _SEX.get(text) or _SEX.get(fold(text))
    if sex is None:
        raise _Bad("Giới tính chỉ nhận Nam, Nữ hoặc Khác (M, F, X).")
    return sex


def normalise_number(value) -> str:
    """Upper-cased, without spaces (how document numbers are compared and stored)."""
    text = _str(value)
    if " " in text or "\t" in text:
        text = "".join(text.split())
    return text.upper()


def normalise_name(value) -> str:
    text = _str(value)
    if not text.isascii() and not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    return " ".join(text.split())


def _fold_table() -> dict[int, str]:
    """Each precomposed Latin letter (U+00C0–U+1EFF) to what `core.text.fold` makes of it, when
    that is ASCII: folding a name is then one `str.translate`."""
    table = {}
    for cp in range(0xC0, 0x1F00):
        folded = fold(chr(cp))
        if len(folded) == 1 and folded.isascii() and folded.isalpha():
            table[cp] = folded
    return table


_FOLD = _fold_table()


def fold_name(name: str) -> str:
    """`core.text.fold` of a cleaned name (NFC, single spaces), fast."""
    if name.isascii():
        return name.lower()
    folded = name.translate(_FOLD)
    return folded.lower() if folded.isascii() else fold(name)


@lru_cache(maxsize=64)
def _pattern(pattern: str) -> re.Pattern:
    try:
        return re.compile(pattern) if pattern else _ANY_NUMBER
    except re.error:
        return _ANY_NUMBER


_last_today: tuple = (None, None)


def _today(now: datetime) -> date:
    """`now`'s Vietnamese date (memoised: a batch calls this once per row with the same `now`)."""
    global _last_today
    last_now, day = _last_today
    if last_now is not now:
        day = now.astimezone(VN).date()
        _last_today = (now, day)
    return day


def _age(birth: date, on: date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


# --- the cleaner -----------------------------------------------------------------------------------


def clean_guest(
    raw: Mapping[str, object],
    *,
    codes: Codes,
    now: datetime,
    row: int | None = None,
    check_arrival_age: bool = True,
) -> tuple[CleanGuest | None, list[RowError]]:
    """Clean one raw guest row. `now` (aware) is the moment of declaring; `check_arrival_age`
    False lets a correction keep an arrival older than `ARRIVAL_MAX_AGE`."""
    errors: list[RowError] = []
    warnings: list[str] = []

    def err(name: str, message: str) -> None:
        errors.append(RowError(row, name, message))

    get = raw.get
    full_name = normalise_name(get("full_name"))
    doc_type = _str(get("doc_type")).upper()
    doc_number = normalise_number(get("doc_number"))
    nationality = _str(get("nationality")).upper()
    address = " ".join(_str(get("address")).split())
    phone = _str(get("phone"))
    room = _str(get("room"))
    reason = _str(get("reason")).upper()
    visa_kind = _str(get("visa_kind")).upper()
    visa_number = normalise_number(get("visa_number"))
    port = _str(get("port_of_entry")).upper()
    mrz_text = get("mrz")

    birth_date = birth_year = arrived_at = expected = visa_expiry = entry_date = None
    sex = ""
    birth_raw = get("birth_date")
    if birth_raw.__class__ is str and len(birth_raw.strip()) == 4 and birth_raw.strip().isdigit():
        birth_year = int(birth_raw.strip())  # only the year is known
    else:
        try:
            birth_date = parse_date(birth_raw, LABELS["birth_date"])
        except _Bad as exc:
            err("birth_date", str(exc))
    for name in ("expected_departure", "visa_expiry", "entry_date"):
        try:
            value = parse_date(get(name), LABELS[name])
        except _Bad as exc:
            err(name, str(exc))
            continue
        if name == "expected_departure":
            expected = value
        elif name == "visa_expiry":
            visa_expiry = value
        else:
            entry_date = value
    try:
        arrived_at = parse_arrival(get("arrived_at"))
    except _Bad as exc:
        err("arrived_at", str(exc))
    try:
        sex = parse_sex(get("sex"))
    except _Bad as exc:
        err("sex", str(exc))

    # The machine-readable zone fills blanks and must agree with what was typed.
    mrz_checked = False
    if mrz_text is not None and _str(mrz_text):
        try:
            mrz = parse_mrz(_str(mrz_text), today=now.astimezone(VN).date())
        except LodgingError as exc:
            err("mrz", exc.message)
        else:
            for message in mrz.errors:
                err("mrz", message)
            warnings.extend(mrz.warnings)
            number_key = "visa_number" if mrz.is_visa else "doc_number"
            typed_number = visa_number if mrz.is_visa else doc_number
            agree = True
            if not typed_number:
                if mrz.is_visa:
                    visa_number = mrz.number
                else:
                    doc_number = mrz.number
            elif typed_number != mrz.number:
                err(number_key, f"{LABELS[number_key]} khác với số trong vùng đọc máy (MRZ).")
                agree = False
            if not nationality:
                nationality = mrz.nationality
            elif mrz.nationality and nationality != mrz.nationality:
                err("nationality", "Quốc tịch khác với quốc tịch trong vùng đọc máy (MRZ).")
                agree = False
            if birth_date is None and birth_year is None and "birth_date" not in {e.field for e in errors}:
                birth_date = mrz.birth_date
            elif birth_date is not None and mrz.birth_date is not None and birth_date != mrz.birth_date:
                err("birth_date", "Ngày sinh khác với ngày sinh trong vùng đọc máy (MRZ).")
                agree = False
            if not sex and "sex" not in {e.field for e in errors}:
                sex = mrz.sex
            elif sex and mrz.sex != "X" and sex != mrz.sex:
                err("sex", "Giới tính khác với giới tính trong vùng đọc máy (MRZ).")
                agree = False
            if not full_name:
                full_name = mrz.full_name  # never overwrites a typed name (the MRZ may truncate it)
            if mrz.is_visa:
                visa_kind = visa_kind or "VISA"
                visa_expiry = visa_expiry or mrz.expiry
            mrz_checked = mrz.valid and agree

    present = (full_name, birth_date or birth_year, sex, doc_type, doc_number, nationality, arrived_at, reason)
    if not all(present):
        failed = {e.field for e in errors}
        for name, value in zip(REQUIRED, present, strict=True):
            if not value and name not in failed:
                err(name, f"Chưa nhập {LABELS[name].lower()}.")
    failed = {e.field for e in errors} if errors else ()

    for name, value in (("full_name", full_name), ("address", address), ("room", room), ("phone", phone)):
        limit = MAX_LENGTHS[name]
        if len(value) > limit:
            err(name, f"{LABELS[name]} dài quá {limit} ký tự.")
    for name, value in (("address", address), ("room", room)):
        if _CONTROL.search(value):
            err(name, f"{LABELS[name]} có ký tự không hợp lệ (ký tự điều khiển).")
    if full_name and len(full_name) <= MAX_LENGTHS["full_name"] and not _NAME.match(full_name):
        err("full_name", "Họ và tên chỉ gồm chữ cái, dấu cách và các dấu ' - .")
    if phone and not _PHONE.match(phone):
        err("phone", "Số điện thoại không đúng dạng (chỉ gồm chữ số, có thể bắt đầu bằng +).")

    # Nationality and the document.
    country = codes.countries.get(nationality) if nationality else None
    if nationality and country is None:
        err("nationality", "Mã quốc tịch không có trong danh mục (mã 3 chữ cái theo ISO 3166-1, ví dụ VNM, KOR).")
    foreigner = bool(nationality) and nationality != VIETNAM
    doc = codes.doc_types.get(doc_type) if doc_type else None
    if doc_type and doc is None:
        err("doc_type", "Loại giấy tờ không có trong danh mục hoặc đã hết hiệu lực.")
    elif doc is not None and country is not None:
        if not foreigner and not doc.for_vietnamese:
            err("doc_type", "Loại giấy tờ này dành cho người nước ngoài, không dùng cho công dân Việt Nam.")
        elif foreigner and not doc.for_foreigners:
            err("doc_type", "Loại giấy tờ này dành cho công dân Việt Nam, không dùng cho người nước ngoài.")
    if doc is not None and doc_number and not _pattern(doc.number_pattern).match(doc_number):
        hint = f" ({doc.number_hint})" if doc.number_hint else ""
        err("doc_number", f"Số giấy tờ không đúng dạng của loại giấy tờ đã chọn{hint}.")
    elif doc is None and doc_number and len(doc_number) > 20:
        err("doc_number", "Số giấy tờ dài quá 20 ký tự.")

    # Dates.
    today = _today(now)
    arrival_day = arrived_at.astimezone(VN).date() if arrived_at is not None else None
    if birth_date is not None:
        if birth_date > today:
            err("birth_date", "Ngày sinh ở tương lai.")
        elif _age(birth_date, today) > MAX_AGE_YEARS:
            err("birth_date", f"Ngày sinh không hợp lý (trên {MAX_AGE_YEARS} tuổi).")
        elif arrival_day is not None and birth_date > arrival_day:
            err("birth_date", "Ngày sinh sau ngày đến lưu trú.")
        birth_year = birth_date.year
    elif birth_year is not None and not (today.year - MAX_AGE_YEARS <= birth_year <= today.year):
        err("birth_date", "Năm sinh không hợp lý.")
    if arrived_at is not None:
        if arrived_at > now + ARRIVAL_FUTURE_TOLERANCE:
            err("arrived_at", "Thời điểm đến ở tương lai: chỉ khai báo khách đã đến.")
        elif check_arrival_age and arrived_at < now - ARRIVAL_MAX_AGE:
            err(
                "arrived_at",
                f"Khách đến đã quá {ARRIVAL_MAX_AGE.days} ngày: đề nghị khai báo trực tiếp tại Công an xã, phường.",
            )
    if expected is not None and arrival_day is not None and expected < arrival_day:
        err("expected_departure", "Ngày dự kiến đi trước ngày đến.")
    if reason and reason not in codes.reasons:
        err("reason", "Lý do lưu trú không có trong danh mục.")

    # Foreigners: visa or card, entry, port (Luật 47/2014/QH13 Art. 33; form NA17).
    if foreigner:
        for name, value in (("visa_kind", visa_kind), ("entry_date", entry_date), ("port_of_entry", port)):
            if not value and name not in failed:
                err(name, f"Người nước ngoài: chưa nhập {LABELS[name].lower()}.")
        if visa_kind and visa_kind not in VISA_KINDS:
            err("visa_kind", "Loại giấy tờ cư trú không có trong danh mục (VISA, TTT, TTRU, MIENTT, GMTT).")
        elif visa_kind in VISA_NEEDS_NUMBER and not visa_number:
            err("visa_number", "Chưa nhập số thị thực / thẻ.")
        if visa_number and not _VISA_NUMBER.match(visa_number):
            err("visa_number", "Số thị thực / thẻ không đúng dạng (chữ cái không dấu và chữ số, tối đa 20 ký tự).")
        if visa_expiry is not None and arrival_day is not None and visa_expiry < arrival_day:
            err("visa_expiry", "Thị thực / thẻ đã hết hạn trước ngày đến.")
        if entry_date is not None and arrival_day is not None and entry_date > arrival_day:
            err("entry_date", "Ngày nhập cảnh sau ngày đến lưu trú.")
        if port and port not in codes.ports:
            err("port_of_entry", "Cửa khẩu nhập cảnh không có trong danh mục.")
    else:
        # Vietnamese guests have no visa, entry or port: a filled column of the template is ignored.
        visa_kind = visa_number = port = ""
        visa_expiry = entry_date = None

    if errors:
        return None, errors
    return (
        CleanGuest(
            full_name=full_name,
            name_folded=fold_name(full_name),
            birth_date=birth_date,
            birth_year=birth_year,
            sex=sex,
            doc_type=doc_type,
            doc_number=doc_number,
            nationality=nationality,
            stats_nationality=country.stats_code or nationality,
            address=address,
            phone=phone,
            arrived_at=arrived_at.astimezone(UTC),
            expected_departure=expected,
            room=room,
            reason=reason,
            visa_kind=visa_kind,
            visa_number=visa_number,
            visa_expiry=visa_expiry,
            entry_date=entry_date,
            port_of_entry=port,
            mrz_checked=mrz_checked,
            warnings=warnings,
        ),
        [],
    )
