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
