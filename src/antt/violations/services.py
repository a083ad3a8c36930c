"""Every write of administrative violations: records, decisions, payments, seized items.

Each service checks the officer's capability (`org.roles`) and unit (`org.selectors`),
validates its input (Vietnamese messages, `ViolationError` with the HTTP status), applies the
legal rules (`violations.rules`, reading the versioned data), and writes inside one
transaction with an audit entry; each change of a decision also leaves a `DecisionEvent`.
A refusal leaves nothing written. Rows that two people may change at once (records, decisions)
are re-read under a row lock (PostgreSQL `SELECT … FOR UPDATE`; SQLite runs write
transactions one at a time) and written only if `row_version` has not moved.

Numbers (gap-free, `core.sequences`, per numbering code and year):

* record    `<seq>/BB-VPHC/<code>/<yyyy>`  e.g. `12/BB-VPHC/H56.14.01/2026`
* decision  `<seq>/QĐ-XPHC/<code>/<yyyy>`  e.g. `123/QĐ-XPHC/H56.14.01/2026`
* receipt   `<seq:07d>/BL/<code>/<yyyy>`   counter payments only

`<code>` is the unit's own electronic agency code (Quyết định 20/2020/QĐ-TTg), else a short code
read from the unit's slug (`CAX14797` for `ca-xa-14797`, see `numbering_code`), else `DV<id>`;
each code has its own counter, which keeps every number unique across the province while the
printed form shows "Số: 123/QĐ-XPHC" under the unit's name, as the forms of Nghị định
118/2021/NĐ-CP do. The payment reference that goes into a bank transfer note is "VP" and ten
random base-32 characters (A–Z, 2–7): short, unambiguous, no personal data.

Personal data (the violator's name, ID number, address, phone) never goes into the audit
trail: entries carry numbers, codes and amounts.
"""

from __future__ import annotations

import json
import re
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from dateutil.relativedelta import relativedelta
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from antt.api import webhooks
from antt.core import audit, calendar
from antt.core.identifiers import IdentifierError, check_tax_code, parse_personal_id, parse_plate
from antt.core.models import AuditEvent
from antt.core.money import format_vnd
from antt.core.sequences import next_value
from antt.org.models import AdminArea, Unit
from antt.org.roles import can
from antt.org.selectors import unit_is_visible
from antt.violations import rules, workflow
from antt.violations.models import (
    DecisionEvent,
    DecisionLine,
    DecisionStatus,
    DecisionViolator,
    FinePayment,
    LicenceSuspension,
    PenaltyDecision,
    RecordBehaviour,
    SeizedItem,
    Subject,
    VehicleKind,
    ViolationCase,
    ViolationRecord,
)
from antt.violations.rules import ViolationError

Action = AuditEvent.Action
S = DecisionStatus

__all__ = [
    "LineInput",
    "ViolationError",
    "decision_appeal",
    "decision_appeal_close",
    "decision_cancel",
    "decision_deliver",
    "decision_enforce",
    "decision_issue",
    "decision_issue_on_the_spot",
    "decisions_mark_late",
    "payment_record",
    "record_close",
    "record_create",
    "record_transfer",
    "seized_item_add",
    "seized_item_close",
    "seized_items_alert_overdue",
]


# --- helpers ---------------------------------------------------------------------------------


def _require(officer, capability: str) -> None:
    if not can(officer, capability):
        raise ViolationError("Bạn không có quyền thực hiện thao tác này.", 403)
    if not getattr(officer, "unit_id", None):
        raise ViolationError("Tài khoản của bạn chưa thuộc đơn vị nào.", 403)


# `org.loaders.load_units` names the police units after their administrative area's code; these
# prefixes become short letters so that "ca-xa-14797" (Công an phường Hạc Thành) numbers its
# papers ".../CAX14797/2026". Longer prefixes first: "ca-xa-cu-" is a commune before 2025.
_SLUG_PREFIXES = (("ca-xa-cu-", "CAXC"), ("ca-xa-", "CAX"), ("ca-huyen-", "CAH"))
_SLUG_CODE_MAX = 12


def numbering_code(unit: Unit) -> str:
    """The unit part of record, decision and receipt numbers (see the module docstring).

    The unit's electronic agency code when it has a usable one; else a code read from its slug
    (`Unit.slug` is unique and does not change): the loader's prefixes shortened as in
    `_SLUG_PREFIXES`, any other slug upper-cased without its hyphens ("pc08" -> "PC08",
    "ca-tinh" -> "CATINH"); `DV<id>` when that is longer than 12 characters or empty. Numbers
    stay unique whatever the code: each code has its own gap-free counter per year."""
    code = (unit.agency_code or "").strip()
    if code and len(code) <= 16 and re.fullmatch(r"[A-Za-z0-9.]+", code):
        return code
    slug = (unit.slug or "").lower()
    for prefix, letters in _SLUG_PREFIXES:
        if slug.startswith(prefix):
            slug = letters + slug[len(prefix) :]
            break
    derived = re.sub(r"[^A-Za-z0-9]", "", slug).upper()
    if derived and len(derived) <= _SLUG_CODE_MAX and not re.fullmatch(r"DV[0-9]+", derived):
        return derived
    return f"DV{unit.pk}"


def _aware(value, name: str) -> datetime:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            raise ViolationError(f"{name} không hợp lệ.", 400) from None
    if isinstance(value, date) and not isinstance(value, datetime):
        value = datetime.combine(value, datetime.min.time())
    if not isinstance(value, datetime):
        raise ViolationError(f"Vui lòng nhập {name.lower()}.", 400)
    return calendar.local(value)


def _as_date(value, name: str) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return calendar.local(value).date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        pass
    try:
        return datetime.strptime(str(value), "%d/%m/%Y").date()
    except ValueError:
        raise ViolationError(f"{name} không hợp lệ (định dạng ngày/tháng/năm).", 400) from None


def _text(value, limit: int) -> str:
    return " ".join(str(value or "").split())[:limit]


_PHONE = re.compile(r"^(0|\+?84)(3|5|7|8|9)[0-9]{8}$")
_PASSPORT = re.compile(r"^[A-Z0-9]{6,20}$")
VIETNAMESE = {"", "việt nam", "viet nam", "vn", "vietnam"}

VIOLATOR_KEYS = {
    "kind": "violator_kind",
    "name": "violator_name",
    "id_number": "violator_id_number",
    "tax_code": "violator_tax_code",
    "birth_date": "violator_birth_date",
    "nationality": "violator_nationality",
    "occupation": "violator_occupation",
    "address": "violator_address",
    "phone": "violator_phone",
    "representative": "violator_representative",
    "representative_title": "violator_representative_title",
}


