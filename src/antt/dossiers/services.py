"""Every write of the one-stop shop: one service per transition.

Each service validates its input, locks the dossier row, checks the transition
against `workflow.TRANSITIONS` (status and role), changes the dossier, writes a
`DossierEvent` and an audit entry, and queues the applicant's notification, all in
one transaction: a failure anywhere leaves the dossier as it was. Two officers
acting on the same dossier at once cannot both succeed: the row is locked
(PostgreSQL `SELECT … FOR UPDATE`; SQLite runs write transactions one at a time),
the status is checked after the lock, and the write is conditional on `row_version`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from antt.api import webhooks
from antt.catalog import rules
from antt.catalog.models import Fee, Level, ProcedureVersion
from antt.catalog.selectors import version_in_force
from antt.core import audit, calendar
from antt.core.identifiers import IdentifierError, parse_personal_id
from antt.core.models import AuditEvent
from antt.core.sequences import format_dossier_code, next_value
from antt.dossiers import deadlines
from antt.dossiers.models import (
    OPEN_STATUSES,
    Apology,
    ApplicantKind,
    Channel,
    Delivery,
    Dossier,
    DossierDocument,
    DossierEvent,
    DossierResult,
    DossierStep,
    Status,
    StepState,
    SupplementRequest,
    Timeliness,
)
from antt.dossiers.signals import dossier_returned
from antt.dossiers.workflow import TransitionError, check, may_act
from antt.org.models import AdminArea, Role, Unit, User
from antt.org.roles import can
from antt.org.selectors import unit_is_visible

Action = AuditEvent.Action


class DossierInputError(ValueError):
    """Bad input (a Vietnamese message, and the form field it concerns)."""

    def __init__(self, message: str, field: str = ""):
        super().__init__(message)
        self.message = message
        self.field = field


# --- Input --------------------------------------------------------------------------------

_PHONE = re.compile(r"^(0|\+?84)(3|5|7|8|9)[0-9]{8}$")
_TAX_CODE = re.compile(r"^[0-9]{10}([0-9]{3}|-[0-9]{3})?$")


@dataclass
class ApplicantData:
    """The applicant as typed at the counter or on the online form (validated by `clean`)."""

    kind: str = ApplicantKind.PERSON
    name: str = ""
    id_number: str = ""
    birth_date: date | None = None
    female: bool | None = None
    phone: str = ""
    email: str = ""
    area_id: int | None = None
    address: str = ""
    representative_name: str = ""

    def clean(self) -> None:
        self.name = " ".join((self.name or "").split())
        if self.kind not in ApplicantKind.values:
            raise DossierInputError("Loại chủ hồ sơ không hợp lệ.", "kind")
        if not self.name:
            raise DossierInputError("Vui lòng nhập họ và tên (hoặc tên tổ chức) của chủ hồ sơ.", "name")
        if len(self.name) > 200:
            raise DossierInputError("Họ và tên quá dài (tối đa 200 ký tự).", "name")
        self.id_number = re.sub(r"\s", "", self.id_number or "")
        if self.kind == ApplicantKind.PERSON:
            if not self.id_number:
                raise DossierInputError("Vui lòng nhập số định danh cá nhân (12 chữ số).", "id_number")
            try:
                parse_personal_id(self.id_number, birth_date=self.birth_date, female=self.female)
            except IdentifierError as exc:
                raise DossierInputError(str(exc), "id_number") from exc
            if self.birth_date and self.birth_date > timezone.localdate():
                raise DossierInputError("Ngày sinh không được sau ngày hôm nay.", "birth_date")
        elif self.id_number and not _TAX_CODE.match(self.id_number):
            raise DossierInputError("Mã số doanh nghiệp phải gồm 10 hoặc 13 chữ số.", "id_number")
        phone = re.sub(r"[\s.\-()]", "", self.phone or "")
        if not _PHONE.match(phone):
            raise DossierInputError(
                "Số điện thoại di động không hợp lệ (10 chữ số, bắt đầu bằng 03, 05, 07, 08 hoặc 09).", "phone"
            )
        self.phone = "0" + phone[-9:]
        self.email = (self.email or "").strip()
        if self.email:
            try:
                validate_email(self.email)
            except ValidationError as exc:
                raise DossierInputError("Địa chỉ thư điện tử không hợp lệ.", "email") from exc
        self.address = " ".join((self.address or "").split())[:255]
        self.representative_name = " ".join((self.representative_name or "").split())[:200]
        if self.area_id is not None:
            area = AdminArea.objects.filter(pk=self.area_id, scheme=AdminArea.Scheme.CURRENT).first()
            if area is None:
                raise DossierInputError("Xã, phường không hợp lệ.", "area")


@dataclass
class DocumentReceipt:
    """One checklist row at the counter: the required document and the copies handed in."""

    required_document_id: int | None = None
    name: str = ""
    originals: int = 0
    certified_copies: int = 0
    copies: int = 0


@dataclass
class UploadIn:
    """An uploaded file for a required document (or a free-named one)."""

    file: object  # django UploadedFile
    required_document_id: int | None = None
    name: str = ""


@dataclass
class IntakeResult:
    dossier: Dossier
    created: bool = True
    warnings: list[str] = field(default_factory=list)


# --- Helpers ------------------------------------------------------------------------------


def agency_code(unit: Unit) -> str:
    """The electronic agency code a dossier code starts with: the unit's own, else the nearest
    parent's, else the configured police agency code."""
    node = unit
    while node is not None:
        if node.agency_code:
            return node.agency_code
        node = node.parent
    return settings.ANTT_POLICE_AGENCY_CODE


