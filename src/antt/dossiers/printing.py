"""The official forms of the one-stop shop as PDFs: one function per form, each returning bytes.

Which form: `form_for(key, on, field_slug)` reads the `FormTemplate` rows loaded from
`data/forms.yaml`. The set printed for a dossier is the one in force on the dossier's date (when it
was received, else submitted): dossiers received before 15/9/2025 keep the Thông tư 01/2018/TT-VPCP
set, later ones get Thông tư 03/2025/TT-VPCP (the transitional rule that a dossier is handled under
the rules of the day it was received). A police sector form (residence CT04–CT06 of Thông tư
56/2021/TT-BCA as amended by 66/2023/TT-BCA; căn cước CC02–CC03 of Thông tư 17/2024/TT-BCA) wins
over the general set for the fields it names. A form the old set did not have (the stop notice,
new in 2025) is taken from the set in force on the day the document is issued.

What it says: the template's `texts` (Django template syntax, filled from the dossier) in a fixed
order per form, laid out with `antt.core.pdf.OfficialDocument` (Nghị định 30/2020/NĐ-CP). The form's
number and legal basis are printed top right, as the forms do. The personal data printed is the
applicant's own: the form is handed to them. Staff views log each print as a personal-data read
(`views/printing.py`); the receipt's QR code carries only the public lookup URL with the dossier's
random token, never personal data.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache

from django.conf import settings
from django.db.models import Prefetch, Q, QuerySet
from django.template import Context, Engine, TemplateDoesNotExist, TemplateSyntaxError
from django.utils import timezone

from antt.core import calendar
from antt.core.money import format_vnd, money_in_words
from antt.core.pdf import FONT_FAMILY, HINT_SIGN, Cell, OfficialDocument, nfc, time_of_day
from antt.dossiers.models import (
    Apology,
    Delivery,
    Dossier,
    DossierEvent,
    FormTemplate,
    Status,
    SupplementRequest,
    Timeliness,
)
from antt.dossiers.selectors import mask_digits, mask_name

Key = FormTemplate.Key
BLANK = "................"
# The two copies (liên) of a receipt (TT 01/2018 Mẫu 01, "Ghi chú": one kept with the control slip,
# one handed to the applicant).
RECEIPT_COPIES = {
    1: "1 - Lưu tại Bộ phận tiếp nhận và trả kết quả",
    2: "2 - Giao cho cá nhân, tổ chức nộp hồ sơ",
}
DOCUMENT_COLUMNS = ["TT", "Tên giấy tờ", "Bản chính", "Bản chứng thực", "Bản photo"]
PENDING_DUE = "hẹn sau khi hồ sơ được kiểm tra và tiếp nhận"
# Hand-overs on the control slip (Mẫu 06): transitions that move the dossier to another officer or unit.
HANDOVER_ACTIONS = ("start", "assign", "forward", "approve", "send_back", "return")
# Number suffix of a supplement request ("Số: …/HDHS", the Thanh Hóa convention, legal-facts §1.2).
SUPPLEMENT_NUMBER = "{n:02d}/HDHS"


class PrintError(Exception):
    """The form cannot be printed for this dossier (no template in force, wrong state); `message` says why."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class NoFormTemplate(PrintError):
    pass


# ----------------------------------------------------------------------------- choosing the form


def dossier_date(dossier: Dossier) -> date:
    """The date that decides which form set a dossier gets: received, else submitted (local date)."""
    return calendar.local(dossier.received_at or dossier.submitted_at).date()


def form_for(key: str, on: date, field_slug: str | None = None) -> FormTemplate:
    """The form `key` in force on `on`: the sector form whose field_slugs has `field_slug`, else the
    general one (no field_slugs). Raises NoFormTemplate when none is in force that day."""
    rows = list(
        FormTemplate.objects.filter(key=key, valid_from__lte=on)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on))
        .order_by("-valid_from", "-id")
    )
    # field_slugs is a short JSON list: filtered here, because SQLite has no JSON "contains".
    if field_slug:
        for template in rows:
            if field_slug in (template.field_slugs or []):
                return template
    for template in rows:
        if not template.field_slugs:
            return template
    raise NoFormTemplate(f"Chưa có mẫu “{Key(key).label}” áp dụng cho ngày {on:%d/%m/%Y}.")