def clean_violator(data: dict, *, on: date) -> dict:
    """The violator dict (keys of VIOLATOR_KEYS) checked and turned into model field values.

    A Vietnamese person needs the 12-digit personal ID number (checked against the birth year
    when given), a foreigner a passport number; an organisation its tax code with the check
    digit. Unknown keys are refused, so a typo in a form never passes silently.
    """
    if not isinstance(data, dict):
        raise ViolationError("Thông tin người vi phạm không hợp lệ.", 400)
    unknown = set(data) - set(VIOLATOR_KEYS)
    if unknown:
        raise ViolationError(f"Thông tin người vi phạm có trường không hợp lệ: {', '.join(sorted(unknown))}.", 400)
    kind = data.get("kind") or Subject.PERSON
    if kind not in Subject.values:
        raise ViolationError("Đối tượng vi phạm phải là cá nhân hoặc tổ chức.", 400)
    name = _text(data.get("name"), 201)
    if not name:
        raise ViolationError("Vui lòng nhập họ và tên người vi phạm (hoặc tên tổ chức).", 400)
    if len(name) > 200:
        raise ViolationError("Họ và tên (tên tổ chức) quá dài (tối đa 200 ký tự).", 400)
    birth_date = _as_date(data.get("birth_date"), "Ngày sinh")
    if birth_date and birth_date > on:
        raise ViolationError("Ngày sinh không được sau ngày vi phạm.", 400)
    nationality = _text(data.get("nationality", "Việt Nam"), 60) or "Việt Nam"
    id_number = re.sub(r"\s", "", str(data.get("id_number") or "")).upper()
    tax_code = ""
    if kind == Subject.PERSON:
        if nationality.casefold() in VIETNAMESE:
            if not id_number:
                raise ViolationError("Vui lòng nhập số định danh cá nhân (12 chữ số) của người vi phạm.", 400)
            try:
                parse_personal_id(id_number, birth_date=birth_date)
            except IdentifierError as exc:
                raise ViolationError(str(exc), 400) from exc
        elif not _PASSPORT.fullmatch(id_number):
            raise ViolationError("Vui lòng nhập số hộ chiếu của người nước ngoài (6–20 chữ cái, chữ số).", 400)
    else:
        try:
            tax_code = check_tax_code(str(data.get("tax_code") or ""))
        except IdentifierError as exc:
            raise ViolationError(str(exc), 400) from exc
        if id_number:
            raise ViolationError("Tổ chức vi phạm được xác định bằng mã số thuế, không nhập số định danh.", 400)
    phone = re.sub(r"[\s.\-()]", "", str(data.get("phone") or ""))
    if phone:
        if not _PHONE.match(phone):
            raise ViolationError("Số điện thoại không hợp lệ (10 chữ số, bắt đầu bằng 03, 05, 07, 08 hoặc 09).", 400)
        phone = "0" + phone[-9:]
    return {
        "violator_kind": kind,
        "violator_name": name,
        "violator_id_number": id_number,
        "violator_tax_code": tax_code,
        "violator_birth_date": birth_date,
        "violator_nationality": nationality,
        "violator_occupation": _text(data.get("occupation"), 120),
        "violator_address": _text(data.get("address"), 300),
        "violator_phone": phone,
        "violator_representative": _text(data.get("representative"), 200),
        "violator_representative_title": _text(data.get("representative_title"), 120),
    }


def _clean_vehicle(vehicle_kind: str, plate: str) -> tuple[str, str, str]:
    vehicle_kind = vehicle_kind or ""
    if vehicle_kind not in ("", *VehicleKind.values):
        raise ViolationError("Loại phương tiện không hợp lệ.", 400)
    if not (plate or "").strip():
        return vehicle_kind, "", ""
    try:
        parsed = parse_plate(plate, vehicle_kind=vehicle_kind)
    except IdentifierError as exc:
        raise ViolationError(str(exc), 400) from exc
    return vehicle_kind, parsed.normalised, parsed.display


def _clean_area(area) -> AdminArea | None:
    if area in (None, ""):
        return None
    if isinstance(area, AdminArea):
        return area
    found = AdminArea.objects.filter(pk=area).first() if str(area).isdigit() else None
    if found is None:
        raise ViolationError("Xã, phường nơi vi phạm không hợp lệ.", 400)
    return found


def _coordinate(value, name: str, bound: int) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value)).quantize(Decimal("0.000001"))
    except InvalidOperation:
        raise ViolationError(f"{name} không hợp lệ.", 400) from None
    if not -bound <= number <= bound:
        raise ViolationError(f"{name} phải trong khoảng −{bound} đến {bound}.", 400)
    return number


def _clean_witnesses(witnesses) -> list[dict]:
    out = []
    for w in witnesses or ():
        if isinstance(w, str):
            w = {"name": w}
        if not isinstance(w, dict) or not _text(w.get("name"), 200):
            raise ViolationError("Người chứng kiến phải có họ và tên.", 400)
        limits = {"name": 200, "address": 300, "id_number": 20, "role": 120, "statement": 2000}
        out.append({k: _text(w.get(k), n) for k, n in limits.items() if w.get(k)})
    if len(out) > 10:
        raise ViolationError("Tối đa 10 người chứng kiến.", 400)
    return out


def _new_case(unit: Unit, occurred_on: date, area, summary: str, code_hint: str) -> ViolationCase:
    return ViolationCase.objects.create(
        code=f"VV-{code_hint}"[:60], unit=unit, occurred_on=occurred_on, area=area, summary=summary[:300]
    )


def _audit(action: str, obj, changes: dict, *, actor=None, reason: str = "") -> None:
    audit.record(action, obj, changes=changes, actor=actor, reason=reason)


# --- seized items (shared by records and the register) -----------------------------------------


@dataclass
class _SeizedIn:
    kind: str
    description: str
    quantity: int
    measure: str
    plate: str
    storage_place: str
    seized_at: datetime
    complex: bool


def _clean_seized(item: dict, default_at: datetime) -> _SeizedIn:
    if not isinstance(item, dict):
        raise ViolationError("Tang vật, phương tiện tạm giữ không hợp lệ.", 400)
    kind = item.get("kind") or SeizedItem.Kind.OTHER
    if kind not in SeizedItem.Kind.values:
        raise ViolationError("Loại tang vật, phương tiện không hợp lệ.", 400)
    description = _text(item.get("description"), 300)
    if not description:
        raise ViolationError("Vui lòng ghi tên, đặc điểm của tang vật, phương tiện tạm giữ.", 400)
    try:
        quantity = int(item.get("quantity", 1))
    except (TypeError, ValueError):
        quantity = 0
    if quantity < 1:
        raise ViolationError("Số lượng tang vật phải là số nguyên dương.", 400)
    storage = _text(item.get("storage_place"), 300)
    if not storage:
        raise ViolationError("Vui lòng ghi nơi lưu giữ tang vật, phương tiện.", 400)
    plate = ""
    if item.get("plate"):
        try:
            plate = parse_plate(item["plate"]).normalised
        except IdentifierError as exc:
            raise ViolationError(str(exc), 400) from exc
    seized_at = _aware(item.get("seized_at") or default_at, "Thời điểm tạm giữ")
    return _SeizedIn(
        kind,
        description,
        quantity,
        _text(item.get("measure") or "chiếc", 30) or "chiếc",
        plate,
        storage,
        seized_at,
        bool(item.get("complex", False)),
    )


