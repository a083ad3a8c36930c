"""Writes of the registry of establishments: create, edit, change status.

Each service checks the officer's capability (`establishment.manage`) and unit scope (an
establishment outside the officer's units is "not found", 404), validates its input (Vietnamese
messages, `EstablishmentError` with the field and the HTTP status), and writes in one
transaction with an audit entry and, when shared data changed, a row of the change feed
(`feed.record_establishment`). A refusal writes nothing.

Two people may edit one establishment at once: the row is re-read under a lock
(`SELECT … FOR UPDATE` on PostgreSQL; SQLite runs write transactions one at a time) and written
only if its `row_version` is the one the officer's form was built from (else 409).

Personal data (owner, representative, security-responsible person: names, ID numbers, phones)
never enters the audit trail or the feed: audit entries carry the business fields and, for
personal fields, only the names of those that changed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields
from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone

from antt.core import audit
from antt.core.identifiers import IdentifierError, check_business_code, parse_personal_id
from antt.core.models import AuditEvent
from antt.establishments import feed
from antt.establishments.errors import EstablishmentError
from antt.establishments.models import BusinessLine, Establishment
from antt.org.models import AdminArea, Unit
from antt.org.roles import can
from antt.org.selectors import unit_is_visible

Action = AuditEvent.Action
Status = Establishment.Status

__all__ = [
    "PERSONAL_FIELDS",
    "STATUS_TRANSITIONS",
    "EstablishmentData",
    "EstablishmentError",
    "data_from",
    "establishment_create",
    "establishment_set_status",
    "establishment_update",
    "require_officer",
    "strip_controls",
]

PERSONAL_FIELDS = (
    "owner_name",
    "representative_name",
    "representative_id_number",
    "representative_phone",
    "security_person_name",
    "security_person_id_number",
    "security_person_phone",
)
# Business fields: shared with other agencies (feed.establishment_public) and audited in full.
BUSINESS_FIELDS = (
    "name",
    "trade_name",
    "tax_code",
    "registration_number",
    "registration_date",
    "kind",
    "area_id",
    "address",
    "latitude",
    "longitude",
    "unit_id",
    "phone",
    "email",
    "lodging_kind",
    "rooms",
)
# Which status may follow which (reason always required). A ceased business that reopens, or
# a mistaken entry, goes back to active; the certificates are the certificates' business.
STATUS_TRANSITIONS: dict[str, set[str]] = {
    Status.ACTIVE: {Status.PAUSED, Status.CEASED},
    Status.PAUSED: {Status.ACTIVE, Status.CEASED},
    Status.CEASED: {Status.ACTIVE},
}
CONFLICT = "Cơ sở vừa được cán bộ khác cập nhật. Vui lòng tải lại trang và nhập lại thay đổi."
_PHONE = re.compile(r"\+?[0-9][0-9 .()-]{5,18}[0-9]")
_PASSPORT = re.compile(r"[A-Z0-9]{6,20}")


@dataclass
class EstablishmentData:
    """What an officer types about an establishment (the model's editable fields, the unit and
    area by id, and the codes of its registered business lines)."""

    name: str
    tax_code: str
    area_id: int | None
    unit_id: int | None
    address: str
    trade_name: str = ""
    registration_number: str = ""
    registration_date: date | None = None
    kind: str = Establishment.Kind.ENTERPRISE
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    phone: str = ""
    email: str = ""
    lodging_kind: str = ""
    rooms: int | None = None
    owner_name: str = ""
    representative_name: str = ""
    representative_id_number: str = ""
    representative_phone: str = ""
    security_person_name: str = ""
    security_person_id_number: str = ""
    security_person_phone: str = ""
    line_codes: list[str] = field(default_factory=list)


def data_from(establishment: Establishment) -> EstablishmentData:
    """The data of an existing establishment (to prefill its edit form)."""
    values = {
        f.name: getattr(establishment, f.name)
        for f in fields(EstablishmentData)
        if f.name not in ("line_codes", "area_id", "unit_id")
    }
    return EstablishmentData(
        **values,
        area_id=establishment.area_id,
        unit_id=establishment.unit_id,
        line_codes=sorted(line.code for line in establishment.lines.all()),
    )


# --- checks -------------------------------------------------------------------------------


def require_officer(officer, capability: str) -> None:
    """403 unless `officer` holds `capability` and belongs to a unit (the check every service of
    the app starts with; the unit then decides what it may touch)."""
    if not can(officer, capability):
        raise EstablishmentError("Bạn không có quyền thực hiện thao tác này.", status=403)
    if not getattr(officer, "unit_id", None):
        raise EstablishmentError("Tài khoản của bạn chưa thuộc đơn vị nào.", status=403)


# Control characters (other than tabs and line breaks): nothing a person types, and a workbook
# or PDF made of the text would refuse them. Each becomes a space, which the callers fold.
_CONTROLS = dict.fromkeys([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F, *range(0x80, 0xA0)], " ")


def strip_controls(value) -> str:
    """`value` as text with every control character (NUL included) turned into a space."""
    return str(value or "").translate(_CONTROLS)


def _text(value, name: str, label: str, max_length: int, *, required: bool = False) -> str:
    text = " ".join(strip_controls(value).split())
    if required and not text:
        raise EstablishmentError(f"Vui lòng nhập {label}.", name)
    if len(text) > max_length:
        raise EstablishmentError(f"{label[:1].upper()}{label[1:]} dài quá {max_length} ký tự.", name)
    return text


def _phone(value, name: str) -> str:
    text = " ".join(str(value or "").split())
    if text and not _PHONE.fullmatch(text):
        raise EstablishmentError("Số điện thoại không hợp lệ (chỉ gồm chữ số, dấu cách, +, -, .).", name)
    return text


def _person_id(value, name: str) -> str:
    """A 12-digit personal ID (checked), or a passport number for a foreigner."""
    text = re.sub(r"\s", "", str(value or "")).upper()
    if not text:
        return ""
    if text.isdigit():
        try:
            return parse_personal_id(text).number
        except IdentifierError as exc:
            raise EstablishmentError(str(exc), name) from exc
    if not _PASSPORT.fullmatch(text):
        raise EstablishmentError(
            "Số định danh cá nhân gồm 12 chữ số; người nước ngoài ghi số hộ chiếu (6–20 chữ và số).", name
        )
    return text


def _coordinate(value, name: str, limit: int) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value)).quantize(Decimal("0.000001"))
    except (InvalidOperation, ValueError) as exc:
        raise EstablishmentError("Tọa độ phải là số thập phân, ví dụ 19.807600.", name) from exc
    if not number.is_finite() or abs(number) > limit:
        raise EstablishmentError("Tọa độ nằm ngoài phạm vi cho phép.", name)
    return number


def _clean(officer, data: EstablishmentData, *, exclude_pk: int | None = None) -> tuple[dict, list[BusinessLine]]:
    """Checked values of the model's fields and the lines, or EstablishmentError (nothing written)."""
    today = timezone.localdate()
    values: dict = {}
    values["name"] = _text(data.name, "name", "tên cơ sở", 300, required=True)
    values["trade_name"] = _text(data.trade_name, "trade_name", "tên giao dịch, biển hiệu", 300)
    kind = str(data.kind or Establishment.Kind.ENTERPRISE)
    if kind not in Establishment.Kind.values:
        raise EstablishmentError("Loại hình cơ sở không hợp lệ.", "kind")
    values["kind"] = kind
    try:
        tax_code = check_business_code(data.tax_code)
    except IdentifierError as exc:
        raise EstablishmentError(str(exc), "tax_code") from exc
    if len(tax_code) == 12 and kind != Establishment.Kind.HOUSEHOLD:
        raise EstablishmentError(
            "Mã số thuế 12 chữ số (số định danh cá nhân) chỉ dùng cho hộ kinh doanh "
            "(Thông tư 86/2024/TT-BTC); doanh nghiệp, tổ chức có mã 10 chữ số.",
            "tax_code",
        )
    values["tax_code"] = tax_code
    values["registration_number"] = _text(
        data.registration_number, "registration_number", "số giấy chứng nhận đăng ký kinh doanh", 40
    )
    if data.registration_date is not None and data.registration_date > today:
        raise EstablishmentError("Ngày đăng ký kinh doanh không được sau ngày hôm nay.", "registration_date")
    values["registration_date"] = data.registration_date
    values["address"] = _text(data.address, "address", "địa chỉ", 300, required=True)
    area = None
    if data.area_id:
        area = AdminArea.objects.filter(
            pk=data.area_id, scheme=AdminArea.Scheme.CURRENT, level=AdminArea.Level.COMMUNE
        ).first()
    if area is None:
        raise EstablishmentError("Vui lòng chọn xã, phường (đơn vị hành chính hiện hành) nơi cơ sở hoạt động.", "area")
    values["area_id"] = area.pk
    unit = Unit.objects.filter(pk=data.unit_id, is_active=True).first() if data.unit_id else None
    if unit is None or not unit_is_visible(officer, unit):
        raise EstablishmentError("Đơn vị công an quản lý không hợp lệ hoặc không thuộc phạm vi của bạn.", "unit")
    values["unit_id"] = unit.pk
    values["latitude"] = _coordinate(data.latitude, "latitude", 90)
    values["longitude"] = _coordinate(data.longitude, "longitude", 180)
    if (values["latitude"] is None) != (values["longitude"] is None):
        raise EstablishmentError("Vui lòng nhập đủ cả vĩ độ và kinh độ (hoặc bỏ trống cả hai).", "latitude")
    values["phone"] = _phone(data.phone, "phone")
    email = _text(data.email, "email", "thư điện tử", 254)
    if email:
        try:
            validate_email(email)
        except ValidationError as exc:
            raise EstablishmentError("Địa chỉ thư điện tử không hợp lệ.", "email") from exc
    values["email"] = email
    values["lodging_kind"] = _text(data.lodging_kind, "lodging_kind", "loại cơ sở lưu trú", 40)
    if data.rooms is not None and (isinstance(data.rooms, bool) or not isinstance(data.rooms, int) or data.rooms < 0):
        raise EstablishmentError("Số phòng phải là số nguyên không âm.", "rooms")
    values["rooms"] = data.rooms
    values["owner_name"] = _text(data.owner_name, "owner_name", "tên chủ sở hữu", 200)
    values["representative_name"] = _text(
        data.representative_name, "representative_name", "tên người đại diện theo pháp luật", 200
    )
    values["representative_id_number"] = _person_id(data.representative_id_number, "representative_id_number")
    values["representative_phone"] = _phone(data.representative_phone, "representative_phone")
    values["security_person_name"] = _text(
        data.security_person_name, "security_person_name", "tên người chịu trách nhiệm về ANTT", 200
    )
    values["security_person_id_number"] = _person_id(data.security_person_id_number, "security_person_id_number")
    values["security_person_phone"] = _phone(data.security_person_phone, "security_person_phone")

    codes = sorted({str(c).strip() for c in data.line_codes or [] if str(c).strip()})
    lines = list(BusinessLine.objects.filter(BusinessLine.valid_on(today), code__in=codes).order_by("order", "code"))
    missing = sorted(set(codes) - {line.code for line in lines})
    if missing:
        raise EstablishmentError(
            f"Ngành, nghề không có trong danh mục đang có hiệu lực: {', '.join(missing)}.", "line_codes"
        )
    _refuse_duplicate(tax_code, exclude_pk)
    return values, lines


