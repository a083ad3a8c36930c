"""The printable guide to preparing a dossier (phiếu hướng dẫn chuẩn bị hồ sơ) of one procedure, as a PDF.

Built only from the catalogue (the version in force: documents, forms, legal time, fees) and the
receiving places (`portal.selectors.where_to_go`); no personal data. The applicant prints it,
ticks the documents they have and fills in their name and phone by hand. The bytes depend only on
the data and the day (the PDF's date is today's), so the same procedure prints the same guide.
"""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone

from antt.catalog import rules
from antt.catalog.selectors import ProcedureRow
from antt.core.money import format_vnd
from antt.core.pdf import OfficialDocument
from antt.portal import selectors

DOCUMENT_WIDTHS = [12, 93, 20, 20, 20]  # 165 mm between the margins


def checklist_pdf(row: ProcedureRow) -> bytes:
    procedure, version = row.procedure, row.version
    today = timezone.localdate()
    doc = OfficialDocument(title_meta=f"Hướng dẫn chuẩn bị hồ sơ — {procedure.name}", on=today)
    doc.title("Phiếu hướng dẫn chuẩn bị hồ sơ", procedure.name)
    doc.labelled("Mã thủ tục", procedure.code)
    doc.labelled("Lĩnh vực", procedure.field.name)
    if version is None:
        doc.paragraph("Thủ tục chưa có thông tin áp dụng.", indent=0)
        return doc.output()
    if not row.in_force:
        doc.paragraph("Lưu ý: thủ tục không còn hiệu lực.", bold=True, indent=0)
    legal = rules.format_legal_time(version.legal_time_amount, version.legal_time_unit)
    doc.labelled("Thời hạn giải quyết", legal or "chưa cập nhật")
    fees = "; ".join(f"{f.get_channel_display()}: {format_vnd(f.amount)}" for f in version.fees.all())
    doc.labelled("Phí, lệ phí", fees or "không có hoặc chưa cập nhật")
    doc.space(2)
    doc.paragraph("Thành phần hồ sơ (đánh dấu vào cột “Đã có” khi đã chuẩn bị):", bold=True, indent=0)
    rows = [
        [
            i,
            doc_row.name + (f" (mẫu {doc_row.form_code})" if doc_row.form_code else ""),
            doc_row.originals,
            doc_row.copies,
            "",
        ]
        for i, doc_row in enumerate(version.documents.all(), start=1)
    ]
    if rows:
        doc.table(["STT", "Giấy tờ", "Bản chính", "Bản sao", "Đã có"], rows, DOCUMENT_WIDTHS)
    else:
        doc.paragraph("Chưa cập nhật.", indent=0)
    places = selectors.where_to_go(version) if row.in_force else []
    if places:
        doc.space(2)
        doc.paragraph("Nơi nộp hồ sơ:", bold=True, indent=0)
        for place in places:
            parts = [place.name, place.address, f"điện thoại {place.phone}" if place.phone else "", place.hours]
            doc.paragraph("- " + "; ".join(p for p in parts if p) + ".", indent=0)
    doc.space(2)
    doc.labelled("Họ và tên người nộp")
    doc.labelled("Số điện thoại")
    doc.paragraph(
        f"Phiếu in từ Cổng dịch vụ công {settings.ANTT_SITE_NAME} ngày {today:%d/%m/%Y}; "
        "thông tin theo danh mục thủ tục hành chính đang áp dụng.",
        italic=True,
        indent=0,
        size=11,
    )
    doc.page_numbers()
    return doc.output()
