"""The lodging establishment's own pages (/doanh-nghiep/luu-tru/…), for an ACTIVE establishment
account whose establishment has a lodging line (`selectors_business.lodging_account`). Anonymous
visitors go to the sign-in; officers, waiting or locked accounts and establishments without a
lodging line get a 403 page that says why. Rooms and API keys: the manager account only.

* home (`biz-home`): guests staying now, today's declarations, late ones this month, links;
* quick form (`biz-declare`): one guest, keyboard only; after a success the form is empty again
  with the remembered values (nationality, document type, arrival, expected departure, reason:
  kept in the session, so it works without JavaScript) and a success line naming the stay;
* upload (`biz-upload`) and the batch report (`biz-batch`: progress, per-row report, the refused
  rows as Excel with `?tai=dong-loi`); the templates (`biz-template`);
* guests (`biz-guests`) and one stay (`biz-stay`: history, depart, correct, cancel);
* rooms (`biz-rooms`), API keys (`biz-keys`), the daily receipt PDF (`biz-receipt`).

The guest data is the establishment's own (it declared it): shown in full to its accounts,
nothing of another establishment is reachable (404).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods

from antt.establishments import selectors_business as est_selectors
from antt.establishments.views.common import page_of, query_string
from antt.lodging import business, receipts, spreadsheets
from antt.lodging import selectors_business as selectors
from antt.lodging.codes import codes_on
from antt.lodging.errors import LodgingError
from antt.lodging.forms_business import (
    FOREIGN_KEYS,
    REMEMBERED_KEYS,
    CancelForm,
    CorrectForm,
    DepartForm,
    GuestFilterForm,
    GuestForm,
    KeyForm,
    RoomForm,
    UploadForm,
    parse_local_datetime,
    receipt_day,
)
from antt.lodging.models import Declaration, DeclarationBatch

VN = ZoneInfo("Asia/Ho_Chi_Minh")
MEMORY_KEY = "lodging_declare_memory"
MEMORY_HOURS = 12  # a remembered arrival older than this is not offered again
_STAY_REF = re.compile(r"#([0-9]{1,18})")
POLL_SECONDS = 2
REPLAYED = "Tệp này đã được gửi ở lần trước (cùng mã lần gửi); không ghi nhận lần thứ hai."


# --- access ------------------------------------------------------------------------------------


def _denied(request, title: str, message: str, *, account=None):
    return render(
        request, "lodging/biz_denied.html", {"title": title, "message": message, "account": account}, status=403
    )


def _gate(request, *, manager: bool = False):
    """(account, None) when the page may be shown, else (None, the response)."""
    user = request.user
    if not user.is_authenticated:
        return None, redirect(f"{reverse('login')}?{urlencode({'next': request.get_full_path()})}")
    if getattr(user, "role", ""):
        return None, _denied(
            request,
            "Trang dành cho cơ sở lưu trú",
            "Trang này dành cho tài khoản của cơ sở lưu trú. Cán bộ xem thông tin lưu trú ở mục “Lưu trú”.",
        )
    any_account = est_selectors.account_for(user)
    if any_account is None:
        return None, _denied(
            request,
            "Chưa có tài khoản cơ sở",
            "Tài khoản này không gắn với cơ sở kinh doanh nào. Cơ sở lưu trú đăng ký tài khoản ở trang Doanh nghiệp.",
        )
    account = est_selectors.active_account(user)
    if account is None:
        return None, _denied(
            request,
            "Tài khoản chưa hoạt động",
            "Tài khoản của cơ sở đang chờ duyệt, bị từ chối hoặc đã bị khóa; chưa thông báo lưu trú được. "
            f"Liên hệ {any_account.establishment.unit.name}.",
            account=any_account,
        )
    if selectors.lodging_account(user) is None:
        return None, _denied(
            request,
            "Cơ sở không kinh doanh dịch vụ lưu trú",
            "Cơ sở chưa đăng ký ngành, nghề kinh doanh dịch vụ lưu trú nên không thông báo lưu trú được. "
            f"Nếu có kinh doanh lưu trú, liên hệ {account.establishment.unit.name} để bổ sung ngành, nghề.",
            account=account,
        )
    if manager and not account.is_manager:
        return None, _denied(
            request,
            "Chỉ dành cho tài khoản quản lý",
            "Chỉ tài khoản quản lý của cơ sở mới quản lý phòng và khóa API.",
            account=account,
        )
    return account, None


def _error_status(exc: LodgingError) -> int:
    return exc.status if 400 <= exc.status < 500 else 400


def _ctx(account, **extra) -> dict:
    return {
        "account": account,
        "e": account.establishment,
        "max_mb": spreadsheets.max_bytes() // (1024 * 1024),
        **extra,
    }


def _now_local() -> datetime:
    return timezone.now().astimezone(VN)


# --- home --------------------------------------------------------------------------------------


@never_cache
@require_GET
def biz_home(request):
    account, response = _gate(request)
    if response is not None:
        return response
    today = timezone.localdate()
    summary = selectors.home_summary(account.establishment, today=today)
    return render(request, "lodging/biz_home.html", _ctx(account, s=summary, today=today))


# --- the quick form ----------------------------------------------------------------------------


def _memory(request) -> dict:
    memory = request.session.get(MEMORY_KEY) or {}
    saved = memory.get("saved_at")
    try:
        fresh = saved and timezone.now() - datetime.fromisoformat(saved) < timedelta(hours=MEMORY_HOURS)
    except (TypeError, ValueError):
        fresh = False
    return {k: memory.get(k, "") for k in REMEMBERED_KEYS} if fresh else {}


def _remember(request, raw: dict) -> None:
    request.session[MEMORY_KEY] = {
        **{k: raw.get(k, "") for k in REMEMBERED_KEYS},
        "saved_at": timezone.now().isoformat(),
    }


def _initial(request) -> dict:
    initial = {"nationality": "VNM", "doc_type": "CCCD", "arrived_at": f"{_now_local():%d/%m/%Y %H:%M}"}
    initial.update({k: v for k, v in _memory(request).items() if v})
    return initial


def _put_errors(form, errors) -> None:
    """Row errors (`validation.RowError` or dicts) next to their fields, once per field."""
    seen = set()
    for e in errors:
        field = e.field if hasattr(e, "field") else e.get("field", "")
        message = e.message if hasattr(e, "message") else e.get("message", "")
        target = field if field in form.fields else None
        if (target, message) in seen:
            continue
        seen.add((target, message))
        form.add_error(target, message)


def _put_exc(form, exc: LodgingError) -> None:
    """A service's refusal on the form: every row error it carries (`exc.errors`), else the one."""
    errors = getattr(exc, "errors", None)
    if errors:
        _put_errors(form, errors)
    else:
        form.add_error(exc.field if exc.field in form.fields else None, exc.message)


