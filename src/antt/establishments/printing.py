"""The security certificate as a PDF (Giấy chứng nhận đủ điều kiện về an ninh, trật tự, Mẫu số 01
of the appendix of Nghị định 96/2016/NĐ-CP, Art. 14).

Layout: `antt.core.pdf.OfficialDocument` (Nghị định 30/2020/NĐ-CP), as the one-stop forms
(`dossiers/printing.py`) and the violations papers (`violations/printing.py`) are drawn. The
printed fields of Mẫu 01 were not read in the legal text (docs/legal/establishments.md §3, "from
memory"): the issuing police unit under its parent, the number, the place and date, the title,
the business's name, registration / tax code, head-office and business address, the lines it
may trade in, the person responsible for security and order (name, ID number), the validity,
and the head's signature and seal. `FORM_01` holds those words as data with that caveat, so a
confirmed version can replace them without touching the layout.

The QR code carries only the public verification URL with the certificate's random token
(`establishments:certificate-verify`), never personal data. The holder's name and ID number are
printed (the certificate is the business's own paper): staff views log each print as a personal
data read (`views/certificates.py`).
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from antt.core.pdf import FONT_FAMILY, HINT_SIGN_SEAL, OfficialDocument, nfc
from antt.dossiers.printing import place_name
from antt.establishments.models import Certificate
from antt.establishments.selectors_certificates import status_text

BLANK = "................"

# Mẫu số 01 (ND 96/2016/NĐ-CP appendix). Confidence: the title is the certificate's legal name
# (Art. 14, confirmed); the order and wording of the fields are from memory (not confirmed, see
# docs/legal/establishments.md §3 and §11).
FORM_01 = {
    "code": "Mẫu số 01",
    "legal_basis": "Ban hành kèm theo Nghị định số 96/2016/NĐ-CP ngày 01/7/2016 của Chính phủ",
    "valid_from": date(2016, 7, 1),
    "title": "GIẤY CHỨNG NHẬN",
    "subtitle": "ĐỦ ĐIỀU KIỆN VỀ AN NINH, TRẬT TỰ ĐỂ LÀM NGÀNH, NGHỀ ĐẦU TƯ KINH DOANH CÓ ĐIỀU KIỆN",
    "intro": "{unit} chứng nhận:",
    "no_expiry": "Giấy chứng nhận này không có thời hạn (Điều 15 Nghị định số 96/2016/NĐ-CP).",
    "expiry": "Giấy chứng nhận này có giá trị đến hết ngày {day}.",
    "lines_heading": "Đủ điều kiện về an ninh, trật tự để kinh doanh ngành, nghề:",
    "kind_note": {
        Certificate.Kind.CHANGE: "Cấp đổi lần thứ {n}, thay cho Giấy chứng nhận số {old}.",
        Certificate.Kind.REISSUE: "Cấp lại lần thứ {n}, thay cho Giấy chứng nhận số {old}.",
    },
    "qr_caption": "Quét mã QR để xác minh giấy chứng nhận và tình trạng hiện tại trên Cổng dịch vụ công.",
    "signer": "THỦ TRƯỞNG CƠ QUAN CẤP",
}


def verify_url(certificate: Certificate) -> str:
    """The public page that verifies this certificate (the URL holds only the random token)."""
    return settings.ANTT_PUBLIC_BASE_URL.rstrip("/") + reverse(
        "establishments:certificate-verify", args=[certificate.verify_token]
    )


def _round(certificate: Certificate, kind: str) -> int:
    """How many certificates of this kind the chain has had up to this one (cấp đổi lần thứ n)."""
    n, node = 0, certificate
    while node is not None:
        if node.kind == kind:
            n += 1
        node = node.replaces
    return n


def _address(establishment) -> str:
    parts = [(establishment.address or "").strip()]
    if establishment.area_id:
        parts.append(establishment.area.name)
    return ", ".join(p for p in parts if p) or BLANK


def certificate_pdf(certificate: Certificate, *, today: date | None = None) -> bytes:
    """Mẫu số 01: one A4 page (a second only for a very long list of lines)."""
    today = today or timezone.localdate()
    c = certificate
    e = c.establishment
    unit = c.unit
    doc = OfficialDocument("P", title_meta=f"Giấy chứng nhận đủ điều kiện về ANTT số {c.number}", on=c.issued_on)
    pdf = doc.pdf
    # The form's code, top right, as the appendix prints it.
    w = min(110.0, doc.width * 0.65)
    pdf.set_font(FONT_FAMILY, "B", 11)
    pdf.set_xy(pdf.w - pdf.r_margin - w, pdf.get_y())
    pdf.multi_cell(w, 4.6, nfc(FORM_01["code"]), align="R", new_x="LEFT", new_y="NEXT")
    pdf.set_font(FONT_FAMILY, "I", 8)
    pdf.set_x(pdf.w - pdf.r_margin - w)
    pdf.multi_cell(w, 3.4, nfc(f"({FORM_01['legal_basis']})"), align="R", new_x="LEFT", new_y="NEXT")
    pdf.set_xy(pdf.l_margin, pdf.get_y() + 3)

    parent = unit.parent.name if unit.parent_id else None
    # The number goes under the title, full width (a long unit code would wrap in the header's
    # left column), as certificates print "Số: …" under their name.
    doc.national_header(parent, unit.name, number=None, place=place_name(unit), on=c.issued_on)
    doc.title(FORM_01["title"], FORM_01["subtitle"])
    doc.paragraph(f"Số: {c.number}", bold=True, indent=0, align="C")
    doc.paragraph(FORM_01["intro"].format(unit=unit.name), indent=10)
    doc.labelled("Tên cơ sở kinh doanh", e.name.upper(), bold_value=True)
    if e.trade_name:
        doc.labelled("Tên giao dịch, biển hiệu", e.trade_name)
    doc.labelled("Loại hình", e.get_kind_display())
    doc.labelled("Mã số doanh nghiệp / mã số thuế", e.tax_code, bold_value=True)
    if e.registration_number:
        registered = f" ngày {e.registration_date:%d/%m/%Y}" if e.registration_date else ""
        doc.labelled("Giấy chứng nhận đăng ký kinh doanh số", f"{e.registration_number}{registered}")
    doc.labelled("Địa điểm kinh doanh", _address(e))
    doc.labelled("Người chịu trách nhiệm về an ninh, trật tự", c.holder_name, bold_value=True)
    doc.labelled("Số định danh cá nhân", c.holder_id_number or None)
    doc.paragraph(FORM_01["lines_heading"], bold=True, indent=0, after=1)
    for n, line in enumerate(sorted(c.lines.all(), key=lambda x: (x.order, x.code)), start=1):
        doc.paragraph(f"{n}. {line.name}", indent=0, after=1)
    doc.space(1)
    if c.valid_until:
        doc.paragraph(FORM_01["expiry"].format(day=f"{c.valid_until:%d/%m/%Y}"), indent=10)
    else:
        doc.paragraph(FORM_01["no_expiry"], indent=10)
    note = FORM_01["kind_note"].get(c.kind)
    if note and c.replaces_id:
        doc.paragraph(note.format(n=_round(c, c.kind), old=c.replaces.number), italic=True, indent=10, align="L")
    if c.status != Certificate.Status.VALID:
        doc.paragraph(
            f"(Bản in lại ngày {today:%d/%m/%Y} để tra cứu. Tình trạng: {status_text(c, today)}.)",
            italic=True,
            indent=0,
            align="L",
        )

    # QR (left) and signature (right) side by side.
    size = 28.0
    doc.ensure_space(size + 45)
    top = pdf.get_y() + 2
    doc.qr(verify_url(c), x=pdf.l_margin, y=top, size_mm=size)
    pdf.set_font(FONT_FAMILY, "I", 9)
    pdf.set_xy(pdf.l_margin, top + size)
    pdf.multi_cell(size + 22, 4, nfc(FORM_01["qr_caption"]), align="L", new_x="LEFT", new_y="NEXT")
    qr_bottom = pdf.get_y()
    col_x = pdf.l_margin + doc.width * 0.45
    col_w = doc.width * 0.55
    pdf.set_font(FONT_FAMILY, "B", 13)
    pdf.set_xy(col_x, top)
    pdf.multi_cell(col_w, 6, nfc(FORM_01["signer"]), align="C", new_x="LEFT", new_y="NEXT")
    pdf.set_font(FONT_FAMILY, "I", 13)
    pdf.set_x(col_x)
    pdf.multi_cell(col_w, 6, nfc(HINT_SIGN_SEAL), align="C", new_x="LEFT", new_y="NEXT")
    pdf.set_y(max(qr_bottom, pdf.get_y() + 25))
    doc.page_numbers()
    return doc.output()
