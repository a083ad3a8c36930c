"""The official documents of administrative-violation handling as PDFs: one function per document.

- `record_pdf(record)`: Biên bản vi phạm hành chính (model form MBB01);
- `decision_pdf(decision)`: Quyết định xử phạt vi phạm hành chính (MQĐ02 when made from records,
  MQĐ01 for an on-the-spot fine without a record), with the VietQR code for the transfer;
- `receipt_pdf(payment)`: the receipt of a counter payment.

Which form: the model forms of the appendix of Nghị định 118/2021/NĐ-CP (in force 01/01/2022). As
checked on 28/11/2026 (search tool; details and sources in `data/forms.yaml`), ND 118/2021 was
amended by Nghị định 68/2025/NĐ-CP and Nghị định 190/2025/NĐ-CP (with Luật 88/2025/QH15, in force
01/07/2025); practitioners in 2026 still use "mẫu biên bản số 01" and "mẫu quyết định số 02" of its
appendix, and no replacement of the appendix was found (confidence: secondary; the exact 2025 wording
of single forms was not confirmed). The versions in `data/forms.yaml` differ only in how the law is
cited; the one printed is the one in force on the document's date (`form_for`).

What it says: the form's fixed words are data (`data/forms.yaml`, Django template syntax, filled from
the record or decision), laid out with `antt.core.pdf.OfficialDocument` (Nghị định 30/2020/NĐ-CP).
Amounts are written in figures and in words (`antt.core.money.money_in_words`); the payment deadline
and the late-payment rate come from `violations.rules` parameters (`payment_days`,
`surcharge_per_100000_per_day`: Luật XLVPHC Art. 73 and 78), never from literals. The personal data
printed is the violator's own: the document is handed to them; staff views log every print as a
personal-data read (`views/printing.py`). The decision's QR code carries the EMVCo (VietQR) payload
of the fine account with the amount and the decision's payment reference as the note, nothing
personal.

Template values (see forms.yaml): record — number, made_time, made_date, made_place, officer,
officer_title, unit, decider, field, organisation, violator fields (name, birth_date, nationality,
occupation, address, id_number, tax_code, representative, representative_title), behaviour n,
description, note, provision, violated_time/_date/_place, vehicle_kind, plate, statement,
victim_statement, measures; decision — the same violator fields, issuer, issuer_title, unit,
power_basis, lines, amount, words, payment_days, due_date, rate, account, account_name, reference,
issued_date; receipt — receipt_number, received_at, payer, decision_number, decision_date,
violator, reference, amount, words, remaining, channel.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

import yaml
from django.core.exceptions import ImproperlyConfigured
from django.template import Context, Engine, TemplateDoesNotExist, TemplateSyntaxError

from antt.core import calendar
from antt.core.money import money_in_words
from antt.core.pdf import FONT_FAMILY, HINT_SIGN, HINT_SIGN_SEAL, OfficialDocument, nfc, time_of_day
from antt.core.vietqr import fine_account, fine_account_name, fine_payload
from antt.dossiers.printing import place_name
from antt.violations import rules
from antt.violations.models import (
    Circumstance,
    FinePayment,
    FiningTitle,
    PenaltyDecision,
    Source,
    Subject,
    ViolationRecord,
)

FORMS_FILE = Path(__file__).with_name("data") / "forms.yaml"
BLANK = "................"
# Column headings used when a form version has none of its own.
SEIZED_COLUMNS = ["STT", "Tên tang vật, phương tiện, giấy tờ", "Đơn vị tính", "Số lượng", "Đặc điểm", "Nơi lưu giữ"]
LINE_COLUMNS = ["STT", "Hành vi vi phạm", "Quy định tại", "Hình thức, mức phạt"]
RECEIPT_COLUMNS = ["STT", "Khoản thu", "Số tiền"]


class PrintError(Exception):
    """The document cannot be printed (no form in force, a broken form text, an imported decision);
    `message` says why, in Vietnamese."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


# ----------------------------------------------------------------------------- the forms as data