def _seized_create(officer, unit: Unit, record, data: _SeizedIn, decision=None) -> SeizedItem:
    item = SeizedItem.objects.create(
        unit=unit,
        record=record,
        decision=decision,
        kind=data.kind,
        description=data.description,
        quantity=data.quantity,
        measure=data.measure,
        plate=data.plate,
        storage_place=data.storage_place,
        seized_at=data.seized_at,
        seized_by=officer,
        hold_until=rules.hold_until(data.seized_at, complex=data.complex),
    )
    _audit(
        Action.CREATE,
        item,
        {
            "record": getattr(record, "number", ""),
            "kind": item.kind,
            "quantity": item.quantity,
            "hold_until": item.hold_until,
        },
        actor=officer,
    )
    return item


# --- records ---------------------------------------------------------------------------------


def record_create(
    *,
    officer,
    violator: dict,
    violated_at,
    made_at=None,
    area=None,
    address: str,
    latitude=None,
    longitude=None,
    vehicle_kind: str = "",
    plate: str = "",
    behaviour_codes: list[str],
    notes: dict[str, str] | None = None,
    witnesses=(),
    statement: str = "",
    explanation_requested: bool = False,
    complex_case: bool = False,
    case: ViolationCase | None = None,
    seized: list[dict] = (),
    victim_statement: str = "",
    preventive_measures: str = "",
    refused_to_sign: bool = False,
) -> ViolationRecord:
    """Make a violation record (biên bản, Luật XLVPHC Art. 58) in the officer's unit.

    The behaviours must be in force on the day of the violation; the record keeps those
    versions, so a later decree never changes how it is judged. `decision_due_on` is computed
    now (Art. 66(1)).
    """
    _require(officer, "violation.record")
    now = timezone.now()
    violated_at = _aware(violated_at, "Thời điểm vi phạm")
    made_at = _aware(made_at or now, "Thời điểm lập biên bản")
    if violated_at > now + timedelta(minutes=5):
        raise ViolationError("Thời điểm vi phạm không được sau thời điểm hiện tại.", 400)
    if made_at > now + timedelta(minutes=5):
        raise ViolationError("Thời điểm lập biên bản không được sau thời điểm hiện tại.", 400)
    if made_at < violated_at:
        raise ViolationError("Biên bản không thể lập trước thời điểm vi phạm.", 400)
    day = violated_at.date()
    values = clean_violator(violator, on=day)
    address = _text(address, 301)
    if not address:
        raise ViolationError("Vui lòng nhập địa điểm vi phạm.", 400)
    if len(address) > 300:
        raise ViolationError("Địa điểm vi phạm quá dài (tối đa 300 ký tự).", 400)
    vehicle_kind, plate_norm, plate_display = _clean_vehicle(vehicle_kind, plate)
    codes = list(dict.fromkeys(c for c in (behaviour_codes or []) if c))
    if not codes:
        raise ViolationError("Vui lòng chọn ít nhất một hành vi vi phạm.", 400)
    behaviours = [rules.behaviour_on(code, day) for code in codes]
    for b in behaviours:
        if b.subject and b.subject != values["violator_kind"]:
            raise ViolationError(f"Hành vi “{b.short_name}” chỉ áp dụng với {Subject(b.subject).label.lower()}.", 422)
    notes = notes or {}
    if not isinstance(notes, dict) or set(notes) - set(codes):
        raise ViolationError("Mô tả cụ thể phải gắn với một hành vi đã chọn.", 400)
    witnesses = _clean_witnesses(witnesses)
    seized_in = [_clean_seized(item, made_at) for item in (seized or ())]
    area = _clean_area(area)
    lat = _coordinate(latitude, "Vĩ độ", 90)
    lon = _coordinate(longitude, "Kinh độ", 180)
    unit = officer.unit
    if case is not None and not unit_is_visible(officer, case.unit):
        raise ViolationError("Không tìm thấy vụ việc.", 404)

    with transaction.atomic():
        code = numbering_code(unit)
        seq = next_value(f"violation-record:{code}", period=str(made_at.year))
        number = f"{seq}/BB-VPHC/{code}/{made_at.year}"
        if case is None:
            case = _new_case(unit, day, area, behaviours[0].short_name, number)
        record = ViolationRecord(
            number=number,
            seq=seq,
            unit=unit,
            officer=officer,
            officer_title=_text(getattr(officer, "title", ""), 120),
            case=case,
            made_at=made_at,
            violated_at=violated_at,
            area=area,
            address=address,
            latitude=lat,
            longitude=lon,
            vehicle_kind=vehicle_kind,
            plate=plate_norm,
            plate_display=plate_display,
            witnesses=witnesses,
            statement=str(statement or "")[:5000],
            victim_statement=str(victim_statement or "")[:5000],
            preventive_measures=str(preventive_measures or "")[:2000],
            explanation_requested=bool(explanation_requested),
            complex_case=bool(complex_case),
            refused_to_sign=bool(refused_to_sign),
            **values,
        )
        record.decision_due_on = rules.decision_due_on(record)
        record.save()
        RecordBehaviour.objects.bulk_create(
            [RecordBehaviour(record=record, behaviour=b, note=_text(notes.get(b.code), 500)) for b in behaviours]
        )
        for item in seized_in:
            _seized_create(officer, unit, record, item)
        _audit(
            Action.CREATE,
            record,
            {
                "number": number,
                "unit": unit.pk,
                "behaviours": codes,
                "violated_at": violated_at,
                "decision_due_on": record.decision_due_on,
                "seized": len(seized_in),
            },
            actor=officer,
        )
    return record


def _lock_record(record, officer) -> ViolationRecord:
    pk = getattr(record, "pk", record)
    seen = getattr(record, "row_version", None)
    locked = (
        ViolationRecord.objects.select_for_update(of=("self",))
        .select_related("unit", "transferred_to")
        .filter(pk=pk)
        .first()
    )
    if locked is None or not (
        unit_is_visible(officer, locked.unit)
        or (locked.status == ViolationRecord.Status.TRANSFERRED and unit_is_visible(officer, locked.transferred_to))
    ):
        raise ViolationError("Không tìm thấy biên bản.", 404)
    if seen is not None and seen != locked.row_version:
        raise ViolationError("Biên bản vừa được cán bộ khác cập nhật. Vui lòng tải lại trang.", 409)
    return locked


def _save_record(record: ViolationRecord, fields: list[str]) -> None:
    values = {f: getattr(record, f) for f in fields}
    updated = ViolationRecord.objects.filter(pk=record.pk, row_version=record.row_version).update(
        row_version=F("row_version") + 1, updated_at=timezone.now(), **values
    )
    if updated != 1:
        raise ViolationError("Biên bản vừa được cán bộ khác cập nhật. Vui lòng tải lại trang.", 409)
    record.row_version += 1


OPEN_RECORD = (ViolationRecord.Status.OPEN, ViolationRecord.Status.TRANSFERRED)