def _template_for(dossier: Dossier, key: str, issued: datetime | None = None) -> FormTemplate:
    field_slug = dossier.field.slug if dossier.field_id else None
    try:
        return form_for(key, dossier_date(dossier), field_slug)
    except NoFormTemplate:
        if issued is None:
            raise
        return form_for(key, calendar.local(issued).date(), field_slug)


def form_label(template: FormTemplate) -> str:
    """ "Mẫu số 01" for the numbered VPCP forms, "Mẫu CT04" for the sector forms."""
    return f"Mẫu số {template.code}" if template.code.isdigit() else f"Mẫu {template.code}"


# ----------------------------------------------------------------------------- formatting


def local_date_text(value: date | datetime | None) -> str:
    """dd/mm/yyyy (datetimes read in Asia/Ho_Chi_Minh)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = calendar.local(value).date()
    return f"{value:%d/%m/%Y}"


def clock_and_date(value: datetime | None) -> str:
    """ "09 giờ 30 phút, ngày 23/04/2026"."""
    if value is None:
        return ""
    return f"{time_of_day(value)}, ngày {local_date_text(value)}"


def working_days_text(days: Decimal | None) -> str:
    if days is None:
        return BLANK
    days = Decimal(days).normalize()
    return f"{days:f}".replace(".", ",")


def fee_text(dossier: Dossier) -> str:
    if not dossier.fee_amount:
        return "Không"
    text = f"{format_vnd(dossier.fee_amount)} (Bằng chữ: {money_in_words(dossier.fee_amount)})"
    if dossier.fee_paid_at:
        text += " - đã nộp" + (f", biên lai/giao dịch số {dossier.fee_receipt_ref}" if dossier.fee_receipt_ref else "")
    return text


def address_text(dossier: Dossier) -> str:
    parts = [dossier.applicant_address.strip()]
    if dossier.applicant_area_id:
        parts.append(dossier.applicant_area.name)
    return ", ".join(p for p in parts if p)


def delivery_text(dossier: Dossier) -> str:
    label = str(dossier.get_delivery_display())
    if dossier.delivery == Delivery.COUNTER:
        return f"{label} ({dossier.receiving_unit.name})"
    if dossier.delivery == Delivery.POST:
        return f"{label}: {address_text(dossier) or BLANK}"
    return label


def _officer_name(user) -> str:
    return (user.full_name or user.get_username()) if user is not None else ""


def place_name(unit) -> str:
    """The place written before the date (Nghị định 30/2020, Phụ lục I, Part I.II.4.a): the area of the
    unit or of its nearest parent that has one, else the province of the installation."""
    node = unit
    while node is not None:
        if node.area_id:
            area = node.area
            kind = (area.division_type or "").strip()
            if kind and area.name.lower().startswith(kind.lower() + " "):
                return area.name[len(kind) + 1 :]
            return area.name
        node = node.parent
    return re.sub(r"^Công an (tỉnh|thành phố)\s+", "", settings.ANTT_SITE_NAME, flags=re.IGNORECASE)


@lru_cache(maxsize=256)
def _compiled(text: str):
    return _ENGINE.from_string(text)


_ENGINE = Engine(autoescape=False)


def fill(text: str, context: dict) -> str:
    """A template sentence of forms.yaml filled from `context` (no HTML escaping: this is a PDF).

    A sentence an administrator broke in the admin raises PrintError, not a server error."""
    try:
        return nfc(_compiled(str(text)).render(Context(context, autoescape=False)))
    except (TemplateSyntaxError, TemplateDoesNotExist) as exc:
        raise PrintError(f"Nội dung cố định của mẫu biểu có lỗi ({exc}); quản trị viên cần sửa mẫu.") from exc


# ----------------------------------------------------------------------------- layout


class _Sheet:
    """One form being drawn: the template's texts, the values they are filled with, the document."""

    def __init__(
        self, template: FormTemplate, context: dict, *, on=None, orientation: str = "P", size: float = 13, gap=1.5
    ):
        self.gap = gap  # mm after each line of text
        self.template = template
        self.texts = template.texts or {}
        self.context = context
        self.doc = OfficialDocument(
            orientation, title_meta=f"{form_label(template)}: {template.name}", on=on, size=size
        )
        self.pdf = self.doc.pdf

    def text(self, key: str, **extra) -> str | None:
        value = self.texts.get(key)
        if not isinstance(value, str) or not value.strip():
            return None
        return fill(value, {**self.context, **extra})

    def text_list(self, key: str) -> list:
        value = self.texts.get(key)
        return list(value) if isinstance(value, list) else []

    def form_mark(self) -> None:
        """ "Mẫu số 01" and the legal basis, top right (above the national header)."""
        pdf = self.pdf
        label = form_label(self.template)
        basis = (self.template.legal_basis or "").strip()
        if basis.startswith(label):
            basis = basis[len(label) :].lstrip(" ,;:-")
        basis = basis[:1].upper() + basis[1:]
        w = min(100.0, self.doc.width * 0.6)
        x = pdf.w - pdf.r_margin - w
        top = pdf.get_y()
        pdf.set_font(FONT_FAMILY, "B", 11)
        pdf.set_xy(x, top)
        pdf.multi_cell(w, 4.6, nfc(label), align="R", new_x="LEFT", new_y="NEXT")
        if basis:
            pdf.set_font(FONT_FAMILY, "I", 9)
            pdf.set_x(x)
            pdf.multi_cell(w, 3.8, nfc(f"({basis})"), align="R", new_x="LEFT", new_y="NEXT")
        pdf.set_xy(pdf.l_margin, pdf.get_y() + 3)

    def header(self, unit, *, number: str | None, on) -> None:
        parent = unit.parent.name if unit.parent_id else None
        self.form_mark()
        self.doc.national_header(parent, unit.name, number=number, place=place_name(unit), on=on)

    def title(self) -> None:
        self.doc.title(self.text("title") or self.template.name.upper())

    def centred(self, key: str, *, bold=False, italic=False, **extra) -> None:
        value = self.text(key, **extra)
        if value:
            self.doc.paragraph(value, bold=bold, italic=italic, indent=0, align="C", after=self.gap)

    def line(self, key: str, *, italic=False, size=None, **extra) -> None:
        value = self.text(key, **extra)
        if value:
            self.doc.paragraph(value, italic=italic, indent=0, align="J", size=size, after=self.gap)

    def lines(self, key: str) -> None:
        for value in self.text_list(key):
            if isinstance(value, str) and value.strip():
                self.doc.paragraph(fill(value, self.context), indent=0, align="J", after=self.gap)

    def table(self, rows: list[list], widths: Sequence[float], columns_key: str = "table_columns") -> None:
        columns = self.text_list(columns_key) or DOCUMENT_COLUMNS
        self.doc.table(columns, rows, widths=widths, align=["C", "L", "C", "C", "C"][: len(widths)])

    def signatures(self, names: dict[str, str], *, room: float = 25) -> None:
        """Signature blocks from `texts.signatures`; `names` maps a role word of the title to the name
        printed under it ("NỘP" → applicant), "" → default signer."""
        hint = self.texts.get("signature_hint") or HINT_SIGN
        blocks = []
        for title in self.text_list("signatures"):
            name = next((n for word, n in names.items() if word and word in title.upper()), names.get("", ""))
            blocks.append((title, hint, name or None))
        if blocks:
            self.doc.space(3)
            self.doc.signature_blocks(blocks, room=room)

    def output(self, *, page_numbers: bool = True) -> bytes:
        if page_numbers:
            self.doc.page_numbers()
        return self.doc.output()


