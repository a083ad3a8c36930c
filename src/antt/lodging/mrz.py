"""Machine-readable zones of travel documents (ICAO Doc 9303), hand-written.

Part 3 (common rules: alphabet `A–Z 0–9 <`, check digits with weights 7-3-1, dates YYMMDD),
Part 4 (TD3: passports, 2 × 44), Part 5 (TD1: ID cards, 3 × 30), Part 6 (TD2: 2 × 36) and Part 7
(visas: MRV-A 2 × 44, MRV-B 2 × 36). docs/legal/lodging.md §5 has the layouts and the pitfalls:

* OCR confuses `O`/`0`, `I`/`1`…: a position that can only hold a digit (dates, check digits)
  or only a letter (document code, states, sex) is normalised **before** the check digits are
  computed; two swapped characters weighted 7 and 3 can otherwise cancel out.
* The century is not encoded: a birth date after today is in the previous century; an expiry
  more than `EXPIRY_YEARS_AHEAD` years ahead is too.
* The name has no check digit; a name field full to the last position may be truncated (warn,
  and never let it overwrite a typed name).
* A TD1 or TD2 document number longer than 9 characters continues in the optional data, its
  check digit after it, and position 15 (TD1) / 10 (TD2) holds `<`.
* A composite failure with every field check right is most likely a misread composite digit:
  not valid, with a message saying so.

The `mrz` library on PyPI is GPL and unmaintained; this module is the whole of what we need.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from django.utils import timezone

from antt.lodging.errors import LodgingError

FILLER = "<"
WEIGHTS = (7, 3, 1)
EXPIRY_YEARS_AHEAD = 30  # an expiry further ahead than this is read in the previous century
_VALUES = {**{str(d): d for d in range(10)}, **{chr(65 + i): 10 + i for i in range(26)}, FILLER: 0}
_LINE_OK = re.compile(r"^[A-Z0-9<]+$")
_SPACES = re.compile(r"[ \t\u00a0]+")
# OCR confusions, used only where the position allows a single class of characters.
_TO_DIGIT = str.maketrans({"O": "0", "Q": "0", "D": "0", "I": "1", "L": "1", "Z": "2", "S": "5", "G": "6", "B": "8"})
_TO_ALPHA = str.maketrans({"0": "O", "1": "I", "2": "Z", "5": "S", "6": "G", "8": "B"})

# What a document is called in the messages.
_DOC_NAMES = {"TD3": "hộ chiếu", "TD2": "giấy tờ", "TD1": "giấy tờ", "MRVA": "thị thực", "MRVB": "thị thực"}


def check_digit(field: str) -> str:
    """The 7-3-1 check digit of `field` ("0".."9"); raises ValueError on a character outside
    `A–Z 0–9 <`."""
    total = 0
    for i, ch in enumerate(field):
        try:
            total += _VALUES[ch] * WEIGHTS[i % 3]
        except KeyError:
            raise ValueError(f"character not allowed in a machine-readable zone: {ch!r}") from None
    return str(total % 10)


@dataclass
class MrzResult:
    format: str  # "TD3" | "TD2" | "TD1" | "MRVA" | "MRVB"
    document_code: str
    issuer: str
    surname: str
    given_names: str
    number: str
    nationality: str
    birth_date: date | None
    sex: str  # "M" / "F" / "X"
    expiry: date | None
    optional: str
    valid: bool = True
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def full_name(self) -> str:
        return " ".join(part for part in (self.surname, self.given_names) if part)

    @property
    def is_visa(self) -> bool:
        return self.format in ("MRVA", "MRVB")


# --- reading the text ----------------------------------------------------------------------------


def _lines(text: str) -> list[str]:
    """Upper-cased lines without blanks; one pasted line of 88/72/90 characters is cut up."""
    if not isinstance(text, str) or not text.strip():
        raise LodgingError("Chưa nhập vùng đọc máy (MRZ).", field="mrz")
    text = text.upper().replace("«", "<").replace("\r", "\n")
    lines = [_SPACES.sub("", line) for line in text.split("\n")]
    lines = [line for line in lines if line]
    if len(lines) == 1:
        (one,) = lines
        for size, count in ((44, 2), (36, 2), (30, 3)):
            if len(one) == size * count:
                lines = [one[i * size : (i + 1) * size] for i in range(count)]
                break
    return lines


def _format(lines: list[str]) -> str:
    shape = tuple(len(line) for line in lines)
    first = lines[0][:1] if lines else ""
    if shape == (44, 44):
        return "MRVA" if first == "V" else "TD3"
    if shape == (36, 36):
        return "MRVB" if first == "V" else "TD2"
    if shape == (30, 30, 30):
        return "TD1"
    raise LodgingError(
        "Vùng đọc máy (MRZ) không đọc được: cần 2 dòng 44 ký tự (hộ chiếu), 2 dòng 36 hoặc 3 dòng 30 ký tự "
        "(thẻ, thị thực).",
        field="mrz",
    )


def _digits(s: str) -> str:
    return s.translate(_TO_DIGIT)


def _alpha(s: str) -> str:
    return s.translate(_TO_ALPHA)


def _text(s: str) -> str:
    return s.replace(FILLER, " ").strip()


def _yymmdd(s: str) -> tuple[int, int, int] | None:
    if len(s) != 6 or not s.isdigit():
        return None
    return int(s[:2]), int(s[2:4]), int(s[4:])


def _birth(s: str, today: date) -> date | None:
    parts = _yymmdd(s)
    if parts is None:
        return None
    yy, mm, dd = parts
    for century in (2000, 1900):
        try:
            d = date(century + yy, mm, dd)
        except ValueError:
            return None
        if d <= today:
            return d
    return None


def _expiry(s: str, today: date) -> date | None:
    parts = _yymmdd(s)
    if parts is None:
        return None
    yy, mm, dd = parts
    try:
        d = date(2000 + yy, mm, dd)
        if d.year > today.year + EXPIRY_YEARS_AHEAD:
            d = date(1900 + yy, mm, dd)
    except ValueError:
        return None
    return d


def _sex(ch: str) -> str:
    return {"M": "M", "F": "F"}.get(ch, "X")


@dataclass
class _Fields:
    """Positions (0-based slices) of one format, and what the composite covers."""

    number: tuple[int, int, int]  # line, start, end (check digit right after)
    nationality: tuple[int, int, int]
    birth: tuple[int, int, int]
    sex: tuple[int, int]
    expiry: tuple[int, int, int]
    optional: tuple[int, int, int]
    optional_check: int | None  # index of the optional data's check digit on its line (TD3)
    composite: tuple[int, int] | None  # line, index
    composite_over: tuple[tuple[int, int, int], ...]
    name: tuple[int, int, int]


_LAYOUTS = {
    "TD3": _Fields(
        number=(1, 0, 9),
        nationality=(1, 10, 13),
        birth=(1, 13, 19),
        sex=(1, 20),
        expiry=(1, 21, 27),
        optional=(1, 28, 42),
        optional_check=42,
        composite=(1, 43),
        composite_over=((1, 0, 10), (1, 13, 20), (1, 21, 43)),
        name=(0, 5, 44),
    ),
    "MRVA": _Fields(
        number=(1, 0, 9),
        nationality=(1, 10, 13),
        birth=(1, 13, 19),
        sex=(1, 20),
        expiry=(1, 21, 27),
        optional=(1, 28, 44),
        optional_check=None,
        composite=None,
        composite_over=(),
        name=(0, 5, 44),
    ),
    "TD2": _Fields(
        number=(1, 0, 9),
        nationality=(1, 10, 13),
        birth=(1, 13, 19),
        sex=(1, 20),
        expiry=(1, 21, 27),
        optional=(1, 28, 35),
        optional_check=None,
        composite=(1, 35),
        composite_over=((1, 0, 10), (1, 13, 20), (1, 21, 35)),
        name=(0, 5, 36),
    ),
    "MRVB": _Fields(
        number=(1, 0, 9),
        nationality=(1, 10, 13),
        birth=(1, 13, 19),
        sex=(1, 20),
        expiry=(1, 21, 27),
        optional=(1, 28, 36),
        optional_check=None,
        composite=None,
        composite_over=(),
        name=(0, 5, 36),
    ),
    "TD1": _Fields(
        number=(0, 5, 14),
        nationality=(1, 15, 18),
        birth=(1, 0, 6),
        sex=(1, 7),
        expiry=(1, 8, 14),
        optional=(0, 15, 30),  # optional data 1; optional data 2 is line 2, 18–29
        optional_check=None,
        composite=(1, 29),
        composite_over=((0, 5, 30), (1, 0, 7), (1, 8, 15), (1, 18, 29)),
        name=(2, 0, 30),
    ),
}


def _normalise(fmt: str, lines: list[str]) -> tuple[list[str], bool]:
    """Letters where only letters may stand, digits where only digits may; True if changed."""
    rows = [list(line) for line in lines]
    lay = _LAYOUTS[fmt]

    def fix(line: int, start: int, end: int, table) -> None:
        rows[line][start:end] = list("".join(rows[line][start:end]).translate(table))

    fix(0, 0, 2, _TO_ALPHA)  # document code
    fix(0, 2, 5, _TO_ALPHA)  # issuing state
    ln, a, b = lay.nationality
    fix(ln, a, b, _TO_ALPHA)
    ln, a, b = lay.birth
    fix(ln, a, b + 1, _TO_DIGIT)  # date and its check digit
    ln, a, b = lay.expiry
    fix(ln, a, b + 1, _TO_DIGIT)
    ln, a = lay.sex
    if rows[ln][a] not in "MFX<":
        fix(ln, a, a + 1, _TO_ALPHA)
    ln, a, b = lay.number
    if rows[ln][b] != FILLER:
        fix(ln, b, b + 1, _TO_DIGIT)  # the number's check digit
    if lay.optional_check is not None:
        ch = rows[1][lay.optional_check]
        if ch != FILLER:
            fix(1, lay.optional_check, lay.optional_check + 1, _TO_DIGIT)
    if lay.composite is not None:
        fix(lay.composite[0], lay.composite[1], lay.composite[1] + 1, _TO_DIGIT)
    fixed = ["".join(r) for r in rows]
    return fixed, fixed != lines


def _check(value: str, digit: str, *, empty_ok: bool = False) -> bool:
    if empty_ok and set(value) <= {FILLER} and digit in (FILLER, "0"):
        return True
    return digit.isdigit() and check_digit(value) == digit


def parse_mrz(text: str, *, today: date | None = None) -> MrzResult:
    """Read a machine-readable zone. Raises `LodgingError(400, field="mrz")` when it cannot be read
    (wrong shape, characters outside the alphabet, a non-ICAO national card); otherwise returns
    the fields with `valid`, `errors` (a wrong check digit per field) and `warnings`."""
    today = today or timezone.localdate()
    lines = _lines(text)
    fmt = _format(lines)
    if any(not _LINE_OK.match(line) for line in lines):
        raise LodgingError(
            "Vùng đọc máy (MRZ) có ký tự không hợp lệ: chỉ gồm chữ in hoa không dấu, chữ số và dấu <.",
            field="mrz",
        )
    if fmt == "TD2" and lines[0].startswith("IDFRA"):
        raise LodgingError(
            "Thẻ căn cước Pháp mẫu 1995–2021 không theo chuẩn ICAO 9303: đề nghị dùng hộ chiếu.", field="mrz"
        )
    lines, normalised = _normalise(fmt, lines)
    lay = _LAYOUTS[fmt]
    doc = _DOC_NAMES[fmt]
    errors: list[str] = []
    warnings: list[str] = []
    if normalised:
        warnings.append("Đã sửa ký tự đọc nhầm (chữ O / số 0…) theo vị trí trong vùng đọc máy.")

    # Document number (with the TD1/TD2 overflow into the optional data).
    ln, a, b = lay.number
    number_field, number_digit = lines[ln][a:b], lines[ln][b]
    optional = lines[lay.optional[0]][lay.optional[1] : lay.optional[2]]
    if fmt in ("TD1", "TD2") and number_digit == FILLER and optional[:1] not in ("", FILLER):
        tail = optional.split(FILLER, 1)[0]
        number_field, number_digit = number_field + tail[:-1], tail[-1:]
        optional = optional[len(tail) :]
    number = number_field.replace(FILLER, "")
    if not number:
        errors.append(f"Không đọc được số {doc} trong vùng đọc máy.")
    elif not _check(number_field, number_digit):
        errors.append(f"Chữ số kiểm tra của số {doc} sai.")

    ln, a, b = lay.birth
    birth_raw, birth_digit = lines[ln][a:b], lines[ln][b]
    birth = _birth(birth_raw, today)
    if not _check(birth_raw, birth_digit):
        errors.append("Chữ số kiểm tra của ngày sinh sai.")
    elif birth is None:
        if FILLER in birth_raw:
            warnings.append("Vùng đọc máy không ghi đủ ngày sinh.")
        else:
            errors.append("Ngày sinh trong vùng đọc máy không phải là ngày có thật.")

    ln, a, b = lay.expiry
    expiry_raw, expiry_digit = lines[ln][a:b], lines[ln][b]
    expiry = _expiry(expiry_raw, today)
    if not _check(expiry_raw, expiry_digit):
        errors.append(f"Chữ số kiểm tra của ngày hết hạn {doc} sai.")
    elif expiry is None:
        errors.append(f"Ngày hết hạn {doc} trong vùng đọc máy không phải là ngày có thật.")
    elif expiry < today:
        warnings.append(f"{doc.capitalize()} đã hết hạn.")

    if lay.optional_check is not None and not _check(optional, lines[1][lay.optional_check], empty_ok=True):
        errors.append("Chữ số kiểm tra của dữ liệu tùy chọn (số cá nhân) sai.")
    if fmt == "TD1":
        optional = optional + lines[1][18:29]

    if lay.composite is not None:
        over = "".join(lines[ln][a:b] for ln, a, b in lay.composite_over)
        if not _check(over, lines[lay.composite[0]][lay.composite[1]]):
            if errors:
                errors.append("Chữ số kiểm tra tổng hợp sai.")
            else:
                errors.append(
                    "Chữ số kiểm tra tổng hợp sai (các chữ số kiểm tra khác đúng: có thể đọc nhầm chữ số cuối; "
                    "đề nghị đối chiếu với trang thông tin)."
                )

    ln, a, b = lay.name
    name_field = lines[ln][a:b]
    surname, _, given = name_field.partition("<<")
    if any(ch.isdigit() for ch in name_field):
        warnings.append("Họ tên trong vùng đọc máy có chữ số: có thể đọc nhầm, đề nghị đối chiếu.")
    if not name_field.endswith(FILLER):
        warnings.append("Họ tên trong vùng đọc máy có thể bị cắt ngắn: giữ họ tên đầy đủ như trên giấy tờ.")

    ln, a = lay.sex
    return MrzResult(
        format=fmt,
        document_code=lines[0][0:2].replace(FILLER, ""),
        issuer=lines[0][2:5].replace(FILLER, ""),
        surname=_text(surname),
        given_names=_text(given),
        number=number,
        nationality=lines[lay.nationality[0]][lay.nationality[1] : lay.nationality[2]].replace(FILLER, ""),
        birth_date=birth,
        sex=_sex(lines[ln][a]),
        expiry=expiry,
        optional=_text(optional),
        valid=not errors,
        errors=errors,
        warnings=warnings,
    )
