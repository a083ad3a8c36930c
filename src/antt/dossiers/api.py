"""Staff endpoints of the one-stop shop: /api/v1/dossiers (issue 3, point 10).

Signed-in staff (session cookie plus second factor, like the staff pages; unsafe methods
also need the CSRF header, see `antt.org.api`) read, create and move dossiers. Every read
goes through `dossiers.selectors.visible_dossiers`: a dossier outside the caller's units
answers 404, exactly like one that does not exist; a role without `dossier.view` gets 403.
Handlers only translate: services decide, and their errors become Vietnamese 4xx answers
(`DossierInputError` → 422 with the field, `TransitionError` → its 403/404/409).

Idempotent create: send an `Idempotency-Key` header (any printable ASCII, at most 100
characters, e.g. a UUID). The key is stored on the dossier, unique per officer (database
constraint), so a retried request never makes a second dossier, even when both copies
arrive at once: it answers 200 with the dossier the first one made (201 the first time).
The model keeps the key, not a hash of the body, so a reused key is told apart from a
retry by the essential fields of the dossier it made: procedure code, level, and the
applicant's ID number and name (whitespace-normalised). If they differ, the answer is
422 "Idempotency-Key đã dùng cho một yêu cầu khác" and nothing is created.

The public lookup `POST /api/v1/dossiers/lookup` lives in another router
(`dossiers.api_public`) mounted at the same prefix; this router defines no `/lookup`.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.db.models import Prefetch
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from ninja import Header, Path, Query, Router
from ninja.errors import HttpError
from ninja.responses import Status as Reply

from antt.api.schemas import STAFF_ERRORS, ErrorOut
from antt.catalog import selectors as catalog_selectors
from antt.core.calendar import LOCAL_TZ, CalendarRangeError
from antt.dossiers import deadlines, selectors, services, workflow
from antt.dossiers.models import OPEN_STATUSES, Dossier, DossierEvent, DossierStep, Status
from antt.dossiers.schemas import (
    ACTION_PARAMS,
    DossierActionOut,
    DossierCreatedOut,
    DossierCreateIn,
    DossierDetailOut,
    DossierErrorOut,
    DossierFilters,
    DossierPage,
    DossierStateOut,
    TransitionIn,
    has_control_chars,
)
from antt.dossiers.selectors_staff import may_act
from antt.dossiers.services import DossierInputError
from antt.dossiers.workflow import TransitionError
from antt.org import selectors as org_selectors
from antt.org.api import staff_auth
from antt.org.models import User
from antt.org.roles import can

router = Router(auth=staff_auth)

ERRORS = {**STAFF_ERRORS, 422: DossierErrorOut}
WRITE_ERRORS = {**ERRORS, 409: ErrorOut}
NOT_FOUND = "Không tìm thấy hồ sơ."
KEY_REUSED = "Idempotency-Key đã dùng cho một yêu cầu khác."
APPLICANT_FIELDS = {"kind", "name", "id_number", "birth_date", "phone", "email", "area"}

CodePath = Path(..., max_length=60, description="Mã hồ sơ, ví dụ H56.14-260423-0001.")  # noqa: B008


# --- Helpers ------------------------------------------------------------------------------


def _require_view(user) -> None:
    if not can(user, "dossier.view"):
        raise HttpError(403, "Vai trò của bạn không được xem hồ sơ một cửa.")


def _visible(user, code: str):
    """The scoped queryset narrowed to one code (404 for a code that cannot exist)."""
    _require_view(user)
    if has_control_chars(code) or len(code) > 60:
        raise HttpError(404, NOT_FOUND)
    return selectors.visible_dossiers(user).filter(code=code)


def _input_error(exc: DossierInputError, prefix_applicant: bool = False):
    field = exc.field
    if prefix_applicant and field in APPLICANT_FIELDS:
        field = f"applicant.{field}"
    return Reply(422, {"detail": exc.message, "field": field, "errors": [{"field": field, "message": exc.message}]})


def _counts_down(d: Dossier) -> bool:
    """A deadline state only for open work whose clock runs (not while waiting for the applicant)."""
    return d.status in OPEN_STATUSES and d.due_at is not None and d.clock_paused_at is None


def _deadline(dossier: Dossier, now: datetime, cutoff: datetime) -> str | None:
    """On time / due soon / late; `cutoff` is `due_soon_cutoff(now)`, computed once per request:
    the rule of `deadlines.deadline_state` without a calendar read per row."""
    if not _counts_down(dossier):
        return None
    if now > dossier.due_at:
        return deadlines.DeadlineState.LATE
    if dossier.due_at < cutoff:
        return deadlines.DeadlineState.DUE_SOON
    return deadlines.DeadlineState.ON_TIME


def _item(d: Dossier, now: datetime, cutoff: datetime) -> dict:
    state = _deadline(d, now, cutoff)
    return {
        "code": d.code,
        "procedure_code": d.procedure.code,
        "procedure_name": d.procedure.name,
        "level": d.level,
        "unit_id": d.unit_id,
        "unit_name": d.unit.name,
        "receiving_unit_id": d.receiving_unit_id,
        "status": d.status,
        "status_label": str(Status(d.status).label),
        "channel": d.channel,
        "submitted_at": d.submitted_at,
        "received_at": d.received_at,
        "due_at": d.due_at,
        "deadline_state": state,
        "deadline_label": deadlines.DeadlineState.LABELS.get(state, ""),
        "timeliness": d.timeliness,
    }


def _action_labels() -> dict[str, str]:
    labels = {a: str(t.label) for a, t in workflow.TRANSITIONS.items()}
    labels.update(
        apologise="Xin lỗi và hẹn lại ngày trả kết quả",
        attach_result="Đính kèm kết quả giải quyết",
        assign="Giao cán bộ xử lý",
        record_payment="Ghi nhận đã nộp phí, lệ phí",
    )
    return labels


def _actions(d: Dossier, user) -> list[dict]:
    """What the caller may do now, by status and role (a service may still refuse a
    precondition, e.g. approving before the approval step)."""
    names = [a for a in workflow.actions_available(d.status, user) if a in ACTION_PARAMS]
    fee_due = d.fee_amount > 0 and d.fee_paid_at is None and d.status in OPEN_STATUSES
    if fee_due and (can(user, "dossier.receive") or can(user, "dossier.process")):
        names.append("record_payment")
    names = [a for a in names if may_act(user, d, a)]
    labels = _action_labels()
    return [{"action": a, "label": labels[a], "params": ACTION_PARAMS[a]} for a in names]


def _applicant(d: Dossier, full: bool) -> dict:
    if full:
        return {
            "full": True,
            "kind": d.applicant_kind,
            "name": d.applicant_name,
            "id_number": d.applicant_id_number,
            "birth_date": d.applicant_birth_date,
            "phone": d.applicant_phone,
            "email": d.applicant_email,
            "area_id": d.applicant_area_id,
            "address": d.applicant_address,
            "representative_name": d.representative_name,
        }
    return {
        "full": False,
        "kind": d.applicant_kind,
        "name": selectors.mask_name(d.applicant_name),
        "id_number": selectors.mask_digits(d.applicant_id_number),
        "birth_date": None,
        "phone": selectors.mask_digits(d.applicant_phone),
        "email": "",
        "area_id": None,
        "address": "",
        "representative_name": selectors.mask_name(d.representative_name),
    }


def _state(d: Dossier, user) -> dict:
    step_order = d.current_step.order if d.current_step_id else None
    return {
        "code": d.code,
        "status": d.status,
        "status_label": str(Status(d.status).label),
        "row_version": d.row_version,
        "due_at": d.due_at,
        "current_step_order": step_order,
        "assignee_id": d.assignee_id,
        "actions": _actions(d, user),
    }


def _day_start(day) -> datetime:
    return datetime.combine(day, time.min, tzinfo=LOCAL_TZ)


# --- Read ---------------------------------------------------------------------------------


@router.get("", response={200: DossierPage, **ERRORS}, summary="Danh sách hồ sơ (trong phạm vi)")
def dossier_list(request: HttpRequest, filters: Query[DossierFilters]):
    """Dossiers of the caller's units, newest first; no personal data (open a dossier for it)."""
    user = request.auth
    _require_view(user)
    if has_control_chars(filters.procedure) or has_control_chars(filters.q):
        raise HttpError(422, "Tham số tìm kiếm chứa ký tự không hợp lệ.")
    qs = selectors.visible_dossiers(user).select_related("procedure", "unit")
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.procedure:
        qs = qs.filter(procedure__code=filters.procedure.strip())
    if filters.unit:
        qs = qs.filter(unit_id=filters.unit)
    if filters.received_from:
        qs = qs.filter(received_at__gte=_day_start(filters.received_from))
    if filters.received_to:
        qs = qs.filter(received_at__lt=_day_start(filters.received_to + timedelta(days=1)))
    if filters.q and filters.q.strip():
        qs = qs.filter(code__icontains=filters.q.strip())
    count = qs.count()
    start = (filters.page - 1) * filters.page_size
    rows = list(qs[start : start + filters.page_size])
    now = timezone.now()
    cutoff = deadlines.due_soon_cutoff(now) if rows else now
    return {
        "count": count,
        "page": filters.page,
        "page_size": filters.page_size,
        "items": [_item(d, now, cutoff) for d in rows],
    }