def _new_code(unit: Unit, when: datetime) -> str:
    code_prefix = agency_code(unit)
    day = calendar.local(when).date()
    seq = next_value(f"dossier:{code_prefix}", period=f"{day:%y%m%d}")
    return format_dossier_code(code_prefix, day, seq)


def _version_for(procedure_or_version, on: date) -> ProcedureVersion:
    if isinstance(procedure_or_version, ProcedureVersion):
        version = procedure_or_version
        if not version.is_in_force(on):
            raise DossierInputError("Phiên bản thủ tục này không còn hiệu lực.", "procedure")
        return version
    version = version_in_force(procedure_or_version, on)
    if version is None:
        raise DossierInputError("Thủ tục này hiện không còn hiệu lực.", "procedure")
    return version


def _check_level(version: ProcedureVersion, level: str) -> None:
    levels = set(version.levels.values_list("level", flat=True))
    if level not in Level.values or (levels and level not in levels):
        raise DossierInputError("Thủ tục này không thực hiện ở cấp đã chọn.", "level")


def _fee_for(version: ProcedureVersion, channel: str) -> int:
    fee_channel = Fee.Channel.ONLINE if channel == Channel.ONLINE else Fee.Channel.IN_PERSON
    fee = version.fees.filter(channel=fee_channel).order_by("order").first()
    if fee is None and channel == Channel.ONLINE:
        fee = version.fees.filter(channel=Fee.Channel.IN_PERSON).order_by("order").first()
    return fee.amount if fee else 0


def _create_steps(dossier: Dossier, version: ProcedureVersion) -> list[DossierStep]:
    catalogue = list(version.steps.order_by("order"))
    rows = []
    if catalogue:
        for i, s in enumerate(catalogue, start=1):
            unit = dossier.receiving_unit if s.role == Role.RECEPTIONIST else dossier.unit
            rows.append(
                DossierStep(
                    dossier=dossier,
                    order=i,
                    name=s.name,
                    role=s.role or Role.PROCESSOR,
                    unit=unit,
                    budget_hours=s.budget_hours,
                )
            )
    else:  # a version published without steps: the catalogue's default process
        for s in rules.default_steps(version.legal_time_amount, version.legal_time_unit):
            unit = dossier.receiving_unit if s["role"] == Role.RECEPTIONIST else dossier.unit
            rows.append(
                DossierStep(
                    dossier=dossier,
                    order=s["order"],
                    name=s["name"],
                    role=s["role"],
                    unit=unit,
                    budget_hours=s["budget_hours"],
                )
            )
    return DossierStep.objects.bulk_create(rows)


def _event(
    dossier: Dossier,
    action: str,
    *,
    actor=None,
    from_status: str = "",
    note: str = "",
    step: DossierStep | None = None,
    to_unit: Unit | None = None,
    to_user=None,
    public: bool = True,
    at: datetime | None = None,
) -> DossierEvent:
    webhooks.on_dossier_transition(dossier, from_status)  # every status change passes here
    return DossierEvent.objects.create(
        dossier=dossier,
        at=at or timezone.now(),
        action=action,
        from_status=from_status,
        to_status=dossier.status,
        actor=actor if getattr(actor, "pk", None) else None,
        actor_name=(str(actor) if actor is not None else "Công dân")[:150],
        from_unit=step.unit if step else None,
        to_unit=to_unit,
        to_user=to_user,
        step=step,
        step_timeliness=step.timeliness if step else "",
        note=note,
        public=public,
    )


def _audit(dossier: Dossier, action: str, from_status: str, *, actor=None, reason: str = "", extra=None):
    changes = {"action": action, "status": [from_status, dossier.status]}
    if extra:
        changes.update(extra)
    kwargs = {"actor": actor} if actor is not None else {}
    if actor is None:
        kwargs["actor_name"] = "Công dân (trực tuyến)"
    audit.record(Action.TRANSITION, dossier, changes=changes, reason=reason[:255], **kwargs)


def _lock(dossier: Dossier | int, officer=None, action: str = "") -> Dossier:
    """The dossier re-read under a row lock; 404-like error when the officer may not see it."""
    pk = dossier.pk if isinstance(dossier, Dossier) else dossier
    seen_version = dossier.row_version if isinstance(dossier, Dossier) else None
    locked = Dossier.objects.select_for_update().select_related("unit", "receiving_unit").filter(pk=pk).first()
    if locked is None:
        raise TransitionError("Không tìm thấy hồ sơ.", 404)
    if officer is not None and not (
        unit_is_visible(officer, locked.unit) or unit_is_visible(officer, locked.receiving_unit)
    ):
        raise TransitionError("Không tìm thấy hồ sơ.", 404)
    if officer is not None and action and not may_act(officer, locked, action):
        raise TransitionError("Hồ sơ do đơn vị khác giải quyết; đơn vị của bạn chỉ tiếp nhận và trả kết quả.", 403)
    if seen_version is not None and seen_version != locked.row_version:
        raise TransitionError(
            "Hồ sơ vừa được cán bộ khác cập nhật. Vui lòng tải lại trang để xem trạng thái mới nhất.", 409
        )
    return locked


def _save(dossier: Dossier, fields: list[str]) -> None:
    """Write `fields` only if nobody changed the row since it was read (optimistic check)."""
    values = {f: getattr(dossier, f) for f in fields}
    now = timezone.now()
    updated = Dossier.objects.filter(pk=dossier.pk, row_version=dossier.row_version).update(
        row_version=F("row_version") + 1, updated_at=now, **values
    )
    if updated != 1:
        raise TransitionError(
            "Hồ sơ vừa được cán bộ khác cập nhật. Vui lòng tải lại trang để xem trạng thái mới nhất.", 409
        )
    dossier.row_version += 1
    dossier.updated_at = now


