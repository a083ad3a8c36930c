"""Machine-readable zones (ICAO Doc 9303): check digits, the five formats, the specimens of the
standard and the synthetic Vietnamese passport of docs/legal/lodging.md §5.3, one broken digit
per field, O/0 by position, centuries, truncated names, expired documents. No database."""

from datetime import date

import pytest

from antt.lodging.errors import LodgingError
from antt.lodging.mrz import check_digit, parse_mrz
from antt.lodging.tests.factories import MRZ_ICAO, MRZ_VN

TODAY = date(2026, 8, 1)
# ICAO Doc 9303 specimens: Part 5 (TD1), Part 6 (TD2), Part 7 (MRV-A, MRV-B).
TD1 = "I<UTOD231458907<<<<<<<<<<<<<<<\n7408122F1204159UTO<<<<<<<<<<<6\nERIKSSON<<ANNA<MARIA<<<<<<<<<<"
TD2 = "I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<\nD231458907UTO7408122F1204159<<<<<<<6"
MRVA = "V<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL8988901C4XXX4009078F96121096ZE184226B<<<<<<"
MRVB = "V<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<\nL8988901C4XXX4009078F9612109<<<<<<<<"


def _set(text: str, line: int, pos: int, ch: str) -> str:
    lines = text.split("\n")
    lines[line] = lines[line][:pos] + ch + lines[line][pos + 1 :]
    return "\n".join(lines)


def _bump(text: str, line: int, pos: int) -> str:
    """Change the digit at (line, pos) to another digit."""
    old = text.split("\n")[line][pos]
    return _set(text, line, pos, str((int(old) + 1) % 10))


@pytest.mark.parametrize(
    ("field", "digit"),
    [("L898902C3", "6"), ("740812", "2"), ("120415", "9"), ("ZE184226B<<<<<", "1"), ("C1234567<", "0"), ("<<<", "0")],
)
def test_check_digit_uses_weights_7_3_1(field, digit):
    assert check_digit(field) == digit


def test_check_digit_refuses_characters_outside_the_alphabet():
    with pytest.raises(ValueError):
        check_digit("AB-1")


def test_icao_specimen_passport_reads_every_field():
    # when
    r = parse_mrz(MRZ_ICAO, today=TODAY)
    # then
    assert (r.format, r.document_code, r.issuer, r.nationality) == ("TD3", "P", "UTO", "UTO")
    assert (r.surname, r.given_names, r.full_name) == ("ERIKSSON", "ANNA MARIA", "ERIKSSON ANNA MARIA")
    assert (r.number, r.birth_date, r.sex, r.expiry) == ("L898902C3", date(1974, 8, 12), "F", date(2012, 4, 15))
    assert r.optional == "ZE184226B"
    assert r.valid and r.errors == []
    assert "Hộ chiếu đã hết hạn." in r.warnings  # expired in 2012: readable, with a warning


def test_synthetic_vietnamese_passport_is_valid_and_not_expired():
    r = parse_mrz(MRZ_VN, today=TODAY)
    assert r.valid, r.errors
    assert (r.surname, r.given_names, r.number, r.nationality) == ("NGUYEN", "VAN AN", "C1234567", "VNM")
    assert (r.birth_date, r.sex, r.expiry, r.optional) == (date(1990, 1, 15), "M", date(2030, 1, 14), "038090012345")
    assert r.warnings == []


@pytest.mark.parametrize(
    ("text", "fmt", "number", "nationality", "birth", "expiry"),
    [
        (TD1, "TD1", "D23145890", "UTO", date(1974, 8, 12), date(2012, 4, 15)),
        (TD2, "TD2", "D23145890", "UTO", date(1974, 8, 12), date(2012, 4, 15)),
        (MRVA, "MRVA", "L8988901C", "XXX", date(1940, 9, 7), date(1996, 12, 10)),
        (MRVB, "MRVB", "L8988901C", "XXX", date(1940, 9, 7), date(1996, 12, 10)),
    ],
)
def test_icao_specimens_of_cards_and_visas(text, fmt, number, nationality, birth, expiry):
    r = parse_mrz(text, today=date(1995, 1, 1))
    assert (r.format, r.number, r.nationality, r.birth_date, r.expiry) == (fmt, number, nationality, birth, expiry)
    assert (r.surname, r.given_names, r.sex) == ("ERIKSSON", "ANNA MARIA", "F")
    assert r.valid, r.errors
    assert r.is_visa == fmt.startswith("MRV")


# One broken digit per field: (format, text, line, position of a digit inside the field, message).
BROKEN = [
    ("TD3 number", MRZ_VN, 1, 3, "Chữ số kiểm tra của số hộ chiếu sai."),
    ("TD3 birth", MRZ_VN, 1, 17, "Chữ số kiểm tra của ngày sinh sai."),
    ("TD3 expiry", MRZ_VN, 1, 25, "Chữ số kiểm tra của ngày hết hạn hộ chiếu sai."),
    ("TD3 optional", MRZ_VN, 1, 30, "Chữ số kiểm tra của dữ liệu tùy chọn (số cá nhân) sai."),
    ("TD1 number", TD1, 0, 8, "Chữ số kiểm tra của số giấy tờ sai."),
    ("TD1 birth", TD1, 1, 2, "Chữ số kiểm tra của ngày sinh sai."),
    ("TD1 expiry", TD1, 1, 11, "Chữ số kiểm tra của ngày hết hạn giấy tờ sai."),
    ("TD2 number", TD2, 1, 4, "Chữ số kiểm tra của số giấy tờ sai."),
    ("MRVA number", MRVA, 1, 3, "Chữ số kiểm tra của số thị thực sai."),
    ("MRVB birth", MRVB, 1, 15, "Chữ số kiểm tra của ngày sinh sai."),
]