def _applicant_context(dossier: Dossier) -> dict:
    return {
        "code": dossier.code,
        "applicant": dossier.applicant_name,
        "id_number": dossier.applicant_id_number or BLANK,
        "address": address_text(dossier) or BLANK,
        "phone": dossier.applicant_phone or BLANK,
        "email": dossier.applicant_email or "",
        "procedure": dossier.procedure.name,
        "processing_unit": dossier.unit.name,
    }


def _last_event(dossier: Dossier, action: str) -> DossierEvent | None:
    return dossier.events.filter(action=action).select_related("actor").order_by("-at", "-id").first()


# ----------------------------------------------------------------------------- Mẫu 01: receipt


def _document_rows(dossier: Dossier) -> list[list]:
    rows = []
    for i, doc in enumerate(dossier.documents.order_by("round", "id"), start=1):
        name = doc.name
        if doc.file and not (doc.originals or doc.certified_copies or doc.copies):
            name += " (tệp điện tử)"
        rows.append([i, name, *(n or "" for n in (doc.originals, doc.certified_copies, doc.copies))])
    return rows


def receipt_pdf(dossier: Dossier, *, copies: Sequence[int] = (1, 2)) -> bytes:
    """Giấy tiếp nhận hồ sơ và hẹn trả kết quả (Mẫu 01; CT04 for residence, CC02 for căn cước).

    `copies` are the liên to print, one per page: 1 is kept at the desk, 2 is handed to the
    applicant (the public site prints `copies=(2,)` for an online dossier).
    """
    from antt.dossiers.notifications import lookup_link

    template = _template_for(dossier, Key.RECEIPT)
    when = dossier.received_at or dossier.submitted_at
    officer = dossier.received_by
    context = {
        **_applicant_context(dossier),
        "unit": dossier.receiving_unit.name,
        "copies": "01",
        "legal_days": working_days_text(dossier.legal_working_days),
        "received_at": clock_and_date(when),
        "due_date": clock_and_date(dossier.due_at) if dossier.due_at else PENDING_DUE,
        "delivery_place": delivery_text(dossier),
        "fee": fee_text(dossier),
        "register_book": BLANK,
        "register_no": BLANK,
        "officer": _officer_name(officer),
    }
    rows = _document_rows(dossier)
    sheet = _Sheet(template, context, on=when, size=12, gap=0.5)  # 12 pt: each copy fits on one A4 page
    url = lookup_link(dossier)
    for i, copy in enumerate(copies):
        if i:
            sheet.doc.add_page()
        sheet.header(dossier.receiving_unit, number=dossier.code, on=when)
        sheet.title()
        sheet.centred("code_line", bold=True)
        sheet.centred("copy_line", italic=True, copy_label=RECEIPT_COPIES.get(copy, str(copy)))
        sheet.doc.space(2)
        for key in ("intro", "applicant", "id_number", "address", "contact", "request"):
            sheet.line(key)
        sheet.line("documents_heading")
        if rows:
            sheet.table(rows, widths=[10, 95, 20, 22, 18])
        sheet.lines("lines")
        sheet.line("fee_line")
        sheet.line("register_line")
        _codes_block(sheet, url, dossier.code)
        sheet.line("note", italic=True, size=10)
        sheet.signatures({"NỘP": dossier.applicant_name, "": _officer_name(officer)}, room=18)
    return sheet.output(page_numbers=False)


