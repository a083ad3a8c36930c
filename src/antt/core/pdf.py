"""PDF kernel for official forms: a small layout API over fpdf2, laid out per Nghị định 30/2020/NĐ-CP.

Forms (receipt, supplement request, refusal, apology, control slip, registers, penalty decisions) are
written on top of `OfficialDocument`; they say *what* goes on the page, this module says *how* an
administrative document looks. Conventions applied, from Phụ lục I "Thể thức, kỹ thuật trình bày văn
bản hành chính" of Nghị định 30/2020/NĐ-CP (Chính phủ, 05/3/2020, on clerical work):

- Part I.I.1-3: A4 (210 x 297 mm), portrait; landscape allowed when the document carries wide tables
  (our registers). Margins: top and bottom 20-25 mm, left 30-35 mm, right 15-20 mm (we use 20/20/30/15).
- Part I.I.4: font Times New Roman, Unicode (TCVN 6909:2001), black. We embed Liberation Serif 2.1.5,
  which has Times New Roman's metrics and every Vietnamese letter (Liberation 1.x does not), so a form
  lays out as in Word and needs no system font (see `fonts/OFL.txt`).
- Part I.I.7: page numbers in Arabic digits, 13-14 pt, upright, centred in the top margin, none on the
  first page: `page_numbers(style="header")`. Forms and registers may use `style="footer"` ("Trang 2/3").
- Part I.II.1 (Quốc hiệu và Tiêu ngữ): "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" upper case 12-13 pt
  upright bold, top right of the first page; "Độc lập - Tự do - Hạnh phúc" lower case 13-14 pt upright
  bold, centred under it, hyphens with spaces between the phrases, a solid rule under it as long as
  the line. (Quốc hiệu 12 pt goes with Tiêu ngữ 13 pt.)
- Part I.II.2 (Tên cơ quan ban hành): the parent body upper case 12-13 pt upright; the issuing body
  upper case 12-13 pt upright bold, under it a solid rule 1/3 to 1/2 of the line, centred.
- Part I.II.3 (Số, ký hiệu): "Số:" lower case 13 pt upright, centred under the issuing body's name;
  numbers below 10 get a leading zero (that is the caller's number format).
- Part I.II.4 (Địa danh và thời gian): lower case 13-14 pt italic, on the line of "Số", centred under
  the Tiêu ngữ; the date written in full, Arabic digits, a leading 0 on days below 10 and on months 1
  and 2 ("ngày 05 tháng 3 năm 2026", "ngày 28 tháng 02 năm 2026"): `long_date`.
- Part I.II.5 (Tên loại và trích yếu): the document type upper case 13-14 pt upright bold, centred;
  the summary lower case 13-14 pt upright bold under it, with a solid rule of 1/3-1/2 its length.
- Part I.II.6 (Nội dung): 13-14 pt, justified, first line indented 1 cm or 1.27 cm, at least 6 pt
  between paragraphs, single to 1.5 line spacing.
- Part I.II.7 (Chức vụ, họ tên người ký): title upper case 13-14 pt upright bold; the name lower case
  13-14 pt upright bold, centred under the title, room for the signature between.

Text goes in as any Unicode form and is normalised to NFC, so decomposed input (NFD, as macOS and
some browsers send) prints and extracts as the same letters. Output is deterministic: the PDF's
creation date is the document's date (midnight in Asia/Ho_Chi_Minh), so the same input gives the
same bytes.

Usage::

    doc = OfficialDocument(title_meta="Giấy tiếp nhận hồ sơ", on=date(2026, 3, 5))
    doc.national_header("Công an tỉnh Thanh Hóa", "Phòng Cảnh sát QLHC về TTXH", number="125/GTN",
                        place="Thanh Hóa", on=date(2026, 3, 5))
    doc.title("Giấy tiếp nhận hồ sơ và hẹn trả kết quả")
    doc.labelled("Họ và tên người nộp", "Đặng Thị Ngọc Hường")
    doc.table(["STT", "Tên giấy tờ", "Số lượng"], [[1, "Tờ khai", 1]], widths=[15, 120, 30])
    doc.signature_blocks([("Người nộp hồ sơ", HINT_SIGN, "Đặng Thị Ngọc Hường"),
                          ("Người tiếp nhận", HINT_SIGN, "Lê Văn An")])
    doc.qr("https://dichvucong.example.vn/tra-cuu?ma=H38.01-260305-0001", size_mm=25)
    doc.page_numbers()
    pdf_bytes = doc.output()
"""

