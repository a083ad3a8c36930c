"""Checks of Vietnamese identifiers that forms receive.

Personal ID number (số định danh cá nhân, the 12 digits on the căn cước card):
`PPP G YY RRRRRR` — PPP the code of the province where the birth was registered,
G the century and sex, YY the last two digits of the birth year, RRRRRR random
(Nghị định 137/2015/NĐ-CP Art. 7, kept by the Luật Căn cước 2023 decrees; see
`../shared/research/legal-facts.md` §8). G: 0/1 born 1900–1999 male/female, 2/3
2000–2099, 4/5 2100–2199, 6/7 2200–2299, 8/9 2300–2399.

The province codes are the 63 pre-2025 provinces (Thanh Hóa 038): the 2025
mergers did not renumber birth registrations. They are read from the
`vietnam-provinces` legacy data, not typed here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import cache

_PERSONAL_ID = re.compile(r"[0-9]{12}")


class IdentifierError(ValueError):
    """A Vietnamese message saying what is wrong with the identifier."""


@cache
def birth_province_codes() -> dict[str, str]:
    """{"038": "Tỉnh Thanh Hóa", ...} for the 63 provinces of birth registration."""
    from vietnam_provinces.legacy import base as legacy

    return {f"{int(p.code):03d}": p.name for p in legacy.Province.iter_all()}


@dataclass(frozen=True)
class PersonalId:
    number: str
    birth_province_code: str
    birth_province: str
    century_start: int
    female: bool
    birth_year_suffix: int

    def birth_year_matches(self, year: int) -> bool:
        return self.century_start <= year < self.century_start + 100 and year % 100 == self.birth_year_suffix


def parse_personal_id(value: str, *, birth_date: date | None = None, female: bool | None = None) -> PersonalId:
    """Check a 12-digit personal ID number; with the date of birth and sex, check they agree."""
    number = re.sub(r"\s", "", value or "")
    if not _PERSONAL_ID.fullmatch(number):
        raise IdentifierError("Số định danh cá nhân phải gồm đúng 12 chữ số.")
    province_code, g, yy = number[:3], int(number[3]), int(number[4:6])
    provinces = birth_province_codes()
    if province_code not in provinces:
        raise IdentifierError(f"Số định danh cá nhân có mã tỉnh nơi đăng ký khai sinh không hợp lệ ({province_code}).")
    parsed = PersonalId(
        number=number,
        birth_province_code=province_code,
        birth_province=provinces[province_code],
        century_start=1900 + (g // 2) * 100,
        female=bool(g % 2),
        birth_year_suffix=yy,
    )
    if birth_date is not None and not parsed.birth_year_matches(birth_date.year):
        raise IdentifierError("Số định danh cá nhân không khớp với năm sinh.")
    if female is not None and parsed.female != female:
        raise IdentifierError("Số định danh cá nhân không khớp với giới tính.")
    return parsed


# --- Tax code (mã số thuế, mã số doanh nghiệp) ---------------------------------------------
#
# Ten digits: two for the province, seven in sequence, one check digit over the first nine
# with the weights below, modulo 11 (Thông tư 105/2020/TT-BTC on tax registration keeps the
# 10- and 13-digit structure; the weights are the General Department of Taxation's algorithm as
# implemented by python-stdnum `stdnum.vn.mst` and checked here on real codes: Viettel
# 0100109106, FPT 0301442379). A remainder of 0 gives no valid digit. A dependent unit (branch)
# adds "-" and three digits 001–999 (the 13-digit form).

_TAX_WEIGHTS = (31, 29, 23, 19, 17, 13, 7, 5, 3)
_TAX_CODE = re.compile(r"([0-9]{10})(?:-?([0-9]{3}))?")


def tax_check_digit(first_nine: str) -> int | None:
    """The 10th digit for these nine, or None when no digit makes a valid code."""
    remainder = sum(w * int(d) for w, d in zip(_TAX_WEIGHTS, first_nine, strict=True)) % 11
    return None if remainder == 0 else 10 - remainder


def check_tax_code(value: str) -> str:
    """A valid tax code as "0100109106" or "0100109106-001"; IdentifierError otherwise."""
    text = re.sub(r"[\s.]", "", value or "")
    match = _TAX_CODE.fullmatch(text)
    if not match:
        raise IdentifierError(
            "Mã số thuế phải gồm 10 chữ số, hoặc 10 chữ số, dấu “-” và 3 chữ số của đơn vị phụ thuộc."
        )
    main, branch = match.groups()
    if tax_check_digit(main[:9]) != int(main[9]):
        raise IdentifierError("Mã số thuế không hợp lệ (sai chữ số kiểm tra).")
    if branch is not None:
        if branch == "000":
            raise IdentifierError("Mã số thuế của đơn vị phụ thuộc phải có 3 số cuối từ 001 đến 999.")
        return f"{main}-{branch}"
    return main


_BUSINESS_CODE_FORMS = (
    "Mã số thuế phải gồm 10 chữ số (doanh nghiệp, tổ chức); 10 chữ số, dấu “-” và 3 chữ số "
    "(chi nhánh, địa điểm kinh doanh); hoặc 12 chữ số của số định danh cá nhân (hộ kinh doanh)."
)


def check_business_code(value: str) -> str:
    """The tax code of a business as stored in the registry; IdentifierError otherwise.

    Three forms (docs/legal/establishments.md §9):

    * 10 digits: an enterprise or organisation (checked with its check digit);
    * 10 digits, "-" and 3 digits 001–999: a dependent unit (branch, business location);
      13 digits typed without the dash are given the dash back;
    * 12 digits: a household business, whose tax code since 01/07/2025 is the personal ID number
      of its owner (Thông tư 86/2024/TT-BTC), checked as a personal ID (`parse_personal_id`).
    """
    text = re.sub(r"[\s.]", "", value or "")
    if not text:
        raise IdentifierError("Vui lòng nhập mã số thuế.")
    if re.fullmatch(r"[0-9]{12}", text):
        try:
            return parse_personal_id(text).number
        except IdentifierError as exc:
            raise IdentifierError(f"Mã số thuế 12 chữ số của hộ kinh doanh là số định danh cá nhân: {exc}") from exc
    if not re.fullmatch(r"[0-9]{10}(?:-?[0-9]{3})?", text):
        raise IdentifierError(_BUSINESS_CODE_FORMS)
    return check_tax_code(text)


# --- Vehicle number plates ----------------------------------------------------------------
#
# Layout (Thông tư 79/2024/TT-BCA on vehicle registration, appendix of plate codes; earlier
# Thông tư 58/2020/TT-BCA): a two-digit locality code, a series, then the order number of
# 4 digits (older plates) or 5 digits (shown as 3.2).
#   cars and the like:  "36A-123.45", "36A-1234", two-letter series "51LD-123.45"
#   motorbikes:         "36-B1 123.45" (letter + digit), mopeds "36-AA 123.45" (two letters),
#                       electric motorbikes "36-MĐ1 123.45"
# Special series of foreign bodies (NG diplomatic, NN foreign organisations and persons, QT
# international organisations, CV technical staff of missions) carry a 3-digit country code
# and a 2-digit order: "80-NG-123-45"; domestic special series (KT economic units, LD
# foreign-invested or leased, DA projects, MK tractors, TĐ pilot-assembled, HC restricted,
# R trailers, T temporary) follow the car layout.
# The locality codes are the 2025 list as published by the ministry (confidence: secondary,
# two independent repositories agree; 80 = central units). Thanh Hóa is 36.

PLATE_LOCALITY_CODES = frozenset(
    [11, 12, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38,
     39, 40, 41, 43, 47, 48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63, 64, 65, 66, 67, 68, 69,
     70, 71, 72, 73, 74, 75, 76, 77, 78, 79, 80, 81, 82, 83, 84, 85, 86, 88, 89, 90, 92, 93, 94, 95, 97, 98, 99]
)  # fmt: skip
FOREIGN_SERIES = frozenset({"NG", "NN", "QT", "CV"})
SPECIAL_CAR_SERIES = frozenset({"KT", "LD", "DA", "MK", "TĐ", "HC", "R", "T", "RM"})
ELECTRIC_MOTORBIKE_SERIES = "MĐ"

_PLATE_CHARS = re.compile(r"[\s.\-_/]")
_FOREIGN = re.compile(r"([0-9]{2})(NG|NN|QT|CV)([0-9]{3})([0-9]{2})")
_MOTORBIKE = re.compile(r"([0-9]{2})(M[ĐD][0-9]|[A-ZĐ][0-9]|[A-ZĐ]{2})([0-9]{4,5})")
_CAR = re.compile(r"([0-9]{2})([A-ZĐ]{1,2})([0-9]{4,5})")


@dataclass(frozen=True)
class Plate:
    """A checked plate: `normalised` for storing and searching (upper case, no separators,
    Đ folded to D so that "36-MD1" and "36-MĐ1" meet), `display` as printed on the plate."""

    normalised: str
    display: str
    kind: str  # "car", "motorbike" or "foreign"
    locality: str
    series: str
    number: str


def _number_display(number: str) -> str:
    return f"{number[:3]}.{number[3:]}" if len(number) == 5 else number


def parse_plate(value: str, *, vehicle_kind: str = "") -> Plate:
    """Check and normalise a Vietnamese plate; IdentifierError with a Vietnamese message.

    The separators typed decide between the car layout ("51LD-123.45") and the motorbike one
    ("36-AA 123.45") when the series alone does not; without separators, `vehicle_kind`
    ("car"/"motorbike") decides, else a letter+digit series is a motorbike, a known special
    series or a single letter is a car and another two-letter series is a moped.
    """
    raw = " ".join((value or "").upper().split())
    if not raw:
        raise IdentifierError("Vui lòng nhập biển số xe.")
    compact = _PLATE_CHARS.sub("", raw)
    if len(compact) > 12:
        raise IdentifierError("Biển số xe quá dài.")
    motorbike_layout = bool(re.match(r"^[0-9]{2}\s*-", raw))
    car_layout = bool(re.match(r"^[0-9]{2}[A-ZĐ]{1,2}\s*-", raw))
    locality = compact[:2]
    if not (locality.isascii() and locality.isdigit()):
        raise IdentifierError("Biển số xe phải bắt đầu bằng 2 chữ số mã địa phương (ví dụ 36A-123.45).")
    if int(locality) not in PLATE_LOCALITY_CODES:
        raise IdentifierError(f"Mã địa phương {locality} trên biển số không tồn tại.")

    if (match := _FOREIGN.fullmatch(compact)) is not None:
        loc, series, country, order = match.groups()
        return Plate(
            normalised=compact,
            display=f"{loc}-{series}-{country}-{order}",
            kind="foreign",
            locality=loc,
            series=series,
            number=country + order,
        )
    car = _CAR.fullmatch(compact)
    bike = _MOTORBIKE.fullmatch(compact)
    kind = ""
    if bike and not car:
        kind = "motorbike"
    elif car and not bike:
        kind = "car"
    elif car and bike:  # two letters: a car's special series or a moped's series
        series = car.group(2)
        if car_layout and not motorbike_layout:
            kind = "car"
        elif motorbike_layout and not car_layout:
            kind = "motorbike"
        elif vehicle_kind in ("car", "motorbike"):
            kind = vehicle_kind
        else:
            kind = "car" if series in SPECIAL_CAR_SERIES or len(series) == 1 else "motorbike"
    if not kind:
        raise IdentifierError("Biển số xe không đúng định dạng (ví dụ: ô tô 36A-123.45, xe máy 36-B1 123.45).")
    loc, series, number = (car if kind == "car" else bike).groups()
    if kind == "motorbike" and series[:2] == "MD" and len(series) == 3:
        series = ELECTRIC_MOTORBIKE_SERIES + series[2]
    display = (
        f"{loc}{series}-{_number_display(number)}" if kind == "car" else f"{loc}-{series} {_number_display(number)}"
    )
    return Plate(
        normalised=compact.replace("Đ", "D"),
        display=display,
        kind=kind,
        locality=loc,
        series=series,
        number=number,
    )