def _duplicate_stay(exc: LodgingError) -> int | None:
    match = _STAY_REF.search(exc.message or "") if exc.status == 409 else None
    return int(match.group(1)) if match else None


def _declare_context(account, form, **extra):
    rooms = list(selectors.rooms_of(account.establishment, active_only=True).values_list("number", flat=True))
    foreign_open = bool(form.is_bound and (form.data.get("nationality", "VNM") or "VNM") != "VNM") or any(
        form[k].errors for k in FOREIGN_KEYS
    )
    return _ctx(account, form=form, rooms=rooms, foreign_open=foreign_open, **extra)


@never_cache
@require_http_methods(["GET", "POST"])
def biz_declare(request):
    account, response = _gate(request)
    if response is not None:
        return response
    codes = codes_on(timezone.localdate())
    if request.method == "GET":
        form = GuestForm(initial=_initial(request), codes=codes)
        return render(request, "lodging/biz_declare.html", _declare_context(account, form))
    form = GuestForm(request.POST, codes=codes)
    form.is_valid()  # the Django side only checks lengths; the cleaner decides
    raw = form.raw()
    status, duplicate = 400, None
    if not form.errors:
        from antt.lodging import services

        try:
            declaration = services.declare_one(
                establishment=account.establishment, raw=raw, source="form", user=request.user
            )
        except LodgingError as exc:
            _put_exc(form, exc)
            status, duplicate = _error_status(exc), _duplicate_stay(exc)
        else:
            _remember(request, raw)
            late = " (khai báo muộn so với thời hạn)" if declaration.is_late else ""
            messages.success(
                request, f"Đã ghi nhận {declaration.full_name}: lượt lưu trú #{declaration.stay_id}{late}."
            )
            return redirect("lodging:biz-declare")
    context = _declare_context(account, form, duplicate=duplicate, error_count=len(form.errors))
    return render(request, "lodging/biz_declare.html", context, status=status)


