"""/api/v1/lodging: the establishment's software (PMS) declares its guests (issue 6, item 2).

Authentication: the establishment's API key (`apikeys`: `Authorization: Bearer antt_lt_…` or
`X-API-Key`), rate-limited per key. Everything a key reads or changes is its own establishment's;
another establishment's stay or batch answers 404.

* `POST /declarations` `{"mode": "all"|"valid", "guests": [{raw row}, …]}` with an optional
  `Idempotency-Key` header → 201 (200 when the key was seen before: the stored batch, nothing
  written twice), 422 when the batch is refused (its row errors listed). The guests are read from
  the raw body with `json` and handed as plain dicts to `services.declare_batch`, which validates
  them: 10,000 guests must not become 10,000 pydantic models (the benchmark of the issue asks for a
  quarter of a plain COPY's rate). The body's schema is still in the OpenAPI document.
* `GET /batches/{batch_id}`: a batch's status, counts and row errors.
* `POST /stays/{stay_id}/departure|correction|cancellation`: new ledger rows, as `services` says.
* `GET /stays`: the establishment's current stays, paged by the `after` cursor (stay ids).
* `GET /receipt?date=`: what the establishment sent that day, with a SHA-256 of the content.
* `GET /codes/…`: the code tables in force today (public, no key; `Cache-Control`, `ETag`).

The answers never say whether a guest matched the watchlist.
"""

import hashlib
import json
import re
from datetime import date, datetime, time, timedelta
from typing import Annotated, Literal
from uuid import UUID
from zoneinfo import ZoneInfo

from django.conf import settings
from django.http import HttpResponse
from django.utils import timezone
from ninja import Path, Query, Router, Schema
from ninja import Status as Reply
from pydantic import AfterValidator, BeforeValidator, Field

from antt.api.schemas import ErrorOut, IsoDate, ValidationErrorOut
from antt.lodging.apikeys import API_KEY_AUTH, keyed
from antt.lodging.errors import LodgingError
from antt.lodging.models import Declaration, DeclarationBatch
from antt.org.models import AdminArea

router = Router()

VN = ZoneInfo("Asia/Ho_Chi_Minh")
MAX_ID = 9_223_372_036_854_775_807
PAGE_DEFAULT = 100
PAGE_MAX = 1000
BYTES_PER_ROW = 1500  # the body limit of POST /declarations: ANTT_LODGING_MAX_ROWS × this
IDEMPOTENCY_PATTERN = re.compile(r"[!-~]{0,80}")
CODES_CACHE = "public, max-age=3600"
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2100, 12, 31)
RECEIPT_FIELDS = (
    "id",
    "kind",
    "stay_id",
    "replaces_id",
    "declared_at",
    "full_name",
    "doc_number",
    "nationality",
    "room",
)

# The raw row keys of the contract (validation.py): the form, the spreadsheet and the API use them.
GUEST_FIELDS: dict[str, str] = {
    "full_name": "Họ và tên (chữ cái tiếng Việt, khoảng trắng, dấu ' - .; tối đa 150 ký tự). Bắt buộc.",
    "birth_date": "Ngày sinh: dd/mm/yyyy hoặc yyyy-mm-dd. Bắt buộc (có thể lấy từ MRZ).",
    "sex": "Giới tính: M, F, X (hoặc Nam, Nữ, Khác). Bắt buộc (có thể lấy từ MRZ).",
    "doc_type": "Mã loại giấy tờ (GET /codes/document-types). Bắt buộc.",
    "doc_number": "Số giấy tờ. Bắt buộc.",
    "nationality": "Mã quốc tịch 3 ký tự (GET /codes/countries); VNM: công dân Việt Nam. Bắt buộc.",
    "address": "Nơi thường trú hoặc địa chỉ.",
    "phone": "Số điện thoại.",
    "arrived_at": (
        "Thời điểm đến: dd/mm/yyyy HH:MM hoặc ISO 8601 (không ghi múi giờ: giờ Việt Nam); "
        "không quá 31 ngày trước. Bắt buộc."
    ),
    "expected_departure": "Ngày dự kiến đi: dd/mm/yyyy hoặc yyyy-mm-dd.",
    "room": "Số phòng.",
    "reason": "Mã lý do lưu trú (GET /codes/reasons). Bắt buộc.",
    "visa_kind": "Người nước ngoài (bắt buộc): loại giấy tờ cư trú (GET /codes/visa-kinds); để trống với công dân Việt Nam.",
    "visa_number": "Người nước ngoài: số thị thực, thẻ tạm trú, thẻ thường trú.",
    "visa_expiry": "Người nước ngoài: thời hạn thị thực hoặc thẻ.",
    "entry_date": "Người nước ngoài (bắt buộc): ngày nhập cảnh.",
    "port_of_entry": "Người nước ngoài: mã cửa khẩu nhập cảnh (GET /codes/ports). Bắt buộc với người nước ngoài.",
    "mrz": (
        "Vùng đọc máy (MRZ) của hộ chiếu, các dòng cách nhau bằng xuống dòng: các chữ số kiểm tra được "
        "đối chiếu theo ICAO 9303; số giấy tờ, quốc tịch, ngày sinh, giới tính phải khớp với dữ liệu nhập."
    ),
}