@router.get("/{code}", response={200: DossierDetailOut, **ERRORS}, summary="Chi tiết hồ sơ")
def dossier_detail(request: HttpRequest, code: str = CodePath):
    """The whole dossier. The applicant in full only for roles with `person.view`, and each
    such read is logged in the audit trail; masked for the others (a supervisor)."""
    user = request.auth
    d = (
        _visible(user, code)
        .select_related("procedure", "procedure_version", "field", "unit", "receiving_unit", "assignee", "current_step")
        .prefetch_related(
            "documents",
            "results",
            Prefetch("steps", queryset=DossierStep.objects.select_related("unit", "assignee")),
            Prefetch("events", queryset=DossierEvent.objects.order_by("at", "id")),
        )
        .first()
    )
    if d is None:
        raise HttpError(404, NOT_FOUND)
    full = selectors.may_see_personal_data(user, d)
    if full:
        selectors.log_personal_read(d, reason="Xem chi tiết hồ sơ qua API")
    now = timezone.now()
    state = deadlines.deadline_state(d.due_at, now) if _counts_down(d) else None
    steps = {s.pk: s for s in d.steps.all()}
    return {
        "code": d.code,
        "status": d.status,
        "status_label": str(Status(d.status).label),
        "portal_status_code": d.portal_code,
        "procedure_code": d.procedure.code,
        "procedure_name": d.procedure.name,
        "procedure_version_from": d.procedure_version.valid_from,
        "field_name": d.field.name,
        "level": d.level,
        "unit_id": d.unit_id,
        "unit_name": d.unit.name,
        "receiving_unit_id": d.receiving_unit_id,
        "receiving_unit_name": d.receiving_unit.name,
        "channel": d.channel,
        "delivery": d.delivery,
        "submitted_at": d.submitted_at,
        "received_at": d.received_at,
        "due_at": d.due_at,
        "original_due_at": d.original_due_at,
        "clock_paused_at": d.clock_paused_at,
        "completed_at": d.completed_at,
        "returned_at": d.returned_at,
        "closed_at": d.closed_at,
        "timeliness": d.timeliness,
        "deadline_state": state,
        "deadline_label": deadlines.DeadlineState.LABELS.get(state, ""),
        "legal_working_days": float(d.legal_working_days) if d.legal_working_days is not None else None,
        "fee_amount": d.fee_amount,
        "fee_paid_at": d.fee_paid_at,
        "fee_paid_online": d.fee_paid_online,
        "reasons": d.reasons,
        "current_step_order": d.current_step.order if d.current_step_id else None,
        "assignee_id": d.assignee_id,
        "assignee_name": str(d.assignee) if d.assignee_id else "",
        "row_version": d.row_version,
        "applicant": _applicant(d, full),
        "documents": [
            {
                "name": doc.name,
                "required_document_id": doc.required_document_id,
                "originals": doc.originals,
                "certified_copies": doc.certified_copies,
                "copies": doc.copies,
                "round": doc.round,
                "has_file": bool(doc.file),
                "original_name": doc.original_name,
                "content_type": doc.content_type,
                "size": doc.size,
                "sha256": doc.sha256,
            }
            for doc in d.documents.all()
        ],
        "steps": [
            {
                "order": s.order,
                "name": s.name,
                "role": s.role,
                "unit_id": s.unit_id,
                "unit_name": s.unit.name,
                "assignee_id": s.assignee_id,
                "assignee_name": str(s.assignee) if s.assignee_id else "",
                "state": s.state,
                "budget_hours": float(s.budget_hours),
                "started_at": s.started_at,
                "due_at": s.due_at,
                "finished_at": s.finished_at,
                "timeliness": s.timeliness,
            }
            for s in steps.values()
        ],
        "events": [
            {
                "at": e.at,
                "action": e.action,
                "from_status": e.from_status,
                "to_status": e.to_status,
                "actor_name": e.actor_name,
                "to_unit_id": e.to_unit_id,
                "to_user_id": e.to_user_id,
                "step_order": steps[e.step_id].order if e.step_id in steps else None,
                "step_timeliness": e.step_timeliness,
                "note": e.note,
                "public": e.public,
            }
            for e in d.events.all()
        ],
        "results": [
            {
                "code": r.code,
                "name": r.name,
                "has_file": bool(r.file),
                "size": r.size,
                "sha256": r.sha256,
                "created_at": r.created_at,
            }
            for r in d.results.all()
        ],
        "actions": _actions(d, user),
    }