from __future__ import annotations

import io
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

import segno
from fpdf import FPDF
from fpdf.enums import Align, TableCellFillMode, VAlign
from fpdf.fonts import FontFace
from fpdf.table import Row

FONT_DIR = Path(__file__).with_name("fonts")
FONT_FAMILY = "LiberationSerif"
FONT_FILES = {
    "": "LiberationSerif-Regular.ttf",
    "B": "LiberationSerif-Bold.ttf",
    "I": "LiberationSerif-Italic.ttf",
    "BI": "LiberationSerif-BoldItalic.ttf",
}
LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")

# Phụ lục I, Part I.I.3 (mm); the low end of each range leaves the most room for form content.
MARGIN_TOP = 20.0
MARGIN_BOTTOM = 20.0
MARGIN_LEFT = 30.0
MARGIN_RIGHT = 15.0

NATIONAL_NAME = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
NATIONAL_MOTTO = "Độc lập - Tự do - Hạnh phúc"
HINT_SIGN = "(Ký, ghi rõ họ tên)"
HINT_SIGN_SEAL = "(Ký, đóng dấu, ghi rõ họ tên)"

_PT = 25.4 / 72  # one typographic point in mm
_LINE = 1.2  # line height as a multiple of the font size ("single" spacing)
_NUMERIC = re.compile(r"^[+-]?\d[\d.,\s]*(?:\s?(?:đ|%))?$")
_SERIAL_HEADINGS = frozenset({"STT", "TT", "SỐ TT"})
_CODE39_CHARS = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-. $/+%")
# Creation date written when a document has no date at all: fixed, so output stays deterministic.
_NO_DATE = datetime(1970, 1, 1, tzinfo=UTC)


def nfc(text: object) -> str:
    """`str(text)` in Unicode NFC ("" for None): the one form fonts, pdftotext and search agree on."""
    if text is None:
        return ""
    return unicodedata.normalize("NFC", str(text))


def long_date(d: date | datetime) -> str:
    """The date as documents write it, "ngày 05 tháng 3 năm 2026" (Phụ lục I, Part I.II.4.b).

    Days below 10 and the months 1 and 2 take a leading zero, other months do not (a "1" or "2"
    written in front of them could otherwise turn them into another date). Aware datetimes are
    read in Asia/Ho_Chi_Minh.
    """
    if isinstance(d, datetime):
        d = _local(d).date()
    month = f"{d.month:02d}" if d.month <= 2 else str(d.month)
    return f"ngày {d.day:02d} tháng {month} năm {d.year}"


def time_of_day(dt: datetime | time) -> str:
    """The time as "09 giờ 30 phút" in Asia/Ho_Chi_Minh (naive values are already local, as in calendar.py)."""
    if isinstance(dt, datetime):
        dt = _local(dt).time()
    return f"{dt.hour:02d} giờ {dt.minute:02d} phút"


def place_and_date(place: str | None, on: date | datetime | None) -> str:
    """The line "Thanh Hóa, ngày 05 tháng 3 năm 2026"; dotted blanks for a date written by hand."""
    when = long_date(on) if on is not None else "ngày ..... tháng ..... năm ........"
    return f"{nfc(place)}, {when}" if place else when[0].upper() + when[1:]


def _local(dt: datetime) -> datetime:
    return dt.astimezone(LOCAL_TZ) if dt.tzinfo else dt


def _qr_code(data: str) -> segno.QRCode:
    # Error correction M, not silently raised (boost_error=False): a fixed level gives a fixed size.
    return segno.make_qr(nfc(data), error="m", boost_error=False)