def _refuse_duplicate(tax_code: str, exclude_pk: int | None) -> None:
    other = Establishment.objects.filter(tax_code=tax_code).exclude(pk=exclude_pk).only("name").first()
    if other is not None:
        raise EstablishmentError(f"Mã số thuế {tax_code} đã có trong sổ: {other.name}.", "tax_code", 409)


def _business_snapshot(e: Establishment) -> dict:
    return audit.snapshot(e, fields=list(BUSINESS_FIELDS) + ["status"])


def _line_codes(e: Establishment) -> list[str]:
    return sorted(e.lines.values_list("code", flat=True))


# --- services -----------------------------------------------------------------------------


def refresh_plan(e: Establishment) -> None:
    """Risk score and next periodic due dates at once (the nightly `establishments_daily` does the
    same for everyone), so a new or changed establishment shows in the unit's plan the same day."""
    from antt.establishments.inspections import refresh_due_dates  # inspections imports services

    refresh_due_dates(e)


def establishment_create(*, officer, data: EstablishmentData) -> Establishment:
    """Add an establishment to the registry (one per business location, ND 96 Art. 23(1))."""
    require_officer(officer, "establishment.manage")
    values, lines = _clean(officer, data)
    try:
        with transaction.atomic():
            e = Establishment.objects.create(**values)
            e.lines.set(lines)
            changes = {
                **_business_snapshot(e),
                "lines": [line.code for line in lines],
                "personal_fields": [name for name in PERSONAL_FIELDS if values.get(name)],
            }
            audit.record(Action.CREATE, e, changes=changes, actor=officer, reason="Thêm cơ sở vào sổ quản lý")
            feed.record_establishment(e, "created")
            refresh_plan(e)
    except IntegrityError as exc:  # the same tax code typed at the same moment elsewhere
        _refuse_duplicate(values["tax_code"], None)
        raise EstablishmentError(f"Mã số thuế {values['tax_code']} đã có trong sổ.", "tax_code", 409) from exc
    return e


