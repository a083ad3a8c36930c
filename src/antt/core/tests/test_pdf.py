"""The PDF kernel: text that extracts with poppler, a QR that decodes, only our fonts, same bytes twice.

poppler-utils (pdftotext, pdftoppm, pdffonts, pdfinfo) is a test-time tool installed in CI; a test
that needs it is skipped, with the reason, only where the binary is missing.
"""

import io
import re
import shutil
import subprocess
import unicodedata
from datetime import UTC, date, datetime, time

import pytest
import zxingcpp
from fontTools.ttLib import TTFont
from PIL import Image

from antt.core.pdf import (
    FONT_DIR,
    FONT_FILES,
    HINT_SIGN,
    Cell,
    OfficialDocument,
    long_date,
    place_and_date,
    qr_png,
    qr_svg,
    time_of_day,
)

DOC_DATE = date(2026, 3, 5)
QR_PAYLOAD = "https://dichvucong.example.gov.vn/tra-cuu?ma_ho_so=H38.01-260305-0001&ten=Đặng Thị Ngọc Hường"
BARCODE = "H38.01-260305-0001"
PARAGRAPH = (
    "Phòng Cảnh sát quản lý hành chính về trật tự xã hội tiếp nhận hồ sơ của bà Đặng Thị Ngọc Hường, "
    "nộp trực tiếp tại Trung tâm Phục vụ hành chính công tỉnh Thanh Hóa; ỹỷỳữựừửứ ẶẪẨẤẦ ƠƯơư."
)
ROWS = 30


def _nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", text))


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} (poppler-utils) is not installed here; CI installs it: apt-get install poppler-utils")
    return path


def _run(tool: str, *args: str, pdf: bytes) -> str:
    return subprocess.run(
        [_tool(tool), *args, "-", "-"] if tool == "pdftotext" else [_tool(tool), *args, "-"],
        input=pdf,
        capture_output=True,
        check=True,
    ).stdout.decode("utf-8")


def _pdf_text(pdf: bytes) -> str:
    return _run("pdftotext", "-layout", "-enc", "UTF-8", pdf=pdf)


def _render_page(pdf: bytes, page: int = 1, dpi: int = 150) -> Image.Image:
    png = subprocess.run(
        [_tool("pdftoppm"), "-r", str(dpi), "-png", "-f", str(page), "-l", str(page), "-"],
        input=pdf,
        capture_output=True,
        check=True,
    ).stdout
    return Image.open(io.BytesIO(png))


def build_sample(on: date = DOC_DATE) -> bytes:
    """A receipt-like document, every text fed in NFD (decomposed) form as some browsers send it."""
    doc = OfficialDocument(title_meta=_nfd("Giấy tiếp nhận hồ sơ và hẹn trả kết quả"))
    doc.national_header(
        _nfd("Công an tỉnh Thanh Hóa"), _nfd("Phòng Cảnh sát QLHC\nvề TTXH"), number="125/GTN", place="Thanh Hóa", on=on
    )
    doc.title(_nfd("Giấy tiếp nhận hồ sơ và hẹn trả kết quả"), _nfd("Mã hồ sơ: H38.01-260305-0001"))
    doc.paragraph(_nfd(PARAGRAPH))
    doc.labelled(_nfd("Họ và tên người nộp"), _nfd("Đặng Thị Ngọc Hường"), bold_value=True)
    doc.labelled(_nfd("Số điện thoại"), None)
    doc.labelled("Thời gian hẹn trả", f"{time_of_day(time(9, 30))}, {long_date(date(2026, 3, 19))}")
    top = doc.pdf.get_y()
    doc.qr(QR_PAYLOAD, x=doc.pdf.l_margin, y=top, size_mm=30)  # left; the barcode, centred, clears it
    doc.barcode_code39(BARCODE, y=top + 8)
    doc.space(10)
    doc.table(
        [[Cell("STT", rowspan=2), Cell(_nfd("Giấy tờ đã nhận"), colspan=2), Cell(_nfd("Lệ phí"), rowspan=2)],
         [_nfd("Tên giấy tờ"), _nfd("Hình thức")]],
        [
            [i, _nfd(f"Tờ khai đề nghị cấp giấy chứng nhận số {i:02d} của hộ kinh doanh Nguyễn Văn Ẩn"),
             _nfd("Bản chính"), f"{i * 150_000:,}".replace(",", ".") + " đ"]
            for i in range(1, ROWS + 1)
        ],
        widths=[12, 95, 28, 30],
    )  # fmt: skip
    doc.signature_blocks(
        [
            (_nfd("Người nộp hồ sơ"), HINT_SIGN, _nfd("Đặng Thị Ngọc Hường")),
            (_nfd("Người tiếp nhận"), HINT_SIGN, "Lê Văn An"),
        ]
    )
    doc.page_numbers()
    return doc.output()


