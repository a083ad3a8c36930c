"""Vietnamese plates and tax codes (core.identifiers.parse_plate / check_tax_code)."""

import pytest

from antt.core.identifiers import IdentifierError, check_tax_code, parse_plate, tax_check_digit


@pytest.mark.parametrize(
    ("typed", "normalised", "display", "kind"),
    [
        ("36A-123.45", "36A12345", "36A-123.45", "car"),
        ("36a 123 45", "36A12345", "36A-123.45", "car"),
        ("36A-1234", "36A1234", "36A-1234", "car"),
        ("51LD-123.45", "51LD12345", "51LD-123.45", "car"),
        ("36-B1 123.45", "36B112345", "36-B1 123.45", "motorbike"),
        ("36-B1 1234", "36B11234", "36-B1 1234", "motorbike"),
        ("36-AA 123.45", "36AA12345", "36-AA 123.45", "motorbike"),
        ("36-MĐ1 123.45", "36MD112345", "36-MĐ1 123.45", "motorbike"),
        ("36MD112345", "36MD112345", "36-MĐ1 123.45", "motorbike"),
        ("80-NG-123-45", "80NG12345", "80-NG-123-45", "foreign"),
    ],
)
def test_a_well_formed_plate_is_normalised_and_displayed_as_printed(typed, normalised, display, kind):
    # when
    plate = parse_plate(typed)
    # then
    assert (plate.normalised, plate.display, plate.kind) == (normalised, display, kind)


def test_the_normalised_form_parses_back_to_the_same_plate():
    for typed in ["36A-123.45", "36-B1 123.45", "36-MĐ1 123.45", "51LD-123.45"]:
        plate = parse_plate(typed)
        assert parse_plate(plate.normalised).normalised == plate.normalised


def test_without_separators_the_vehicle_kind_settles_an_ambiguous_plate():
    # given "36B11234": car 36B-112.34 or motorbike 36-B1 1234
    # then the hint decides, and without one a single-letter series is a car
    assert parse_plate("36B11234", vehicle_kind="motorbike").display == "36-B1 1234"
    assert parse_plate("36B11234").display == "36B-112.34"


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Vui lòng nhập biển số"),
        ("10A-123.45", "Mã địa phương 10"),
        ("AB-123.45", "2 chữ số mã địa phương"),
        ("36A-12", "không đúng định dạng"),
        ("36A-1234567", "không đúng định dạng"),
        ("36-B1 12;45", "không đúng định dạng"),
        ("36A-123.45.67.89.10", "quá dài"),
    ],
)
def test_a_malformed_plate_is_refused_with_a_vietnamese_message(typed, message):
    with pytest.raises(IdentifierError, match=message):
        parse_plate(typed)


@pytest.mark.parametrize("code", ["0100109106", "0301442379", "2800123452", "0100109106-001", "0100109106001"])
def test_a_tax_code_with_its_check_digit_is_accepted(code):
    assert check_tax_code(code).replace("-", "") == code.replace("-", "")


def test_a_branch_tax_code_is_written_with_its_dash():
    assert check_tax_code("0100109106 001") == "0100109106-001"


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("0100109107", "sai chữ số kiểm tra"),
        ("010010910", "10 chữ số"),
        ("01001091061", "10 chữ số"),
        ("0100109106-000", "từ 001 đến 999"),
        ("abcdefghij", "10 chữ số"),
    ],
)
def test_a_wrong_tax_code_is_refused(code, message):
    with pytest.raises(IdentifierError, match=message):
        check_tax_code(code)


def test_nine_digits_whose_weighted_sum_divides_by_eleven_have_no_check_digit():
    # 280000001: 2*31 + 8*29 + 1*3 = 297 = 27 * 11
    assert tax_check_digit("280000001") is None
    assert tax_check_digit("010010910") == 6
