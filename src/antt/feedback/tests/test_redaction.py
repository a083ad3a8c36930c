"""The redaction helper: what is masked, what is left alone, what find_personal_data reports."""

import pytest

from antt.feedback.redaction import MASK, describe, find_personal_data, propose_public

NAME = "Đặng Thị Ngọc Hường"

MASKED = [
    # (text, names, expected)
    ("Gọi 0912345678 giúp tôi", [], f"Gọi {MASK} giúp tôi"),
    ("Gọi 0912 345 678 giúp tôi", [], f"Gọi {MASK} giúp tôi"),
    ("Gọi 0912.345.678.", [], f"Gọi {MASK}."),
    ("Số +84 912 345 678", [], f"Số {MASK}"),
    ("Số 84912345678", [], f"Số {MASK}"),
    ("Máy bàn 0237 3852 123", [], f"Máy bàn {MASK}"),
    ("CCCD 038190000123 cấp năm 2021", [], f"CCCD {MASK} cấp năm 2021"),
    ("CMND 172345678", [], f"CMND {MASK}"),
    ("Thư huong.dang@example.vn nhé", [], f"Thư {MASK} nhé"),
    ("Xe 36A-123.45 bị giữ", [], f"Xe {MASK} bị giữ"),
    ("Xe 36A12345 bị giữ", [], f"Xe {MASK} bị giữ"),
    ("Xe máy 36-B1 123.45", [], f"Xe máy {MASK}"),
    ("Xe máy 36B1-12345", [], f"Xe máy {MASK}"),
    ("Xe điện 29MĐ1-123.45", [], f"Xe điện {MASK}"),
    ("Hồ sơ H56.14-260504-0001 chưa xong", [], f"Hồ sơ {MASK} chưa xong"),
    ("Hồ sơ 000.00.00.H56-260504-0012", [], f"Hồ sơ {MASK}"),
    ("Mã PAKN-260504-0003", [], f"Mã {MASK}"),
    (f"Tôi là {NAME}.", [NAME], f"Tôi là {MASK}."),
    ("Tôi là đặng thị ngọc hường.", [NAME], f"Tôi là {MASK}."),
    ("Toi la Dang Thi Ngoc Huong.", [NAME], f"Toi la {MASK}."),
    ("Toi la DANG  THI NGOC   HUONG!", [NAME], f"Toi la {MASK}!"),
    ("Gửi chị Ngọc Hường", [NAME], f"Gửi chị {MASK}"),
    ("Công ty TNHH Sông Mã phản ánh", ["Nguyễn Văn A", "Công ty TNHH Sông Mã"], f"{MASK} phản ánh"),
    (
        f"{NAME}, 0912345678, huong@example.vn, 36A-123.45",
        [NAME],
        f"{MASK}, {MASK}, {MASK}, {MASK}",
    ),
]

LEFT_ALONE = [
    # (text, names): nothing personal, nothing changed
    ("Ngày 04/05/2026 tôi nộp hồ sơ, sau 10 ngày chưa có kết quả.", [NAME]),
    ("Lệ phí 1.500.000 đồng là quá cao.", []),
    ("Năm 2025 có 34 tỉnh, thành phố.", []),
    ("Nghị định 118/2025/NĐ-CP quy định thời hạn.", []),
    ("Hường dẫn không rõ ràng", [NAME]),  # a single given name is too common to mask
    ("Ngọc ngà, hường phấn", [NAME]),  # the two words, not side by side
    ("Cán bộ Hoàng Văn Đạo tiếp nhận", [NAME]),  # another person (the officer) is not the sender
    (f"Đã {MASK} thông tin", [NAME]),
]


@pytest.mark.parametrize(("text", "names", "expected"), MASKED)
def test_propose_public_masks(text, names, expected):
    assert propose_public(text, names) == expected


@pytest.mark.parametrize(("text", "names", "expected"), MASKED)
def test_nothing_left_after_the_proposal(text, names, expected):
    assert find_personal_data(text, names)  # found before
    assert find_personal_data(propose_public(text, names), names) == []


@pytest.mark.parametrize(("text", "names"), LEFT_ALONE)
def test_plain_text_is_left_alone(text, names):
    assert find_personal_data(text, names) == []
    assert propose_public(text, names) == text


@pytest.mark.parametrize(
    ("text", "kinds"),
    [
        ("0912345678", ["phone"]),
        ("038190000123", ["id_number"]),
        ("a@b.vn", ["email"]),
        ("36A-123.45", ["plate"]),
        ("H56.14-260504-0001", ["code"]),
        (f"{NAME} 0912345678", ["name", "phone"]),
    ],
)
def test_findings_say_what_kind(text, kinds):
    assert [f.kind for f in find_personal_data(text, [NAME])] == kinds


def test_describe_lists_each_kind_once():
    found = find_personal_data("0912345678 hoặc 0987654321, a@b.vn", [])
    assert describe(found) == "số điện thoại, thư điện tử"


def test_empty_input():
    assert propose_public("", [NAME]) == ""
    assert propose_public(None, [NAME]) == ""
    assert find_personal_data("", ["", None]) == []
