"""The public lookup of a dossier: `POST /api/v1/dossiers/lookup`, and the read it shares with the pages.

The applicant proves who they are with the dossier code plus the last four digits of
their phone (in the JSON body: nothing personal travels in a URL), or with the receipt's
QR token (the pages). The answer carries the status, the public timeline, the due date,
what to do next and the name masked; nothing else personal.

Speed: this endpoint is benchmarked against a bare Django view running the same SELECTs
by raw SQL (`bench_views.py`). So the read is two indexed queries (the dossier by its
unique code, joined to its procedure and units; then its public events, newest first,
limited), written by the ORM's `.values()` but compiled once per process (`_compile`),
with no model instances; the deadline state needs the
working-day calendar, whose "due soon" cut-off depends only on today, so it is computed
once a minute per process instead of once per request; the rate limiter is one cache incr.
"""

from __future__ import annotations

import hmac
import json
import time
from datetime import UTC, datetime

from django.conf import settings
from django.db import connection
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from ninja import Router, Schema
from ninja import Status as Answer
from ninja.errors import HttpError, ValidationError
from pydantic import Field
from pydantic import ValidationError as PydanticError

from antt.api.schemas import ErrorOut, ValidationErrorOut
from antt.core.money import format_vnd
from antt.dossiers import deadlines, ratelimit
from antt.dossiers.models import (
    PORTAL_CODES,
    Delivery,
    Dossier,
    DossierEvent,
    Status,
)
from antt.dossiers.selectors import mask_name
from antt.dossiers.workflow import TRANSITIONS

NOT_FOUND = "Không tìm thấy hồ sơ với mã và số điện thoại đã nhập."
RATE_LIMITED = "Ông/bà đã tra cứu quá nhiều lần trong thời gian ngắn. Vui lòng thử lại sau ít phút."
TIMELINE_LIMIT = 50

# The columns the public answer is built from: one row, joined to the procedure and units.
LOOKUP_COLUMNS = (
    "id",
    "code",
    "status",
    "channel",
    "delivery",
    "applicant_name",
    "applicant_phone",
    "received_at",
    "due_at",
    "fee_amount",
    "fee_paid_at",
    "procedure__name",
    "procedure_version__online_level",
    "unit__name",
    "receiving_unit__name",
    "receiving_unit__address",
)

# Labels of the timeline: the state machine's own, plus the actions that are not transitions.
_EXTRA_LABELS = {
    "submit": "Nộp hồ sơ trực tuyến",
    "receive": "Tiếp nhận hồ sơ",
    "apologise": "Xin lỗi và hẹn lại ngày trả kết quả",
    "attach_result": "Có kết quả giải quyết",
}
# Only these notes reach the public: the reasons the applicant must know (supplement,
# refusal, stop, withdrawal), the new date of an apology and the fee asked. Other notes
# are officers' working remarks.
_PUBLIC_NOTES = {"request_supplement", "refuse", "stop", "withdraw", "apologise", "request_fee"}
# Hand-overs show the unit the dossier went to (never an officer's name).
_SHOW_UNIT = {"start", "forward"}


def event_label(action: str) -> str:
    if action in TRANSITIONS:
        return str(TRANSITIONS[action].label)
    return _EXTRA_LABELS.get(action, action)


# --- Reads ------------------------------------------------------------------------------


_EVENT_COLUMNS = ("at", "action", "note", "to_unit__name")
_DATETIME_COLUMNS = {"received_at", "due_at", "fee_paid_at", "at"}
_SENTINEL_TEXT = "\x01sentinel\x01"
_SENTINEL_ID = 987654321


def _queries() -> dict:
    """The three SELECTs, as the ORM writes them for the current database.

    Compiling a `.values()` query with four joins costs more than running it, so the
    SQL is compiled once per process and database vendor and then executed through
    the cursor with the request's value in place of the sentinel.
    """
    return {
        "code": Dossier.objects.filter(code=_SENTINEL_TEXT).order_by().values(*LOOKUP_COLUMNS)[:1],
        "token": Dossier.objects.filter(token=_SENTINEL_TEXT).order_by().values(*LOOKUP_COLUMNS)[:1],
        "events": DossierEvent.objects.filter(dossier_id=_SENTINEL_ID, public=True)
        .order_by("-at", "-id")
        .values(*_EVENT_COLUMNS)[:TIMELINE_LIMIT],
    }