@pytest.fixture(scope="module")
def sample() -> bytes:
    return build_sample()


@pytest.fixture(scope="module")
def sample_text(sample) -> str:
    return _pdf_text(sample)


# ---------------------------------------------------------------- dates and times
@pytest.mark.parametrize(
    ("d", "text"),
    [
        (date(2026, 3, 5), "ngày 05 tháng 3 năm 2026"),  # day below 10: leading zero; March: none
        (date(2026, 1, 1), "ngày 01 tháng 01 năm 2026"),  # months 1 and 2 take a zero
        (date(2026, 2, 28), "ngày 28 tháng 02 năm 2026"),
        (date(2026, 9, 9), "ngày 09 tháng 9 năm 2026"),
        (date(2026, 10, 10), "ngày 10 tháng 10 năm 2026"),
        (date(2026, 12, 31), "ngày 31 tháng 12 năm 2026"),
        (date(2026, 11, 3), "ngày 03 tháng 11 năm 2026"),
        # an aware datetime is read in Asia/Ho_Chi_Minh: 20:00 UTC on 28/02 is 03:00 on 01/03 there
        (datetime(2026, 2, 28, 20, 0, tzinfo=UTC), "ngày 01 tháng 3 năm 2026"),
    ],
)
def test_long_date_follows_decree_30_leading_zero_rules(d, text):
    assert long_date(d) == text


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (time(9, 30), "09 giờ 30 phút"),
        (time(14, 5), "14 giờ 05 phút"),
        (datetime(2026, 3, 5, 2, 30, tzinfo=UTC), "09 giờ 30 phút"),  # UTC+7
        (datetime(2026, 3, 5, 16, 0), "16 giờ 00 phút"),  # naive: already local
    ],
)
def test_time_of_day_is_local_hours_and_minutes(value, text):
    assert time_of_day(value) == text


def test_place_and_date_leaves_dotted_blanks_without_a_date():
    assert place_and_date("Thanh Hóa", DOC_DATE) == "Thanh Hóa, ngày 05 tháng 3 năm 2026"
    assert place_and_date("Thanh Hóa", None).startswith("Thanh Hóa, ngày .....")
    assert place_and_date(None, date(2026, 2, 1)) == "Ngày 01 tháng 02 năm 2026"


# ---------------------------------------------------------------- fonts
def test_bundled_fonts_cover_vietnamese_and_carry_their_licence():
    # given every precomposed Vietnamese letter and the stacked ones the brief names
    letters = {
        unicodedata.normalize("NFC", b + m)
        for b in "aăâeêioôơuưyAĂÂEÊIOÔƠUƯY"
        for m in ("", *"\u0300\u0301\u0303\u0309\u0323")
    }
    letters |= set("đĐạằẫệổữỹƠƯ")
    # when each bundled face is read
    for filename in FONT_FILES.values():
        font = TTFont(FONT_DIR / filename)
        cmap = font.getBestCmap()
        # then it is Liberation Serif 2.x and no letter is missing
        assert font["name"].getDebugName(1) == "Liberation Serif"
        assert font["name"].getDebugName(5).startswith("Version 2.")
        assert [c for c in sorted(letters) if ord(c) not in cmap] == []
    assert "SIL OPEN FONT LICENSE Version 1.1" in (FONT_DIR / "OFL.txt").read_text()


def test_only_the_bundled_liberation_serif_fonts_are_embedded(sample):
    # when pdffonts lists the fonts of the sample
    lines = _run("pdffonts", pdf=sample).splitlines()[2:]
    fonts = [(line.split()[0], line.split()[-5]) for line in lines if line.strip()]
    # then regular, bold and italic Liberation Serif are there, all embedded, and nothing else
    names = {re.sub(r"^[A-Z]{6}\+", "", name) for name, _ in fonts}
    assert names == {"LiberationSerif", "LiberationSerifBold", "LiberationSerifItalic"}
    assert all(embedded == "yes" for _, embedded in fonts)