@router.get("/{code}/actions", response={200: list[DossierActionOut], **ERRORS}, summary="Thao tác được phép lúc này")
def dossier_actions(request: HttpRequest, code: str = CodePath):
    user = request.auth
    d = (
        _visible(user, code)
        .select_related("unit")
        .only("pk", "status", "fee_amount", "fee_paid_at", "unit__path")
        .first()
    )
    if d is None:
        raise HttpError(404, NOT_FOUND)
    return _actions(d, user)


# --- Create -------------------------------------------------------------------------------


def _same_request(d: Dossier, payload: DossierCreateIn) -> bool:
    """Whether a replayed Idempotency-Key carries the request that made `d` (see the module doc)."""
    applicant = payload.applicant
    return (
        d.procedure.code == payload.procedure.strip()
        and d.level == payload.level
        and d.applicant_id_number == "".join(applicant.id_number.split())
        and d.applicant_name == " ".join(applicant.name.split())
    )


@router.post(
    "",
    response={200: DossierCreatedOut, 201: DossierCreatedOut, **WRITE_ERRORS},
    summary="Tiếp nhận hồ sơ tại bộ phận một cửa",
)
def dossier_create(
    request: HttpRequest,
    payload: DossierCreateIn,
    idempotency_key: str | None = Header(  # noqa: B008
        None,
        alias="Idempotency-Key",
        max_length=100,
        pattern=r"^[!-~]+$",
        description="Khóa chống tạo trùng khi gửi lại (ví dụ một UUID): gửi lại cùng khóa nhận 200 và hồ sơ đã tạo.",
    ),
):
    """Receive a complete dossier at the counter: 201 with its code, due date and the
    applicant's lookup token (printed on the receipt); 200 with the same dossier when the
    request is retried with the same `Idempotency-Key`."""
    user = request.auth
    if not can(user, "dossier.receive"):
        raise HttpError(403, "Vai trò của bạn không được tiếp nhận hồ sơ.")
    if user.unit_id is None:
        raise HttpError(403, "Tài khoản chưa thuộc đơn vị nào nên không tiếp nhận được hồ sơ.")
    row = catalog_selectors.procedure_get(code=payload.procedure.strip())
    if row is None:
        return _input_error(DossierInputError("Thủ tục không tồn tại.", "procedure"))
    unit = None
    if payload.unit_id is not None:
        unit = org_selectors.unit_tree(active=True).filter(pk=payload.unit_id).first()
        if unit is None:
            return _input_error(DossierInputError("Đơn vị giải quyết không hợp lệ.", "unit_id"))
    applicant = payload.applicant
    try:
        result = services.dossier_receive(
            officer=user,
            procedure=row.procedure,
            level=payload.level,
            applicant=services.ApplicantData(
                kind=str(applicant.kind.value),
                name=applicant.name,
                id_number=applicant.id_number,
                birth_date=applicant.birth_date,
                female=applicant.female,
                phone=applicant.phone,
                email=applicant.email,
                area_id=applicant.area_id,
                address=applicant.address,
                representative_name=applicant.representative_name,
            ),
            documents=[
                services.DocumentReceipt(
                    required_document_id=doc.required_document_id,
                    name=doc.name,
                    originals=doc.originals,
                    certified_copies=doc.certified_copies,
                    copies=doc.copies,
                )
                for doc in payload.documents
            ],
            unit=unit,
            delivery=str(payload.delivery.value),
            channel=payload.channel,
            fee_amount=payload.fee_amount,
            fee_paid=payload.fee_paid,
            fee_receipt_ref=payload.fee_receipt_ref,
            idempotency_key=idempotency_key,
        )
    except DossierInputError as exc:
        return _input_error(exc, prefix_applicant=True)
    except TransitionError as exc:
        raise HttpError(exc.status, exc.message) from exc
    d = result.dossier
    if not result.created and not _same_request(d, payload):
        return _input_error(DossierInputError(KEY_REUSED, "Idempotency-Key"))
    now = timezone.now()
    data = _item(d, now, deadlines.due_soon_cutoff(now))
    data.update(
        created=result.created,
        row_version=d.row_version,
        fee_amount=d.fee_amount,
        token=d.token,
        lookup_url=request.build_absolute_uri(reverse("dossiers:public-token", args=[d.token])),
    )
    return Reply(201 if result.created else 200, data)


