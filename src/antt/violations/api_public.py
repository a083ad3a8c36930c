"""The public side of fines: `POST /api/v1/violations/lookup` and the provider's
`POST /api/v1/violations/payments/confirm`, and the answer they share with the pages.

Lookup (issue 4, item 7): by plate number, or by decision number plus the last four digits of
the violator's ID number (or tax code). Both come in a JSON body, so nothing personal travels
in a URL. The answer lists the unpaid fines (by plate) or the one decision (by number, also
once paid: "Đã nộp phạt"), each with what is due today (fine plus the late-payment surcharge,
Luật XLVPHC Art. 78(1), computed by `rules.amount_due_on`), the payment deadline, and the
VietQR code to pay it (`antt.core.vietqr`: payload, and links to a PNG and an SVG image). The
name is masked; the ID number never appears. Rate limited per client address
(`ANTT_FINE_LOOKUP_RATE`, default 10/m, the dossiers' limiter); a wrong decision number and
wrong digits give the same 404.

Confirm: see `violations.payments.provider_confirm` (HMAC-SHA256 of the raw body in the
`X-Signature` header, idempotent by transaction id, every call logged).
"""

from __future__ import annotations

import json
from datetime import date

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from ninja import Router, Schema
from ninja import Status as Answer
from ninja.errors import HttpError, ValidationError
from pydantic import Field, model_validator
from pydantic import ValidationError as PydanticError

from antt.api.schemas import ErrorOut, ValidationErrorOut
from antt.core import vietqr
from antt.core.middleware import client_ip
from antt.dossiers import ratelimit
from antt.violations import payments
from antt.violations.models import DecisionStatus, PenaltyDecision

NOT_FOUND = "Không tìm thấy quyết định xử phạt với số quyết định và 4 chữ số cuối số định danh đã nhập."
NO_UNPAID = "Không có quyết định xử phạt nào chưa nộp phạt với biển số này."
RATE_LIMITED = "Ông/bà đã tra cứu quá nhiều lần trong thời gian ngắn. Vui lòng thử lại sau ít phút."
BOTH_OR_NEITHER = "Nhập biển số xe, hoặc số quyết định cùng 4 chữ số cuối số định danh (không nhập cả hai)."
PAYABLE = {DecisionStatus.UNPAID, DecisionStatus.PARTLY_PAID, DecisionStatus.LATE}


def lookup_rate() -> str:
    return getattr(settings, "ANTT_FINE_LOOKUP_RATE", "10/m")


# --- Reads --------------------------------------------------------------------------------------


def find_by_plate(plate: str) -> list[PenaltyDecision]:
    """Unpaid decisions for a plate; IdentifierError (a ValueError, Vietnamese) for a malformed plate."""
    from antt.core.identifiers import parse_plate
    from antt.violations import selectors

    return list(selectors.public_by_plate(parse_plate(plate).normalised))


def find_by_number(number: str, id_last_digits: str) -> PenaltyDecision | None:
    """The decision with this number whose violator's ID (or tax code) ends with these digits, else None."""
    from antt.violations import selectors

    number = " ".join((number or "").split())
    digits = (id_last_digits or "").strip()
    if not number or len(number) > 40 or "\x00" in number or len(digits) != 4 or not digits.isdigit():
        return None
    return selectors.public_by_number(number, digits)


def qr_payload(decision: PenaltyDecision, total_due: int) -> str:
    return vietqr.fine_payload(amount=total_due, reference=decision.payment_reference)