# ---------------------------------------------------------------- text extraction
def test_every_vietnamese_line_extracts_in_nfc_from_nfd_input(sample_text):
    flat = _flat(sample_text)
    for line in [
        "CÔNG AN TỈNH THANH HÓA",
        "PHÒNG CẢNH SÁT QLHC",
        "VỀ TTXH",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "Số: 125/GTN",
        "Thanh Hóa, ngày 05 tháng 3 năm 2026",
        "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ",
        "Mã hồ sơ: H38.01-260305-0001",
        PARAGRAPH,
        "Họ và tên người nộp: Đặng Thị Ngọc Hường",
        "Số điện thoại: .....",
        "Thời gian hẹn trả: 09 giờ 30 phút, ngày 19 tháng 3 năm 2026",
        "NGƯỜI NỘP HỒ SƠ",
        "NGƯỜI TIẾP NHẬN",
        "(Ký, ghi rõ họ tên)",
        "Lê Văn An",
        BARCODE,
    ]:
        assert line in flat, line
    # the text came out composed without our help: no combining mark survives in the raw output
    assert not any(unicodedata.combining(ch) for ch in sample_text)


def test_table_spills_to_a_second_page_with_its_headings_repeated(sample_text):
    pages = [p for p in sample_text.split("\f") if p.strip()]
    assert len(pages) >= 2
    table_pages = [p for p in pages if "Tên giấy tờ" in p]
    assert len(table_pages) >= 2  # headings on every page the table reaches
    for p in table_pages:
        assert "Giấy tờ đã nhận" in p and "Lệ phí" in p
    body = _flat(sample_text)
    for i in (1, ROWS):
        assert f"Tờ khai đề nghị cấp giấy chứng nhận số {i:02d}" in body
    assert f"{ROWS * 150_000:,}".replace(",", ".") + " đ" in _flat(table_pages[-1])


def _words(pdf: bytes) -> list[tuple[float, float, str]]:
    """(xMin, xMax, text) of every word, from pdftotext's bounding-box output."""
    html = _run("pdftotext", "-bbox", pdf=pdf)
    return [
        (float(x0), float(x1), unicodedata.normalize("NFC", text))
        for x0, x1, text in re.findall(
            r'<word xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)" yMax="[\d.]+">([^<]*)</word>', html
        )
    ]


def test_numbers_are_right_aligned_and_serial_numbers_centred(sample):
    words = _words(sample)
    # the fee column is numeric: every "đ" ends at the same x, on every page
    fee_ends = {round(x1, 1) for _, x1, text in words if text == "đ"}
    assert len([1 for _, _, text in words if text == "đ"]) == ROWS
    assert len(fee_ends) == 1
    # the amounts themselves differ in width, so their starts do not line up
    amounts = [(x0, text) for x0, _, text in words if re.fullmatch(r"\d{1,3}(\.\d{3})+", text)]
    assert len({round(x0, 1) for x0, _ in amounts}) > 1
    # "STT" is centred: one-digit and two-digit serial numbers share their middle
    serials = [(x0 + x1) / 2 for x0, x1, text in words if text in {"1", "9", "10", "30"} and x0 < 120]
    assert len(serials) >= 4
    assert max(serials) - min(serials) < 0.5


def test_pages_are_numbered_in_the_footer_only_when_there_are_several(sample_text):
    pages = [p for p in sample_text.split("\f") if p.strip()]
    assert [f"Trang {n}/{len(pages)}" in p for n, p in enumerate(pages, 1)] == [True] * len(pages)
    # given a one-page document
    doc = OfficialDocument(on=DOC_DATE)
    doc.title("Phiếu kiểm soát quá trình giải quyết hồ sơ")
    doc.page_numbers()
    # then it carries no page number
    assert "Trang" not in _pdf_text(doc.output())