# --- Transitions --------------------------------------------------------------------------


def _assignee(user, pk: int | None, *, required: bool = False):
    """An active officer in the caller's units (the service then checks the dossier's unit)."""
    if pk is None:
        if required:
            raise DossierInputError("Vui lòng chọn cán bộ được giao.", "assignee_id")
        return None
    officer = org_selectors.scope(user, User.objects.select_related("unit").filter(pk=pk, is_active=True)).first()
    if officer is None:
        raise DossierInputError("Cán bộ được giao không hợp lệ hoặc ngoài phạm vi của bạn.", "assignee_id")
    return officer


def _dispatch(action: str, user, d: Dossier, p: TransitionIn) -> None:
    s, kw = services, {"officer": user, "dossier": d}
    if action == "accept":
        s.dossier_accept(**kw, note=p.note)
    elif action == "request_supplement":
        s.dossier_request_supplement(**kw, items=p.items, reasons=p.reasons)
    elif action == "refuse":
        s.dossier_refuse(**kw, reasons=p.reasons)
    elif action == "start":
        s.dossier_start(**kw, assignee=_assignee(user, p.assignee_id), note=p.note)
    elif action == "forward":
        s.dossier_forward(**kw, assignee=_assignee(user, p.assignee_id), note=p.note)
    elif action == "assign":
        s.dossier_assign(**kw, assignee=_assignee(user, p.assignee_id, required=True))
    elif action == "attach_result":
        s.dossier_attach_result(**kw, name=p.name)
    elif action == "approve":
        s.dossier_approve(**kw, note=p.note)
    elif action == "send_back":
        s.dossier_send_back(**kw, reasons=p.reasons, assignee=_assignee(user, p.assignee_id))
    elif action == "request_fee":
        s.dossier_request_fee(**kw, amount=p.amount, note=p.note)
    elif action == "record_payment":
        s.dossier_record_payment(**kw, online=p.online, reference=p.reference)
    elif action == "apologise":
        s.dossier_apologise(**kw, reason=p.reason, new_due_date=p.new_due_date)
    elif action == "return":
        s.dossier_return(**kw, note=p.note)
    elif action == "stop":
        s.dossier_stop(**kw, reasons=p.reasons)
    elif action == "withdraw":
        s.dossier_withdraw(**kw, reasons=p.reasons)
    else:  # ACTION_PARAMS and this chain must name the same actions
        raise AssertionError(action)