def record_transfer(*, officer, record, to_unit: Unit, reason: str) -> ViolationRecord:
    """Hand a record beyond the maker's power to the unit of the competent person
    (Luật XLVPHC Art. 58(5): within 2 working days; the deadline is shown, not enforced)."""
    _require(officer, "violation.record")
    reason = _text(reason, 300)
    if not reason:
        raise ViolationError("Vui lòng nêu lý do chuyển biên bản.", 400)
    if not isinstance(to_unit, Unit):
        raise ViolationError("Đơn vị nhận không hợp lệ.", 400)
    with transaction.atomic():
        locked = _lock_record(record, officer)
        if locked.status != ViolationRecord.Status.OPEN:
            raise ViolationError("Chỉ chuyển được biên bản đang chờ ra quyết định.", 409)
        if to_unit.pk == locked.unit_id or not to_unit.is_active:
            raise ViolationError("Đơn vị nhận phải là một đơn vị khác đang hoạt động.", 400)
        locked.status = ViolationRecord.Status.TRANSFERRED
        locked.transferred_to = to_unit
        locked.transferred_at = timezone.now()
        due_before = locked.decision_due_on
        locked.decision_due_on = rules.decision_due_on(locked)
        _save_record(locked, ["status", "transferred_to", "transferred_at", "decision_due_on"])
        _audit(
            Action.TRANSITION,
            locked,
            {
                "status": [ViolationRecord.Status.OPEN, locked.status],
                "to_unit": to_unit.pk,
                "decision_due_on": [due_before, locked.decision_due_on],
            },
            actor=officer,
            reason=reason,
        )
    return locked


def record_close(*, officer, record, reason: str) -> ViolationRecord:
    """Close a record without a decision (Luật XLVPHC Art. 65: the cases where no decision is
    issued, e.g. the deadline passed or the violator died), with the reason."""
    _require(officer, "violation.decide")
    reason = _text(reason, 300)
    if not reason:
        raise ViolationError("Vui lòng nêu lý do không ra quyết định xử phạt.", 400)
    with transaction.atomic():
        locked = _lock_record(record, officer)
        if locked.status not in OPEN_RECORD:
            raise ViolationError("Biên bản này không còn chờ ra quyết định.", 409)
        before = locked.status
        locked.status = ViolationRecord.Status.CLOSED
        locked.closed_reason = reason
        _save_record(locked, ["status", "closed_reason"])
        _audit(Action.TRANSITION, locked, {"status": [before, locked.status]}, actor=officer, reason=reason)
    return locked


# --- decisions -------------------------------------------------------------------------------


@dataclass
class LineInput:
    """One behaviour of a decision as the officer fixes it."""

    behaviour_code: str
    mitigating: list[str] = field(default_factory=list)
    aggravating: list[str] = field(default_factory=list)
    amount: int | None = None
    warning: bool = False
    suspension_months: int | None = None


@dataclass
class _Line:
    behaviour: object
    input: LineInput
    fine: rules.FineDecision
    suspension_months: int | None

    @property
    def warning(self) -> bool:
        return self.input.warning


_REFERENCE_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"


def new_payment_reference() -> str:
    """ "VP" + 10 random base-32 characters (50 bits): what the payer writes in the transfer note."""
    return "VP" + "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(10))


def _unique_reference() -> str:
    for _ in range(5):
        ref = new_payment_reference()
        if not PenaltyDecision.objects.filter(payment_reference=ref).exists():
            return ref
    raise RuntimeError("could not draw a unique payment reference")  # 2^-250: never


def _build_lines(lines: list[LineInput], behaviours: dict, subject: str, day: date) -> list[_Line]:
    if not lines:
        raise ViolationError("Quyết định phải có ít nhất một hành vi bị xử phạt.", 400)
    seen = set()
    out = []
    for line in lines:
        if not isinstance(line, LineInput):
            raise ViolationError("Dòng xử phạt không hợp lệ.", 400)
        if line.behaviour_code in seen:
            raise ViolationError("Mỗi hành vi chỉ xử phạt một lần trong một quyết định.", 400)
        seen.add(line.behaviour_code)
        behaviour = behaviours.get(line.behaviour_code)
        if behaviour is None:
            raise ViolationError(f"Hành vi {line.behaviour_code} không có trong biên bản.", 422)
        fine = rules.fine_for(
            behaviour,
            subject=subject,
            mitigating=line.mitigating,
            aggravating=line.aggravating,
            amount=line.amount,
            warning=line.warning,
        )
        months = line.suspension_months
        bounds = rules.suspension_bounds(behaviour, day)
        if months in ("", 0):
            months = None
        if months is not None:
            try:
                months = int(months)
            except (TypeError, ValueError):
                raise ViolationError("Số tháng tước giấy phép phải là số nguyên.", 422) from None
            if bounds is None:
                raise ViolationError(
                    f"Hành vi “{behaviour.short_name}” không có hình thức tước quyền sử dụng giấy phép.", 422
                )
            if not bounds[0] <= months <= bounds[1]:
                raise ViolationError(
                    f"Thời hạn tước giấy phép cho hành vi “{behaviour.short_name}” phải từ {bounds[0]} "
                    f"đến {bounds[1]} tháng.",
                    422,
                )
        elif bounds is not None:
            months = bounds[0]  # the additional penalty the decree attaches: at least its minimum
        out.append(_Line(behaviour, line, fine, months))
    return out


def _clean_licence(licence: dict | None, lines: list[_Line]) -> dict | None:
    if not any(line.suspension_months for line in lines):
        return None
    if not isinstance(licence, dict) or not _text(licence.get("number"), 40):
        raise ViolationError("Vui lòng nhập số giấy phép (giấy phép lái xe) bị tước quyền sử dụng.", 400)
    kind = licence.get("kind") or LicenceSuspension.Kind.DRIVING
    if kind not in LicenceSuspension.Kind.values:
        raise ViolationError("Loại giấy phép không hợp lệ.", 400)
    number = re.sub(r"\s", "", str(licence["number"])).upper()
    if not re.fullmatch(r"[A-Z0-9./\-]{4,40}", number):
        raise ViolationError("Số giấy phép không hợp lệ.", 400)
    return {"kind": kind, "number": number, "class": _text(licence.get("class"), 20).upper()}


def _lock_decision(decision, officer=None) -> PenaltyDecision:
    pk = getattr(decision, "pk", decision)
    seen = getattr(decision, "row_version", None) if officer is not None else None
    locked = PenaltyDecision.objects.select_for_update(of=("self",)).select_related("unit").filter(pk=pk).first()
    if locked is None or (officer is not None and not unit_is_visible(officer, locked.unit)):
        raise ViolationError("Không tìm thấy quyết định xử phạt.", 404)
    if seen is not None and seen != locked.row_version:
        raise ViolationError("Quyết định vừa được cán bộ khác cập nhật. Vui lòng tải lại trang.", 409)
    return locked


def _save_decision(decision: PenaltyDecision, fields: list[str]) -> None:
    values = {f: getattr(decision, f) for f in fields}
    now = timezone.now()
    updated = PenaltyDecision.objects.filter(pk=decision.pk, row_version=decision.row_version).update(
        row_version=F("row_version") + 1, updated_at=now, **values
    )
    if updated != 1:
        raise ViolationError("Quyết định vừa được cán bộ khác cập nhật. Vui lòng tải lại trang.", 409)
    decision.row_version += 1
    decision.updated_at = now