@dataclass(frozen=True)
class Form:
    """One version of a form from forms.yaml, its `texts` resolved through `base`."""

    id: str
    key: str
    code: str
    name: str
    valid_from: date
    valid_to: date | None
    legal_basis: str
    texts: dict


@lru_cache(maxsize=4)
def _forms(path: str, mtime: float) -> tuple[Form, ...]:
    with open(path, encoding="utf-8") as fh:
        entries = yaml.safe_load(fh) or []
    by_id = {e["id"]: e for e in entries}

    def texts(entry: dict, seen: tuple = ()) -> dict:
        if entry["id"] in seen:
            raise ImproperlyConfigured(f"forms.yaml: vòng lặp base ở mẫu {entry['id']}")
        base = by_id[entry["base"]] if entry.get("base") else None
        merged = dict(texts(base, (*seen, entry["id"]))) if base else {}
        merged.update(entry.get("texts") or {})
        return merged

    return tuple(
        Form(
            id=e["id"],
            key=e["key"],
            code=str(e["code"]),
            name=e["name"],
            valid_from=e["valid_from"],
            valid_to=e.get("valid_to"),
            legal_basis=e.get("legal_basis", ""),
            texts=texts(e),
        )
        for e in entries
    )


def forms() -> tuple[Form, ...]:
    """Every form version of forms.yaml (re-read when the file changes)."""
    return _forms(str(FORMS_FILE), FORMS_FILE.stat().st_mtime)


def form_for(key: str, on: date) -> Form:
    """The version of form `key` in force on `on` (`valid_to` inclusive); PrintError when none."""
    found = [f for f in forms() if f.key == key and f.valid_from <= on and (f.valid_to is None or on <= f.valid_to)]
    if not found:
        raise PrintError(f"Chưa có mẫu biểu “{key}” áp dụng cho ngày {on:%d/%m/%Y}.")
    return max(found, key=lambda f: f.valid_from)


_ENGINE = Engine(autoescape=False)


@lru_cache(maxsize=512)
def _compiled(text: str):
    return _ENGINE.from_string(text)


def fill(text: str, context: dict) -> str:
    """A sentence of forms.yaml filled from `context` (a PDF: no HTML escaping)."""
    try:
        return nfc(_compiled(str(text)).render(Context(context, autoescape=False))).strip()
    except (TemplateSyntaxError, TemplateDoesNotExist) as exc:
        raise PrintError(f"Nội dung cố định của mẫu biểu có lỗi ({exc}); quản trị viên cần sửa mẫu.") from exc


# ----------------------------------------------------------------------------- formatting


def date_text(value: date | datetime | None) -> str:
    """dd/mm/yyyy (datetimes read in Asia/Ho_Chi_Minh); dotted blank when unknown."""
    if value is None:
        return BLANK
    if isinstance(value, datetime):
        value = calendar.local(value).date()
    return f"{value:%d/%m/%Y}"


def money_text(amount: int) -> str:
    """1500000 -> "1.500.000 đồng", as decisions write amounts."""
    return f"{int(amount):,}".replace(",", ".") + " đồng"


def rate_text(per_100000: int) -> str:
    """The surcharge parameter (đồng per 100,000 đồng per day) as a percentage: 50 -> "0,05%"."""
    percent = (Decimal(per_100000) / Decimal(1000)).normalize()
    return f"{percent:f}".replace(".", ",") + "%"


def _name(user) -> str:
    return (user.full_name or user.get_username()) if user is not None else ""


def _parameter(key: str, on: date) -> int:
    """A legal parameter in force on `on`, read by `violations.rules.parameter`; a missing value is a
    PrintError (the administrator must load the legal data), not a server error."""
    try:
        return rules.parameter(key, on)
    except ImproperlyConfigured as exc:
        raise PrintError(f"Thiếu tham số pháp lý “{key}” áp dụng ngày {on:%d/%m/%Y}.") from exc