def _notify(dossier: Dossier, key: str, **context) -> None:
    from antt.dossiers import notifications

    notifications.notify_applicant(dossier, key, **context)


def _active_step(dossier: Dossier) -> DossierStep | None:
    if dossier.current_step_id is None:
        return None
    return DossierStep.objects.select_related("unit").get(pk=dossier.current_step_id)


def _finish_step(step: DossierStep, now: datetime, note: str = "") -> None:
    step.state = StepState.DONE
    step.finished_at = now
    step.timeliness = deadlines.classify(now, step.due_at)
    if note:
        step.note = note
    step.save(update_fields=["state", "finished_at", "timeliness", "note"])


def _start_step(step: DossierStep, now: datetime, assignee=None) -> None:
    step.state = StepState.ACTIVE
    step.started_at = now
    step.due_at = calendar.add_working_hours(now, step.budget_hours)
    if assignee is not None:
        step.assignee = assignee
    step.save(update_fields=["state", "started_at", "due_at", "assignee"])


def _next_step(dossier: Dossier, after: DossierStep | None) -> DossierStep | None:
    qs = dossier.steps.filter(state=StepState.PENDING).order_by("order")
    if after is not None:
        qs = qs.filter(order__gt=after.order)
    return qs.first()


def _check_assignee(dossier: Dossier, assignee, step: DossierStep | None) -> None:
    if assignee is None:
        return
    if not isinstance(assignee, User) or not assignee.is_active or not assignee.unit_id:
        raise DossierInputError("Cán bộ được giao không hợp lệ.", "assignee")
    target_unit = step.unit if step is not None else dossier.unit
    if not assignee.unit.is_within(target_unit) and not target_unit.is_within(assignee.unit):
        raise DossierInputError("Cán bộ được giao không thuộc đơn vị giải quyết hồ sơ.", "assignee")
    if step is not None and step.role == Role.HEAD and assignee.role != Role.HEAD:
        raise DossierInputError("Bước phê duyệt phải giao cho lãnh đạo.", "assignee")


def _store_uploads(
    dossier: Dossier,
    uploads: list[UploadIn],
    *,
    round_no: int,
    actor=None,
    checklist: dict[int, DossierDocument] | None = None,
) -> list[DossierDocument]:
    """Check and store each file byte for byte. A file for a document already on the counter's
    checklist (`checklist`: required document id → row) fills that row instead of adding one."""
    from antt.core.uploads import UploadError, check_upload, store_upload

    checklist = checklist or {}

    valid_docs = {d.pk: d for d in dossier.procedure_version.documents.all()}
    rows = []
    for item in uploads:
        required = None
        if item.required_document_id is not None:
            required = valid_docs.get(item.required_document_id)
            if required is None:
                raise DossierInputError("Thành phần hồ sơ không thuộc thủ tục này.", "documents")
        try:
            checked = check_upload(item.file)
        except UploadError as exc:
            raise DossierInputError(str(exc), "documents") from exc
        stored = store_upload(checked, prefix=f"dossiers/{dossier.pk}")
        existing = checklist.get(item.required_document_id) if item.required_document_id is not None else None
        if existing is not None and not existing.file:
            existing.file, existing.original_name = stored.name, stored.original_name
            existing.content_type, existing.size, existing.sha256 = stored.content_type, stored.size, stored.sha256
            existing.save(update_fields=["file", "original_name", "content_type", "size", "sha256"])
            continue
        rows.append(
            DossierDocument(
                dossier=dossier,
                required_document=required,
                name=(required.name if required else item.name or stored.original_name)[:500],
                file=stored.name,
                original_name=stored.original_name,
                content_type=stored.content_type,
                size=stored.size,
                sha256=stored.sha256,
                round=round_no,
                uploaded_by=actor if getattr(actor, "pk", None) else None,
            )
        )
    return DossierDocument.objects.bulk_create(rows)


# --- Intake -------------------------------------------------------------------------------


def _existing_for_key(actor, key: str | None) -> Dossier | None:
    if not key:
        return None
    return Dossier.objects.filter(created_by=actor, idempotency_key=key).first()