def _jsonable(data: dict) -> dict:
    return json.loads(json.dumps(data, cls=DjangoJSONEncoder))


def _event(decision, action: str, *, actor=None, before: str = "", note: str = "", data=None, at=None):
    data = _jsonable(data or {})
    DecisionEvent.objects.create(
        decision=decision,
        at=at or timezone.now(),
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        from_status=before,
        to_status=decision.status,
        note=(note or "")[:500],
        data=data or {},
    )
    _audit(
        Action.CREATE if action == "issue" else Action.TRANSITION,
        decision,
        {"number": decision.number, "action": action, "status": [before, decision.status], **(data or {})},
        actor=actor,
        reason=note[:255] if note else "",
    )


def _existing_by_key(unit: Unit, key: str | None) -> PenaltyDecision | None:
    if not key:
        return None
    return PenaltyDecision.objects.filter(unit=unit, idempotency_key=str(key)[:100]).first()


def _issue(
    *,
    officer,
    kind: str,
    records: list[ViolationRecord],
    violator_values: dict,
    case: ViolationCase | None,
    violated_at: datetime,
    address: str,
    area,
    vehicle_kind: str,
    plate: str,
    plate_display: str,
    lines: list[_Line],
    issued_at: datetime,
    delivered_on: date | None,
    remedial_measures: str,
    licence: dict | None,
    instalments_allowed: bool,
    idempotency_key: str | None,
    power: rules.Power,
    limit_note: int | None,
) -> PenaltyDecision:
    """The common body of both issuing services; runs inside their transaction."""
    unit = officer.unit
    issued_on = issued_at.date()
    subject = violator_values["violator_kind"]
    code = numbering_code(unit)
    seq = next_value(f"violation-decision:{code}", period=str(issued_on.year))
    number = f"{seq}/QĐ-XPHC/{code}/{issued_on.year}"
    warning_only = all(line.warning for line in lines)
    total = sum(line.fine.amount for line in lines)
    if instalments_allowed and not warning_only:
        rules.instalments_check(violator_values["violator_kind"], total, issued_on)
    top = max(lines, key=lambda line: line.fine.amount)
    if case is None:
        case = _new_case(unit, violated_at.date(), area, lines[0].behaviour.short_name, number)
    seized = list(SeizedItem.objects.filter(record__in=records)) if records else []
    decision = PenaltyDecision.objects.create(
        number=number,
        seq=seq,
        payment_reference=_unique_reference(),
        idempotency_key=str(idempotency_key or "")[:100],
        kind=kind,
        unit=unit,
        unit_path=unit.path,
        case=case,
        issuer=officer,
        issuer_name=_text(getattr(officer, "full_name", "") or officer.get_username(), 150),
        issuer_title_code=power.title.code,
        issuer_title_name=power.title.name[:300],
        issuer_percent=power.percent,
        issuer_limit=limit_note,
        violated_at=violated_at,
        issued_at=issued_at,
        issued_on=issued_on,
        address=address,
        area=area,
        vehicle_kind=vehicle_kind,
        plate=plate,
        plate_display=plate_display,
        stat_group=top.behaviour.stat_group,
        warning_only=warning_only,
        instalments_allowed=bool(instalments_allowed) and not warning_only,
        total_fine=total,
        # items (rows of the custody register), not their quantities: the statistics count
        # seized items and vehicles, and a quantity may be "10 bao" of one item.
        seized_count=len(seized),
        violator_count=1,
        remedial_measures=_text(remedial_measures, 2000)
        or "; ".join(
            dict.fromkeys(line.behaviour.remedial_measures for line in lines if line.behaviour.remedial_measures)
        ),
        delivered_on=delivered_on,
        payment_due_on=rules.payment_due_on(delivered_on) if delivered_on and not warning_only else None,
        status=S.WARNING if warning_only else S.UNPAID,
        **violator_values,
    )
    if records:
        decision.records.set(records)
    DecisionViolator.objects.create(decision=decision, violator_key=decision.violator_key, kind=subject)
    DecisionLine.objects.bulk_create(
        [
            DecisionLine(
                decision=decision,
                behaviour=line.behaviour,
                stat_group=line.behaviour.stat_group,
                provision=line.behaviour.provision[:300],
                description=line.behaviour.description,
                fine_min=line.fine.minimum,
                fine_max=line.fine.maximum,
                mitigating=list(line.input.mitigating),
                aggravating=list(line.input.aggravating),
                warning=line.warning,
                amount=line.fine.amount,
                suspension_months=line.suspension_months,
                licence_points=line.behaviour.licence_points,
                confiscation=line.behaviour.confiscation[:300],
                remedial_measures=line.behaviour.remedial_measures,
            )
            for line in lines
        ]
    )
    suspensions = []
    for line in lines:
        if line.suspension_months:
            starts_on = issued_on
            suspensions.append(
                LicenceSuspension(
                    unit=unit,
                    decision=decision,
                    kind=licence["kind"],
                    licence_number=licence["number"],
                    licence_class=licence["class"],
                    holder_name=decision.violator_name,
                    holder_id_number=decision.violator_id_number,
                    months=line.suspension_months,
                    starts_on=starts_on,
                    # "đến hết ngày": the last day of the period, inclusive.
                    ends_on=starts_on + relativedelta(months=line.suspension_months) - timedelta(days=1),
                )
            )
    if suspensions:
        LicenceSuspension.objects.bulk_create(suspensions)
        webhooks.on_licences_suspended(suspensions)
        decision.suspension_count = len(suspensions)
        decision.save(update_fields=["suspension_count"])
    if seized:
        SeizedItem.objects.filter(pk__in=[item.pk for item in seized]).update(decision=decision)
    data = {
        "total_fine": total,
        "lines": [line.behaviour.code for line in lines],
        "records": [r.number for r in records],
        "issuer_title": power.title.code,
    }
    if idempotency_key:
        data["idempotency_key"] = str(idempotency_key)[:100]
    _event(decision, "issue", actor=officer, data=data, at=issued_at)
    if delivered_on:
        _event(decision, "deliver", actor=officer, before=decision.status, data={"delivered_on": delivered_on})
    return decision