def _violator_context(obj) -> dict:
    """The violator's fields of a record or decision (ViolatorFields)."""
    return {
        "organisation": obj.violator_kind == Subject.ORGANISATION,
        "name": obj.violator_name,
        "birth_date": date_text(obj.violator_birth_date),
        "nationality": obj.violator_nationality or BLANK,
        "occupation": obj.violator_occupation or BLANK,
        "address": obj.violator_address or BLANK,
        "id_number": obj.violator_id_number or BLANK,
        "tax_code": obj.violator_tax_code or BLANK,
        "representative": obj.violator_representative or BLANK,
        "representative_title": obj.violator_representative_title or BLANK,
    }


def _place(address: str, area) -> str:
    parts = [(address or "").strip()]
    if area is not None:
        parts.append(area.name)
    return ", ".join(p for p in parts if p) or BLANK


# ----------------------------------------------------------------------------- layout


class _Sheet:
    """One document being drawn: the form's texts, the values they are filled with, the page."""

    def __init__(self, form: Form, context: dict, *, on, size: float = 13, gap: float = 1.2):
        self.form = form
        self.texts = form.texts
        self.context = context
        self.gap = gap
        self.doc = OfficialDocument("P", title_meta=f"{form.code}: {form.name}", on=on, size=size)
        self.pdf = self.doc.pdf
        law = self.texts.get("law")
        if isinstance(law, str):
            self.context["law"] = fill(law, self.context)

    def text(self, key: str, **extra) -> str:
        value = self.texts.get(key)
        if not isinstance(value, str) or not value.strip():
            return ""
        return fill(value, {**self.context, **extra})

    def text_list(self, key: str, **extra) -> list[str]:
        value = self.texts.get(key)
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list):
            return []
        return [t for t in (fill(str(v), {**self.context, **extra}) for v in value) if t]

    def form_mark(self) -> None:
        """The form's code and legal basis, top right (as the appendix prints "Mẫu MBB01")."""
        pdf = self.pdf
        w = min(100.0, self.doc.width * 0.6)
        x = pdf.w - pdf.r_margin - w
        pdf.set_font(FONT_FAMILY, "B", 11)
        pdf.set_xy(x, pdf.get_y())
        pdf.multi_cell(w, 4.6, nfc(f"Mẫu {self.form.code}"), align="R", new_x="LEFT", new_y="NEXT")
        if self.form.legal_basis:
            pdf.set_font(FONT_FAMILY, "I", 8)
            pdf.set_x(x)
            pdf.multi_cell(w, 3.4, nfc(f"({self.form.legal_basis})"), align="R", new_x="LEFT", new_y="NEXT")
        pdf.set_xy(pdf.l_margin, pdf.get_y() + 3)

    def header(self, unit, *, number: str | None, on) -> None:
        self.form_mark()
        parent = unit.parent.name if unit.parent_id else None
        self.doc.national_header(parent, unit.name, number=number, place=place_name(unit), on=on)

    def title(self) -> None:
        self.doc.title(self.text("title") or self.form.name.upper(), self.text("subtitle") or None)

    def say(self, value: str, *, bold=False, italic=False, indent: float = 0, align="J") -> None:
        if value:
            self.doc.paragraph(value, bold=bold, italic=italic, indent=indent, align=align, after=self.gap)

    def line(self, key: str, *, bold=False, italic=False, indent: float = 0, **extra) -> None:
        self.say(self.text(key, **extra), bold=bold, italic=italic, indent=indent)

    def lines(self, key: str, *, indent: float = 0, **extra) -> None:
        for value in self.text_list(key, **extra):
            self.say(value, indent=indent)

    def violator(self, ctx: dict) -> None:
        key = "organisation_lines" if ctx["organisation"] else "person_lines"
        for value in self.text_list(key, **ctx):
            self.say(value, indent=5)

    def signatures(self, blocks: list[tuple[str, str | None, str | None]], *, room: float = 22) -> None:
        if blocks:
            self.doc.space(2)
            self.doc.signature_blocks(blocks, room=room)

    def output(self) -> bytes:
        self.doc.page_numbers()
        return self.doc.output()


# ----------------------------------------------------------------------------- MBB01: the record


