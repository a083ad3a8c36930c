"""The daily receipt (biên nhận) of what an establishment declared on one day, as the Italian
(Alloggiati Web "ricevuta") and Spanish (SES.HOSPEDAJES) police systems give their hotels.

One line per ledger row written that day (arrivals, corrections, departures, cancellations, each
naming its stay number), the counts per kind, and a SHA-256 of the receipt's content printed on
it: the establishment keeps the PDF; anyone can recompute the digest from the same rows
(`receipt_digest`) and see that the list was not altered. The guest's document number is masked
to its last 3 characters (the receipt is printed and filed); the name is the establishment's own
guest's.

Layout: `antt.core.pdf.OfficialDocument` (A4, Liberation Serif with every Vietnamese letter).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from antt.core.pdf import OfficialDocument
from antt.lodging.models import Declaration

VN = ZoneInfo("Asia/Ho_Chi_Minh")
KIND_LABELS = {
    Declaration.Kind.ARRIVAL: "Đến",
    Declaration.Kind.CORRECTION: "Sửa",
    Declaration.Kind.DEPARTURE: "Rời đi",
    Declaration.Kind.CANCELLATION: "Hủy",
}
KIND_ORDER = list(KIND_LABELS)


def mask_number(number: str) -> str:
    number = number or ""
    return ("•" * max(0, min(len(number), 12) - 3)) + number[-3:] if number else "—"


@dataclass
class Receipt:
    establishment_name: str
    day: date
    lines: list[list[str]]
    counts: dict[str, int]
    digest: str


def _local(dt: datetime | None) -> datetime | None:
    return dt.astimezone(VN) if dt else None


def _canonical(establishment, day: date, rows: list[Declaration]) -> bytes:
    parts = [f"antt-lodging-receipt-v1|{establishment.pk}|{establishment.tax_code}|{day.isoformat()}"]
    for r in rows:
        parts.append(
            "|".join(
                [
                    str(r.id),
                    str(r.stay_id),
                    r.kind,
                    r.declared_at.astimezone(VN).isoformat(timespec="seconds"),
                    r.full_name,
                    r.doc_number,
                    r.nationality,
                    r.room,
                ]
            )
        )
    return "\n".join(parts).encode("utf-8")


def receipt_digest(establishment, day: date, rows: list[Declaration]) -> str:
    return hashlib.sha256(_canonical(establishment, day, rows)).hexdigest()


def build(establishment, day: date, rows: list[Declaration]) -> Receipt:
    lines = []
    counts = dict.fromkeys(KIND_ORDER, 0)
    for n, r in enumerate(rows, start=1):
        counts[r.kind] = counts.get(r.kind, 0) + 1
        when = _local(r.declared_at)
        detail = ""
        if r.kind == Declaration.Kind.DEPARTURE and r.departed_at:
            detail = f"rời đi {_local(r.departed_at):%H:%M %d/%m}"
        elif r.kind == Declaration.Kind.ARRIVAL:
            detail = f"đến {_local(r.arrived_at):%H:%M %d/%m}" + (" (muộn)" if r.is_late else "")
        lines.append(
            [
                str(n),
                f"{when:%H:%M:%S}",
                KIND_LABELS.get(r.kind, r.kind),
                f"#{r.stay_id}",
                r.full_name or "(đã ẩn)",
                mask_number(r.doc_number),
                r.nationality,
                r.room or "—",
                detail,
            ]
        )
    return Receipt(
        establishment_name=establishment.name,
        day=day,
        lines=lines,
        counts=counts,
        digest=receipt_digest(establishment, day, rows),
    )


def receipt_pdf(establishment, day: date, rows: list[Declaration]) -> bytes:
    receipt = build(establishment, day, rows)
    doc = OfficialDocument("L", title_meta=f"Biên nhận thông báo lưu trú ngày {day:%d/%m/%Y}", on=day, size=12)
    doc.national_header(
        establishment.unit.name if getattr(establishment, "unit", None) else None,
        establishment.name,
        place=establishment.area.name if getattr(establishment, "area", None) else None,
        on=day,
    )
    doc.title("Biên nhận thông báo lưu trú", f"Ngày {day:%d/%m/%Y}")
    doc.labelled("Cơ sở lưu trú", establishment.name, bold_value=True)
    doc.labelled("Mã số thuế", establishment.tax_code)
    doc.labelled("Địa chỉ", establishment.address)
    counts = receipt.counts
    summary = (
        f"{len(receipt.lines)} mục đã gửi: {counts.get('arrival', 0)} khách đến, {counts.get('correction', 0)} sửa thông tin, "
        f"{counts.get('departure', 0)} rời đi, {counts.get('cancellation', 0)} hủy khai báo."
    )
    doc.labelled("Tổng hợp", summary)
    if receipt.lines:
        doc.table(
            ["STT", "Giờ gửi", "Loại", "Lượt", "Họ và tên", "Số giấy tờ", "Quốc tịch", "Phòng", "Ghi chú"],
            receipt.lines,
            widths=[12, 22, 18, 26, 62, 30, 20, 18, 44],
        )
    else:
        doc.paragraph("Trong ngày, cơ sở không gửi thông báo lưu trú nào.", italic=True)
    doc.space(4)
    doc.paragraph(
        "Mã kiểm tra SHA-256 của nội dung biên nhận (tính trên các mục theo thứ tự trên; "
        "nội dung bị sửa thì mã không còn khớp):",
        indent=0,
        size=11,
    )
    doc.paragraph(receipt.digest, bold=True, indent=0, align="L", size=11)
    doc.paragraph(
        "Biên nhận do hệ thống lập tự động từ dữ liệu cơ sở đã gửi; số giấy tờ chỉ in 3 ký tự cuối.",
        italic=True,
        indent=0,
        size=10,
    )
    doc.page_numbers()
    return doc.output()