def _codes_block(sheet: _Sheet, url: str, code: str) -> None:
    """The lookup QR code (left) and the Code 39 barcode of the dossier code (right), with a caption."""
    doc, pdf = sheet.doc, sheet.pdf
    size = 24.0
    doc.ensure_space(size + 4)
    top = pdf.get_y() + 1
    doc.qr(url, x=pdf.l_margin, y=top, size_mm=size)
    room = doc.width - size - 6
    narrow = min(0.3, room / ((len(code) + 2) * 16))
    width = (len(code) + 2) * 16 * narrow - narrow
    x = pdf.w - pdf.r_margin - width
    doc.barcode_code39(code, x=x, y=top + 4, height=10, narrow=narrow)
    caption = sheet.text("qr_caption")
    if caption:
        pdf.set_font(FONT_FAMILY, "I", 10)
        pdf.set_xy(pdf.l_margin + size + 4, pdf.get_y())
        pdf.multi_cell(doc.width - size - 4, 4.5, caption, align="C", new_x="LEFT", new_y="NEXT")
    pdf.set_xy(pdf.l_margin, max(top + size, pdf.get_y()) + 2)


# ----------------------------------------------------------------------------- Mẫu 02: supplement request


def supplement_request_pdf(request: SupplementRequest) -> bytes:
    """Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ (Mẫu 02; CT05 for residence): every item, the reasons,
    whom to ask."""
    dossier = request.dossier
    template = _template_for(dossier, Key.SUPPLEMENT_REQUEST, issued=request.requested_at)
    officer = request.requested_by
    unit = officer.unit if officer is not None and officer.unit_id else dossier.receiving_unit
    items = [_item(i) for i in request.items or []]
    context = {
        **_applicant_context(dossier),
        "unit": unit.name,
        "parent_unit": unit.parent.name if unit.parent_id else "",
        "number": SUPPLEMENT_NUMBER.format(n=request.number),
        "items": "\n" + "\n".join(f"{i}. {item['name']}" for i, item in enumerate(items, start=1)),
        "reason": request.reasons,
        "lookup_site": settings.ANTT_PUBLIC_BASE_URL,
        "officer": _officer_name(officer) or BLANK,
        "officer_phone": (officer.phone if officer is not None else "") or unit.phone or BLANK,
    }
    sheet = _Sheet(template, context, on=request.requested_at)
    sheet.header(unit, number=context["number"] if "number_line" in sheet.texts else None, on=request.requested_at)
    sheet.title()
    sheet.centred("code_line", bold=True)
    for key in ("intro", "applicant", "id_number", "request", "address", "contact", "body"):
        sheet.line(key)
    if "table_columns" in sheet.texts:
        rows = [
            [i, item["name"], *(item[k] or "" for k in ("originals", "certified_copies", "copies"))]
            for i, item in enumerate(items, start=1)
        ]
        sheet.table(rows, widths=[10, 95, 20, 22, 18])
    sheet.line("reason")
    sheet.line("note")
    sheet.signatures({"": _officer_name(officer)})
    return sheet.output()