def _locked(officer, establishment: Establishment, row_version: int | None) -> Establishment:
    locked = (
        Establishment.objects.select_for_update(of=("self",)).select_related("unit").filter(pk=establishment.pk).first()
    )
    if locked is None or not unit_is_visible(officer, locked.unit):
        raise EstablishmentError("Không tìm thấy cơ sở.", status=404)
    if row_version is not None and int(row_version) != locked.row_version:
        raise EstablishmentError(CONFLICT, status=409)
    return locked


def establishment_update(
    *, officer, establishment: Establishment, data: EstablishmentData, row_version: int | None = None
) -> Establishment:
    """Change an establishment's data. `row_version` is the version the officer's form showed."""
    require_officer(officer, "establishment.manage")
    if not unit_is_visible(officer, establishment.unit):
        raise EstablishmentError("Không tìm thấy cơ sở.", status=404)
    values, lines = _clean(officer, data, exclude_pk=establishment.pk)
    try:
        with transaction.atomic():
            e = _locked(officer, establishment, row_version)
            before = _business_snapshot(e)
            before_public = {k: v for k, v in feed.establishment_public(e).items() if k != "updated_at"}
            before_lines = _line_codes(e)
            personal_changed = [name for name in PERSONAL_FIELDS if getattr(e, name) != values[name]]
            for name, value in values.items():
                setattr(e, name, value)
            after = _business_snapshot(e)
            new_lines = [line.code for line in lines]
            changes = audit.diff(before, after)
            if before_lines != new_lines:
                changes["lines"] = [before_lines, new_lines]
            if personal_changed:
                changes["personal_fields"] = personal_changed
            if not changes:
                return e
            e.row_version += 1
            e.save()
            if before_lines != new_lines:
                e.lines.set(lines)
            audit.record(Action.UPDATE, e, changes=changes, actor=officer, reason="Sửa thông tin cơ sở")
            e = Establishment.objects.select_related("unit", "area").get(pk=e.pk)
            after_public = {k: v for k, v in feed.establishment_public(e).items() if k != "updated_at"}
            if after_public != before_public:
                feed.record_establishment(e, "updated")
            refresh_plan(e)
    except IntegrityError as exc:
        raise EstablishmentError(f"Mã số thuế {values['tax_code']} đã có trong sổ.", "tax_code", 409) from exc
    establishment.refresh_from_db()
    return e