def dossier_receive(
    *,
    officer,
    procedure,
    level: str,
    applicant: ApplicantData,
    documents: list[DocumentReceipt] = (),
    uploads: list[UploadIn] = (),
    unit: Unit | None = None,
    delivery: str = Delivery.COUNTER,
    channel: str = Channel.COUNTER,
    fee_amount: int | None = None,
    fee_paid: bool = False,
    fee_receipt_ref: str = "",
    idempotency_key: str | None = None,
    at: datetime | None = None,
) -> IntakeResult:
    """Receive a complete dossier at the counter (or by post): code, due date, receipt.

    The clock starts at once. `unit` is the unit that will handle it (default: the
    officer's own). With an `idempotency_key`, a retried call returns the dossier the
    first call made instead of making a second one.
    """
    if not can(officer, "dossier.receive"):
        raise TransitionError("Vai trò của bạn không được tiếp nhận hồ sơ.", 403)
    existing = _existing_for_key(officer, idempotency_key)
    if existing is not None:
        return IntakeResult(existing, created=False)
    now = at or timezone.now()
    unit = unit or officer.unit
    if not unit.is_active:
        raise DossierInputError("Đơn vị giải quyết đã ngừng hoạt động.", "unit")
    if not unit_is_visible(officer, unit) and not unit.is_within(officer.unit.parent or officer.unit):
        raise DossierInputError("Đơn vị giải quyết không hợp lệ.", "unit")
    if channel not in (Channel.COUNTER, Channel.POST):
        raise DossierInputError("Hình thức nộp không hợp lệ.", "channel")
    if delivery not in Delivery.values:
        raise DossierInputError("Hình thức nhận kết quả không hợp lệ.", "delivery")
    version = _version_for(procedure, calendar.local(now).date())
    _check_level(version, level)
    applicant.clean()
    try:
        due = deadlines.legal_due_at(version, now)
    except deadlines.NoLegalTime as exc:
        raise DossierInputError(str(exc), "procedure") from exc
    valid_docs = {d.pk: d for d in version.documents.all()}
    for row in documents:
        if row.required_document_id is not None and row.required_document_id not in valid_docs:
            raise DossierInputError("Thành phần hồ sơ không thuộc thủ tục này.", "documents")
        if (
            min(row.originals, row.certified_copies, row.copies) < 0
            or max(row.originals, row.certified_copies, row.copies) > 99
        ):
            raise DossierInputError("Số lượng bản giấy tờ không hợp lệ.", "documents")
    if fee_amount is None:
        fee_amount = _fee_for(version, channel)
    if fee_amount < 0:
        raise DossierInputError("Số tiền phí, lệ phí không hợp lệ.", "fee_amount")
    try:
        with transaction.atomic():
            dossier = Dossier(
                code=_new_code(unit, now),
                procedure_version=version,
                procedure_id=version.procedure_id,
                field_id=version.procedure.field_id,
                level=level,
                unit=unit,
                receiving_unit=officer.unit,
                status=Status.RECEIVED,
                channel=channel,
                delivery=delivery,
                **_applicant_fields(applicant),
                submitted_at=now,
                received_at=now,
                due_at=due,
                original_due_at=due,
                legal_working_days=deadlines.legal_working_days(version),
                fee_amount=fee_amount,
                fee_paid_at=now if fee_paid and fee_amount else None,
                fee_receipt_ref=fee_receipt_ref[:100],
                received_by=officer,
                created_by=officer,
                idempotency_key=idempotency_key or None,
            )
            dossier.save(force_insert=True)
            checklist = DossierDocument.objects.bulk_create(
                DossierDocument(
                    dossier=dossier,
                    required_document=valid_docs.get(row.required_document_id),
                    name=(valid_docs[row.required_document_id].name if row.required_document_id else row.name)[:500]
                    or "Giấy tờ khác",
                    originals=row.originals,
                    certified_copies=row.certified_copies,
                    copies=row.copies,
                    uploaded_by=officer,
                )
                for row in documents
            )
            if uploads:
                by_required = {row.required_document_id: row for row in checklist if row.required_document_id}
                _store_uploads(dossier, list(uploads), round_no=1, actor=officer, checklist=by_required)
            steps = _create_steps(dossier, version)
            first = steps[0]
            _start_step(first, now, assignee=officer)
            _finish_step(first, now)
            dossier.current_step = None
            _event(dossier, "receive", actor=officer, note="Tiếp nhận hồ sơ tại bộ phận một cửa", step=first, at=now)
            audit.record(
                Action.CREATE,
                dossier,
                changes={"status": dossier.status, "procedure": version.procedure.code, "channel": channel},
            )
            _notify(dossier, "received")
    except IntegrityError:
        existing = _existing_for_key(officer, idempotency_key)
        if existing is not None:
            return IntakeResult(existing, created=False)
        raise
    return IntakeResult(dossier)


def _applicant_fields(a: ApplicantData) -> dict:
    return {
        "applicant_kind": a.kind,
        "applicant_name": a.name,
        "applicant_id_number": a.id_number,
        "applicant_birth_date": a.birth_date,
        "applicant_phone": a.phone,
        "applicant_email": a.email,
        "applicant_area_id": a.area_id,
        "applicant_address": a.address,
        "representative_name": a.representative_name,
    }


def dossier_submit_online(
    *,
    procedure,
    level: str,
    unit: Unit,
    applicant: ApplicantData,
    uploads: list[UploadIn],
    delivery: str = Delivery.COUNTER,
    form_data: dict | None = None,
    at: datetime | None = None,
) -> Dossier:
    """A citizen or business submits online: the dossier gets its code at once and waits
    for an officer to check it (status "Mới đăng ký"); the clock has not started."""
    now = at or timezone.now()
    version = _version_for(procedure, calendar.local(now).date())
    if version.online_level == "none":
        raise DossierInputError("Thủ tục này chưa được cung cấp trực tuyến.", "procedure")
    _check_level(version, level)
    if unit is None or not unit.is_active:
        raise DossierInputError("Vui lòng chọn cơ quan giải quyết.", "unit")
    if delivery not in Delivery.values:
        raise DossierInputError("Hình thức nhận kết quả không hợp lệ.", "delivery")
    if delivery == Delivery.ONLINE and version.online_level != "full":
        raise DossierInputError("Thủ tục này không trả kết quả điện tử.", "delivery")
    applicant.clean()
    try:
        deadlines.legal_due_at(version, now)
    except deadlines.NoLegalTime as exc:
        raise DossierInputError(str(exc), "procedure") from exc
    if not uploads:
        raise DossierInputError("Vui lòng đính kèm các thành phần hồ sơ.", "documents")
    with transaction.atomic():
        dossier = Dossier(
            code=_new_code(unit, now),
            procedure_version=version,
            procedure_id=version.procedure_id,
            field_id=version.procedure.field_id,
            level=level,
            unit=unit,
            receiving_unit=unit,
            status=Status.NEW_ONLINE,
            channel=Channel.ONLINE,
            delivery=delivery,
            **_applicant_fields(applicant),
            form_data=form_data or {},
            submitted_at=now,
            legal_working_days=deadlines.legal_working_days(version),
            fee_amount=_fee_for(version, Channel.ONLINE),
        )
        dossier.save(force_insert=True)
        _store_uploads(dossier, list(uploads), round_no=1)
        _create_steps(dossier, version)
        _event(dossier, "submit", note="Nộp hồ sơ trực tuyến", at=now)
        audit.record(
            Action.CREATE,
            dossier,
            changes={"status": dossier.status, "procedure": version.procedure.code, "channel": Channel.ONLINE},
            actor_name="Công dân (trực tuyến)",
        )
        _notify(dossier, "submitted")
    return dossier