def _item(value) -> dict:
    """A supplement item: a plain name, or {"name", "originals", "certified_copies", "copies"}."""
    if isinstance(value, dict):
        return {
            "name": str(value.get("name", "")),
            **{k: int(value.get(k) or 0) for k in ("originals", "certified_copies", "copies")},
        }
    return {"name": str(value), "originals": 0, "certified_copies": 0, "copies": 0}


# ----------------------------------------------------------------------------- Mẫu 03: refusal


def refusal_pdf(dossier: Dossier) -> bytes:
    """Phiếu từ chối tiếp nhận giải quyết hồ sơ (Mẫu 03; CT06 residence, CC03 căn cước), with the reasons."""
    if dossier.status != Status.NOT_RECEIVED:
        raise PrintError("Hồ sơ này không bị từ chối tiếp nhận: không có phiếu từ chối để in.")
    event = _last_event(dossier, "refuse")
    when = event.at if event else dossier.closed_at or timezone.now()
    officer = event.actor if event else None
    template = _template_for(dossier, Key.REFUSAL, issued=when)
    context = {**_applicant_context(dossier), "unit": dossier.receiving_unit.name, "reason": dossier.reasons}
    sheet = _Sheet(template, context, on=when)
    sheet.header(dossier.receiving_unit, number=BLANK, on=when)
    sheet.title()
    sheet.centred("code_line", bold=True)
    for key in ("intro", "applicant", "id_number", "address", "contact", "request", "body", "reason", "closing"):
        sheet.line(key)
    sheet.signatures({"NỘP": dossier.applicant_name, "THỦ TRƯỞNG": "", "": _officer_name(officer)})
    return sheet.output()


# ----------------------------------------------------------------------------- Mẫu 04: apology


def apology_pdf(apology: Apology) -> bytes:
    """Văn bản xin lỗi và đề nghị gia hạn thời gian giải quyết (Mẫu 04 of TT 03/2025; "Phiếu xin lỗi và
    hẹn lại ngày trả kết quả" of TT 01/2018 for older dossiers): received date, previous due date,
    reason, new date."""
    dossier = apology.dossier
    template = _template_for(dossier, Key.APOLOGY, issued=apology.issued_at)
    context = {
        **_applicant_context(dossier),
        "unit": dossier.unit.name,
        "received_date": local_date_text(dossier.received_at or dossier.submitted_at),
        "due_date": f"ngày {local_date_text(apology.previous_due_at)}",
        "reason": apology.reason,
        "new_due_date": f"ngày {local_date_text(apology.new_due_at)}",
    }
    sheet = _Sheet(template, context, on=apology.issued_at)
    sheet.header(dossier.unit, number=BLANK, on=apology.issued_at)
    sheet.title()
    for key in ("addressee", "body", "reason", "apology", "closing"):
        sheet.line(key)
    sheet.signatures({"": _officer_name(apology.issued_by)})
    return sheet.output()