def decision_issue(
    *,
    officer,
    records: list[ViolationRecord],
    lines: list[LineInput],
    issued_at=None,
    delivered_on=None,
    remedial_measures: str = "",
    licence: dict | None = None,
    instalments_allowed: bool = False,
    idempotency_key: str | None = None,
) -> PenaltyDecision:
    """Issue a penalty decision from one or more records of the same violator.

    Checks, in this order, with nothing written on a refusal: the records (visible, still
    open, one violator, the deadline of Art. 66 not passed), each line against its range and
    circumstances (`rules.fine_for`), the suspension months, and the issuer's authority on the
    day of issue (`rules.check_authority`: per behaviour, Art. 52(2)). A repeated call with the
    same `idempotency_key` in the same unit returns the decision already issued.
    """
    _require(officer, "violation.decide")
    if not records:
        raise ViolationError("Vui lòng chọn biên bản để ra quyết định.", 400)
    issued_at = _aware(issued_at or timezone.now(), "Thời điểm ra quyết định")
    if issued_at > timezone.now() + timedelta(minutes=5):
        raise ViolationError("Thời điểm ra quyết định không được sau thời điểm hiện tại.", 400)
    delivered_on = _as_date(delivered_on, "Ngày giao quyết định")
    if delivered_on and delivered_on < issued_at.date():
        raise ViolationError("Ngày giao quyết định không được trước ngày ra quyết định.", 400)
    power = rules.officer_power(officer, issued_at.date())

    with transaction.atomic():
        existing = _existing_by_key(officer.unit, idempotency_key)
        if existing is not None:
            return existing
        locked = [_lock_record(r, officer) for r in sorted(records, key=lambda r: getattr(r, "pk", r))]
        existing = _existing_by_key(officer.unit, idempotency_key)  # a twin request that held the lock first
        if existing is not None:
            return existing
        if len({r.pk for r in locked}) != len(locked):
            raise ViolationError("Một biên bản được chọn hai lần.", 400)
        for r in locked:
            if r.status not in OPEN_RECORD:
                raise ViolationError(f"Biên bản số {r.number} không còn chờ ra quyết định.", 409)
            if r.status == ViolationRecord.Status.TRANSFERRED and not unit_is_visible(officer, r.transferred_to):
                raise ViolationError(f"Biên bản số {r.number} đã chuyển cho đơn vị khác.", 409)
            if issued_at < r.made_at:
                raise ViolationError("Không thể ra quyết định trước thời điểm lập biên bản.", 400)
            if issued_at.date() > r.decision_due_on:
                # Luật XLVPHC Art. 66: past the time limit no fine may be imposed (the record is
                # closed instead, with confiscation decided separately).
                raise ViolationError(
                    f"Đã quá thời hạn ra quyết định xử phạt của biên bản số {r.number} "
                    f"(hạn {r.decision_due_on:%d/%m/%Y}).",
                    409,
                )
        keys = {r.violator_key for r in locked}
        if len(keys) != 1:
            raise ViolationError("Các biên bản gộp trong một quyết định phải của cùng một người vi phạm.", 422)
        first = min(locked, key=lambda r: r.violated_at)
        behaviours = {}
        for r in locked:
            for b in r.behaviours.select_related("decree", "stat_group"):
                behaviours.setdefault(b.code, b)
        subject = first.violator_kind
        built = _build_lines(lines, behaviours, subject, first.violated_at.date())
        rules.check_authority(power, built, subject, issued_at.date())
        licence_values = _clean_licence(licence, built)
        limit = max(
            rules.power_limit(power, line.behaviour.fine_field_code, subject, issued_at.date()) for line in built
        )
        violator_values = {f: getattr(first, f) for f in VIOLATOR_KEYS.values()}
        decision = _issue(
            officer=officer,
            kind=PenaltyDecision.Kind.WITH_RECORD,
            records=locked,
            violator_values=violator_values,
            case=first.case,
            violated_at=first.violated_at,
            address=first.address,
            area=first.area,
            vehicle_kind=first.vehicle_kind,
            plate=first.plate,
            plate_display=first.plate_display,
            lines=built,
            issued_at=issued_at,
            delivered_on=delivered_on,
            remedial_measures=remedial_measures,
            licence=licence_values,
            instalments_allowed=instalments_allowed,
            idempotency_key=idempotency_key,
            power=power,
            limit_note=limit,
        )
        for r in locked:
            before = r.status
            r.status = ViolationRecord.Status.DECIDED
            _save_record(r, ["status"])
            _audit(Action.TRANSITION, r, {"status": [before, r.status], "decision": decision.number}, actor=officer)
    return decision


def decision_issue_on_the_spot(
    *,
    officer,
    violator: dict,
    violated_at,
    address: str,
    area=None,
    plate: str = "",
    vehicle_kind: str = "",
    line: LineInput,
    issued_at=None,
    idempotency_key: str | None = None,
) -> PenaltyDecision:
    """A fine without a record (Luật XLVPHC Art. 56): a warning or a fine up to the limit of
    `spot_fine_max_person` / `_organisation`, issued and handed over on the spot, so the payment
    deadline runs from today."""
    _require(officer, "violation.decide")
    now = timezone.now()
    violated_at = _aware(violated_at, "Thời điểm vi phạm")
    issued_at = _aware(issued_at or now, "Thời điểm ra quyết định")
    if violated_at > now + timedelta(minutes=5) or issued_at > now + timedelta(minutes=5):
        raise ViolationError("Thời điểm vi phạm, ra quyết định không được sau thời điểm hiện tại.", 400)
    if issued_at < violated_at:
        raise ViolationError("Không thể ra quyết định trước thời điểm vi phạm.", 400)
    day = violated_at.date()
    values = clean_violator(violator, on=day)
    address = _text(address, 300)
    if not address:
        raise ViolationError("Vui lòng nhập địa điểm vi phạm.", 400)
    vehicle_kind, plate_norm, plate_display = _clean_vehicle(vehicle_kind, plate)
    area = _clean_area(area)
    if not isinstance(line, LineInput):
        raise ViolationError("Dòng xử phạt không hợp lệ.", 400)
    behaviour = rules.behaviour_on(line.behaviour_code, day)
    subject = values["violator_kind"]
    built = _build_lines([line], {behaviour.code: behaviour}, subject, day)
    if built[0].suspension_months:
        raise ViolationError("Xử phạt không lập biên bản không áp dụng hình thức tước giấy phép.", 422)
    limit = rules.spot_fine_limit(subject, issued_at.date())
    if built[0].fine.amount > limit:
        raise ViolationError(
            f"Xử phạt không lập biên bản chỉ áp dụng khi phạt cảnh cáo hoặc phạt tiền đến {format_vnd(limit)} "
            f"(Điều 56 Luật XLVPHC); mức phạt {format_vnd(built[0].fine.amount)} phải lập biên bản.",
            422,
        )
    power = rules.officer_power(officer, issued_at.date())
    rules.check_authority(power, built, subject, issued_at.date())
    with transaction.atomic():
        existing = _existing_by_key(officer.unit, idempotency_key)
        if existing is not None:
            return existing
        return _issue(
            officer=officer,
            kind=PenaltyDecision.Kind.ON_THE_SPOT,
            records=[],
            violator_values=values,
            case=None,
            violated_at=violated_at,
            address=address,
            area=area,
            vehicle_kind=vehicle_kind,
            plate=plate_norm,
            plate_display=plate_display,
            lines=built,
            issued_at=issued_at,
            delivered_on=issued_at.date(),
            remedial_measures="",
            licence=None,
            instalments_allowed=False,
            idempotency_key=idempotency_key,
            power=power,
            limit_note=rules.power_limit(power, behaviour.fine_field_code, subject, issued_at.date()),
        )