# --- Checking online dossiers -------------------------------------------------------------


def dossier_accept(*, officer, dossier: Dossier, note: str = "") -> Dossier:
    """Accept an online dossier after checking it: the clock starts now."""
    with transaction.atomic():
        d = _lock(dossier, officer, "accept")
        check("accept", d.status, officer)
        now = timezone.now()
        try:
            due = deadlines.legal_due_at(d.procedure_version, now)
        except deadlines.NoLegalTime as exc:
            raise DossierInputError(str(exc), "procedure") from exc
        before = d.status
        d.status, d.received_at, d.due_at, d.original_due_at = Status.RECEIVED, now, due, due
        d.received_by = officer
        first = d.steps.order_by("order").first()
        _start_step(first, now, assignee=officer)
        _finish_step(first, now)
        _save(d, ["status", "received_at", "due_at", "original_due_at", "received_by"])
        _event(d, "accept", actor=officer, from_status=before, note=note or "Tiếp nhận hồ sơ", step=first, at=now)
        _audit(d, "accept", before, reason=note)
        _notify(d, "received")
    return d


def dossier_request_supplement(*, officer, dossier: Dossier, items: list[str], reasons: str) -> SupplementRequest:
    """Ask the applicant for everything missing, at once (Mẫu 02); the clock stops meanwhile."""
    items = [" ".join(str(i).split())[:500] for i in items if str(i).strip()]
    reasons = (reasons or "").strip()
    if not items:
        raise DossierInputError("Vui lòng liệt kê các giấy tờ cần bổ sung, hoàn thiện.", "items")
    if not reasons:
        raise DossierInputError("Vui lòng nêu lý do yêu cầu bổ sung.", "reasons")
    with transaction.atomic():
        d = _lock(dossier, officer, "request_supplement")
        check("request_supplement", d.status, officer)
        now = timezone.now()
        before = d.status
        d.status_before_pause = before
        d.status = Status.SUPPLEMENT_REQUESTED
        d.reasons = reasons
        if d.received_at is not None:
            d.clock_paused_at = now
        _save(d, ["status", "status_before_pause", "reasons", "clock_paused_at"])
        number = d.supplement_requests.count() + 1
        request = SupplementRequest.objects.create(
            dossier=d, number=number, requested_at=now, requested_by=officer, items=items, reasons=reasons
        )
        _event(d, "request_supplement", actor=officer, from_status=before, note=reasons, at=now)
        _audit(d, "request_supplement", before, reason=reasons, extra={"items": items})
        _notify(d, "supplement_requested", request=request)
    return request


def dossier_supplement_submit(*, dossier: Dossier, uploads: list[UploadIn], note: str = "") -> Dossier:
    """The applicant adds the requested documents on the same dossier; the clock resumes."""
    if not uploads:
        raise DossierInputError("Vui lòng đính kèm giấy tờ bổ sung.", "documents")
    with transaction.atomic():
        d = _lock(dossier)
        check("supplement_submit", d.status, applicant=True)
        now = timezone.now()
        before = d.status
        request = d.supplement_requests.filter(fulfilled_at__isnull=True).order_by("-number").first()
        round_no = (d.documents.order_by("-round").values_list("round", flat=True).first() or 1) + 1
        _store_uploads(d, uploads, round_no=round_no)
        d.status = d.status_before_pause or Status.NEW_ONLINE
        if d.status == Status.RECEIVED:
            d.status = Status.PROCESSING if d.current_step_id else Status.RECEIVED
        d.status_before_pause = ""
        fields = ["status", "status_before_pause"]
        if d.clock_paused_at is not None:
            d.due_at = deadlines.shift_by_pause(d.due_at, d.clock_paused_at, now)
            d.original_due_at = deadlines.shift_by_pause(d.original_due_at, d.clock_paused_at, now)
            step = _active_step(d)
            if step is not None and step.due_at:
                step.due_at = deadlines.shift_by_pause(step.due_at, d.clock_paused_at, now)
                step.save(update_fields=["due_at"])
            d.clock_paused_at = None
            fields += ["due_at", "original_due_at", "clock_paused_at"]
        _save(d, fields)
        if request is not None:
            request.fulfilled_at = now
            request.save(update_fields=["fulfilled_at"])
        _event(d, "supplement_submit", from_status=before, note=note[:1000] or "Công dân bổ sung hồ sơ", at=now)
        _audit(d, "supplement_submit", before, reason=note)
    return d