def qr_png(data: str, *, scale: int = 8, border: int = 4) -> bytes:
    """A QR code (level M) as PNG bytes, e.g. for a web page or an e-mail."""
    buf = io.BytesIO()
    _qr_code(data).save(buf, kind="png", scale=scale, border=border)
    return buf.getvalue()


def qr_svg(data: str, *, scale: int = 4, border: int = 4) -> str:
    """A QR code (level M) as an inline `<svg>` element (no XML declaration), for templates."""
    buf = io.BytesIO()
    _qr_code(data).save(buf, kind="svg", scale=scale, border=border, xmldecl=False, svgns=True, nl=False)
    return buf.getvalue().decode("utf-8")


@dataclass(frozen=True)
class Cell:
    """A table cell that spans columns or rows, or has its own alignment.

    Plain strings and numbers are cells too; use `Cell` for the register's two-level headings, e.g.
    `[Cell("STT", rowspan=2), Cell("Người nộp", colspan=2)], ["Họ tên", "Địa chỉ"]`.
    """

    text: object = ""
    colspan: int = 1
    rowspan: int = 1
    align: Literal["L", "C", "R", "J"] | None = None
    bold: bool = False


class _FPDF(FPDF):
    """fpdf2 with our fonts and margins; `OfficialDocument` drives it."""

    def __init__(self, orientation: str) -> None:
        super().__init__(orientation=orientation, unit="mm", format="A4")
        for style, filename in FONT_FILES.items():
            self.add_font(FONT_FAMILY, style, str(FONT_DIR / filename))
        self.set_margins(MARGIN_LEFT, MARGIN_TOP, MARGIN_RIGHT)
        self.set_auto_page_break(auto=True, margin=MARGIN_BOTTOM)
        self.c_margin = 0  # our own columns handle their padding; fpdf2's default is 1 mm