def decision_deliver(*, officer, decision, delivered_on) -> PenaltyDecision:
    """Record the day the violator received the decision; the 10 days to pay run from it
    (Luật XLVPHC Art. 73(1))."""
    _require(officer, "violation.decide")
    delivered_on = _as_date(delivered_on, "Ngày giao quyết định")
    if delivered_on is None:
        raise ViolationError("Vui lòng nhập ngày giao quyết định.", 400)
    with transaction.atomic():
        locked = _lock_decision(decision, officer)
        workflow.check("deliver", locked.status, officer)
        if locked.delivered_on is not None:
            raise ViolationError(f"Quyết định đã được giao ngày {locked.delivered_on:%d/%m/%Y}.", 409)
        if delivered_on < locked.issued_on or delivered_on > timezone.localdate():
            raise ViolationError("Ngày giao phải từ ngày ra quyết định đến hôm nay.", 400)
        before = locked.status
        locked.delivered_on = delivered_on
        fields = ["delivered_on"]
        if not locked.warning_only:
            locked.payment_due_on = rules.payment_due_on(delivered_on)
            fields.append("payment_due_on")
        _save_decision(locked, fields)
        _event(
            locked,
            "deliver",
            actor=officer,
            before=before,
            data={"delivered_on": delivered_on, "payment_due_on": locked.payment_due_on},
        )
    return locked


def _simple_transition(action: str, *, officer, decision, note: str, required_note: str) -> PenaltyDecision:
    _require(officer, "violation.decide")
    note = _text(note, 300)
    if not note:
        raise ViolationError(required_note, 400)
    with transaction.atomic():
        locked = _lock_decision(decision, officer)
        transition = workflow.check(action, locked.status, officer)
        before = locked.status
        if action == "cancel" and (locked.amount_paid or locked.surcharge_paid):
            raise ViolationError("Quyết định đã có khoản nộp phạt; không thể hủy (cần thủ tục hoàn trả).", 409)
        if action == "enforce" and (locked.payment_due_on is None or locked.payment_due_on >= timezone.localdate()):
            raise ViolationError("Chỉ cưỡng chế khi đã quá hạn chấp hành quyết định (Điều 86 Luật XLVPHC).", 409)
        locked.status = transition.target or _status_from_money(locked, timezone.localdate())
        locked.status_note = note
        _save_decision(locked, ["status", "status_note"])
        if action == "cancel":
            LicenceSuspension.objects.filter(decision=locked).update(cancelled=True, updated_at=timezone.now())
        _event(locked, action, actor=officer, before=before, note=note)
    return locked


def decision_appeal(*, officer, decision, note: str) -> PenaltyDecision:
    """A complaint or a lawsuit against the decision was received (it does not stop payment)."""
    return _simple_transition(
        "appeal",
        officer=officer,
        decision=decision,
        note=note,
        required_note="Vui lòng ghi nội dung khiếu nại, khởi kiện.",
    )


def decision_appeal_close(*, officer, decision, note: str) -> PenaltyDecision:
    """The complaint was settled: the status goes back to what the money says."""
    return _simple_transition(
        "close_appeal",
        officer=officer,
        decision=decision,
        note=note,
        required_note="Vui lòng ghi kết quả giải quyết khiếu nại, khởi kiện.",
    )


def decision_enforce(*, officer, decision, note: str) -> PenaltyDecision:
    """Enforcement (cưỡng chế, Luật XLVPHC Art. 86) after the payment deadline passed."""
    return _simple_transition(
        "enforce",
        officer=officer,
        decision=decision,
        note=note,
        required_note="Vui lòng ghi số, ngày quyết định cưỡng chế.",
    )


def decision_cancel(*, officer, decision, reason: str) -> PenaltyDecision:
    """Cancel a decision (Luật XLVPHC Art. 18; Nghị định 118/2021/NĐ-CP Art. 13): only while
    nothing was paid; its licence suspensions are cancelled with it."""
    return _simple_transition(
        "cancel",
        officer=officer,
        decision=decision,
        note=reason,
        required_note="Vui lòng nêu lý do hủy quyết định.",
    )


def _status_from_money(decision: PenaltyDecision, on: date) -> str:
    if decision.warning_only:
        return S.WARNING
    fine_due, surcharge_due, total = rules.amount_due_on(decision, on)
    if total <= 0:
        return S.PAID
    if decision.payment_due_on and on > decision.payment_due_on:
        return S.LATE
    return S.PARTLY_PAID if decision.amount_paid else S.UNPAID


def decisions_mark_late(today: date) -> int:
    """Mark unpaid decisions whose payment deadline has passed as late; idempotent."""
    pks = list(
        PenaltyDecision.objects.filter(status__in=[S.UNPAID, S.PARTLY_PAID], payment_due_on__lt=today).values_list(
            "pk", flat=True
        )
    )
    count = 0
    for pk in pks:
        with transaction.atomic():
            locked = _lock_decision(pk)
            if locked.status not in (S.UNPAID, S.PARTLY_PAID) or not (
                locked.payment_due_on and locked.payment_due_on < today
            ):
                continue
            before = locked.status
            locked.status = S.LATE
            _save_decision(locked, ["status"])
            _event(locked, "mark_late", before=before, data={"payment_due_on": locked.payment_due_on})
            count += 1
    return count


# --- payments --------------------------------------------------------------------------------


