import pytest
from hypothesis import given
from hypothesis import strategies as st

from antt.core.money import format_vnd, money_in_words, number_in_words


@pytest.mark.parametrize(
    ("n", "words"),
    [
        (0, "không"),
        (5, "năm"),
        (10, "mười"),
        (11, "mười một"),
        (15, "mười lăm"),
        (21, "hai mươi mốt"),
        (24, "hai mươi tư"),
        (25, "hai mươi lăm"),
        (101, "một trăm linh một"),
        (110, "một trăm mười"),
        (115, "một trăm mười lăm"),
        (1_001, "một nghìn không trăm linh một"),
        (1_010, "một nghìn không trăm mười"),
        (2_024, "hai nghìn không trăm hai mươi tư"),
        (105_000, "một trăm linh năm nghìn"),
        (1_500_000, "một triệu năm trăm nghìn"),
        (1_000_005, "một triệu không trăm linh năm"),
        (2_025_000, "hai triệu không trăm hai mươi lăm nghìn"),
        (100_000_050, "một trăm triệu không trăm năm mươi"),
        (5_000_000_020, "năm tỷ không trăm hai mươi"),
        (26_850_000_000, "hai mươi sáu tỷ tám trăm năm mươi triệu"),
        (124_330_403_000, "một trăm hai mươi tư tỷ ba trăm ba mươi triệu bốn trăm linh ba nghìn"),
        (1_000_000_000_000, "một nghìn tỷ"),
        (10**15, "một triệu tỷ"),
        (-5, "âm năm"),
    ],
)
def test_numbers_read_in_formal_vietnamese(n, words):
    # the amounts num2words gets wrong (2,024; 10^15; -5) included
    assert number_in_words(n) == words


def test_money_in_words_is_capitalised_and_ends_in_dong():
    assert money_in_words(1_500_000) == "Một triệu năm trăm nghìn đồng"
    assert money_in_words(0) == "Không đồng"


@pytest.mark.parametrize(
    ("amount", "text"), [(0, "0 đ"), (500, "500 đ"), (1_500_000, "1.500.000 đ"), (-20_000, "-20.000 đ")]
)
def test_amounts_in_figures_use_dots_between_thousands(amount, text):
    assert format_vnd(amount) == text


@given(st.integers(min_value=1, max_value=10**18))
def test_every_positive_amount_has_words_without_gaps_or_doubles(n):
    words = number_in_words(n).split()
    assert words and "" not in words
    assert all(a != b for a, b in zip(words, words[1:], strict=False) if a not in ("tỷ",))
    # a reading never starts with a filler word
    assert words[0] not in ("không", "linh", "mươi", "trăm", "nghìn", "triệu", "tỷ")