NOT_FOUND_BATCH = "Không tìm thấy lần gửi này."
NOT_FOUND_STAY = "Không tìm thấy lượt lưu trú này của cơ sở."
TOO_MANY_ROWS = "Quá nhiều khách trong một lần gửi: tối đa {limit} khách; chia thành nhiều lần gửi."
TOO_BIG = "Nội dung gửi lên quá lớn: tối đa {mb} MB; chia thành nhiều lần gửi."
NOT_JSON = "Nội dung gửi lên không phải JSON hợp lệ (UTF-8)."
NOT_OBJECT = 'Nội dung gửi lên phải là một đối tượng JSON {"mode": ..., "guests": [...]}.'
NO_GUESTS = "Thiếu danh sách khách (guests) hoặc danh sách trống."
BAD_MODE = 'Cách ghi nhận (mode) phải là "all" (chỉ ghi nhận khi mọi dòng hợp lệ) hoặc "valid" (ghi các dòng hợp lệ).'
BAD_IDEMPOTENCY = "Header Idempotency-Key tối đa 80 ký tự ASCII in được, không có khoảng trắng."
ROWS_INVALID = "Dữ liệu khách không đúng cấu trúc: xem danh sách lỗi."
BATCH_REJECTED = "Không ghi nhận lần gửi: có dòng lỗi (xem danh sách lỗi); không khách nào được ghi."
BATCH_FAILED = (
    "Hệ thống gặp lỗi, chưa ghi nhận khách nào của lần gửi này: gửi lại sau ít phút "
    "(có thể dùng lại cùng Idempotency-Key)."
)
BAD_DAY = "Ngày nằm ngoài khoảng cho phép."


# --- Schemas --------------------------------------------------------------------------------------


def _guest_schema() -> dict:
    text = {"anyOf": [{"type": "string"}, {"type": "null"}]}
    return {
        "type": "object",
        "title": "GuestIn",
        "description": "Một khách, các giá trị là chuỗi như khi nhập (trường không dùng: bỏ qua hoặc null).",
        "properties": {name: {**text, "description": description} for name, description in GUEST_FIELDS.items()},
        # Birth date, sex and document number may come from the MRZ: only these two are always needed.
        "required": ["full_name", "arrived_at"],
        "additionalProperties": False,
    }


def _declarations_doc() -> dict:
    return {
        "parameters": [
            {
                "name": "Idempotency-Key",
                "in": "header",
                "required": False,
                "description": (
                    "Khóa chống gửi trùng (tối đa 80 ký tự ASCII, ví dụ một UUID): gửi lại cùng khóa sau "
                    "khi mất kết nối sẽ nhận lại kết quả lần gửi trước (200), không khai báo trùng."
                ),
                "schema": {"type": "string", "maxLength": 80, "pattern": "^[!-~]{0,80}$"},
            }
        ],
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {
                        "type": "object",
                        "title": "DeclarationsIn",
                        "properties": {
                            "mode": {
                                "type": "string",
                                "enum": ["all", "valid"],
                                "default": "all",
                                "description": (
                                    "all: chỉ ghi nhận khi mọi khách hợp lệ; valid: ghi nhận các khách hợp lệ, "
                                    "báo lỗi các khách còn lại."
                                ),
                            },
                            "guests": {
                                "type": "array",
                                "minItems": 1,
                                # The limit (ANTT_LODGING_MAX_ROWS, 413 beyond it) is said in words, not
                                # as maxItems: a server setting, not a property of the request's shape.
                                "description": (
                                    f"Danh sách khách; tối đa {settings.ANTT_LODGING_MAX_ROWS} khách một lần "
                                    "(ANTT_LODGING_MAX_ROWS), nhiều hơn: 413."
                                ),
                                "items": _guest_schema(),
                            },
                        },
                        "required": ["guests"],
                        "additionalProperties": False,
                    }
                }
            },
        },
    }


