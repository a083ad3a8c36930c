from datetime import date

import pytest

from antt.core.identifiers import IdentifierError, birth_province_codes, parse_personal_id


def test_a_thanh_hoa_woman_born_in_1990():
    # given the ID of a woman whose birth was registered in Thanh Hóa in 1990
    parsed = parse_personal_id("038190012345", birth_date=date(1990, 2, 17), female=True)
    # then its parts are read back
    assert parsed.birth_province_code == "038"
    assert "Thanh Hóa" in parsed.birth_province
    assert parsed.century_start == 1900 and parsed.female and parsed.birth_year_suffix == 90


def test_a_man_born_in_2005_in_ha_noi_with_spaces_typed():
    parsed = parse_personal_id("001 205 123456", birth_date=date(2005, 1, 1), female=False)
    assert parsed.number == "001205123456" and parsed.century_start == 2000 and not parsed.female


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "đúng 12 chữ số"),
        ("03819001234", "đúng 12 chữ số"),
        ("0381900123456", "đúng 12 chữ số"),
        ("03819001234a", "đúng 12 chữ số"),
        ("003190012345", "mã tỉnh"),  # 003 was never a province code
        ("097190012345", "mã tỉnh"),
        ("000190012345", "mã tỉnh"),
    ],
)
def test_malformed_numbers_are_refused_in_vietnamese(value, message):
    with pytest.raises(IdentifierError, match=message):
        parse_personal_id(value)


def test_the_birth_year_and_sex_must_agree_with_the_number():
    # 038 1 90 …: a woman born in 1990
    with pytest.raises(IdentifierError, match="năm sinh"):
        parse_personal_id("038190012345", birth_date=date(1991, 2, 17))
    with pytest.raises(IdentifierError, match="năm sinh"):
        parse_personal_id("038190012345", birth_date=date(2090, 2, 17))  # right suffix, wrong century
    with pytest.raises(IdentifierError, match="giới tính"):
        parse_personal_id("038190012345", female=False)


def test_the_63_birth_registration_provinces_come_from_the_legacy_data():
    codes = birth_province_codes()
    assert len(codes) == 63
    assert {"001", "038", "079", "096"} <= set(codes)