# ----------------------------------------------------------------------------- Mẫu 05: stop notice


def stop_notice_pdf(dossier: Dossier) -> bytes:
    """Thông báo dừng giải quyết hồ sơ (Mẫu 05 of TT 03/2025) for a stopped dossier, with the reasons."""
    if dossier.status != Status.STOPPED:
        raise PrintError("Hồ sơ này không ở trạng thái dừng xử lý: không có thông báo dừng để in.")
    event = _last_event(dossier, "stop")
    when = event.at if event else dossier.closed_at or timezone.now()
    template = _template_for(dossier, Key.STOP_NOTICE, issued=when)
    context = {**_applicant_context(dossier), "unit": dossier.unit.name, "reason": dossier.reasons}
    sheet = _Sheet(template, context, on=when)
    sheet.header(dossier.unit, number=BLANK, on=when)
    sheet.title()
    for key in ("addressee", "request", "body", "reason", "closing"):
        sheet.line(key)
    sheet.signatures({"": _officer_name(event.actor if event else None)})
    return sheet.output()


# ----------------------------------------------------------------------------- Mẫu 06: control slip


def control_slip_rows(dossier: Dossier) -> list[dict]:
    """One row per hand-over of the dossier, from its history: who gave it to whom, when, and whether
    the giver's step finished early, on time or late (Trước hạn / Đúng hạn / Quá hạn)."""
    events = list(
        dossier.events.filter(action__in=HANDOVER_ACTIONS)
        .select_related("from_unit", "to_unit", "to_user__unit", "actor__unit")
        .order_by("at", "id")
    )
    steps = list(dossier.steps.filter(finished_at__isnull=False).order_by("finished_at", "order"))
    labels = dict(Timeliness.choices)
    rows = []
    for event in events:
        timeliness = event.step_timeliness
        if event.action in ("start", "assign"):
            # The giver's step is the one that finished before this hand-over (e.g. the receipt).
            done = [s for s in steps if s.finished_at <= event.at and s.pk != event.step_id]
            timeliness = done[-1].timeliness if event.action == "start" and done else ""
        actor_unit = event.actor.unit if event.actor is not None and event.actor.unit_id else None
        # "start" records the step it starts: the giver is the desk that received the dossier.
        from_unit = (actor_unit if event.action == "start" else event.from_unit or actor_unit) or dossier.receiving_unit
        if event.action == "return":
            to_unit, to_officer = "Tổ chức, cá nhân", dossier.applicant_name
        else:
            to_user_unit = event.to_user.unit if event.to_user is not None and event.to_user.unit_id else None
            to_unit = event.to_unit or to_user_unit or event.from_unit or ""
            to_officer = _officer_name(event.to_user)
        rows.append(
            {
                "from_unit": str(from_unit),
                "to_unit": str(to_unit) or BLANK,
                "from_officer": event.actor_name or BLANK,
                "to_officer": to_officer or BLANK,
                "handed_at": clock_and_date(event.at),
                "step_result": str(labels.get(timeliness, "")),
                "note": event.note,
            }
        )
    return rows


def control_slip_pdf(dossier: Dossier) -> bytes:
    """Phiếu kiểm soát quá trình giải quyết hồ sơ (Mẫu 06 of TT 03/2025, 05 of TT 01/2018)."""
    template = _template_for(dossier, Key.CONTROL_SLIP)
    when = dossier.received_at or dossier.submitted_at
    context = {**_applicant_context(dossier), "unit": dossier.receiving_unit.name}
    sheet = _Sheet(template, context, on=when)
    sheet.header(dossier.receiving_unit, number=None, on=when)
    sheet.title()
    sheet.centred("code_line", bold=True)
    sheet.line("attached")
    sheet.lines("lines")
    row_template = [str(c) for c in sheet.text_list("row_template")] or ["{{ from_unit }}"]
    rows = [[fill(cell, row) for cell in row_template] for row in control_slip_rows(dossier)]
    columns = sheet.text_list("columns")
    widths = [46, 52, 37, 30][: len(columns)] if len(columns) == 4 else [sheet.doc.width / len(columns)] * len(columns)
    sheet.doc.table(columns, rows, widths=widths, align=["L", "L", "C", "L"][: len(columns)], size=11)
    return sheet.output()