class RowErrorOut(Schema):
    row: int | None = Field(description="Số thứ tự của khách trong danh sách guests (từ 1); null: cả lần gửi.")
    field: str = Field(description="Trường có lỗi (tên khóa của khách); rỗng: cả dòng.")
    message: str = Field(description="Lỗi, bằng tiếng Việt (không nhắc lại giá trị đã gửi).")


class BatchOut(Schema):
    batch_id: UUID = Field(description="Mã lần gửi (GET /batches/{batch_id}).")
    status: str = Field(description="done (đã ghi nhận), rejected (không ghi nhận), processing, failed.")
    mode: str = Field(description="all hoặc valid.")
    total: int = Field(description="Số khách đã gửi.")
    accepted: int = Field(description="Số khách được ghi nhận.")
    rejected: int = Field(description="Số khách bị từ chối.")
    errors: list[RowErrorOut] = Field(description="Lỗi từng dòng.")
    stays: list[int] = Field(description="Mã lượt lưu trú của các khách được ghi nhận, theo thứ tự gửi.")
    created_at: datetime
    finished_at: datetime | None


class BatchRejectedOut(Schema):
    detail: str
    errors: list[RowErrorOut] = Field(default_factory=list, description="Lỗi từng dòng.")
    batch_id: UUID | None = Field(default=None, description="Mã lần gửi (khi lần gửi đã được lưu).")
    status: str | None = None
    total: int = 0
    accepted: int = 0
    rejected: int = 0


class StayOut(Schema):
    """The current state of one stay (its newest ledger row)."""

    stay_id: int = Field(description="Mã lượt lưu trú (không đổi khi sửa, trả phòng, hủy).")
    id: int = Field(description="Mã dòng khai báo hiện hành của lượt.")
    kind: str = Field(description="arrival, correction, departure, cancellation.")
    state: str = Field(description="staying (đang lưu trú), departed (đã rời đi), cancelled (đã hủy).")
    replaces_id: int | None = Field(description="Dòng khai báo mà dòng này thay thế.")
    room: str
    full_name: str
    birth_date: date | None
    sex: str
    doc_type: str
    doc_number: str
    nationality: str
    address: str
    phone: str
    arrived_at: datetime
    expected_departure: date | None
    departed_at: datetime | None
    reason: str
    visa_kind: str
    visa_number: str
    visa_expiry: date | None
    entry_date: date | None
    port_of_entry: str
    declared_at: datetime = Field(description="Thời điểm cơ sở gửi dòng này.")
    due_at: datetime = Field(description="Hạn thông báo lưu trú theo quy định.")
    is_late: bool = Field(description="Thông báo sau hạn.")
    note: str = Field(description="Lý do sửa, hủy.")


class StayPage(Schema):
    count: int = Field(description="Số lượt trong trang này.")
    has_more: bool = Field(description="Còn trang sau.")
    next: int | None = Field(description="Gửi lại trong tham số after để lấy trang sau; null khi đã hết.")
    items: list[StayOut]


class StayQuery(Schema):
    state: Literal["staying", "departed", "cancelled"] = Field(
        "staying", description="staying (đang lưu trú), departed (đã rời đi), cancelled (đã hủy)."
    )
    date: IsoDate | None = Field(None, description="Chỉ các lượt đến trong ngày này (giờ Việt Nam, YYYY-MM-DD).")
    after: int = Field(0, ge=0, le=MAX_ID, description="Giá trị next của trang trước (0: từ đầu).")
    limit: int = Field(PAGE_DEFAULT, ge=1, le=PAGE_MAX, description="Số lượt mỗi trang (tối đa 1000).")


class ReceiptQuery(Schema):
    date: IsoDate = Field(description="Ngày gửi (giờ Việt Nam, YYYY-MM-DD).")


def _iso_only(value):
    # pydantic would read "0.5" as a Unix timestamp; the documented format is ISO 8601 only (an empty
    # string is not one: leave the key out, or send null, for "now").
    if value is not None and not (isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}.*", value)):
        raise ValueError("không đúng định dạng ISO 8601")
    return value