# --- the spreadsheet ---------------------------------------------------------------------------


class _SizeLimitHandler(FileUploadHandler):
    """Stops reading an upload once it passes the limit (the view answers 413): a 50 MB file is
    never stored whole, not even in a temporary file."""

    def __init__(self, request, limit: int):
        super().__init__(request)
        self.limit = limit
        self.exceeded = False

    def receive_data_chunk(self, raw_data, start):
        if start + len(raw_data) > self.limit:
            self.exceeded = True
            raise StopUpload(connection_reset=False)
        return raw_data

    def file_complete(self, file_size):
        return None


def _too_big_page(request, account):
    mb = spreadsheets.max_bytes() // (1024 * 1024)
    form = UploadForm()
    errors = {"file": [f"Tệp lớn hơn {mb} MB. Chia thành nhiều tệp nhỏ hơn rồi gửi lần lượt."]}
    return render(request, "lodging/biz_upload.html", _ctx(account, form=form, errors=errors), status=413)


@csrf_exempt  # the CSRF check runs in `_upload_post`, after the size guard is installed
@never_cache
@require_http_methods(["GET", "POST"])
def biz_upload(request):
    account, response = _gate(request)
    if response is not None:
        return response
    if request.method == "GET":
        return render(request, "lodging/biz_upload.html", _ctx(account, form=UploadForm(), errors={}))
    limit = spreadsheets.max_bytes()
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > limit + 1024 * 1024:  # refused before the body is read
        return _too_big_page(request, account)
    guard = _SizeLimitHandler(request, limit)
    request.upload_handlers = [guard, *request.upload_handlers]
    return _upload_post(request, account, guard)


@csrf_protect
def _upload_post(request, account, guard):
    form = UploadForm(request.POST, request.FILES)
    if guard.exceeded:
        return _too_big_page(request, account)
    status = 400
    if form.is_valid():
        key = str(form.cleaned_data["key"])
        mode = form.cleaned_data["mode"]
        done = selectors.batch_get(account.establishment, form.cleaned_data["key"])
        if done is not None:  # a resubmitted form: the first sending stands
            messages.info(request, REPLAYED)
            return redirect("lodging:biz-batch", pk=done.pk)
        try:
            name, data = spreadsheets.read_bytes(form.cleaned_data["file"])
            parsed = spreadsheets.parse(name, data)
            if len(parsed.rows) > business.INLINE_ROWS:
                business.file_queue(
                    establishment=account.establishment,
                    parsed=parsed,
                    data=data,
                    mode=mode,
                    idempotency_key=key,
                    user=request.user,
                )
                messages.info(request, f"Đã nhận tệp “{parsed.name}” ({len(parsed.rows)} dòng); đang xử lý.")
                return redirect("lodging:biz-batch", pk=key)
            result = business.file_declare(
                establishment=account.establishment, parsed=parsed, mode=mode, idempotency_key=key, user=request.user
            )
        except LodgingError as exc:
            form.add_error("file" if exc.field in ("file", "") else None, exc.message)
            status = _error_status(exc)
        else:
            if result.replayed:
                messages.info(request, REPLAYED)
            return redirect("lodging:biz-batch", pk=result.batch.pk)
    # A new form (and a new idempotency key: the refused file wrote nothing) with the errors.
    fresh = UploadForm(initial={"mode": request.POST.get("mode") or DeclarationBatch.Mode.ALL_OR_NOTHING})
    errors = {name: list(msgs) for name, msgs in form.errors.items()}
    return render(request, "lodging/biz_upload.html", _ctx(account, form=fresh, errors=errors), status=status)


def _report_rows(batch: DeclarationBatch) -> list[dict]:
    rows = []
    for entry in batch.report or []:
        field = entry.get("field", "")
        rows.append(
            {
                "row": entry.get("row") or "—",
                "field": spreadsheets.column_label(field) if field else "",
                "message": entry.get("message", ""),
            }
        )
    return rows