def payment_record(
    *,
    decision,
    amount: int,
    channel: str,
    received_at,
    transaction_id: str = "",
    payer_name: str = "",
    officer=None,
    statement_line=None,
) -> tuple[FinePayment, bool]:
    """Record money received for a decision: the one place money lands.

    What is due is computed for the day received (fine + the surcharge of Art. 78 to that day).
    A payment must match it exactly, unless the decision allows instalments (Art. 79), when
    any smaller positive amount is taken: first against the fine, then the surcharge (paying
    the fine first lowers the surcharge that keeps running). A `transaction_id` already
    recorded on this channel returns that payment and changes nothing (created False) when it
    is the same decision and amount; otherwise it is refused. Counter payments (an officer
    with `violation.pay`) get a gap-free receipt number.
    """
    if channel not in FinePayment.Channel.values:
        raise ViolationError("Kênh nộp tiền không hợp lệ.", 400)
    if isinstance(amount, bool):
        raise ViolationError("Số tiền không hợp lệ.", 422)
    try:
        amount = int(amount)
    except (TypeError, ValueError):
        raise ViolationError("Số tiền không hợp lệ.", 422) from None
    if amount <= 0:
        raise ViolationError("Số tiền nộp phải lớn hơn 0.", 422)
    if officer is not None:
        _require(officer, "violation.pay")
    elif channel == FinePayment.Channel.COUNTER:
        raise ViolationError("Nộp tại quầy phải do cán bộ thu tiền ghi nhận.", 403)
    received_at = _aware(received_at, "Thời điểm nhận tiền")
    if received_at > timezone.now() + timedelta(minutes=5):
        raise ViolationError("Thời điểm nhận tiền không được sau thời điểm hiện tại.", 400)
    transaction_id = _text(transaction_id, 81)
    if len(transaction_id) > 80:
        raise ViolationError("Mã giao dịch quá dài.", 400)
    if channel == FinePayment.Channel.TRANSFER and not transaction_id:
        raise ViolationError("Thiếu mã giao dịch chuyển khoản.", 400)

    with transaction.atomic():
        locked = _lock_decision(decision, officer)
        if transaction_id:
            existing = FinePayment.objects.filter(channel=channel, transaction_id=transaction_id).first()
            if existing is not None:
                return _repeat(existing, locked, amount)
        workflow.check("pay", locked.status)
        on = received_at.date()
        if on < locked.issued_on:
            raise ViolationError("Ngày nộp tiền không được trước ngày ra quyết định.", 400)
        fine_due, surcharge_due, total = rules.amount_due_on(locked, on)
        if locked.instalments_allowed and amount < total:
            rules.instalment_payment_check(
                locked,
                amount=amount,
                total_due=total,
                earlier_payments=FinePayment.objects.filter(decision=locked).count(),
                on=on,
            )
        elif amount != total:
            detail = f"tiền phạt {format_vnd(fine_due)}"
            if surcharge_due:
                detail += f" và tiền chậm nộp {format_vnd(surcharge_due)}"
            raise ViolationError(
                f"Số tiền {format_vnd(amount)} không khớp với số phải nộp ngày {on:%d/%m/%Y}: "
                f"{format_vnd(total)} ({detail}).",
                422,
            )
        fine_part = min(amount, fine_due)
        surcharge_part = amount - fine_part
        receipt = ""
        if channel == FinePayment.Channel.COUNTER:
            code = numbering_code(locked.unit)
            seq = next_value(f"violation-receipt:{code}", period=str(on.year))
            receipt = f"{seq:07d}/BL/{code}/{on.year}"
        try:
            with transaction.atomic():
                payment = FinePayment.objects.create(
                    decision=locked,
                    channel=channel,
                    amount=amount,
                    fine_part=fine_part,
                    surcharge_part=surcharge_part,
                    received_at=received_at,
                    receipt_number=receipt,
                    transaction_id=transaction_id,
                    payer_name=_text(payer_name, 200),
                    officer=officer,
                    statement_line=statement_line,
                )
        except IntegrityError:
            # The same transaction id landed for another decision at the same moment.
            existing = FinePayment.objects.filter(channel=channel, transaction_id=transaction_id).first()
            if existing is None:
                raise
            return _repeat(existing, locked, amount)
        before = locked.status
        locked.amount_paid += fine_part
        locked.surcharge_paid += surcharge_part
        fields = ["amount_paid", "surcharge_paid", "status"]
        if amount == total:
            locked.status = S.PAID
            locked.paid_on = on
            fields.append("paid_on")
        elif before not in (S.APPEALED, S.ENFORCED):
            locked.status = S.LATE if locked.payment_due_on and on > locked.payment_due_on else S.PARTLY_PAID
        _save_decision(locked, fields)
        _event(
            locked,
            "pay",
            actor=officer,
            before=before,
            data={
                "payment": payment.pk,
                "channel": channel,
                "amount": amount,
                "fine_part": fine_part,
                "surcharge_part": surcharge_part,
                "receipt": receipt,
            },
        )
    return payment, True


def _repeat(existing: FinePayment, decision: PenaltyDecision, amount: int) -> tuple[FinePayment, bool]:
    if existing.decision_id != decision.pk or existing.amount != amount:
        raise ViolationError("Mã giao dịch này đã được ghi nhận cho một khoản nộp khác.", 409)
    return existing, False


# --- seized items ----------------------------------------------------------------------------


def seized_item_add(
    *,
    officer,
    record,
    kind: str,
    description: str,
    quantity: int = 1,
    measure: str = "chiếc",
    plate: str = "",
    storage_place: str,
    seized_at=None,
    complex_case: bool = False,
) -> SeizedItem:
    """Add an item to the custody register of a record (Luật XLVPHC Art. 125)."""
    _require(officer, "violation.seize")
    data = _clean_seized(
        {
            "kind": kind,
            "description": description,
            "quantity": quantity,
            "measure": measure,
            "plate": plate,
            "storage_place": storage_place,
            "seized_at": seized_at,
            "complex": complex_case,
        },
        timezone.now(),
    )
    if data.seized_at > timezone.now() + timedelta(minutes=5):
        raise ViolationError("Thời điểm tạm giữ không được sau thời điểm hiện tại.", 400)
    with transaction.atomic():
        locked = _lock_record(record, officer)
        if locked.status == ViolationRecord.Status.CLOSED:
            raise ViolationError("Biên bản đã đóng.", 409)
        decision = None
        if locked.status == ViolationRecord.Status.DECIDED:
            decision = locked.decisions.exclude(status=S.CANCELLED).order_by("-issued_at").first()
        item = _seized_create(officer, locked.unit, locked, data, decision=decision)
        if decision is not None:
            decision = _lock_decision(decision)
            decision.seized_count += 1
            _save_decision(decision, ["seized_count"])
            _event(decision, "seize", actor=officer, before=decision.status, data={"seized_item": item.pk})
    return item


CLOSE_STATUSES = (SeizedItem.Status.RELEASED, SeizedItem.Status.CONFISCATED, SeizedItem.Status.HANDED_OVER)


def seized_item_close(*, officer, item, status: str, reason: str, receiver_name: str = "") -> SeizedItem:
    """Release, confiscate or hand over an item in custody (Art. 125(9), 126)."""
    _require(officer, "violation.seize")
    if status not in CLOSE_STATUSES:
        raise ViolationError("Cách xử lý tang vật không hợp lệ.", 400)
    reason = _text(reason, 300)
    if not reason:
        raise ViolationError("Vui lòng nêu căn cứ, lý do xử lý tang vật, phương tiện.", 400)
    receiver_name = _text(receiver_name, 200)
    if status == SeizedItem.Status.RELEASED and not receiver_name:
        raise ViolationError("Vui lòng ghi họ tên người nhận lại tang vật, phương tiện.", 400)
    with transaction.atomic():
        locked = (
            SeizedItem.objects.select_for_update(of=("self",))
            .select_related("unit")
            .filter(pk=getattr(item, "pk", item))
            .first()
        )
        if locked is None or not unit_is_visible(officer, locked.unit):
            raise ViolationError("Không tìm thấy tang vật, phương tiện.", 404)
        if locked.status != SeizedItem.Status.HELD:
            raise ViolationError("Tang vật, phương tiện này đã được xử lý.", 409)
        if status == SeizedItem.Status.CONFISCATED and locked.decision_id is None:
            raise ViolationError("Chỉ tịch thu theo quyết định xử phạt.", 409)
        before = locked.status
        locked.status = status
        locked.closed_at = timezone.now()
        locked.closed_by = officer
        locked.close_reason = reason
        locked.receiver_name = receiver_name
        locked.save(update_fields=["status", "closed_at", "closed_by", "close_reason", "receiver_name"])
        _audit(Action.TRANSITION, locked, {"status": [before, status]}, actor=officer, reason=reason)
    return locked


def seized_items_alert_overdue(today: date) -> int:
    """Alert each unit, once per item, about items held past their legal time."""
    from antt.violations import notifications

    return notifications.alert_overdue_seized(today)