def dossier_refuse(*, officer, dossier: Dossier, reasons: str) -> Dossier:
    """Refuse an online dossier that cannot be received (Mẫu 03, with the reasons)."""
    reasons = (reasons or "").strip()
    if not reasons:
        raise DossierInputError("Vui lòng nêu rõ lý do từ chối.", "reasons")
    with transaction.atomic():
        d = _lock(dossier, officer, "refuse")
        check("refuse", d.status, officer)
        if d.received_at is not None:
            raise TransitionError("Hồ sơ đã được tiếp nhận; không thể từ chối tiếp nhận.", 409)
        now = timezone.now()
        before = d.status
        d.status, d.reasons, d.closed_at, d.clock_paused_at = Status.NOT_RECEIVED, reasons, now, None
        _save(d, ["status", "reasons", "closed_at", "clock_paused_at"])
        d.steps.filter(state=StepState.PENDING).update(state=StepState.SKIPPED)
        _event(d, "refuse", actor=officer, from_status=before, note=reasons, at=now)
        _audit(d, "refuse", before, reason=reasons)
        _notify(d, "refused")
    return d


# --- Processing ---------------------------------------------------------------------------


def dossier_start(*, officer, dossier: Dossier, assignee=None, note: str = "") -> Dossier:
    """Hand a received dossier to processing: its first processing step starts."""
    with transaction.atomic():
        d = _lock(dossier, officer, "start")
        check("start", d.status, officer)
        step = _next_step(d, None)
        if step is None:
            raise TransitionError("Hồ sơ không còn bước xử lý nào.", 409)
        _check_assignee(d, assignee, step)
        now = timezone.now()
        before = d.status
        _start_step(step, now, assignee)
        d.status, d.current_step, d.assignee = Status.PROCESSING, step, assignee
        _save(d, ["status", "current_step", "assignee"])
        _event(d, "start", actor=officer, from_status=before, note=note, step=step, to_unit=step.unit, to_user=assignee)
        _audit(d, "start", before, reason=note)
    return d


def dossier_forward(*, officer, dossier: Dossier, assignee=None, note: str = "") -> Dossier:
    """Finish the current step and hand the dossier to the next one (officer or unit)."""
    with transaction.atomic():
        d = _lock(dossier, officer, "forward")
        check("forward", d.status, officer)
        step = _active_step(d)
        if step is None:
            raise TransitionError("Hồ sơ chưa được chuyển xử lý.", 409)
        if step.role == Role.HEAD:
            raise TransitionError("Bước này là bước phê duyệt: lãnh đạo phê duyệt hoặc trả lại.", 409)
        if step.assignee_id and step.assignee_id != officer.pk and officer.role != Role.HEAD:
            raise TransitionError("Bước này đang được giao cho cán bộ khác.", 403)
        nxt = _next_step(d, step)
        if nxt is None or nxt.role == Role.RECEPTIONIST and nxt.order == d.steps.count():
            raise TransitionError("Không còn bước xử lý tiếp theo: hồ sơ cần được phê duyệt.", 409)
        _check_assignee(d, assignee, nxt)
        now = timezone.now()
        _finish_step(step, now, note)
        _start_step(nxt, now, assignee)
        d.current_step, d.assignee = nxt, assignee
        _save(d, ["current_step", "assignee"])
        _event(
            d, "forward", actor=officer, from_status=d.status, note=note, step=step, to_unit=nxt.unit, to_user=assignee
        )
        _audit(d, "forward", d.status, reason=note, extra={"step": [step.order, nxt.order]})
    return d


def dossier_approve(*, officer, dossier: Dossier, note: str = "") -> Dossier:
    """The head approves: the dossier is processed (its class early / on time / late is set)."""
    with transaction.atomic():
        d = _lock(dossier, officer, "approve")
        check("approve", d.status, officer)
        step = _active_step(d)
        if step is None or step.role != Role.HEAD:
            raise TransitionError("Hồ sơ chưa đến bước phê duyệt.", 409)
        if not d.results.exists():
            raise TransitionError("Chưa có kết quả giải quyết: cán bộ xử lý cần đính kèm kết quả trước.", 409)
        now = timezone.now()
        before = d.status
        _finish_step(step, now, note)
        nxt = _next_step(d, step)
        if nxt is not None:
            _start_step(nxt, now)
        d.status, d.completed_at = Status.PROCESSED, now
        d.timeliness = deadlines.classify(now, d.original_due_at)
        d.current_step, d.assignee = nxt, None
        _save(d, ["status", "completed_at", "timeliness", "current_step", "assignee"])
        _event(d, "approve", actor=officer, from_status=before, note=note, step=step, to_unit=nxt.unit if nxt else None)
        _audit(d, "approve", before, reason=note, extra={"timeliness": d.timeliness})
        _notify(d, "result_ready")
    return d


def dossier_send_back(*, officer, dossier: Dossier, reasons: str, assignee=None) -> Dossier:
    """The head sends the dossier back to the previous step to be redone."""
    reasons = (reasons or "").strip()
    if not reasons:
        raise DossierInputError("Vui lòng nêu lý do trả lại.", "reasons")
    with transaction.atomic():
        d = _lock(dossier, officer, "send_back")
        check("send_back", d.status, officer)
        step = _active_step(d)
        if step is None or step.role != Role.HEAD:
            raise TransitionError("Chỉ trả lại được khi hồ sơ đang ở bước phê duyệt.", 409)
        previous = d.steps.filter(order__lt=step.order, state=StepState.DONE).order_by("-order").first()
        if previous is None:
            raise TransitionError("Không có bước trước để trả lại.", 409)
        now = timezone.now()
        _finish_step(step, now, reasons)
        # Redo the previous step, then approve again: two new steps right after this one.
        later = list(d.steps.filter(order__gt=step.order).order_by("-order"))
        for s in later:  # from the end, so that (dossier, order) stays unique at every UPDATE
            DossierStep.objects.filter(pk=s.pk).update(order=s.order + 2)
        common = {"dossier": d, "unit": previous.unit, "budget_hours": previous.budget_hours}
        redo = DossierStep.objects.create(order=step.order + 1, name=previous.name, role=previous.role, **common)
        DossierStep.objects.create(
            dossier=d,
            order=step.order + 2,
            name=step.name,
            role=step.role,
            unit=step.unit,
            budget_hours=step.budget_hours,
        )
        assignee = assignee or previous.assignee
        _check_assignee(d, assignee, redo)
        _start_step(redo, now, assignee)
        d.current_step, d.assignee = redo, assignee
        _save(d, ["current_step", "assignee"])
        _event(d, "send_back", actor=officer, from_status=d.status, note=reasons, step=step, to_user=assignee)
        _audit(d, "send_back", d.status, reason=reasons)
    return d