@router.post(
    "/{code}/transitions",
    response={200: DossierStateOut, **WRITE_ERRORS},
    summary="Chuyển trạng thái / thao tác trên hồ sơ",
)
def dossier_transition(request: HttpRequest, payload: TransitionIn, code: str = CodePath):
    """One action of the state machine (see `action`). With `row_version`, a dossier changed
    by someone else since it was read answers 409 and nothing changes."""
    user = request.auth
    d = _visible(user, code).select_related("unit").first()
    if d is None:
        raise HttpError(404, NOT_FOUND)
    if payload.action not in ACTION_PARAMS:
        message = "Thao tác không hợp lệ. Các thao tác được hỗ trợ: " + ", ".join(ACTION_PARAMS) + "."
        return _input_error(DossierInputError(message, "action"))
    if payload.action == "record_payment" and d.status not in OPEN_STATUSES:
        raise HttpError(409, "Hồ sơ đã kết thúc; không ghi nhận nộp phí, lệ phí.")
    if not may_act(user, d, payload.action):
        raise HttpError(403, "Hồ sơ do đơn vị khác giải quyết; đơn vị của bạn chỉ tiếp nhận và trả kết quả.")
    if payload.row_version is not None:
        d.row_version = payload.row_version
    try:
        _dispatch(payload.action, user, d, payload)
    except DossierInputError as exc:
        if exc.field == "assignee":
            exc.field = "assignee_id"
        return _input_error(exc)
    except CalendarRangeError as exc:
        return _input_error(DossierInputError(str(exc), "new_due_date"))
    except TransitionError as exc:
        raise HttpError(exc.status, exc.message) from exc
    d = _visible(user, code).select_related("current_step", "unit").first()
    if d is None:
        raise HttpError(404, NOT_FOUND)
    return _state(d, user)
