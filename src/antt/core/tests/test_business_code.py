"""The tax code of a business in the establishments registry: 10 digits, 10-3 for a dependent
unit, or the 12-digit personal ID of a household business (docs/legal/establishments.md §9)."""

import pytest

from antt.core.identifiers import IdentifierError, check_business_code


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("0100109106", "0100109106"),  # Viettel: check digit 6
        ("0301442379", "0301442379"),  # FPT
        (" 0100 109 106 ", "0100109106"),  # spaces typed
        ("0100.109.106", "0100109106"),  # dots typed
        ("2800567842", "2800567842"),  # synthetic Thanh Hóa code of the legal note (S mod 11 = 8 → 2)
        ("0100109106-001", "0100109106-001"),  # a branch
        ("0100109106001", "0100109106-001"),  # 13 bare digits get their dash back
        ("0100109106-999", "0100109106-999"),
        ("038190012345", "038190012345"),  # a household business: the owner's personal ID
        ("001 205 123456", "001205123456"),
    ],
)
def test_valid_codes_are_normalised(typed, stored):
    assert check_business_code(typed) == stored


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Vui lòng nhập mã số thuế"),
        ("   ", "Vui lòng nhập mã số thuế"),
        ("010010910", "10 chữ số"),  # 9 digits
        ("01001091061", "10 chữ số"),  # 11 digits
        ("01001091060011", "10 chữ số"),  # 14 digits
        ("0100109106-01", "10 chữ số"),  # branch part of 2 digits
        ("010010910A", "10 chữ số"),
        ("MST0100109106", "10 chữ số"),
        ("0100109107", "chữ số kiểm tra"),  # wrong check digit
        ("0100109107-001", "chữ số kiểm tra"),  # the branch form checks its first 10 digits too
        ("0100109106-000", "từ 001 đến 999"),
        ("0100109106000", "từ 001 đến 999"),
        ("003190012345", "hộ kinh doanh là số định danh cá nhân"),  # 003: no such birth province
        ("097190012345", "mã tỉnh"),
    ],
)
def test_invalid_codes_are_refused_in_vietnamese(typed, message):
    with pytest.raises(IdentifierError, match=message):
        check_business_code(typed)


def test_a_body_whose_remainder_is_zero_has_no_valid_code():
    # given nine digits whose weighted sum is a multiple of 11 (no check digit exists)
    from antt.core.identifiers import tax_check_digit

    body = next(f"28{n:07d}" for n in range(1000) if tax_check_digit(f"28{n:07d}") is None)
    # then no tenth digit makes it valid
    for digit in "0123456789":
        with pytest.raises(IdentifierError):
            check_business_code(body + digit)