def summary(decision: PenaltyDecision, today: date | None = None, amounts: tuple[int, int, int] | None = None) -> dict:
    """The public answer for one decision (the API's JSON and the pages' context); `amounts`
    (fine, surcharge, total due) when the caller computed them for a list (`summaries`)."""
    from antt.violations import rules
    from antt.violations.selectors import mask_name

    today = today or timezone.localdate()
    fine_due, surcharge_due, total_due = amounts or rules.amount_due_on(decision, today)
    payable = decision.status in PAYABLE and total_due > 0
    qr = None
    if payable:
        payload = qr_payload(decision, total_due)
        qr = {
            "payload": payload,
            "bank_bin": vietqr.fine_bank_bin(),
            "bank_name": vietqr.fine_bank_name(),
            "account": vietqr.fine_account(),
            "account_name": vietqr.fine_account_name(),
            "amount": total_due,
            "note": vietqr.clean_note(decision.payment_reference),
            "png_url": reverse("violations:lookup-qr", args=[decision.token, "png"]),
            "svg_url": reverse("violations:lookup-qr", args=[decision.token, "svg"]),
            "demo_account": vietqr.is_demo_account(),
        }
    due_on = decision.payment_due_on
    return {
        "number": decision.number,
        "issued_on": decision.issued_on,
        "unit": decision.unit.name,
        "violator_name_masked": mask_name(decision.violator_name),
        "plate": decision.plate_display,
        "status": decision.status,
        "status_label": str(DecisionStatus(decision.status).label),
        "paid": decision.status == DecisionStatus.PAID,
        "paid_on": decision.paid_on,
        "total_fine": int(decision.total_fine),
        "amount_paid": int(decision.amount_paid) + int(decision.surcharge_paid),
        "fine_due": fine_due if payable else 0,
        "surcharge_due": surcharge_due if payable else 0,
        "total_due": total_due if payable else 0,
        "payment_due_on": due_on,
        "late": bool(payable and due_on is not None and today > due_on),
        "payment_reference": decision.payment_reference if payable else "",
        "checked_on": today,
        "qr": qr,
        "demo_bank_url": (
            reverse("violations:demo-bank", args=[decision.token])
            if payable and payments.gateway_name() == "demo"
            else ""
        ),
    }


def summaries(decisions: list[PenaltyDecision], today: date) -> list[dict]:
    """`summary` of each decision, the amounts due computed together (no query per late fine)."""
    from antt.violations import rules

    amounts = rules.amounts_due_on(decisions, today)
    return [summary(d, today, amounts[d.pk]) for d in decisions]


# --- Schemas ------------------------------------------------------------------------------------


class FineLookupIn(Schema):
    plate: str | None = Field(
        default=None, max_length=20, description="Biển số xe, ví dụ 36A-123.45 (không cần dấu).", examples=["36A12345"]
    )
    decision_number: str | None = Field(
        default=None, max_length=40, description="Số quyết định xử phạt như in trên quyết định."
    )
    id_last_digits: str | None = Field(
        default=None,
        pattern=r"^[0-9]{4}$",
        description="4 chữ số cuối số định danh cá nhân (hoặc mã số thuế) của người vi phạm.",
    )

    @model_validator(mode="after")
    def one_way(self):
        by_plate = bool((self.plate or "").strip())
        by_number = bool((self.decision_number or "").strip()) or bool(self.id_last_digits)
        if by_plate == by_number:
            raise ValueError(BOTH_OR_NEITHER)
        if by_number and not ((self.decision_number or "").strip() and self.id_last_digits):
            raise ValueError("Nhập cả số quyết định và 4 chữ số cuối số định danh.")
        return self


class QrOut(Schema):
    payload: str = Field(description="Chuỗi VietQR (EMVCo) để ứng dụng ngân hàng quét; có CRC ở cuối.")
    bank_bin: str
    bank_name: str
    account: str
    account_name: str
    amount: int = Field(description="Số tiền phải nộp hôm nay (đồng), gồm tiền chậm nộp.")
    note: str = Field(description="Nội dung chuyển khoản: mã thanh toán của quyết định.")
    png_url: str
    svg_url: str
    demo_account: bool = Field(description="true: tài khoản thử nghiệm, không chuyển tiền thật.")


class DecisionPublicOut(Schema):
    number: str
    issued_on: date
    unit: str
    violator_name_masked: str
    plate: str
    status: str
    status_label: str
    paid: bool
    paid_on: date | None
    total_fine: int
    amount_paid: int
    fine_due: int
    surcharge_due: int = Field(description="Tiền chậm nộp tính đến hôm nay (0,05%/ngày, Điều 78 Luật XLVPHC).")
    total_due: int
    payment_due_on: date | None
    late: bool
    payment_reference: str
    checked_on: date
    qr: QrOut | None


class FineLookupOut(Schema):
    count: int
    decisions: list[DecisionPublicOut]
    message: str = ""


class ConfirmIn(Schema):
    payment_reference: str = Field(max_length=25, examples=["VP7K2M9Q4XZA"])
    amount: int = Field(gt=0, description="Số tiền đã chuyển (đồng).", examples=[1500000])
    transaction_id: str = Field(max_length=80, description="Mã giao dịch của ngân hàng, duy nhất.")
    paid_at: str | None = Field(default=None, description="Thời điểm ghi có, ISO 8601 kèm múi giờ.")
    payer_name: str | None = Field(default=None, max_length=200)


class ConfirmOut(Schema):
    detail: str
    transaction_id: str
    payment_reference: str
    decision_number: str
    amount: int
    fine_part: int
    surcharge_part: int
    received_at: str