@never_cache
@require_GET
def biz_batch(request, pk):
    account, response = _gate(request)
    if response is not None:
        return response
    batch = selectors.batch_get(account.establishment, pk)
    if batch is not None and request.GET.get("tai") == "dong-loi":
        content = business.rejected_file(batch)
        if content is None:
            raise Http404("Lần gửi này không có dòng bị trả lại.")
        response = HttpResponse(
            content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        response["Content-Disposition"] = f'attachment; filename="dong-loi-{batch.created_at:%Y%m%d-%H%M}.xlsx"'
        return response
    queued = None
    if batch is None or batch.status == DeclarationBatch.Status.PROCESSING:
        queued = business.progress_get(account.establishment.pk, str(pk))
        if batch is None and queued is None:
            raise Http404("Không tìm thấy lần gửi này của cơ sở.")
    running = (batch is None or batch.status == DeclarationBatch.Status.PROCESSING) and (
        queued is None or queued.get("state") != "failed"
    )
    done = (queued or {}).get("done") or (batch.processed if batch else 0)
    total = (queued or {}).get("total") or (batch.total_rows if batch else 0)
    context = _ctx(
        account,
        batch=batch,
        queued=queued,
        running=running,
        done=done,
        total=total,
        percent=int(100 * done / total) if total and running else 100,
        report=_report_rows(batch) if batch else [],
        has_rejected_file=bool(batch and batch.report and business.rejected_file(batch) is not None),
        poll_url=request.path,
        poll_seconds=POLL_SECONDS,
    )
    if getattr(request, "htmx", False):
        return render(request, "lodging/biz__batch_status.html", context)
    return render(request, "lodging/biz_batch.html", context)


@never_cache
@require_GET
def biz_template(request, fmt: str):
    account, response = _gate(request)
    if response is not None:
        return response
    if fmt == "xlsx":
        content = spreadsheets.template_xlsx(codes_on(timezone.localdate()))
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    elif fmt == "csv":
        content, content_type = spreadsheets.template_csv(), "text/csv; charset=utf-8"
    else:
        raise Http404("Chỉ có mẫu .xlsx và .csv.")
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="mau-thong-bao-luu-tru.{fmt}"'
    return response


# --- guests ------------------------------------------------------------------------------------


@never_cache
@require_GET
def biz_guests(request):
    account, response = _gate(request)
    if response is not None:
        return response
    form = GuestFilterForm(request.GET or None)
    invalid = form.is_bound and not form.is_valid()
    data = {} if invalid or not form.is_bound else form.cleaned_data
    state = data.get("state") or ("staying" if "state" not in request.GET else "all")
    if not form.is_bound:
        form = GuestFilterForm(initial={"state": "staying", "sort": "-arrived"})
    qs = selectors.guest_list(
        account.establishment,
        state=state,
        day=data.get("ngay"),
        name=data.get("q", ""),
        room=data.get("phong", ""),
        sort=data.get("sort", ""),
    )
    if invalid:
        qs = qs.none()
    page = page_of(qs, request.GET.get("page"))
    rooms = list(selectors.rooms_of(account.establishment, active_only=True).values_list("number", flat=True))
    return render(
        request,
        "lodging/biz_guests.html",
        _ctx(account, form=form, page=page, query=query_string(request), invalid=invalid, rooms=rooms),
        status=400 if invalid else 200,
    )


def _raw_of(row: Declaration) -> dict:
    def d(value):
        return f"{value:%d/%m/%Y}" if value else ""

    return {
        "full_name": row.full_name,
        "birth_date": d(row.birth_date),
        "sex": row.sex,
        "nationality": row.nationality,
        "doc_type": row.doc_type,
        "doc_number": row.doc_number,
        "address": row.address,
        "phone": row.phone,
        "room": row.room,
        "arrived_at": f"{row.arrived_at.astimezone(VN):%d/%m/%Y %H:%M}",
        "expected_departure": d(row.expected_departure),
        "reason": row.reason,
        "visa_kind": row.visa_kind,
        "visa_number": row.visa_number,
        "visa_expiry": d(row.visa_expiry),
        "entry_date": d(row.entry_date),
        "port_of_entry": row.port_of_entry,
        "mrz": "",
    }


@never_cache
@require_http_methods(["GET", "POST"])
def biz_stay(request, stay_id: int):
    account, response = _gate(request)
    if response is not None:
        return response
    establishment = account.establishment
    try:
        history = selectors.stay_history(establishment, stay_id)
    except LodgingError as exc:
        raise Http404(exc.message) from None
    current = selectors.stay_current_row(history)
    codes = codes_on(timezone.localdate())
    depart_form = DepartForm(initial={"departed_at": f"{_now_local():%d/%m/%Y %H:%M}"})
    cancel_form = CancelForm()
    correct_form = CorrectForm(initial=_raw_of(current), codes=codes, auto_id="sua_%s")
    status = 200
    action = request.POST.get("action", "") if request.method == "POST" else ""
    if request.method == "POST":
        from antt.lodging import services

        status = 400
        try:
            if action == "depart":
                depart_form = DepartForm(request.POST)
                if depart_form.is_valid():
                    try:
                        when = parse_local_datetime(depart_form.cleaned_data["departed_at"])
                    except ValueError:
                        raise LodgingError("Thời điểm rời đi ghi dd/mm/yyyy HH:MM.", field="departed_at") from None
                    when = when.replace(tzinfo=VN) if when else None
                    if when and when > timezone.now() + timedelta(minutes=10):
                        raise LodgingError("Thời điểm rời đi không được ở tương lai.", field="departed_at")
                    services.depart(establishment=establishment, stay_id=stay_id, departed_at=when, user=request.user)
                    messages.success(request, f"Đã ghi nhận khách rời đi (lượt #{stay_id}).")
                    return redirect("lodging:biz-stay", stay_id=stay_id)
            elif action == "cancel":
                cancel_form = CancelForm(request.POST)
                if cancel_form.is_valid():
                    services.cancel(
                        establishment=establishment,
                        stay_id=stay_id,
                        note=cancel_form.cleaned_data["note"],
                        user=request.user,
                    )
                    messages.success(request, f"Đã hủy khai báo lượt #{stay_id}.")
                    return redirect("lodging:biz-stay", stay_id=stay_id)
            elif action == "correct":
                correct_form = CorrectForm(request.POST, codes=codes, auto_id="sua_%s")
                correct_form.is_valid()
                note = " ".join(str(request.POST.get("note", "")).split())
                if not note:
                    correct_form.add_error("note", "Ghi lý do sửa thông tin.")
                if not correct_form.errors:
                    services.correct(
                        establishment=establishment,
                        stay_id=stay_id,
                        raw=correct_form.raw(),
                        note=note,
                        user=request.user,
                    )
                    messages.success(request, f"Đã ghi nhận thông tin sửa của lượt #{stay_id}.")
                    return redirect("lodging:biz-stay", stay_id=stay_id)
            else:
                raise LodgingError("Thao tác không hợp lệ.")
        except LodgingError as exc:
            status = _error_status(exc)
            form = {"depart": depart_form, "cancel": cancel_form, "correct": correct_form}.get(action)
            if form is not None:
                _put_exc(form, exc)
            else:
                messages.error(request, exc.message)
    context = _ctx(
        account,
        history=list(reversed(history)),
        current=current,
        stay_id=stay_id,
        depart_form=depart_form,
        cancel_form=cancel_form,
        correct_form=correct_form,
        action=action,
        open_stay=current.state == Declaration.State.STAYING,
        country=codes.countries.get(current.nationality),
        port=codes.ports.get(current.port_of_entry),
    )
    return render(request, "lodging/biz_stay.html", context, status=status)


# --- rooms and keys (manager) ------------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
def biz_rooms(request):
    account, response = _gate(request, manager=True)
    if response is not None:
        return response
    establishment = account.establishment
    editing = None
    edit_id = request.POST.get("room") or request.GET.get("sua")
    if edit_id and str(edit_id).isdigit():
        try:
            editing = selectors.room_get(establishment, int(edit_id))
        except LodgingError as exc:
            raise Http404(exc.message) from None
    action = request.POST.get("action", "") if request.method == "POST" else ""
    initial = (
        {"number": editing.number, "floor": editing.floor, "beds": editing.beds, "note": editing.note}
        if editing
        else None
    )
    form = RoomForm(request.POST if action in ("add", "update") else None, initial=initial)
    status = 200
    if request.method == "POST":
        status = 400
        try:
            if action in ("add", "update"):
                if form.is_valid():
                    if action == "update":
                        if editing is None:
                            raise LodgingError("Không tìm thấy phòng.", status=404)
                        room = business.room_update(room=editing, user=request.user, **form.cleaned_data)
                        messages.success(request, f"Đã sửa phòng {room.number}.")
                    else:
                        room = business.room_add(establishment=establishment, user=request.user, **form.cleaned_data)
                        messages.success(request, f"Đã thêm phòng {room.number}.")
                    return redirect("lodging:biz-rooms")
            elif action in ("disable", "enable") and editing is not None:
                if action == "disable":
                    business.room_disable(room=editing, user=request.user)
                    messages.success(request, f"Đã ngừng sử dụng phòng {editing.number}.")
                else:
                    business.room_update(room=editing, user=request.user, is_active=True)
                    messages.success(request, f"Đã dùng lại phòng {editing.number}.")
                return redirect("lodging:biz-rooms")
            else:
                raise LodgingError("Thao tác không hợp lệ.")
        except LodgingError as exc:
            status = _error_status(exc)
            if action in ("add", "update"):
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                messages.error(request, exc.message)
    rooms = selectors.rooms_of(establishment)
    return render(
        request, "lodging/biz_rooms.html", _ctx(account, rooms=rooms, form=form, editing=editing), status=status
    )


@never_cache
@require_http_methods(["GET", "POST"])
def biz_keys(request):
    account, response = _gate(request, manager=True)
    if response is not None:
        return response
    establishment = account.establishment
    form = KeyForm(request.POST if request.POST.get("action") == "create" else None)
    status, created, full_key = 200, None, ""
    if request.method == "POST":
        status = 400
        action = request.POST.get("action", "")
        try:
            if action == "create":
                if form.is_valid():
                    created, full_key = business.key_create(
                        establishment=establishment, name=form.cleaned_data["name"], user=request.user
                    )
                    status, form = 201, KeyForm()
            elif action == "revoke" and str(request.POST.get("key", "")).isdigit():
                key = selectors.key_get(establishment, int(request.POST["key"]))
                business.key_revoke(key=key, user=request.user)
                messages.success(request, f"Đã thu hồi khóa “{key.name}”.")
                return redirect("lodging:biz-keys")
            else:
                raise LodgingError("Thao tác không hợp lệ.")
        except LodgingError as exc:
            if exc.status == 404:
                raise Http404(exc.message) from None
            status = _error_status(exc)
            if action == "create":
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                messages.error(request, exc.message)
    keys = selectors.keys_of(establishment)
    context = _ctx(account, keys=keys, form=form, created=created, full_key=full_key)
    return render(request, "lodging/biz_keys.html", context, status=status)


# --- the daily receipt -------------------------------------------------------------------------


@never_cache
@require_GET
def biz_receipt(request):
    account, response = _gate(request)
    if response is not None:
        return response
    today = timezone.localdate()
    try:
        day = receipt_day(request.GET.get("ngay"), today)
    except ValueError:
        return _bad_day(request, account, today)
    establishment = account.establishment
    rows = selectors.receipt_entries(establishment, day)
    pdf = receipts.receipt_pdf(establishment, day, rows)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="bien-nhan-luu-tru-{day:%Y%m%d}.pdf"'
    return response


def _bad_day(request, account, today):
    return render(
        request,
        "lodging/biz_denied.html",
        {
            "account": account,
            "title": "Ngày không hợp lệ",
            "message": f"Ghi ngày theo dạng yyyy-mm-dd, không sau hôm nay (ví dụ ?ngay={today:%Y-%m-%d}).",
            "back": reverse("lodging:biz-home"),
        },
        status=400,
    )


urlpatterns = [
    path("doanh-nghiep/luu-tru/", biz_home, name="biz-home"),
    path("doanh-nghiep/luu-tru/khai-bao/", biz_declare, name="biz-declare"),
    path("doanh-nghiep/luu-tru/tai-tep/", biz_upload, name="biz-upload"),
    path("doanh-nghiep/luu-tru/lan-gui/<uuid:pk>/", biz_batch, name="biz-batch"),
    path("doanh-nghiep/luu-tru/mau-tep.<str:fmt>", biz_template, name="biz-template"),
    path("doanh-nghiep/luu-tru/khach/", biz_guests, name="biz-guests"),
    path("doanh-nghiep/luu-tru/khach/<int:stay_id>/", biz_stay, name="biz-stay"),
    path("doanh-nghiep/luu-tru/phong/", biz_rooms, name="biz-rooms"),
    path("doanh-nghiep/luu-tru/khoa-api/", biz_keys, name="biz-keys"),
    path("doanh-nghiep/luu-tru/bien-nhan/", biz_receipt, name="biz-receipt"),
]