@pytest.mark.parametrize(("case", "text", "line", "pos", "message"), BROKEN, ids=[b[0] for b in BROKEN])
def test_a_broken_digit_in_a_field_names_that_field(case, text, line, pos, message):
    # given a valid zone with one digit of a field changed
    broken = _bump(text, line, pos)
    # when
    r = parse_mrz(broken, today=date(1995, 1, 1) if text in (TD1, TD2, MRVA, MRVB) else TODAY)
    # then
    assert not r.valid
    assert message in r.errors


def test_a_broken_check_digit_itself_is_caught():
    r = parse_mrz(_bump(MRZ_VN, 1, 9), today=TODAY)
    assert "Chữ số kiểm tra của số hộ chiếu sai." in r.errors


def test_composite_alone_wrong_is_invalid_with_an_explanation():
    # given every field check right, the composite digit changed
    r = parse_mrz(_bump(MRZ_VN, 1, 43), today=TODAY)
    # then
    assert not r.valid
    assert len(r.errors) == 1 and r.errors[0].startswith("Chữ số kiểm tra tổng hợp sai (các chữ số kiểm tra khác đúng")


def test_td2_composite_is_checked():
    r = parse_mrz(_bump(TD2, 1, 35), today=date(1995, 1, 1))
    assert not r.valid and r.errors[0].startswith("Chữ số kiểm tra tổng hợp sai")


def test_letter_o_in_a_date_is_read_as_zero_before_checking():
    # given the OCR read the 0 of 900115 (birth) as the letter O
    misread = _set(MRZ_VN, 1, 14, "O")
    # when
    r = parse_mrz(misread, today=TODAY)
    # then the position only holds digits: corrected, valid, and said so
    assert r.valid, r.errors
    assert r.birth_date == date(1990, 1, 15)
    assert any("đọc nhầm" in w for w in r.warnings)


def test_digit_zero_in_the_nationality_is_read_as_letter_o():
    # given the nationality UTO read as "UT0" (zero for O): a position that only holds letters
    r = parse_mrz(_set(MRZ_ICAO, 1, 12, "0"), today=TODAY)
    assert r.nationality == "UTO"
    assert r.valid, r.errors


def test_o_and_zero_are_not_swapped_inside_the_document_number():
    # given the number's 0 read as O: the number may hold letters, so it stays, and the check fails
    r = parse_mrz(_set(MRZ_ICAO, 1, 5, "O"), today=TODAY)
    assert r.number == "L8989O2C3"
    assert "Chữ số kiểm tra của số hộ chiếu sai." in r.errors


def test_birth_century_follows_today():
    # 15/01/1990 is "900115": 2090 would be in the future, so 1990
    assert parse_mrz(MRZ_VN, today=TODAY).birth_date.year == 1990


def test_expiry_far_ahead_is_read_in_the_previous_century():
    r = parse_mrz(MRVA, today=date(1995, 1, 1))  # "961210": 2096 is > 30 years ahead of 1995
    assert r.expiry == date(1996, 12, 10)


def test_truncated_name_warns():
    # given a name that fills the 39 positions of line 1
    line1 = "P<UTO" + "WOLFESCHLEGELSTEINHAUSEN<<HUBERT<BLAINE"[:39]
    text = line1 + "\n" + MRZ_ICAO.split("\n")[1]
    r = parse_mrz(text, today=TODAY)
    assert any("bị cắt ngắn" in w for w in r.warnings)
    assert r.surname == "WOLFESCHLEGELSTEINHAUSEN"


def test_a_single_pasted_line_and_spaces_are_accepted():
    one_line = MRZ_VN.replace("\n", "")
    spaced = MRZ_VN.replace("<<", "< <", 1).lower()
    assert parse_mrz(one_line, today=TODAY).valid
    assert parse_mrz(spaced, today=TODAY).valid


@pytest.mark.parametrize(
    "text",
    [
        "",
        "P<VNMNGUYEN",
        MRZ_VN + "\nEXTRA",
        MRZ_VN.replace("P<VNM", "P<VN#"),
        "IDFRABERTHIER<<<<<<<<<<<<<<<<<<<<<<<\n8806923102858CORINNE<<<<<<<6512068F4",
    ],
    ids=["empty", "short", "three lines of 44", "bad character", "french card"],
)
def test_unreadable_zones_are_refused_with_a_message(text):
    with pytest.raises(LodgingError) as exc:
        parse_mrz(text, today=TODAY)
    assert exc.value.status == 400 and exc.value.field == "mrz"
    assert exc.value.message


def test_unknown_birth_date_parts_warn_instead_of_failing():
    # given a birth date with unknown day and month ("90<<<<"), its check digit computed over it
    line2 = MRZ_VN.split("\n")[1]
    birth = "90<<<<"
    body = line2[:13] + birth + check_digit(birth) + line2[20:43]
    composite = check_digit(body[0:10] + body[13:20] + body[21:43])
    r = parse_mrz(MRZ_VN.split("\n")[0] + "\n" + body + composite, today=TODAY)
    assert r.valid, r.errors
    assert r.birth_date is None
    assert "Vùng đọc máy không ghi đủ ngày sinh." in r.warnings


def test_sex_filler_means_unspecified():
    text = _set(MRZ_VN, 1, 20, "<")
    # the sex is not covered by a check digit
    r = parse_mrz(text, today=TODAY)
    assert r.sex == "X" and r.valid