def test_decree_30_page_numbers_skip_the_first_page():
    doc = OfficialDocument(on=DOC_DATE)
    for n in range(60):
        doc.paragraph(f"Đoạn văn số {n} của quyết định xử phạt vi phạm hành chính.")
    doc.page_numbers(style="header")
    pages = [p for p in _pdf_text(doc.output()).split("\f") if p.strip()]
    assert len(pages) >= 2
    assert pages[0].strip().splitlines()[0].strip() != "1"
    for n, page in enumerate(pages[1:], 2):
        assert page.strip().splitlines()[0].strip() == str(n)


# ---------------------------------------------------------------- QR and barcode
def test_qr_on_page_one_decodes_to_the_exact_payload(sample):
    image = _render_page(sample, 1, dpi=150)
    found = {r.format.name: r.text for r in zxingcpp.read_barcodes(image)}
    assert found.get("QRCode") == QR_PAYLOAD
    assert found.get("Code39") == BARCODE


def test_qr_helpers_for_web_pages_decode_and_use_level_m():
    image = Image.open(io.BytesIO(qr_png(QR_PAYLOAD)))
    assert [r.text for r in zxingcpp.read_barcodes(image)] == [QR_PAYLOAD]
    nfd = Image.open(io.BytesIO(qr_png(_nfd("Đặng Thị Ngọc Hường"))))
    assert [r.text for r in zxingcpp.read_barcodes(nfd)] == ["Đặng Thị Ngọc Hường"]
    svg = qr_svg(QR_PAYLOAD)
    assert svg.startswith("<svg") and "<?xml" not in svg
    assert [r.ec_level for r in zxingcpp.read_barcodes(image)] == ["M"]


def test_code39_refuses_letters_it_cannot_encode():
    doc = OfficialDocument()
    with pytest.raises(ValueError, match="Code 39"):
        doc.barcode_code39("HỒ SƠ")


# ---------------------------------------------------------------- determinism, pages, errors
def test_same_input_gives_the_same_bytes(sample):
    assert build_sample() == sample
    # and the date is part of the input: another date changes the document
    assert build_sample(on=date(2026, 3, 6)) != sample


def test_metadata_carries_the_document_date_and_an_nfc_title(sample):
    info = _run("pdfinfo", "-isodates", pdf=sample)
    assert re.search(r"^CreationDate:\s+2026-03-05T00:00:00\+07$", info, re.M), info
    assert re.search(r"^Title:\s+Giấy tiếp nhận hồ sơ và hẹn trả kết quả$", unicodedata.normalize("NFC", info), re.M)
    assert "Giấy tiếp nhận" in info  # composed already in the file, not only after normalising


def test_landscape_pages_for_wide_registers():
    # given a register with a two-level heading, 252 mm wide
    doc = OfficialDocument("L", title_meta="Sổ theo dõi hồ sơ", on=DOC_DATE)
    assert round(doc.width) == 252
    doc.title("Sổ theo dõi hồ sơ")
    doc.table(
        [[Cell("STT", rowspan=2), Cell("Mã hồ sơ", rowspan=2), Cell("Người nộp", colspan=2), Cell("Ngày hẹn trả", rowspan=2)],
         ["Họ và tên", "Địa chỉ"]],
        [[1, "H38.01-260305-0001", "Đặng Thị Ngọc Hường", "Phường Hạc Thành, tỉnh Thanh Hóa", "19/03/2026"]],
        widths=[15, 50, 60, 87, 40],
    )  # fmt: skip
    pdf = doc.output()
    # then the page is A4 landscape and the spanned headings are there
    assert re.search(r"Page size:\s+841\.8\d x 595\.2\d pts", _run("pdfinfo", pdf=pdf))
    text = _flat(_pdf_text(pdf))
    assert "Người nộp" in text and "Họ và tên" in text and "Phường Hạc Thành, tỉnh Thanh Hóa" in text


def test_table_wider_than_the_text_area_is_refused():
    doc = OfficialDocument()
    with pytest.raises(ValueError, match="exceed"):
        doc.table(["A", "B"], [["1", "2"]], widths=[100, 100])


def test_a_document_is_closed_after_output():
    doc = OfficialDocument(on=DOC_DATE)
    doc.paragraph("Nội dung.")
    first = doc.output()
    assert doc.output() == first
    with pytest.raises(RuntimeError):
        doc.paragraph("Thêm nữa.")