def _witness(value) -> dict:
    """A witness of `ViolationRecord.witnesses`: a dict (name, address, id_number, statement) or a name."""
    if isinstance(value, dict):
        return {k: str(v or "") for k, v in value.items()}
    return {"name": str(value or "")}


def _seized_rows(record: ViolationRecord) -> list[list]:
    rows = []
    for n, item in enumerate(record.seized_items.order_by("seized_at", "id"), start=1):
        features = str(item.get_kind_display())
        if item.plate:
            features += f", biển số {item.plate}"
        rows.append([n, item.description, item.measure, item.quantity, features, item.storage_place])
    return rows


def record_pdf(record: ViolationRecord) -> bytes:
    """Biên bản vi phạm hành chính (MBB01 of the ND 118/2021 appendix; contents of Luật XLVPHC Art. 58(2)):
    number, time and place made, maker's name, title and unit, the violator, time and place of the
    violation, behaviours with their provision, vehicle and plate, seized items (table), witnesses,
    statements, the right and deadline to explain and to whom, signatures or the refusal note, pages.
    """
    made_on = calendar.local(record.made_at).date()
    form = form_for("record", made_on)
    unit = record.unit
    behaviours = list(record.record_behaviours.select_related("behaviour__decree", "behaviour__stat_group"))
    field = behaviours[0].behaviour.stat_group.field_name if behaviours else ""
    decider = record.transferred_to.name if record.transferred_to_id else unit.name
    violator = _violator_context(record)
    context = {
        **violator,
        "number": record.number,
        "made_time": time_of_day(record.made_at),
        "made_date": date_text(record.made_at),
        "made_place": _place(record.address, record.area),
        "officer": _name(record.officer),
        "officer_title": record.officer_title or BLANK,
        "unit": unit.name,
        "decider": decider,
        "field": field[:1].lower() + field[1:] if field else "",
        "violated_time": time_of_day(record.violated_at),
        "violated_date": date_text(record.violated_at),
        "violated_place": _place(record.address, record.area),
        "vehicle_kind": record.get_vehicle_kind_display() if record.vehicle_kind else "",
        "plate": record.plate_display or record.plate,
        "statement": record.statement or "Không có ý kiến.",
        "victim_statement": record.victim_statement,
        "measures": record.preventive_measures or "Không.",
    }
    sheet = _Sheet(form, context, on=record.made_at)
    sheet.header(unit, number=record.number, on=record.made_at)
    sheet.title()
    sheet.line("basis", italic=True)
    sheet.line("opening")
    sheet.line("makers_heading")
    sheet.line("maker", indent=5)
    witnesses = [_witness(w) for w in record.witnesses or []]
    witnesses = [w for w in witnesses if w.get("name")]
    sheet.line("witnesses_heading")
    if witnesses:
        for n, w in enumerate(witnesses, start=1):
            details = "; ".join(
                p
                for p in (
                    f"Địa chỉ: {w['address']}" if w.get("address") else "",
                    f"Số định danh cá nhân: {w['id_number']}" if w.get("id_number") else "",
                )
                if p
            )
            sheet.say(f"{n}. Ông (bà): {w['name']}" + (f"; {details}" if details else "") + ".", indent=5)
    else:
        sheet.line("no_witness", indent=5)
    sheet.line("subject_organisation" if violator["organisation"] else "subject_person")
    sheet.violator(violator)
    sheet.line("behaviours_heading")
    for n, rb in enumerate(behaviours, start=1):
        sheet.line("behaviour", indent=5, n=n, description=rb.behaviour.description, note=rb.note)
        sheet.line("provision", indent=10, provision=rb.behaviour.provision)
    sheet.line("violated")
    if record.vehicle_kind or record.plate:
        sheet.line("vehicle")
    sheet.line("statement")
    for w in witnesses:
        if w.get("statement"):
            sheet.line("witness_statement", name=w["name"], statement=w["statement"])
    if record.victim_statement:
        sheet.line("victim_statement")
    sheet.line("stop_request")
    sheet.line("measures")
    rows = _seized_rows(record)
    if rows:
        sheet.line("seized_heading")
        columns = sheet.texts.get("seized_columns") or SEIZED_COLUMNS
        sheet.doc.table(columns, rows, widths=[10, 45, 18, 17, 40, 35], align=["C", "L", "C", "C", "L", "L"], size=11)
        sheet.line("seized_closing")
    else:
        sheet.line("no_seized")
    sheet.lines("explanation")
    sheet.line("appear")
    sheet.line("closing")
    if record.refused_to_sign:
        sheet.line("refused", italic=True)
    # Under the violator's block: their name (the representative for an organisation), or
    # "(Không ký)" and no name when they refused to sign.
    signer = record.violator_representative if violator["organisation"] else record.violator_name
    titles = sheet.text_list("signatures") or ["CÁ NHÂN VI PHẠM", "NGƯỜI LẬP BIÊN BẢN"]
    blocks: list[tuple[str, str | None, str | None]] = [
        (titles[0], sheet.text("refused_signature"), None)
        if record.refused_to_sign
        else (titles[0], HINT_SIGN, signer or None),
        *[(title, HINT_SIGN, context["officer"]) for title in titles[1:]],
    ]
    sheet.signatures(blocks)
    if witnesses:
        sheet.signatures(
            [(sheet.text("witness_signature") or "NGƯỜI CHỨNG KIẾN", HINT_SIGN, w["name"]) for w in witnesses[:3]]
        )
    return sheet.output()