# --- Endpoints ----------------------------------------------------------------------------------

router = Router()


def _read_body(request) -> FineLookupIn:
    try:
        payload = json.loads(request.body or b"")
    except ValueError:
        raise ValidationError([{"type": "json_invalid", "loc": ("body",), "msg": "invalid JSON"}]) from None
    if not isinstance(payload, dict):
        raise ValidationError([{"type": "model_type", "loc": ("body",), "msg": "object expected"}])
    try:
        return FineLookupIn.model_validate(payload)
    except PydanticError as exc:
        errors = exc.errors()
        if errors and errors[0].get("type") == "value_error":
            raise HttpError(422, str(errors[0].get("ctx", {}).get("error") or BOTH_OR_NEITHER)) from None
        raise ValidationError([{**e, "loc": ("body", *e["loc"])} for e in errors]) from None


_LOOKUP_DOC = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": FineLookupIn.model_json_schema(),
                "examples": {
                    "plate": {"summary": "Theo biển số", "value": {"plate": "36A-123.45"}},
                    "decision": {
                        "summary": "Theo số quyết định",
                        "value": {"decision_number": "15/QĐ-XPHC/CAX14797/2026", "id_last_digits": "1234"},
                    },
                },
            }
        },
    }
}

_CONFIRM_DOC = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": ConfirmIn.model_json_schema(),
                "example": {
                    "payment_reference": "VP7K2M9Q4XZA",
                    "amount": 1500000,
                    "transaction_id": "FT26113123456",
                    "paid_at": "2026-04-23T09:30:00+07:00",
                    "payer_name": "NGUYEN VAN A",
                },
            }
        },
    },
    "parameters": [
        {
            "name": payments.SIGNATURE_HEADER,
            "in": "header",
            "required": True,
            "description": "HMAC-SHA256 (hex) của nguyên văn nội dung yêu cầu, khóa bí mật dùng chung.",
            "schema": {"type": "string"},
        }
    ],
}


@router.post(
    "/lookup",
    response={200: FineLookupOut, 404: ErrorOut, 422: ValidationErrorOut, 429: ErrorOut},
    summary="Tra cứu quyết định xử phạt chưa nộp phạt (biển số, hoặc số quyết định + 4 số cuối số định danh)",
    auth=None,
    openapi_extra=_LOOKUP_DOC,
)
def lookup(request):
    """Public: `{"plate": ...}` gives the unpaid fines of a vehicle; `{"decision_number": ...,
    "id_last_digits": ...}` gives one decision, paid or not. Each with today's amount (fine plus
    surcharge), the deadline and the VietQR code to pay. Rate limited (ANTT_FINE_LOOKUP_RATE)."""
    if not ratelimit.allow(request, "fine-lookup", lookup_rate()):
        raise HttpError(429, RATE_LIMITED)
    body = _read_body(request)
    today = timezone.localdate()
    if (body.plate or "").strip():
        try:
            decisions = find_by_plate(body.plate)
        except ValueError as exc:  # IdentifierError: a malformed plate, said in Vietnamese
            raise HttpError(422, str(exc)) from None
        return {
            "count": len(decisions),
            "decisions": summaries(decisions, today),
            "message": "" if decisions else NO_UNPAID,
        }
    decision = find_by_number(body.decision_number, body.id_last_digits)
    if decision is None:
        return Answer(404, {"detail": NOT_FOUND})
    return {"count": 1, "decisions": [summary(decision, today)], "message": ""}


@router.post(
    "/payments/confirm",
    response={
        200: ConfirmOut,
        403: ErrorOut,
        404: ErrorOut,
        409: ErrorOut,
        413: ErrorOut,
        422: ErrorOut,
    },
    summary="Xác nhận thanh toán chuyển khoản (dành cho đơn vị cung cấp dịch vụ thanh toán, có chữ ký HMAC)",
    auth=None,
    openapi_extra=_CONFIRM_DOC,
)
def confirm(request):
    """The payment provider's callback. The body is signed: `X-Signature` = hex HMAC-SHA256 of the
    raw body. Idempotent: a repeated `transaction_id` gets the same answer and records nothing.
    403 bad signature, 404 unknown payment reference, 409 not payable now, 422 wrong amount."""
    answer = payments.provider_confirm(
        body=request.body, signature=request.headers.get(payments.SIGNATURE_HEADER, ""), ip=client_ip(request)
    )
    return Answer(answer.status, answer.body)