_compiled: dict[tuple[str, str], tuple[str, tuple, int]] = {}


def _compile(name: str) -> tuple[str, tuple, int]:
    key = (connection.vendor, name)
    found = _compiled.get(key)
    if found is None:
        sql, params = _queries()[name].query.sql_with_params()
        sentinel = _SENTINEL_ID if name == "events" else _SENTINEL_TEXT
        if list(params).count(sentinel) != 1:  # the query shape changed: better fail loudly than leak
            raise RuntimeError(f"Unexpected parameters for the public {name} query: {params!r}")
        found = (sql, tuple(params), list(params).index(sentinel))
        _compiled[key] = found
    return found


def aware(value):
    """PostgreSQL returns aware datetimes through a cursor; SQLite returns naive UTC ones (or text)."""
    if value is None:
        return None
    if isinstance(value, str):
        value = parse_datetime(value)
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _run(name: str, value, columns) -> list[dict]:
    sql, params, position = _compile(name)
    params = params[:position] + (value,) + params[position + 1 :]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    out = []
    for values in rows:
        row = dict(zip(columns, values, strict=True))
        for column in _DATETIME_COLUMNS.intersection(row):
            row[column] = aware(row[column])
        out.append(row)
    return out


def _one(name: str, value) -> dict | None:
    rows = _run(name, value, LOOKUP_COLUMNS)
    return rows[0] if rows else None


def find_by_code(code: str, phone_last4: str) -> dict | None:
    """The dossier row for this code if the applicant's phone ends with these digits, else None.

    Unknown code and wrong digits give the same None, and the digits are compared in
    constant time against a dummy when the code is unknown: nothing tells one from the other.
    """
    code = (code or "").strip().upper()
    digits = (phone_last4 or "").strip()
    if not code or len(code) > 60 or "\x00" in code or len(digits) != 4 or not digits.isdigit():
        return None
    row = _one("code", code)
    expected = row["applicant_phone"][-4:] if row is not None else "\x00\x00\x00\x00"
    ok = hmac.compare_digest(expected.encode(), digits.encode())
    return row if row is not None and ok else None


def find_by_token(token: str) -> dict | None:
    token = (token or "").strip()
    if not token or len(token) > 40 or "\x00" in token:
        return None
    return _one("token", token)


def public_events(dossier_id: int) -> list[dict]:
    """The public timeline, oldest first (the newest TIMELINE_LIMIT rows)."""
    rows = _run("events", int(dossier_id), _EVENT_COLUMNS)
    rows.reverse()
    return rows


# --- The answer -------------------------------------------------------------------------

_cutoff_memo: dict = {}


def _due_soon_cutoff(now: datetime) -> datetime:
    """`deadlines.due_soon_cutoff` depends only on today and the calendar: recomputed once a minute."""
    today = deadlines.local_date(now)
    memo = _cutoff_memo.get("value")
    if memo is None or memo[0] != today or time.monotonic() - memo[1] > 60:
        memo = (today, time.monotonic(), deadlines.due_soon_cutoff(now))
        _cutoff_memo["value"] = memo
    return memo[2]


def deadline_state(row: dict, now: datetime | None = None) -> str | None:
    """On time / due soon / late while the administration still holds the dossier, else None."""
    due = row["due_at"]
    if due is None or row["status"] not in (
        Status.RECEIVED,
        Status.PROCESSING,
        Status.FEE_REQUESTED,
        Status.PROCESSED,
    ):
        return None
    now = now or timezone.now()
    if now > due:
        return deadlines.DeadlineState.LATE
    if due < _due_soon_cutoff(now):
        return deadlines.DeadlineState.DUE_SOON
    return deadlines.DeadlineState.ON_TIME