# ----------------------------------------------------------------------------- MQĐ02/MQĐ01: the decision


def _circumstance_texts(codes: list) -> list[str]:
    codes = [str(c) for c in codes or [] if c]
    known = dict(Circumstance.objects.filter(code__in=codes).values_list("code", "text"))
    return [known.get(c, c) for c in codes]


def _vietqr(decision: PenaltyDecision, amount: int) -> str:
    """The VietQR payload of the fine account for `amount`, the payment reference as the note."""
    return fine_payload(amount=amount, reference=decision.payment_reference)


def _issuer_power_basis(decision: PenaltyDecision) -> str:
    """The legal basis of the issuer's title on the day of issue (FiningTitle.legal_basis)."""
    if not decision.issuer_title_code:
        return ""
    title = (
        FiningTitle.objects.filter(FiningTitle.valid_on(decision.issued_on), code=decision.issuer_title_code)
        .order_by("-valid_from")
        .first()
    )
    return title.legal_basis if title is not None else ""


def decision_pdf(decision: PenaltyDecision) -> bytes:
    """Quyết định xử phạt vi phạm hành chính: MQĐ02 (with records) or MQĐ01 (on the spot, Art. 56).

    Basis (the law, each decree of the lines, the issuer's power, the records), the issuer, the
    violator, each behaviour with its provision and circumstances, the main penalty per behaviour and
    the total in figures and words, additional penalties (licence suspension with start and end,
    points, confiscation), remedial measures, how and by when to pay (`payment_days`, the surcharge
    rate from `surcharge_per_100000_per_day`), the VietQR code, the effective date, the right to
    complain or sue, the signature block.
    """
    if decision.kind == PenaltyDecision.Kind.IMPORTED or decision.source == Source.IMPORT:
        raise PrintError("Quyết định nhập từ dữ liệu cũ không có bản in theo mẫu.")
    key = "decision_spot" if decision.kind == PenaltyDecision.Kind.ON_THE_SPOT else "decision_record"
    on = decision.issued_on
    form = form_for(key, on)
    unit = decision.unit
    violator = _violator_context(decision)
    lines = list(decision.lines.select_related("behaviour__decree").order_by("id"))
    payment_days = _parameter("payment_days", on)
    rate = rate_text(_parameter("surcharge_per_100000_per_day", on))
    due = decision.amount_due
    context = {
        **violator,
        "issuer": decision.issuer_name or _name(decision.issuer) or BLANK,
        "issuer_title": decision.issuer_title_name or BLANK,
        "unit": unit.name,
        "power_basis": _issuer_power_basis(decision),
        "violated_time": time_of_day(decision.violated_at),
        "violated_date": date_text(decision.violated_at),
        "violated_place": _place(decision.address, decision.area),
        "plate": decision.plate_display or decision.plate,
        "issued_date": date_text(decision.issued_on),
        "payment_days": f"{payment_days:02d}",
        "due_date": date_text(decision.payment_due_on) if decision.payment_due_on else "",
        "rate": rate,
        "account": fine_account(),
        "account_name": fine_account_name(),
        "reference": decision.payment_reference,
        "amount": money_text(due),
    }
    sheet = _Sheet(form, context, on=decision.issued_at)
    sheet.header(unit, number=decision.number, on=decision.issued_at)
    sheet.title()

    # Basis: the law, each decree once, the issuer's power, the records.
    for value in sheet.text_list("basis"):
        sheet.say(value, italic=True, indent=10)
    decrees = []
    for line in lines:
        decree = line.behaviour.decree if line.behaviour_id else None
        if decree is not None and decree not in decrees:
            decrees.append(decree)
    for decree in decrees:
        sheet.line("basis_decree", italic=True, indent=10, code=decree.code, title=decree.title)
    sheet.line("basis_power", italic=True, indent=10)
    for record in decision.records.order_by("made_at", "id"):
        sheet.line("basis_record", italic=True, indent=10, number=record.number, date=date_text(record.made_at))
    sheet.line("issuer", indent=10)
    sheet.say(sheet.text("decides"), bold=True, align="C")

    # Article 1: who, what, where, circumstances, penalties.
    sheet.line("article1", bold=True)
    sheet.violator(violator)
    sheet.line("behaviours_heading")
    for n, line in enumerate(lines, start=1):
        sheet.line("behaviour", indent=5, n=n, description=line.description)
        sheet.line("provision", indent=10, provision=line.provision)
    sheet.line("violated")
    aggravating = [t for line in lines for t in _circumstance_texts(line.aggravating)]
    mitigating = [t for line in lines for t in _circumstance_texts(line.mitigating)]
    if aggravating:
        sheet.line("aggravating", items="; ".join(dict.fromkeys(aggravating)))
    if mitigating:
        sheet.line("mitigating", items="; ".join(dict.fromkeys(mitigating)))
    if not aggravating and not mitigating:
        sheet.line("no_circumstances")
    sheet.line("penalties_heading")
    sheet.line("main_heading")
    rows = []
    for n, line in enumerate(lines, start=1):
        penalty = sheet.text("warning") if line.warning else sheet.text("fine", amount=money_text(line.amount))
        rows.append([n, line.description, line.provision, penalty])
    if rows:
        columns = sheet.texts.get("lines_columns") or LINE_COLUMNS
        sheet.doc.table(columns, rows, widths=[10, 68, 50, 37], align=["C", "L", "L", "R"], size=11)
    if decision.warning_only:
        sheet.line("warning_only", indent=5)
    else:
        sheet.line(
            "total",
            bold=True,
            indent=5,
            amount=money_text(decision.total_fine),
            words=money_in_words(decision.total_fine),
        )

    additional = []
    suspensions = list(decision.suspensions.filter(cancelled=False).order_by("starts_on", "id"))
    for s in suspensions:
        additional.append(
            sheet.text(
                "suspension",
                kind=str(s.get_kind_display()).lower(),
                number=s.licence_number,
                licence_class=s.licence_class,
                months=f"{s.months:02d}",
                starts_on=date_text(s.starts_on),
                ends_on=date_text(s.ends_on),
            )
        )
    for line in lines:
        if line.suspension_months and not suspensions:
            additional.append(
                sheet.text("suspension_pending", months=f"{line.suspension_months:02d}", provision=line.provision)
            )
        if line.licence_points:
            additional.append(sheet.text("points", points=f"{line.licence_points:02d}", provision=line.provision))
        if line.confiscation:
            additional.append(sheet.text("confiscation", what=line.confiscation, provision=line.provision))
    additional = [a for a in additional if a]
    sheet.line("additional_heading", items=additional)
    for value in additional:
        sheet.say(f"- {value}", indent=5)
    remedial = [
        m.strip() for m in [decision.remedial_measures, *(line.remedial_measures for line in lines)] if m and m.strip()
    ]
    remedial = list(dict.fromkeys(remedial))
    sheet.line("remedial_heading", items=remedial)
    for value in remedial:
        sheet.say(f"- {value}", indent=5)

    # Articles 2 and 3: effect, delivery, payment, complaint.
    sheet.line("article2", bold=True)
    sheet.line("article3", bold=True)
    sheet.line("delivery", indent=5)
    if not decision.warning_only and decision.total_fine:
        sheet.line("payment", indent=5)
        sheet.line("late", indent=5)
    sheet.line("complaint", indent=5)
    sheet.line("treasury", indent=5)
    sheet.line("enforcement", indent=5)

    payload = _vietqr(decision, due) if due > 0 and not decision.warning_only else None
    if payload:
        size = 34.0
        sheet.doc.ensure_space(size + 4)
        top = sheet.pdf.get_y()
        sheet.doc.qr(payload, size_mm=size)
        sheet.pdf.set_font(FONT_FAMILY, "I", 11)
        sheet.pdf.set_xy(sheet.pdf.l_margin, top + 6)
        sheet.pdf.multi_cell(
            sheet.doc.width - size - 5, 5, nfc(sheet.text("qr_caption")), align="L", new_x="LMARGIN", new_y="NEXT"
        )
        sheet.pdf.set_y(top + size + 2)

    title = (decision.issuer_title_name or "").upper()
    signature_title = sheet.text_list("signatures")[0] if sheet.text_list("signatures") else "NGƯỜI RA QUYẾT ĐỊNH"
    if title:
        signature_title = f"{signature_title}\n{title}"
    sheet.signatures([("", None, None), (signature_title, HINT_SIGN_SEAL, context["issuer"])])
    return sheet.output()