def establishment_set_status(
    *, officer, establishment: Establishment, status: str, reason: str, row_version: int | None = None
) -> Establishment:
    """Active, paused (ND 96 Art. 25(13): the business notifies 10 days ahead) or ceased
    (Art. 17(2): its certificate becomes void); every change with its reason."""
    require_officer(officer, "establishment.manage")
    if not unit_is_visible(officer, establishment.unit):
        raise EstablishmentError("Không tìm thấy cơ sở.", status=404)
    if status not in Status.values:
        raise EstablishmentError("Tình trạng không hợp lệ.", "status")
    reason = _text(reason, "reason", "lý do", 255, required=True)
    with transaction.atomic():
        e = _locked(officer, establishment, row_version)
        if e.status == status:
            raise EstablishmentError(f"Cơ sở đã ở tình trạng “{e.get_status_display()}”.", "status", 409)
        if status not in STATUS_TRANSITIONS[e.status]:
            raise EstablishmentError(
                f"Không chuyển được từ “{e.get_status_display()}” sang “{Status(status).label}”.", "status", 409
            )
        before = e.status
        e.status = status
        e.row_version += 1
        e.save(update_fields=["status", "row_version", "updated_at"])
        audit.record(Action.TRANSITION, e, changes={"status": [before, status]}, actor=officer, reason=reason)
        feed.record_establishment(e, "status")
        if status == Status.CEASED:
            from antt.establishments.certificates import certificates_end_with_establishment  # imports services

            certificates_end_with_establishment(officer=officer, establishment=e, reason=reason)
        refresh_plan(e)
    establishment.refresh_from_db()
    return e