def _where_to_collect(row: dict) -> str:
    place = row["receiving_unit__name"]
    if row["receiving_unit__address"]:
        place += f" ({row['receiving_unit__address']})"
    return place


def next_step(row: dict, *, by_token: bool = False) -> str:
    """What the applicant must do now, in one or two sentences."""
    status = row["status"]
    due = row["due_at"]
    due_text = f" Ngày hẹn trả kết quả: {deadlines.local_date(due):%d/%m/%Y}." if due else ""
    unpaid = row["fee_amount"] and row["fee_paid_at"] is None
    partial_online = row["channel"] == "online" and row["procedure_version__online_level"] == "partial"
    if status == Status.NEW_ONLINE:
        return (
            "Hồ sơ đang chờ cán bộ kiểm tra. Ông/bà chưa cần làm gì thêm; kết quả kiểm tra sẽ được thông báo "
            "qua tin nhắn hoặc thư điện tử."
        )
    if status == Status.SUPPLEMENT_REQUESTED:
        if by_token:
            return "Vui lòng bổ sung các giấy tờ được yêu cầu ngay trên trang này (mục “Bổ sung hồ sơ”)."
        return (
            "Vui lòng bổ sung các giấy tờ được yêu cầu: mở đường liên kết trong tin nhắn hoặc quét mã QR trên "
            "giấy tiếp nhận, hoặc nộp trực tiếp tại " + _where_to_collect(row) + "."
        )
    if status == Status.FEE_REQUESTED:
        return (
            f"Vui lòng nộp phí, lệ phí {format_vnd(row['fee_amount'])} tại {_where_to_collect(row)} "
            "hoặc qua cổng dịch vụ công; hồ sơ được giải quyết tiếp sau khi ghi nhận đã nộp."
        )
    if status in (Status.RECEIVED, Status.PROCESSING):
        text = "Hồ sơ đang được giải quyết; ông/bà chỉ cần chờ đến ngày hẹn." + due_text
        if partial_online:
            text += " Khi đến nhận kết quả, vui lòng mang theo bản chính các giấy tờ đã nộp trực tuyến để đối chiếu."
        return text
    if status == Status.PROCESSED:
        fee = f"Nộp phí, lệ phí {format_vnd(row['fee_amount'])} trước khi nhận kết quả. " if unpaid else ""
        if row["delivery"] == Delivery.ONLINE:
            return (
                fee
                + "Đã có kết quả. Kết quả điện tử sẽ được trả trên trang tra cứu hồ sơ (đường liên kết trong tin nhắn)."
            )
        if row["delivery"] == Delivery.POST:
            return fee + "Đã có kết quả. Kết quả sẽ được gửi đến ông/bà qua dịch vụ bưu chính công ích."
        text = (
            fee + f"Đã có kết quả. Mời ông/bà đến nhận tại {_where_to_collect(row)}, mang theo giấy tiếp nhận hồ sơ "
            "và giấy tờ tùy thân."
        )
        if partial_online:
            text += " Mang theo bản chính các giấy tờ đã nộp trực tuyến để đối chiếu."
        return text
    if status == Status.RETURNED:
        if by_token:
            return "Hồ sơ đã trả kết quả. Mời ông/bà đánh giá mức độ hài lòng về việc giải quyết thủ tục."
        return (
            "Hồ sơ đã trả kết quả. Mời ông/bà đánh giá mức độ hài lòng qua đường liên kết trong tin nhắn "
            "hoặc mã QR trên giấy tiếp nhận."
        )
    if status == Status.NOT_RECEIVED:
        return "Hồ sơ không được tiếp nhận (lý do ở dòng thời gian). Ông/bà có thể nộp hồ sơ mới khi đã hoàn thiện."
    if status == Status.STOPPED:
        return "Hồ sơ đã dừng giải quyết (lý do ở dòng thời gian). Liên hệ " + _where_to_collect(row) + " nếu cần."
    return "Hồ sơ đã được rút theo yêu cầu của ông/bà. Không cần làm gì thêm."


