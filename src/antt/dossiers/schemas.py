"""Schemas of the staff dossier API (/api/v1/dossiers): what goes in and what comes out.

Lists carry no personal data at all; the detail carries the applicant in full only
for roles with `person.view` (and the read is logged), masked for the others.
Every text input refuses NUL and other control characters (PostgreSQL refuses NUL in
text, and no name, code or reason contains one), so bad input is a 422, never a 500.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from ninja import Field, Schema
from pydantic import AfterValidator, model_validator

from antt.api.schemas import IsoDate, ValidationErrorOut
from antt.dossiers.models import ApplicantKind, Delivery, Status

MAX_ID = 2**62


def _no_control_chars(value: str) -> str:
    if any(ord(ch) < 32 and ch not in "\t\n\r" for ch in value):
        raise ValueError("control characters")
    return value


def has_control_chars(value: str | None) -> bool:
    """For path and query strings, which are checked in the handler."""
    return bool(value) and any(ord(ch) < 32 for ch in value)


Text = Annotated[str, AfterValidator(_no_control_chars)]

# Dates a filter or an appointment may carry: the years the working calendar knows. Outside
# them a date overflows once turned into a local midnight (0001-01-01 in UTC, 9999-12-31 plus
# a day) or cannot be checked against the calendar: a 422, not a 500.
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2100, 12, 31)


def _in_range(value: date | None) -> date | None:
    if value is not None and not FIRST_DAY <= value <= LAST_DAY:
        raise ValueError(f"Ngày phải trong khoảng {FIRST_DAY:%d/%m/%Y} – {LAST_DAY:%d/%m/%Y}.")
    return value


RangeDate = Annotated[IsoDate, AfterValidator(_in_range)]


class _JsonObject(Schema):
    """A body that must be a JSON object (ninja would otherwise read a list as an empty object)."""

    @model_validator(mode="before")
    @classmethod
    def _an_object(cls, data):
        body = getattr(data, "_obj", data)
        if not isinstance(body, dict):
            raise ValueError("Nội dung phải là một đối tượng JSON.")
        return data


# --- Errors -------------------------------------------------------------------------------


class DossierErrorOut(ValidationErrorOut):
    """422: the Vietnamese message, and the field it concerns (e.g. `applicant.id_number`)."""

    field: str = ""


# --- List ---------------------------------------------------------------------------------


class DossierFilters(Schema):
    status: Status | None = Field(None, description="Trạng thái hồ sơ.")
    procedure: str | None = Field(None, max_length=40, description="Mã thủ tục, ví dụ 1.001234.")
    unit: int | None = Field(None, ge=1, le=MAX_ID, description="Đơn vị giải quyết (id).")
    received_from: RangeDate | None = Field(None, description="Tiếp nhận từ ngày (YYYY-MM-DD, giờ Việt Nam).")
    received_to: RangeDate | None = Field(None, description="Tiếp nhận đến hết ngày (YYYY-MM-DD).")
    q: str | None = Field(None, max_length=60, description="Một phần mã hồ sơ.")
    page: int = Field(1, ge=1, le=100000)
    page_size: int = Field(50, ge=1, le=200)


class DossierItemOut(Schema):
    """A row of a list: no personal data."""

    code: str
    procedure_code: str
    procedure_name: str
    level: str
    unit_id: int
    unit_name: str
    receiving_unit_id: int
    status: str
    status_label: str
    channel: str
    submitted_at: datetime
    received_at: datetime | None
    due_at: datetime | None
    deadline_state: Literal["on_time", "due_soon", "late"] | None = Field(
        description="Chỉ với hồ sơ đang giải quyết và đang tính thời gian."
    )
    deadline_label: str
    timeliness: str = Field(description="early / on_time / late khi đã xử lý xong; rỗng khi chưa.")


class DossierPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[DossierItemOut]


# --- Detail -------------------------------------------------------------------------------


class DossierApplicantOut(Schema):
    full: bool = Field(description="true: dữ liệu đầy đủ (đã ghi nhật ký truy cập); false: đã che.")
    kind: str
    name: str
    id_number: str
    birth_date: date | None
    phone: str
    email: str
    area_id: int | None
    address: str
    representative_name: str


class DossierStepOut(Schema):
    order: int
    name: str
    role: str
    unit_id: int
    unit_name: str
    assignee_id: int | None
    assignee_name: str
    state: str
    budget_hours: float
    started_at: datetime | None
    due_at: datetime | None
    finished_at: datetime | None
    timeliness: str


class DossierEventOut(Schema):
    at: datetime
    action: str
    from_status: str
    to_status: str
    actor_name: str
    to_unit_id: int | None
    to_user_id: int | None
    step_order: int | None
    step_timeliness: str
    note: str
    public: bool


class DossierDocumentOut(Schema):
    name: str
    required_document_id: int | None
    originals: int
    certified_copies: int
    copies: int
    round: int
    has_file: bool
    original_name: str
    content_type: str
    size: int
    sha256: str


class DossierResultOut(Schema):
    code: str
    name: str
    has_file: bool
    size: int
    sha256: str
    created_at: datetime


class DossierActionOut(Schema):
    action: str
    label: str
    params: list[str] = Field(description="Tham số cần gửi kèm (ngoài action và row_version).")


class DossierDetailOut(Schema):
    code: str
    status: str
    status_label: str
    portal_status_code: int
    procedure_code: str
    procedure_name: str
    procedure_version_from: date
    field_name: str
    level: str
    unit_id: int
    unit_name: str
    receiving_unit_id: int
    receiving_unit_name: str
    channel: str
    delivery: str
    submitted_at: datetime
    received_at: datetime | None
    due_at: datetime | None
    original_due_at: datetime | None
    clock_paused_at: datetime | None
    completed_at: datetime | None
    returned_at: datetime | None
    closed_at: datetime | None
    timeliness: str
    deadline_state: Literal["on_time", "due_soon", "late"] | None
    deadline_label: str
    legal_working_days: float | None
    fee_amount: int
    fee_paid_at: datetime | None
    fee_paid_online: bool
    reasons: str
    current_step_order: int | None
    assignee_id: int | None
    assignee_name: str
    row_version: int = Field(description="Gửi lại trong /transitions để phát hiện thay đổi đồng thời (409).")
    applicant: DossierApplicantOut
    documents: list[DossierDocumentOut]
    steps: list[DossierStepOut]
    events: list[DossierEventOut]
    results: list[DossierResultOut]
    actions: list[DossierActionOut]


# --- Create -------------------------------------------------------------------------------


class ApplicantIn(_JsonObject):
    kind: ApplicantKind = ApplicantKind.PERSON
    name: Text = Field(..., min_length=1, max_length=200, description="Họ và tên, hoặc tên tổ chức.")
    id_number: Text = Field("", max_length=20, description="Số định danh cá nhân (12 chữ số) hoặc mã số DN.")
    birth_date: IsoDate | None = None
    female: bool | None = Field(None, description="Giới tính, để đối chiếu với số định danh.")
    phone: Text = Field(..., min_length=1, max_length=20)
    email: Text = Field("", max_length=254)
    area_id: int | None = Field(None, ge=1, le=MAX_ID, description="Xã, phường (đơn vị hành chính hiện hành).")
    address: Text = Field("", max_length=255)
    representative_name: Text = Field("", max_length=200)


class DocumentIn(_JsonObject):
    required_document_id: int | None = Field(None, ge=1, le=MAX_ID)
    name: Text = Field("", max_length=500, description="Tên giấy tờ khi không thuộc danh mục của thủ tục.")
    originals: int = Field(0, ge=0, le=99)
    certified_copies: int = Field(0, ge=0, le=99)
    copies: int = Field(0, ge=0, le=99)


class DossierCreateIn(_JsonObject):
    procedure: Text = Field(..., min_length=1, max_length=40, description="Mã thủ tục.")
    level: Literal["province", "district", "commune"]
    unit_id: int | None = Field(None, ge=1, le=MAX_ID, description="Đơn vị giải quyết; mặc định đơn vị của cán bộ.")
    applicant: ApplicantIn
    documents: list[DocumentIn] = Field(default_factory=list, max_length=50)
    fee_amount: int | None = Field(None, ge=0, le=10**12, description="Đồng; mặc định theo biểu phí của thủ tục.")
    fee_paid: bool = False
    fee_receipt_ref: Text = Field("", max_length=100)
    delivery: Delivery = Delivery.COUNTER
    channel: Literal["counter", "post"] = "counter"


class DossierCreatedOut(DossierItemOut):
    created: bool = Field(description="false: yêu cầu lặp lại với cùng Idempotency-Key, trả hồ sơ đã tạo.")
    row_version: int
    fee_amount: int
    token: str = Field(description="Mã bí mật của người nộp (in trên giấy tiếp nhận); chỉ trả khi tạo hồ sơ.")
    lookup_url: str = Field(description="Địa chỉ tra cứu bằng mã QR của giấy tiếp nhận.")


# --- Transitions --------------------------------------------------------------------------

# The API's action names and the parameters each reads (the rest are ignored).
ACTION_PARAMS: dict[str, list[str]] = {
    "accept": ["note"],
    "request_supplement": ["items", "reasons"],
    "refuse": ["reasons"],
    "start": ["assignee_id", "note"],
    "forward": ["assignee_id", "note"],
    "assign": ["assignee_id"],
    "attach_result": ["name"],
    "approve": ["note"],
    "send_back": ["reasons", "assignee_id"],
    "request_fee": ["amount", "note"],
    "record_payment": ["reference", "online"],
    "apologise": ["reason", "new_due_date"],
    "return": ["note"],
    "stop": ["reasons"],
    "withdraw": ["reasons"],
}


class TransitionIn(_JsonObject):
    action: Text = Field(
        ...,
        max_length=30,
        description="Thao tác: " + ", ".join(f"{a} ({', '.join(p)})" for a, p in ACTION_PARAMS.items()) + ".",
        json_schema_extra={"enum": list(ACTION_PARAMS)},
    )
    row_version: int | None = Field(
        None, ge=1, le=2**31, description="row_version đã đọc; khác với hiện tại thì trả 409 và không đổi gì."
    )
    note: Text = Field("", max_length=2000)
    reasons: Text = Field("", max_length=2000)
    reason: Text = Field("", max_length=2000)
    items: list[Annotated[Text, Field(max_length=500)]] = Field(default_factory=list, max_length=50)
    assignee_id: int | None = Field(None, ge=1, le=MAX_ID)
    name: Text = Field("", max_length=300, description="Tên kết quả (attach_result).")
    amount: int | None = Field(None, ge=1, le=10**12, description="Số tiền (đồng) cho request_fee.")
    reference: Text = Field("", max_length=100, description="Số biên lai / mã giao dịch.")
    online: bool = False
    new_due_date: RangeDate | None = Field(None, description="Ngày hẹn trả mới (apologise), YYYY-MM-DD.")


class DossierStateOut(Schema):
    code: str
    status: str
    status_label: str
    row_version: int
    due_at: datetime | None
    current_step_order: int | None
    assignee_id: int | None
    actions: list[DossierActionOut]