def _aware(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    if timezone.is_naive(value):
        value = value.replace(tzinfo=VN)
    if not (FIRST_DAY <= value.date() <= LAST_DAY):
        raise ValueError("thời điểm nằm ngoài khoảng cho phép")
    return value


DepartureTime = Annotated[datetime | None, BeforeValidator(_iso_only), AfterValidator(_aware)]


class DepartureIn(Schema):
    departed_at: DepartureTime = Field(
        None, description="Thời điểm rời đi (ISO 8601; không ghi múi giờ: giờ Việt Nam). Không gửi hoặc null: lúc gửi."
    )


class CorrectionIn(Schema):
    guest: dict[str, str | None] = Field(
        description="Thông tin khách như khi khai báo (các khóa của POST /declarations), đã sửa."
    )
    note: str = Field(min_length=1, max_length=300, description="Lý do sửa.")


class CancellationIn(Schema):
    note: str = Field(min_length=1, max_length=300, description="Lý do hủy.")


class ReceiptEntryOut(Schema):
    id: int = Field(description="Mã dòng khai báo.")
    kind: str = Field(description="arrival, correction, departure, cancellation.")
    stay_id: int = Field(description="Mã lượt lưu trú.")
    replaces_id: int | None = Field(description="Dòng khai báo được thay thế (sửa, rời đi, hủy).")
    declared_at: datetime = Field(description="Thời điểm gửi.")
    full_name: str
    doc_number: str
    nationality: str
    room: str


class ReceiptOut(Schema):
    establishment: str
    tax_code: str
    date: date
    entries: list[ReceiptEntryOut]
    counts: dict[str, int] = Field(description="Số dòng theo loại (arrival, correction, departure, cancellation).")
    total: int
    sha256: str = Field(description="SHA-256 của nội dung biên nhận (như in trên biên nhận PDF).")


class DocumentTypeOut(Schema):
    code: str
    name: str
    for_vietnamese: bool
    for_foreigners: bool
    number_pattern: str = Field(description="Biểu thức chính quy mà số giấy tờ phải khớp (rỗng: 1–20 ký tự).")
    number_hint: str
    has_mrz: bool
    valid_from: date
    valid_to: date | None
    legal_basis: str


class CountryOut(Schema):
    code: str = Field(description="ISO 3166-1 alpha-3 hoặc mã riêng của ICAO Doc 9303.")
    name: str
    name_en: str
    stats_code: str = Field(description="Quốc gia được tính trong thống kê.")
    is_icao_special: bool


class PortOut(Schema):
    code: str
    name: str
    kind: str = Field(description="air, land, sea, rail, river.")
    province: str


class ReasonOut(Schema):
    code: str
    name: str
    entry_purpose: str = Field(description="Ký hiệu mục đích nhập cảnh (người nước ngoài).")


class VisaKindOut(Schema):
    code: str
    name: str


class AreaOut(Schema):
    code: str = Field(description="Mã đơn vị hành chính (Tổng cục Thống kê).")
    name: str
    division_type: str


class _Table(Schema):
    version: str = Field(description="Phiên bản: ngày hiệu lực mới nhất, hoặc dấu vân tay của nội dung.")
    count: int


class DocumentTypeTable(_Table):
    items: list[DocumentTypeOut]


class CountryTable(_Table):
    items: list[CountryOut]


class PortTable(_Table):
    items: list[PortOut]


class ReasonTable(_Table):
    items: list[ReasonOut]


class VisaKindTable(_Table):
    items: list[VisaKindOut]


class AreaTable(_Table):
    items: list[AreaOut]


KEY_ERRORS = {401: ErrorOut, 403: ErrorOut, 429: ErrorOut}
STAY_ERRORS = {400: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ValidationErrorOut, **KEY_ERRORS}


# --- Helpers --------------------------------------------------------------------------------------


def _error(status: int, message: str, errors: list | None = None):
    body = {"detail": message}
    if errors is not None:
        body["errors"] = errors
    return Reply(status, body)


def _lodging_error(exc: LodgingError, documented=(400, 404, 409, 422)):
    """The service's refusal as an answer; a refusal with per-field errors (a correction that
    does not validate) is a 422 listing them."""
    status = exc.status if exc.status in documented else 400
    errors = getattr(exc, "errors", None)
    if errors and 422 in documented and status == 400:
        status = 422
    if status == 422:
        items = errors or [{"field": exc.field, "message": exc.message}]
        return Reply(
            422,
            {
                "detail": exc.message,
                "errors": [{"field": e.get("field") or "", "message": e["message"]} for e in items],
            },
        )
    return Reply(status, {"detail": exc.message})


def _read_body(request) -> bytes | None:
    """The raw body, or None when it is larger than the limit (ANTT_LODGING_MAX_ROWS × BYTES_PER_ROW).
    Read from the stream, not `request.body`: Django's DATA_UPLOAD_MAX_MEMORY_SIZE would refuse
    a large batch with a 400 HTML page."""
    limit = max(settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 0, settings.ANTT_LODGING_MAX_ROWS * BYTES_PER_ROW)
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > limit:
        return None
    # Already read (a middleware, the test client's RequestFactory)? Use it; else read the stream.
    data = request._body if getattr(request, "_body", None) is not None else request.read(limit + 1)
    return None if len(data) > limit else data


def _body_limit_mb() -> int:
    limit = max(settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 0, settings.ANTT_LODGING_MAX_ROWS * BYTES_PER_ROW)
    return max(1, limit // (1024 * 1024))


def _guest_errors(guests: list) -> list[dict]:
    """Shape errors of the raw guests (not objects, unknown keys, values that are not strings).
    The content (dates, codes, MRZ…) is for `validation`; this only keeps junk away from it."""
    allowed = GUEST_FIELDS.keys()
    errors: list[dict] = []
    for number, guest in enumerate(guests, start=1):
        if not isinstance(guest, dict):
            errors.append({"row": number, "field": "", "message": "Mỗi khách phải là một đối tượng JSON."})
        else:
            unknown = [key for key in guest if key not in allowed]
            if unknown:
                names = ", ".join(sorted(str(k)[:40] for k in unknown)[:5])
                errors.append({"row": number, "field": "", "message": f"Trường không được hỗ trợ: {names}."})
            for key, value in guest.items():
                if key in allowed and value is not None and not isinstance(value, str):
                    errors.append({"row": number, "field": key, "message": "Giá trị phải là chuỗi hoặc null."})
        if len(errors) >= 200:
            break
    return errors


def _stay_ids(batch: DeclarationBatch) -> list[int]:
    """The arrivals a stored batch wrote: every row of a batch is declared at its `finished_at`
    (as `services` replays it), so the (establishment, declared_at) index finds them; never a scan
    of the partitioned ledger by batch_id."""
    if not batch.accepted or batch.finished_at is None:
        return []
    return list(
        Declaration.objects.filter(
            establishment_id=batch.establishment_id,
            declared_at=batch.finished_at,
            batch_id=batch.pk,
            kind=Declaration.Kind.ARRIVAL,
        )
        .order_by("id")
        .values_list("stay_id", flat=True)
    )


def _batch_body(batch: DeclarationBatch, stays: list[int] | None = None) -> dict:
    return {
        "batch_id": batch.pk,
        "status": batch.status,
        "mode": batch.mode,
        "total": batch.total_rows,
        "accepted": batch.accepted,
        "rejected": batch.rejected,
        "errors": [
            {"row": e.get("row"), "field": e.get("field") or "", "message": e.get("message") or ""}
            for e in (batch.report or [])
        ],
        "stays": _stay_ids(batch) if stays is None else stays,
        "created_at": batch.created_at,
        "finished_at": batch.finished_at,
    }


def _stay(row: Declaration) -> dict:
    return {
        "stay_id": row.stay_id,
        "id": row.id,
        "kind": row.kind,
        "state": row.state,
        "replaces_id": row.replaces_id,
        "room": row.room,
        "full_name": row.full_name,
        "birth_date": row.birth_date,
        "sex": row.sex,
        "doc_type": row.doc_type,
        "doc_number": row.doc_number,
        "nationality": row.nationality,
        "address": row.address,
        "phone": row.phone,
        "arrived_at": row.arrived_at,
        "expected_departure": row.expected_departure,
        "departed_at": row.departed_at,
        "reason": row.reason,
        "visa_kind": row.visa_kind,
        "visa_number": row.visa_number,
        "visa_expiry": row.visa_expiry,
        "entry_date": row.entry_date,
        "port_of_entry": row.port_of_entry,
        "declared_at": row.declared_at,
        "due_at": row.due_at,
        "is_late": row.is_late,
        "note": row.note,
    }


def _day_bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time.min, tzinfo=VN)
    return start, start + timedelta(days=1)


# --- Declarations ---------------------------------------------------------------------------------


@router.post(
    "/declarations",
    auth=API_KEY_AUTH,
    response={
        200: BatchOut,
        201: BatchOut,
        400: ErrorOut,
        409: ErrorOut,
        413: ErrorOut,
        422: BatchRejectedOut,
        503: ErrorOut,
        **KEY_ERRORS,
    },
    summary="Thông báo lưu trú: gửi một hoặc nhiều khách (tối đa ANTT_LODGING_MAX_ROWS)",
    openapi_extra=_declarations_doc(),
)
@keyed
def declarations_create(request):
    """Declares the guests of the body for the key's establishment. `mode` "all" writes nothing
    when one guest is wrong (422, the errors listed); "valid" writes the valid guests (201) and
    lists the others' errors. The same `Idempotency-Key` again answers the stored batch (200)."""
    from antt.lodging import services

    key = request.auth
    idempotency_key = request.headers.get("Idempotency-Key", "").strip()
    if not IDEMPOTENCY_PATTERN.fullmatch(idempotency_key):
        return _error(422, BAD_IDEMPOTENCY, [])
    raw = _read_body(request)
    if raw is None:
        return _error(413, TOO_BIG.format(mb=_body_limit_mb()))
    try:
        payload = json.loads(raw)
    except (ValueError, RecursionError):
        return _error(422, NOT_JSON, [])
    if not isinstance(payload, dict):
        return _error(422, NOT_OBJECT, [])
    unknown = [k for k in payload if k not in ("mode", "guests")]
    if unknown:
        names = ", ".join(sorted(str(k)[:40] for k in unknown)[:5])
        return _error(422, f"Trường không được hỗ trợ: {names}.", [])
    mode = payload.get("mode", DeclarationBatch.Mode.ALL_OR_NOTHING)
    if mode not in DeclarationBatch.Mode.values:
        return _error(422, BAD_MODE, [{"row": None, "field": "mode", "message": BAD_MODE}])
    guests = payload.get("guests")
    if not isinstance(guests, list) or not guests:
        return _error(422, NO_GUESTS, [{"row": None, "field": "guests", "message": NO_GUESTS}])
    if len(guests) > settings.ANTT_LODGING_MAX_ROWS:
        return _error(413, TOO_MANY_ROWS.format(limit=settings.ANTT_LODGING_MAX_ROWS))
    shape_errors = _guest_errors(guests)
    if shape_errors:
        return _error(422, ROWS_INVALID, shape_errors)
    try:
        result = services.declare_batch(
            establishment=key.establishment,
            rows=guests,
            source=DeclarationBatch.Source.API,
            mode=mode,
            idempotency_key=idempotency_key,
            api_key=key,
        )
    except LodgingError as exc:
        return _lodging_error(exc, documented=(400, 409, 413, 422))
    batch = result.batch
    if batch.status == DeclarationBatch.Status.FAILED:
        return _error(503, BATCH_FAILED)
    if batch.status == DeclarationBatch.Status.REJECTED:
        body = _batch_body(batch, stays=[])
        return Reply(
            422, {"detail": BATCH_REJECTED, **{k: body[k] for k in BatchRejectedOut.model_fields if k in body}}
        )
    return Reply(200 if result.replayed else 201, _batch_body(batch, list(result.declarations)))


@router.get(
    "/batches/{batch_id}",
    auth=API_KEY_AUTH,
    response={200: BatchOut, 404: ErrorOut, 422: ValidationErrorOut, **KEY_ERRORS},
    summary="Kết quả một lần gửi (tình trạng, số khách được ghi nhận, lỗi từng dòng)",
)
@keyed
def batch_detail(request, batch_id: UUID):
    """One batch of the key's establishment (any source: API, file or form)."""
    batch = DeclarationBatch.objects.filter(pk=batch_id, establishment_id=request.auth.establishment_id).first()
    if batch is None:
        return _error(404, NOT_FOUND_BATCH)
    return Reply(200, _batch_body(batch))


# --- Stays ----------------------------------------------------------------------------------------

StayId = Path(..., ge=1, le=MAX_ID, description="Mã lượt lưu trú.")


def _stay_action(call, request, stay_id: int, **kwargs):
    from antt.lodging import services

    try:
        row = getattr(services, call)(
            establishment=request.auth.establishment, stay_id=stay_id, api_key=request.auth, **kwargs
        )
    except LodgingError as exc:
        return _lodging_error(exc)
    return Reply(200, _stay(row))


@router.post(
    "/stays/{stay_id}/departure",
    auth=API_KEY_AUTH,
    response={200: StayOut, **STAY_ERRORS},
    summary="Khách trả phòng, rời đi",
)
@keyed
def stay_departure(request, stay_id: int = StayId, body: DepartureIn | None = None):
    """A departure entry for the stay (now, or at `departed_at`); 409 when already departed or cancelled."""
    if request.body.strip():  # the optional body must be an object (ninja lets a list through as "no body")
        try:
            parsed = json.loads(request.body)
        except ValueError:
            parsed = object()
        if parsed is not None and not isinstance(parsed, dict):
            return Reply(422, {"detail": 'Nội dung yêu cầu phải là một đối tượng JSON, ví dụ {"departed_at": null}.'})
    departed_at = body.departed_at if body is not None else None
    return _stay_action("depart", request, stay_id, departed_at=departed_at)


@router.post(
    "/stays/{stay_id}/correction",
    auth=API_KEY_AUTH,
    response={200: StayOut, **STAY_ERRORS},
    summary="Sửa thông tin khách của một lượt (thành một dòng khai báo mới, tham chiếu dòng cũ)",
)
@keyed
def stay_correction(request, body: CorrectionIn, stay_id: int = StayId):
    """A correction entry carrying the guest as now stated; the old entry is kept unchanged."""
    errors = _guest_errors([body.guest])
    if errors:
        first = errors[0]
        return Reply(
            422,
            {"detail": first["message"], "errors": [{"field": e["field"], "message": e["message"]} for e in errors]},
        )
    return _stay_action("correct", request, stay_id, raw=body.guest, note=body.note)


@router.post(
    "/stays/{stay_id}/cancellation",
    auth=API_KEY_AUTH,
    response={200: StayOut, **STAY_ERRORS},
    summary="Hủy khai báo (trong 24 giờ kể từ khi gửi; sau đó đề nghị Công an xã, phường sửa)",
)
@keyed
def stay_cancellation(request, body: CancellationIn, stay_id: int = StayId):
    """A cancellation entry; 409 after 24 hours or when the stay has ended."""
    return _stay_action("cancel", request, stay_id, note=body.note)


@router.get(
    "/stays",
    auth=API_KEY_AUTH,
    response={200: StayPage, 422: ValidationErrorOut, **KEY_ERRORS},
    summary="Các lượt lưu trú của cơ sở (mặc định: khách đang lưu trú), theo trang",
)
@keyed
def stay_list(request, query: Query[StayQuery]):
    """The establishment's stays in the given state, in stay id order; pass `next` back as `after`."""
    qs = Declaration.objects.filter(
        establishment_id=request.auth.establishment_id, is_current=True, state=query.state, stay_id__gt=query.after
    )
    if query.date is not None:
        if not (FIRST_DAY <= query.date <= LAST_DAY):
            return Reply(422, {"detail": BAD_DAY, "errors": [{"field": "date", "message": BAD_DAY}]})
        start, end = _day_bounds(query.date)
        qs = qs.filter(arrived_at__gte=start, arrived_at__lt=end)
    rows = list(qs.order_by("stay_id")[: query.limit + 1])
    more, rows = len(rows) > query.limit, rows[: query.limit]
    return Reply(
        200,
        {
            "count": len(rows),
            "has_more": more,
            "next": rows[-1].stay_id if more else None,
            "items": [_stay(row) for row in rows],
        },
    )


# --- The daily receipt ----------------------------------------------------------------------------


def receipt_data(establishment, day: date) -> dict:
    """What the establishment sent on `day` (Vietnam time), in the order it was sent, with the counts
    and the SHA-256 that the PDF receipt of the business pages prints (`receipts.receipt_digest`
    over the same rows: a PMS can check its copy against the paper)."""
    from antt.lodging import receipts

    start, end = _day_bounds(day)
    rows = list(
        Declaration.objects.filter(establishment_id=establishment.pk, declared_at__gte=start, declared_at__lt=end)
        .only(*RECEIPT_FIELDS)
        .order_by("declared_at", "id")
    )
    counts = dict.fromkeys(Declaration.Kind.values, 0)
    for row in rows:
        counts[row.kind] = counts.get(row.kind, 0) + 1
    return {
        "establishment": establishment.name,
        "tax_code": establishment.tax_code,
        "date": day,
        "entries": [{name: getattr(row, name) for name in RECEIPT_FIELDS} for row in rows],
        "counts": counts,
        "total": len(rows),
        "sha256": receipts.receipt_digest(establishment, day, rows),
    }


@router.get(
    "/receipt",
    auth=API_KEY_AUTH,
    response={200: ReceiptOut, 422: ValidationErrorOut, **KEY_ERRORS},
    summary="Biên nhận trong ngày: mọi dòng khai báo cơ sở đã gửi, số lượng và mã SHA-256",
)
@keyed
def receipt(request, query: Query[ReceiptQuery]):
    """Every entry the establishment sent that day (arrivals, corrections, departures,
    cancellations), the same content as the PDF receipt of the business pages."""
    if not (FIRST_DAY <= query.date <= LAST_DAY):
        return Reply(422, {"detail": BAD_DAY, "errors": [{"field": "date", "message": BAD_DAY}]})
    return Reply(200, receipt_data(request.auth.establishment, query.date))


# --- Code tables (public) -------------------------------------------------------------------------


def _table(request, items: list[dict], version: str):
    """The table with its version, `Cache-Control` and a strong `ETag` over the content; 304 when
    the client already has it (`If-None-Match`)."""
    content = json.dumps(items, ensure_ascii=False, sort_keys=True, default=str)
    etag = '"' + hashlib.sha256(content.encode()).hexdigest()[:32] + '"'
    version = version or etag.strip('"')[:12]
    if etag in [t.strip() for t in request.headers.get("If-None-Match", "").split(",")]:
        response = HttpResponse(status=304)
    else:
        body = json.dumps({"version": version, "count": len(items), "items": items}, ensure_ascii=False, default=str)
        response = HttpResponse(body, content_type="application/json")
    response["ETag"] = etag
    response["Cache-Control"] = CODES_CACHE
    return response


def _today_codes():
    from antt.lodging.codes import codes_on

    return codes_on(timezone.localdate())


def _latest(rows) -> str:
    days = [r.valid_from for r in rows if getattr(r, "valid_from", None)]
    return max(days).isoformat() if days else ""


CODE_RESPONSES = {304: None}


@router.get(
    "/codes/document-types",
    auth=None,
    response={200: DocumentTypeTable, **CODE_RESPONSES},
    summary="Danh mục loại giấy tờ tùy thân đang có hiệu lực",
)
def codes_document_types(request):
    rows = sorted(_today_codes().doc_types.values(), key=lambda d: (d.order, d.code))
    items = [
        {
            "code": d.code,
            "name": d.name,
            "for_vietnamese": d.for_vietnamese,
            "for_foreigners": d.for_foreigners,
            "number_pattern": d.number_pattern,
            "number_hint": d.number_hint,
            "has_mrz": d.has_mrz,
            "valid_from": d.valid_from.isoformat(),
            "valid_to": d.valid_to.isoformat() if d.valid_to else None,
            "legal_basis": d.legal_basis,
        }
        for d in rows
    ]
    return _table(request, items, _latest(rows))


@router.get(
    "/codes/countries",
    auth=None,
    response={200: CountryTable, **CODE_RESPONSES},
    summary="Danh mục quốc tịch (ISO 3166-1 alpha-3 và mã riêng của ICAO)",
)
def codes_countries(request):
    rows = sorted(_today_codes().countries.values(), key=lambda c: c.code)
    items = [
        {
            "code": c.code,
            "name": c.name,
            "name_en": c.name_en,
            "stats_code": c.stats_code,
            "is_icao_special": c.is_icao_special,
        }
        for c in rows
    ]
    return _table(request, items, "")


@router.get(
    "/codes/ports",
    auth=None,
    response={200: PortTable, **CODE_RESPONSES},
    summary="Danh mục cửa khẩu nhập cảnh",
)
def codes_ports(request):
    rows = sorted(_today_codes().ports.values(), key=lambda p: (p.order, p.name))
    items = [{"code": p.code, "name": p.name, "kind": p.kind, "province": p.province} for p in rows]
    return _table(request, items, _latest(rows))


@router.get(
    "/codes/reasons",
    auth=None,
    response={200: ReasonTable, **CODE_RESPONSES},
    summary="Danh mục lý do lưu trú (mục đích nhập cảnh với người nước ngoài)",
)
def codes_reasons(request):
    rows = sorted(_today_codes().reasons.values(), key=lambda r: (r.order, r.code))
    items = [{"code": r.code, "name": r.name, "entry_purpose": r.entry_purpose} for r in rows]
    return _table(request, items, _latest(rows))


def _visa_kinds() -> list[dict]:
    from antt.lodging import validation

    kinds = getattr(validation, "VISA_KINDS", {})
    if isinstance(kinds, dict):
        return [{"code": code, "name": str(name)} for code, name in kinds.items()]
    return [{"code": str(code), "name": str(name)} for code, name in kinds]


@router.get(
    "/codes/visa-kinds",
    auth=None,
    response={200: VisaKindTable, **CODE_RESPONSES},
    summary="Loại giấy tờ cư trú của người nước ngoài (thị thực, thẻ tạm trú, thẻ thường trú, miễn thị thực)",
)
def codes_visa_kinds(request):
    return _table(request, _visa_kinds(), "")


@router.get(
    "/codes/areas",
    auth=None,
    response={200: AreaTable, **CODE_RESPONSES},
    summary="Danh mục xã, phường của tỉnh (đơn vị hành chính từ 01/07/2025)",
)
def codes_areas(request):
    rows = AdminArea.objects.filter(scheme=AdminArea.Scheme.CURRENT, level=AdminArea.Level.COMMUNE).order_by("code")
    items = [{"code": a.code, "name": a.name, "division_type": a.division_type} for a in rows]
    return _table(request, items, "")