def dossier_assign(*, officer, dossier: Dossier, assignee) -> Dossier:
    """Give the current step to an officer (the head dispatches, or a processor takes it)."""
    with transaction.atomic():
        d = _lock(dossier, officer, "assign")
        check("assign", d.status, officer)
        step = _active_step(d)
        _check_assignee(d, assignee, step)
        if step is not None:
            step.assignee = assignee
            step.save(update_fields=["assignee"])
        d.assignee = assignee
        _save(d, ["assignee"])
        _event(d, "assign", actor=officer, from_status=d.status, step=step, to_user=assignee, public=False)
        _audit(d, "assign", d.status, extra={"assignee": assignee.pk})
    return d


def dossier_attach_result(*, officer, dossier: Dossier, name: str, upload=None) -> DossierResult:
    """Attach a result file, coded `<dossier code>-KQ<n>` (NĐ 45/2020/NĐ-CP Art. 14)."""
    from antt.core.uploads import UploadError, check_upload, store_upload

    name = " ".join((name or "").split())
    if not name:
        raise DossierInputError("Vui lòng nhập tên kết quả (ví dụ: Hộ chiếu phổ thông).", "name")
    with transaction.atomic():
        d = _lock(dossier, officer, "attach_result")
        check("attach_result", d.status, officer)
        number = d.results.count() + 1
        result = DossierResult(
            dossier=d, number=number, code=f"{d.code}-KQ{number}", name=name[:300], created_by=officer
        )
        if upload is not None:
            try:
                checked = check_upload(upload)
            except UploadError as exc:
                raise DossierInputError(str(exc), "file") from exc
            stored = store_upload(checked, prefix=f"results/{d.pk}")
            result.file, result.content_type, result.size, result.sha256 = (
                stored.name,
                stored.content_type,
                stored.size,
                stored.sha256,
            )
        result.save()
        _save(d, [])
        _event(
            d, "attach_result", actor=officer, from_status=d.status, note=f"{result.code}: {result.name}", public=False
        )
        audit.record(Action.CREATE, result, changes={"dossier": d.code, "code": result.code})
    return result


def dossier_request_fee(*, officer, dossier: Dossier, amount: int, note: str = "") -> Dossier:
    """Ask the applicant to pay the fee (financial obligation) before processing goes on."""
    if not isinstance(amount, int) or amount <= 0:
        raise DossierInputError("Số tiền phải là số nguyên dương (đồng).", "amount")
    with transaction.atomic():
        d = _lock(dossier, officer, "request_fee")
        check("request_fee", d.status, officer)
        before = d.status
        d.status_before_pause, d.status, d.fee_amount = before, Status.FEE_REQUESTED, amount
        _save(d, ["status", "status_before_pause", "fee_amount"])
        _event(d, "request_fee", actor=officer, from_status=before, note=note or f"Số tiền: {amount} đồng")
        _audit(d, "request_fee", before, reason=note, extra={"amount": amount})
        _notify(d, "fee_requested")
    return d


def dossier_record_payment(*, dossier: Dossier, officer=None, online: bool, reference: str) -> Dossier:
    """Record the fee as paid (at the counter by an officer, or online by the payment callback)."""
    reference = (reference or "").strip()[:100]
    if not reference:
        raise DossierInputError("Vui lòng nhập số biên lai hoặc mã giao dịch.", "reference")
    with transaction.atomic():
        d = _lock(dossier, officer, "record_payment")
        if officer is not None and not (can(officer, "dossier.receive") or can(officer, "dossier.process")):
            raise TransitionError("Vai trò của bạn không được ghi nhận nộp phí.", 403)
        if d.status not in OPEN_STATUSES:
            raise TransitionError("Hồ sơ đã kết thúc; không ghi nhận nộp phí, lệ phí.", 409)
        if d.fee_paid_at is not None:
            raise TransitionError("Hồ sơ đã được ghi nhận nộp phí.", 409)
        if d.fee_amount <= 0:
            raise TransitionError("Hồ sơ không phải nộp phí, lệ phí.", 409)
        before = d.status
        now = timezone.now()
        d.fee_paid_at, d.fee_paid_online, d.fee_receipt_ref = now, online, reference
        fields = ["fee_paid_at", "fee_paid_online", "fee_receipt_ref"]
        if d.status == Status.FEE_REQUESTED:
            check("fee_paid", d.status, applicant=True)
            d.status, d.status_before_pause = d.status_before_pause or Status.PROCESSING, ""
            fields += ["status", "status_before_pause"]
        _save(d, fields)
        _event(d, "fee_paid", actor=officer, from_status=before, note=f"Đã nộp {d.fee_amount} đồng ({reference})")
        _audit(d, "fee_paid", before, actor=officer, extra={"online": online})
    return d