# ----------------------------------------------------------------------------- Mẫu 07: register

# mm, 252 in all (A4 landscape between the margins), one per column of forms.yaml's register.
REGISTER_WIDTHS = [9, 30, 24, 11, 20, 20, 19, 17, 17, 17, 15, 12, 16, 16, 9]


def register_pdf(
    dossiers: Iterable[Dossier],
    *,
    title: str | None = None,
    unit=None,
    period: tuple[date, date] | None = None,
    on: date | None = None,
    show_personal_data: bool = True,
) -> bytes:
    """Sổ theo dõi hồ sơ (Mẫu 07 of TT 03/2025, 06 of TT 01/2018), landscape, one row per dossier.

    `dossiers`: what the caller may see (a scoped queryset is completed with the joins it needs, so the
    register costs a fixed number of queries). `unit`: the unit whose book it is (header). `period`:
    (first day, last day) printed under the title; the form in force on its last day (else `on`, else
    today) is used. The register carries the applicants' names, addresses and phones as the form
    requires: the caller checks person.view and logs the export; `show_personal_data=False` masks them.
    """
    today = on or (period[1] if period else timezone.localdate())
    template = form_for(Key.REGISTER, today)
    sheet = _Sheet(template, {}, on=today, orientation="L", size=12)
    doc = sheet.doc
    if unit is not None:
        sheet.header(unit, number=None, on=today)
    else:
        sheet.form_mark()
    doc.title(title or sheet.text("title") or template.name.upper())
    if period:
        doc.paragraph(
            f"Từ ngày {local_date_text(period[0])} đến ngày {local_date_text(period[1])}",
            italic=True,
            indent=0,
            align="C",
        )
    heads, leaves = _register_headings(sheet.text_list("columns"))
    rows = [_register_row(n, d, show_personal_data) for n, d in enumerate(_register_queryset(dossiers), start=1)]
    widths = REGISTER_WIDTHS if len(leaves) == len(REGISTER_WIDTHS) else [doc.width / len(leaves)] * len(leaves)
    doc.table(heads, rows, widths=widths, size=9, align=["C", "L", "L", "C", *["L"] * (len(leaves) - 4)])
    return sheet.output()


def _register_headings(columns: list) -> tuple[list[list], list[str]]:
    """Two heading rows from forms.yaml's columns, where {"Group": [sub, sub]} spans its subcolumns."""
    grouped = any(isinstance(c, dict) for c in columns)
    top, bottom, leaves = [], [], []
    for column in columns:
        if isinstance(column, dict):
            for group, subs in column.items():
                top.append(Cell(group, colspan=len(subs)))
                bottom.extend(subs)
                leaves.extend(subs)
        else:
            top.append(Cell(column, rowspan=2) if grouped else column)
            leaves.append(column)
    return ([top, bottom] if grouped else [top]), leaves


def _register_queryset(dossiers: Iterable[Dossier]) -> Iterable[Dossier]:
    if isinstance(dossiers, QuerySet):
        return dossiers.select_related("procedure", "received_by", "applicant_area").prefetch_related(
            Prefetch(
                "events",
                queryset=DossierEvent.objects.filter(action="return").order_by("at", "id"),
                to_attr="return_events",
            )
        )
    return dossiers


def _register_row(n: int, d: Dossier, personal: bool) -> list:
    returns = getattr(d, "return_events", None)
    if returns is None:
        returns = list(d.events.filter(action="return").order_by("at", "id"))
    giver = returns[-1].actor_name if returns else ""
    name = d.applicant_name if personal else mask_name(d.applicant_name)
    address = d.applicant_address if personal else ""
    phone = d.applicant_phone if personal else mask_digits(d.applicant_phone)
    return [
        n,
        d.code,
        d.procedure.name,
        "01",
        name,
        address,
        phone,
        local_date_text(d.received_at or d.submitted_at),
        local_date_text(d.due_at),
        local_date_text(d.returned_at),
        giver,
        "",  # bên nhận: the applicant signs on paper
        _officer_name(d.received_by),
        d.applicant_area.name if d.applicant_area_id else "",
        "",
    ]
