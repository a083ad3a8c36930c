import pytest

from antt.core.text import fold


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Cấp hộ chiếu phổ thông", "cap ho chieu pho thong"),
        ("Đăng ký xe", "dang ky xe"),
        ("ĐẶNG THỊ NGỌC HƯỜNG", "dang thi ngoc huong"),
        ("Thanh Hoá", "thanh hoa"),
        ("  nhiều   khoảng  trắng ", "nhieu khoang trang"),
        ("", ""),
        (None, ""),
    ],
)
def test_fold_removes_diacritics_and_folds_d(text, folded):
    # given a Vietnamese string / when folded / then it has no marks and đ became d
    assert fold(text) == folded


def test_fold_treats_decomposed_input_like_composed():
    import unicodedata

    composed = "Đặng Thị Ngọc Hường"
    assert fold(unicodedata.normalize("NFD", composed)) == fold(composed)