def dossier_apologise(*, officer, dossier: Dossier, reason: str, new_due_date: date) -> Apology:
    """Issue the apology with a new return date (Mẫu 04) for a dossier that is or will be late."""
    reason = (reason or "").strip()
    if not reason:
        raise DossierInputError("Vui lòng nêu lý do chậm trả kết quả.", "reason")
    if not isinstance(new_due_date, date):
        raise DossierInputError("Ngày hẹn mới không hợp lệ.", "new_due_date")
    with transaction.atomic():
        d = _lock(dossier, officer, "apologise")
        check("apologise", d.status, officer)
        now = timezone.now()
        if d.due_at is None:
            raise TransitionError("Hồ sơ chưa có ngày hẹn trả.", 409)
        if deadlines.deadline_state(d.due_at, now) == deadlines.DeadlineState.ON_TIME:
            raise TransitionError("Hồ sơ còn trong hạn: chỉ xin lỗi và hẹn lại khi sắp đến hạn hoặc đã quá hạn.", 409)
        if new_due_date <= max(deadlines.local_date(d.due_at), deadlines.local_date(now)):
            raise DossierInputError("Ngày hẹn mới phải sau ngày hẹn hiện tại và sau hôm nay.", "new_due_date")
        if not calendar.first_year() <= new_due_date.year <= calendar.last_year():
            raise DossierInputError("Ngày hẹn mới nằm ngoài lịch làm việc đã có của hệ thống.", "new_due_date")
        if not calendar.is_working_day(new_due_date):
            raise DossierInputError("Ngày hẹn mới phải là ngày làm việc.", "new_due_date")
        new_due_at = deadlines.end_of_day(new_due_date)
        apology = Apology.objects.create(
            dossier=d,
            number=d.apologies.count() + 1,
            issued_at=now,
            issued_by=officer,
            reason=reason,
            previous_due_at=d.due_at,
            new_due_at=new_due_at,
        )
        d.due_at = new_due_at
        _save(d, ["due_at"])
        _event(
            d, "apologise", actor=officer, from_status=d.status, note=f"Hẹn lại ngày {new_due_date:%d/%m/%Y}: {reason}"
        )
        _audit(d, "apologise", d.status, reason=reason, extra={"new_due_date": new_due_date.isoformat()})
        _notify(d, "delayed", apology=apology)
    return apology


def dossier_return(*, officer, dossier: Dossier, note: str = "") -> Dossier:
    """Return the result (counter, post or online). A late dossier needs its apology first."""
    with transaction.atomic():
        d = _lock(dossier, officer, "return")
        check("return", d.status, officer)
        now = timezone.now()
        if d.fee_amount and d.fee_paid_at is None:
            raise TransitionError("Hồ sơ chưa nộp phí, lệ phí: ghi nhận nộp phí trước khi trả kết quả.", 409)
        late_now = d.due_at is not None and deadlines.local_date(now) > deadlines.local_date(d.due_at)
        late_done = d.timeliness == Timeliness.LATE and not d.apologies.exists()
        if late_now or late_done:
            raise TransitionError(
                "Hồ sơ quá hạn: phải ban hành văn bản xin lỗi và hẹn lại ngày trả (Mẫu 04) trước khi trả kết quả.",
                409,
            )
        if d.delivery == Delivery.ONLINE and not d.results.exclude(file="").exists():
            raise TransitionError("Hồ sơ trả kết quả trực tuyến cần có tệp kết quả điện tử.", 409)
        before = d.status
        step = _active_step(d)
        if step is not None:
            _finish_step(step, now, note)
        d.steps.filter(state=StepState.PENDING).update(state=StepState.SKIPPED)
        d.status, d.returned_at, d.closed_at, d.current_step, d.assignee = Status.RETURNED, now, now, None, None
        _save(d, ["status", "returned_at", "closed_at", "current_step", "assignee"])
        _event(d, "return", actor=officer, from_status=before, note=note or d.get_delivery_display(), step=step)
        _audit(d, "return", before, reason=note)
        # Other domains act on the result in the same transaction (a receiver may refuse).
        dossier_returned.send(sender=Dossier, dossier=d, officer=officer)
        _notify(d, "returned")
    return d


def dossier_stop(*, officer, dossier: Dossier, reasons: str) -> Dossier:
    """Stop processing (Thông báo dừng giải quyết), with the reasons."""
    reasons = (reasons or "").strip()
    if not reasons:
        raise DossierInputError("Vui lòng nêu lý do dừng giải quyết.", "reasons")
    return _close(officer, dossier, "stop", Status.STOPPED, reasons, "stopped")


def dossier_withdraw(*, officer, dossier: Dossier, reasons: str) -> Dossier:
    """Record the applicant's request to withdraw the dossier."""
    reasons = (reasons or "").strip() or "Công dân yêu cầu rút hồ sơ"
    return _close(officer, dossier, "withdraw", Status.WITHDRAWN, reasons, "withdrawn")


def _close(officer, dossier, action, target, reasons, notify_key) -> Dossier:
    with transaction.atomic():
        d = _lock(dossier, officer, action)
        check(action, d.status, officer)
        now = timezone.now()
        before = d.status
        step = _active_step(d)
        if step is not None:
            _finish_step(step, now, reasons)
        d.steps.filter(state=StepState.PENDING).update(state=StepState.SKIPPED)
        d.status, d.reasons, d.closed_at, d.current_step, d.assignee = target, reasons, now, None, None
        d.clock_paused_at = None
        _save(d, ["status", "reasons", "closed_at", "current_step", "assignee", "clock_paused_at"])
        _event(d, action, actor=officer, from_status=before, note=reasons, step=step)
        _audit(d, action, before, reason=reasons)
        _notify(d, notify_key)
    return d