class OfficialDocument:
    """One official document (A4, Nghị định 30/2020 layout) built top to bottom, then `output()`.

    Each method writes at the current position and moves it down, breaking pages as needed. The
    underlying `fpdf.FPDF` is `self.pdf`, for the rare element this API does not cover (use the
    family `FONT_FAMILY`; text must go through `nfc`).

    `orientation`: "P" (portrait) or "L" (landscape, for wide registers). `title_meta`: the PDF's
    title metadata. `on`: the document's date, used as the PDF creation date (`national_header`
    sets it when given there). `size`: the body font size, 13 or 14 pt.
    """

    def __init__(
        self,
        orientation: Literal["P", "L"] = "P",
        title_meta: str = "",
        *,
        on: date | datetime | None = None,
        size: float = 13,
        author: str = "",
    ) -> None:
        if orientation not in ("P", "L"):
            raise ValueError("orientation must be 'P' or 'L'")
        self.size = size
        self.on = on
        self.pdf = _FPDF(orientation)
        self.pdf.set_lang("vi")
        self.pdf.set_creator("ANTT")
        if title_meta:
            self.pdf.set_title(nfc(title_meta))
        if author:
            self.pdf.set_author(nfc(author))
        self._page_numbers: Literal["footer", "header"] | None = None
        self._output: bytes | None = None
        self.pdf.add_page()
        self._font()

    # ----------------------------------------------------------------- helpers
    @property
    def width(self) -> float:
        """Width between the margins, in mm (165 portrait, 252 landscape)."""
        return self.pdf.epw

    def _font(self, style: str = "", size: float | None = None) -> None:
        self.pdf.set_font(FONT_FAMILY, style, size or self.size)

    def _lh(self, size: float | None = None) -> float:
        return (size or self.size) * _PT * _LINE

    def _centered(self, text: str, x: float, w: float, style: str = "", size: float | None = None) -> float:
        """Centred, wrapping text in the column [x, x+w] at the current y; returns the widest line."""
        self._font(style, size)
        lines = self.pdf.multi_cell(w, self._lh(size), text, align="C", dry_run=True, output="LINES")
        self.pdf.set_x(x)
        self.pdf.multi_cell(w, self._lh(size), text, align="C", new_x="LEFT", new_y="NEXT")
        return max((self.pdf.get_string_width(line) for line in lines), default=0.0)

    def _rule(self, x_center: float, length: float, y: float) -> None:
        self.pdf.set_line_width(0.3)
        self.pdf.line(x_center - length / 2, y, x_center + length / 2, y)

    def _check_open(self) -> None:
        if self._output is not None:
            raise RuntimeError("document already output; build a new OfficialDocument")

    def space(self, mm: float = 3) -> None:
        """Vertical space (does not carry over to a new page)."""
        self._check_open()
        if self.pdf.get_y() + mm < self.pdf.h - self.pdf.b_margin:
            self.pdf.ln(mm)
        else:
            self.pdf.add_page()

    def ensure_space(self, mm: float) -> None:
        """Start a new page unless `mm` of height is left on this one (keeps blocks together)."""
        self._check_open()
        if self.pdf.get_y() + mm > self.pdf.h - self.pdf.b_margin:
            self.pdf.add_page()

    def add_page(self) -> None:
        self._check_open()
        self.pdf.add_page()

    # ----------------------------------------------------------------- header
    def national_header(
        self,
        parent: str | None,
        unit: str,
        number: str | None = None,
        place: str | None = None,
        on: date | datetime | None = None,
    ) -> None:
        """The two-column header (Phụ lục I, Part I.II.1-4 and Part I.IV, boxes 1-4).

        Left: `parent` (upper case, regular; may be None), `unit` (upper case, bold) and a short
        rule; then "Số: {number}" (omitted when `number` is None). Right: the national name and
        motto with a rule as long as the motto; then "{place}, ngày .. tháng .. năm .." in italic
        (omitted when both `place` and `on` are None). Long names wrap inside their column;
        a "\\n" in `parent` or `unit` chooses where (as offices write "PHÒNG CẢNH SÁT QLHC\\nVỀ TTXH").
        """
        self._check_open()
        pdf = self.pdf
        if on is not None and self.on is None:
            self.on = on
        self._font("B", 12)
        right_w = max(pdf.get_string_width(NATIONAL_NAME) + 4, self.width * 0.56)
        left_w = self.width - right_w
        left_x, right_x = pdf.l_margin, pdf.l_margin + left_w
        top = pdf.get_y()

        if parent:
            self._centered(nfc(parent).upper(), left_x, left_w, "", 13)
        widest = self._centered(nfc(unit).upper(), left_x, left_w, "B", 13)
        rule_y = pdf.get_y() + 1
        self._rule(left_x + left_w / 2, widest * 0.4, rule_y)  # 1/3 to 1/2 of the line
        left_end = rule_y

        pdf.set_y(top)
        self._centered(NATIONAL_NAME, right_x, right_w, "B", 12)
        motto_w = self._centered(NATIONAL_MOTTO, right_x, right_w, "B", 13)
        rule_y = pdf.get_y() + 0.8
        self._rule(right_x + right_w / 2, motto_w, rule_y)
        right_end = rule_y

        y = max(left_end, right_end) + 3
        bottom = y
        if number is not None:
            pdf.set_y(y)
            self._centered(f"Số: {nfc(number)}", left_x, left_w, "", 13)
            bottom = max(bottom, pdf.get_y())
        if place or on is not None:
            pdf.set_y(y)
            self._centered(place_and_date(place, on), right_x, right_w, "I", self.size)
            bottom = max(bottom, pdf.get_y())
        pdf.set_xy(pdf.l_margin, bottom + 4)

    # ----------------------------------------------------------------- text
    def title(self, text: str, subtitle: str | None = None) -> None:
        """Document type (upper case, bold, 14 pt) and optional summary (bold) with a short rule."""
        self._check_open()
        pdf = self.pdf
        self.ensure_space(self._lh(14) * 3)
        pdf.ln(2)
        self._centered(nfc(text).upper(), pdf.l_margin, self.width, "B", 14)
        if subtitle:
            widest = self._centered(nfc(subtitle), pdf.l_margin, self.width, "B", self.size)
            rule_y = pdf.get_y() + 1.2
            self._rule(pdf.l_margin + self.width / 2, widest * 0.4, rule_y)
            pdf.set_y(rule_y)
        pdf.set_x(pdf.l_margin)
        pdf.ln(4)

    def paragraph(
        self,
        text: str,
        bold: bool = False,
        italic: bool = False,
        indent: float = 10,
        *,
        align: Literal["J", "L", "C", "R"] = "J",
        size: float | None = None,
        after: float = 6 * _PT,
    ) -> None:
        """Body text: justified, first line indented `indent` mm (1 cm), 6 pt after (Part I.II.6)."""
        self._check_open()
        style = ("B" if bold else "") + ("I" if italic else "")
        self._font(style, size)
        pdf = self.pdf
        pdf.set_x(pdf.l_margin)
        columns = pdf.text_columns(text_align=Align.coerce(align), line_height=_LINE)
        with columns, columns.paragraph(first_line_indent=indent, bottom_margin=after) as par:
            par.write(nfc(text))
        pdf.set_x(pdf.l_margin)

    def labelled(
        self,
        label: str,
        value: object = None,
        *,
        bold_value: bool = False,
        indent: float = 0,
        size: float | None = None,
    ) -> None:
        """A "Label: value" line that wraps as long as the value needs; an empty value (None, "")
        becomes a dotted blank to the end of the line, to be filled in by hand."""
        self._check_open()
        pdf = self.pdf
        h = self._lh(size)
        self._font("", size)
        pdf.set_x(pdf.l_margin + indent)
        pdf.write(h, f"{nfc(label)}: ")
        text = nfc(value).strip()
        if text:
            self._font("B" if bold_value else "", size)
            pdf.write(h, text)
        else:
            room = pdf.w - pdf.r_margin - pdf.get_x()
            dots = int(room / pdf.get_string_width(".")) - 1
            if dots < 10:  # too little room left on this line: a whole dotted line under it
                pdf.ln(h)
                dots = int(self.width / pdf.get_string_width(".")) - 1
            pdf.write(h, "." * dots)
        pdf.ln(h)
        pdf.ln(1)

    # ----------------------------------------------------------------- tables
    def table(
        self,
        headers: Sequence[object] | Sequence[Sequence[object]],
        rows: Sequence[Sequence[object]],
        widths: Sequence[float],
        header_rows: int | None = None,
        *,
        align: Sequence[Literal["L", "C", "R", "J"]] | None = None,
        size: float | None = None,
    ) -> None:
        """A bordered table whose heading rows repeat on every page it spills onto.

        `headers`: one row (a list of str/`Cell`) or several rows (a list of such lists) for
        multi-level headings; `header_rows` defaults to their count. `widths`: column widths in mm,
        at most `self.width` in total (the table is centred). Cells wrap by word. Columns whose body
        cells are all numbers ("1.500.000 đ", "12", "3,5%") are right-aligned, an "STT" column is
        centred, others are left-aligned, unless `align` gives one of "L", "C", "R", "J" per column. `size` defaults to one point below the body.
        """
        self._check_open()
        nested = bool(headers) and all(isinstance(h, list | tuple) for h in headers)
        head_rows = [list(r) for r in headers] if nested else [list(headers)]  # type: ignore[arg-type]
        head_rows = [r for r in head_rows if r]
        ncols = len(widths)
        if sum(widths) > self.width + 0.01:
            raise ValueError(f"table widths {sum(widths):.1f} mm exceed the text width {self.width:.1f} mm")
        if align is None:
            align = [self._column_align(rows, i) for i in range(ncols)]
            for i, heading in self._first_heading_columns(head_rows):
                if nfc(heading).strip().upper() in _SERIAL_HEADINGS:
                    align[i] = "C"  # "STT" (serial number) columns are centred by custom
        if len(align) != ncols:
            raise ValueError("align needs one entry per column")
        size = size or self.size - 1
        pdf = self.pdf
        pdf.ln(1)
        total = min(sum(widths), self.width)  # fpdf2 refuses a table a rounding error too wide
        self._font("", size)
        pdf.set_x(pdf.l_margin + (self.width - total) / 2)  # centred between the margins
        with pdf.table(
            width=total,
            col_widths=tuple(widths),
            align="LEFT",
            text_align=tuple(align),
            v_align=VAlign.M,
            line_height=self._lh(size),
            padding=(0.8, 1.2),
            num_heading_rows=header_rows or len(head_rows),
            repeat_headings=1,
            headings_style=FontFace(emphasis="BOLD", fill_color=None),
            cell_fill_mode=TableCellFillMode.NONE,
            first_row_as_headings=bool(head_rows),
        ) as table:
            for head_row in head_rows:
                row = table.row()
                for cell in head_row:
                    self._cell(row, cell, default_align="C")
            for body_row in rows:
                row = table.row()
                for i, cell in enumerate(body_row):
                    self._cell(row, cell, default_align=align[i] if i < ncols else "L")
        pdf.set_x(pdf.l_margin)
        pdf.ln(2)

    @staticmethod
    def _column_align(rows: Sequence[Sequence[object]], i: int) -> Literal["L", "R"]:
        values = [nfc(r[i]).strip() for r in rows if i < len(r) and not isinstance(r[i], Cell)]
        values = [v for v in values if v]
        return "R" if values and all(_NUMERIC.match(v) for v in values) else "L"

    @staticmethod
    def _first_heading_columns(head_rows: list[list[object]]) -> list[tuple[int, object]]:
        """(column index, text) of the first heading row's cells, colspans counted."""
        found, col = [], 0
        for cell in head_rows[0] if head_rows else []:
            found.append((col, cell.text if isinstance(cell, Cell) else cell))
            col += cell.colspan if isinstance(cell, Cell) else 1
        return found

    def _cell(self, row: Row, cell: object, default_align: str) -> None:
        if isinstance(cell, Cell):
            row.cell(
                nfc(cell.text),
                align=cell.align or default_align,
                colspan=cell.colspan,
                rowspan=cell.rowspan,
                style=FontFace(emphasis="BOLD") if cell.bold else None,
            )
        else:
            row.cell(nfc(cell), align=default_align)

    # ----------------------------------------------------------------- signatures
    def signature_blocks(self, blocks: Sequence[tuple[str, str | None, str | None]], *, room: float = 25) -> None:
        """Signature blocks side by side: title (upper case, bold; "\\n" for a second line such as
        "KT. TRƯỞNG PHÒNG\\nPHÓ TRƯỞNG PHÒNG"), hint in italic (`HINT_SIGN`, or None), `room` mm
        left for the signature and seal, then the name in bold (None or "" leaves it blank).
        The blocks are kept together on one page.
        """
        self._check_open()
        if not blocks:
            return
        pdf = self.pdf
        col_w = self.width / len(blocks)
        self._font("B")
        title_lines = max(
            len(pdf.multi_cell(col_w, self._lh(), nfc(t).upper(), dry_run=True, output="LINES")) for t, _, _ in blocks
        )
        self.ensure_space(self._lh() * (title_lines + 2) + room + 4)
        pdf.ln(2)
        top = pdf.get_y()
        bottom = top
        for i, (title, hint, name) in enumerate(blocks):
            x = pdf.l_margin + i * col_w
            pdf.set_y(top)
            self._centered(nfc(title).upper(), x, col_w, "B")
            if title_lines > 1:  # align the hints when another block's title wraps further
                pdf.set_y(top + self._lh() * title_lines)
            if hint:
                self._centered(nfc(hint), x, col_w, "I")
            else:
                pdf.ln(self._lh())
            pdf.ln(room)
            if name:
                self._centered(nfc(name), x, col_w, "B")
            bottom = max(bottom, pdf.get_y())
        pdf.set_xy(pdf.l_margin, bottom + 2)

    # ----------------------------------------------------------------- codes
    def qr(self, data: str, x: float | None = None, y: float | None = None, size_mm: float = 25) -> None:
        """A QR code (level M) drawn as vector squares, `size_mm` square including its quiet zone.

        Default position: the right margin, the current line. The current position does not move,
        so text can flow beside the code (the caller leaves room with `space`).
        """
        self._check_open()
        pdf = self.pdf
        matrix = _qr_code(data).matrix
        border = 4
        modules = len(matrix) + 2 * border
        unit = size_mm / modules
        x0 = (pdf.w - pdf.r_margin - size_mm if x is None else x) + border * unit
        y0 = (pdf.get_y() if y is None else y) + border * unit
        pdf.set_fill_color(0)
        for r, line in enumerate(matrix):
            c = 0
            while c < len(line):  # one rectangle per horizontal run of dark modules
                if line[c]:
                    start = c
                    while c < len(line) and line[c]:
                        c += 1
                    pdf.rect(x0 + start * unit, y0 + r * unit, (c - start) * unit, unit, style="F")
                else:
                    c += 1

    def barcode_code39(
        self,
        text: str,
        x: float | None = None,
        y: float | None = None,
        *,
        height: float = 10,
        narrow: float = 0.3,
        human_readable: bool = True,
    ) -> float:
        """A Code 39 barcode of `text` (digits, A-Z, space and -.$/+%; lower case is upped), start
        and stop characters added. Wide bars are 3 x `narrow` mm. Default position: centred, at the
        current line; the position moves below the code. Returns the barcode's width in mm.
        """
        self._check_open()
        pdf = self.pdf
        code = nfc(text).upper()
        bad = sorted(set(code) - _CODE39_CHARS)
        if not code or bad:
            raise ValueError(f"Code 39 cannot encode {bad or 'an empty text'}")
        width = (len(code) + 2) * 16 * narrow - narrow  # 3 wide + 6 narrow bars + 1 narrow gap each
        x = pdf.l_margin + (self.width - width) / 2 if x is None else x
        y = pdf.get_y() if y is None else y
        pdf.set_fill_color(0)
        pdf.code39(f"*{code}*", x, y, w=3 * narrow, h=height)
        end = y + height
        if human_readable:
            self._font("", 10)
            pdf.set_xy(x, end + 0.5)
            pdf.cell(width, self._lh(10), code, align="C")
            end += 0.5 + self._lh(10)
        pdf.set_xy(pdf.l_margin, end + 2)
        return width

    # ----------------------------------------------------------------- output
    def page_numbers(self, style: Literal["footer", "header"] = "footer") -> None:
        """Number the pages when there is more than one, at `output()`.

        "footer": "Trang 2/3" centred in the bottom margin of every page (forms, registers).
        "header": the plain number centred in the top margin, none on page 1 (Part I.I.7).
        """
        if style not in ("footer", "header"):
            raise ValueError("style must be 'footer' or 'header'")
        self._page_numbers = style

    def _draw_page_numbers(self) -> None:
        pdf = self.pdf
        total = pdf.pages_count
        if not self._page_numbers or total < 2:
            return
        last_page, last_x, last_y = pdf.page, pdf.get_x(), pdf.get_y()
        auto, margin = pdf.auto_page_break, pdf.b_margin
        pdf.set_auto_page_break(False)
        for n in range(1, total + 1):
            pdf.page = n
            pdf.font_family = ""  # each page's content stream needs its own font selection
            if self._page_numbers == "footer":
                self._font("", 11)
                label, y = f"Trang {n}/{total}", pdf.h - MARGIN_BOTTOM / 2
            elif n == 1:
                continue
            else:
                self._font("", self.size)
                label, y = str(n), MARGIN_TOP / 2
            pdf.set_xy(pdf.l_margin, y - self._lh(11) / 2)
            pdf.cell(self.width, self._lh(11), label, align="C")
        pdf.page = last_page
        pdf.set_xy(last_x, last_y)
        pdf.set_auto_page_break(auto, margin)

    def output(self) -> bytes:
        """The finished PDF. Calling it again returns the same bytes; the document is then closed."""
        if self._output is None:
            self._draw_page_numbers()
            self.pdf.set_creation_date(self._creation_date())
            self._output = bytes(self.pdf.output())
        return self._output

    def _creation_date(self) -> datetime:
        if self.on is None:
            return _NO_DATE
        if isinstance(self.on, datetime):
            return self.on if self.on.tzinfo else self.on.replace(tzinfo=LOCAL_TZ)
        return datetime.combine(self.on, time(0, 0), tzinfo=LOCAL_TZ)