def timeline(events: list[dict]) -> list[dict]:
    out = []
    for e in events:
        label = event_label(e["action"])
        if e["action"] in _SHOW_UNIT and e["to_unit__name"]:
            label = f"{label}: {e['to_unit__name']}"
        note = e["note"] if e["action"] in _PUBLIC_NOTES else ""
        out.append({"at": timezone.localtime(e["at"]), "label": label, "note": note})
    return out


def summary(row: dict, events: list[dict], *, by_token: bool = False, now: datetime | None = None) -> dict:
    """The public answer for one dossier row and its public events (the API's JSON, the pages' context)."""
    status = row["status"]
    due = row["due_at"]
    received = row["received_at"]
    return {
        "code": row["code"],
        "procedure": row["procedure__name"],
        "unit": row["unit__name"],
        "status": status,
        "status_label": str(Status(status).label),
        "portal_status_code": PORTAL_CODES[status],
        "received_at": timezone.localtime(received) if received else None,
        "due_date": deadlines.local_date(due) if due else None,
        "deadline_state": deadline_state(row, now),
        "applicant_name_masked": mask_name(row["applicant_name"]),
        "next_step": next_step(row, by_token=by_token),
        "timeline": timeline(events),
    }


# --- The endpoint -----------------------------------------------------------------------

router = Router()


class DossierLookupIn(Schema):
    code: str = Field(min_length=1, max_length=60, description="Mã hồ sơ, ví dụ H56.14-260423-0001")
    phone_last4: str = Field(pattern=r"^[0-9]{4}$", description="4 chữ số cuối số điện thoại của người nộp")


class TimelineOut(Schema):
    at: datetime
    label: str
    note: str


class DossierLookupOut(Schema):
    code: str
    procedure: str
    unit: str
    status: str
    status_label: str
    portal_status_code: int
    received_at: datetime | None
    due_date: str | None = Field(description="Ngày hẹn trả kết quả (YYYY-MM-DD)")
    deadline_state: str | None = Field(description="on_time, due_soon, late; null khi hồ sơ không còn tính hạn")
    applicant_name_masked: str
    next_step: str
    timeline: list[TimelineOut]


def lookup_rate() -> str:
    return getattr(settings, "ANTT_LOOKUP_RATE", "10/m")


def _read_body(request) -> DossierLookupIn:
    """The JSON body, validated; malformed JSON is a 422 like any other bad body (ninja says 400)."""
    try:
        payload = json.loads(request.body or b"")
    except ValueError:
        raise ValidationError([{"type": "json_invalid", "loc": ("body",), "msg": "invalid JSON"}]) from None
    if not isinstance(payload, dict):
        raise ValidationError([{"type": "model_type", "loc": ("body",), "msg": "object expected"}])
    try:
        return DossierLookupIn.model_validate(payload)
    except PydanticError as exc:
        raise ValidationError([{**e, "loc": ("body", *e["loc"])} for e in exc.errors()]) from None


_BODY_DOC = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": DossierLookupIn.model_json_schema()}},
    }
}


@router.post(
    "/lookup",
    response={200: DossierLookupOut, 404: ErrorOut, 422: ValidationErrorOut, 429: ErrorOut},
    summary="Tra cứu hồ sơ bằng mã hồ sơ và 4 số cuối điện thoại",
    auth=None,
    openapi_extra=_BODY_DOC,
)
def lookup(request):
    """Public: the status, timeline, due date and next step of one dossier, from a JSON body
    `{"code": ..., "phone_last4": ...}`. Rate limited per client address (ANTT_LOOKUP_RATE);
    an unknown code and wrong digits give the same 404."""
    if not ratelimit.allow(request, "lookup", lookup_rate()):
        raise HttpError(429, RATE_LIMITED)
    body = _read_body(request)
    row = find_by_code(body.code, body.phone_last4)
    if row is None:
        return Answer(404, {"detail": NOT_FOUND})
    data = summary(row, public_events(row["id"]))
    if data["due_date"] is not None:
        data["due_date"] = data["due_date"].isoformat()
    return data