# ----------------------------------------------------------------------------- the counter receipt


def receipt_pdf(payment: FinePayment) -> bytes:
    """The receipt of a counter payment: number, decision, payer, amount in figures and words, the
    fine and surcharge parts, what is left to pay, the officer."""
    if payment.channel != FinePayment.Channel.COUNTER or not payment.receipt_number:
        raise PrintError("Chỉ khoản nộp tại quầy mới có biên lai thu tiền phạt.")
    decision = payment.decision
    on = calendar.local(payment.received_at).date()
    form = form_for("receipt", on)
    parts = [("fine_part", payment.fine_part), ("surcharge_part", payment.surcharge_part)]
    context = {
        "receipt_number": payment.receipt_number,
        "received_at": f"{time_of_day(payment.received_at)}, ngày {date_text(payment.received_at)}",
        "payer": payment.payer_name or decision.violator_name,
        "decision_number": decision.number,
        "decision_date": date_text(decision.issued_on),
        "violator": decision.violator_name,
        "reference": decision.payment_reference,
        "amount": money_text(payment.amount),
        "words": money_in_words(payment.amount),
        "remaining": money_text(decision.amount_due) if decision.amount_due else "",
        "channel": str(payment.get_channel_display()),
    }
    sheet = _Sheet(form, context, on=payment.received_at)
    sheet.header(decision.unit, number=payment.receipt_number, on=payment.received_at)
    sheet.title()
    sheet.lines("lines")
    rows = [[n, sheet.text(key) or key, money_text(value)] for n, (key, value) in enumerate(parts, start=1)]
    columns = sheet.texts.get("parts_columns") or RECEIPT_COLUMNS
    sheet.doc.table(columns, rows, widths=[15, 100, 50], align=["C", "L", "R"])
    sheet.line("total", bold=True)
    sheet.line("remaining")
    sheet.line("channel")
    titles = sheet.text_list("signatures") or ["NGƯỜI NỘP TIỀN", "NGƯỜI THU TIỀN"]
    names = [context["payer"], _name(payment.officer)]
    sheet.signatures([(t, HINT_SIGN, names[i] if i < len(names) else None) for i, t in enumerate(titles)])
    return sheet.output()
