"""Public JSON API of feedback (phản ánh, kiến nghị), mounted at /api/v1/feedback:

    POST ""            submit (no attachments; same checks and rate limits as the form) → 201
    POST "/lookup"     code + last 4 phone digits → the sender's view (rate-limited)
    GET  "/published"  the published Q&A, paged, searchable

Every error is `{"detail": "..."}` in Vietnamese with a 4xx status (422 for invalid bodies,
with `errors` per field). The JSON API has no form timestamp, so the timing check is off;
the honeypot is the optional `website` member, ignored by real clients.
"""

from __future__ import annotations

import json
from datetime import date, datetime

from ninja import Query, Router, Schema
from ninja import Status as Answer
from ninja.errors import HttpError
from pydantic import Field, StrictBool, StrictInt

from antt.api.schemas import ErrorOut, ValidationErrorOut
from antt.core.middleware import client_ip
from antt.dossiers import ratelimit
from antt.feedback import intake, selectors_public
from antt.feedback.models import FeedbackKind, FeedbackSubject, SenderKind
from antt.feedback.views_public import LOOKUP_NOT_FOUND, LOOKUP_RATE_LIMITED, lookup_rate

router = Router()


class SubmitIn(Schema):
    kind: str = Field(
        description="Loại: " + ", ".join(FeedbackKind.values), json_schema_extra={"enum": FeedbackKind.values}
    )
    subject: str = Field(
        description="Nội dung liên quan: " + ", ".join(FeedbackSubject.values),
        json_schema_extra={"enum": FeedbackSubject.values},
    )
    title: str = Field(max_length=intake.TITLE_MAX)
    content: str = Field(max_length=intake.CONTENT_MAX)
    sender_kind: str = Field(json_schema_extra={"enum": SenderKind.values})
    sender_name: str = Field(max_length=intake.NAME_MAX)
    sender_phone: str = Field(max_length=20)
    sender_address: str = Field(max_length=intake.ADDRESS_MAX)
    sender_email: str = Field("", max_length=intake.EMAIL_MAX)
    org_name: str = Field("", max_length=intake.ORG_MAX)
    topic: StrictInt | None = Field(None, ge=1, description="Mã số chủ đề (tùy chọn)")
    procedure: StrictInt | None = Field(None, ge=1, description="Mã số thủ tục (tùy chọn)")
    dossier_code: str = Field("", max_length=intake.DOSSIER_CODE_MAX, description="Mã hồ sơ liên quan (tùy chọn)")
    consent: StrictBool = Field(description="Đồng ý xử lý dữ liệu cá nhân (Nghị định 13/2023/NĐ-CP); phải là true")


class SubmitOut(Schema):
    code: str = Field(description="Mã tra cứu PAKN-yymmdd-NNNN")
    classify_due: date = Field(description="Hạn phân loại, chuyển xử lý")
    lookup: str = Field(description="Cách tra cứu")


class DuplicateOut(Schema):
    detail: str
    code: str | None = Field(None, description="Mã đã cấp lần trước, chỉ khi số điện thoại trùng khớp")


class FeedbackLookupIn(Schema):
    code: str = Field(min_length=1, max_length=40, description="Mã phản ánh, kiến nghị")
    phone_last4: str = Field(pattern=r"^[0-9]{4}$", description="4 chữ số cuối số điện thoại người gửi")


class FeedbackLookupOut(Schema):
    code: str
    kind: str
    subject: str
    state: str
    state_label: str
    unit: str
    topic: str
    received_at: datetime
    classify_due: date
    answer_due: date | None
    answered_at: datetime | None
    answer: str = Field(description="Nội dung trả lời, khi đã trả lời")
    refusal_reason: str
    sender_satisfied: bool | None


class PublishedOut(Schema):
    code: str
    kind: str
    topic: str
    unit: str
    question: str
    answer: str
    answered_at: datetime | None
    published_at: datetime | None


class PublishedPageOut(Schema):
    count: int
    page: int
    pages: int
    results: list[PublishedOut]


class PublishedQuery(Schema):
    q: str = Field("", max_length=100, description="Từ khóa trong nội dung công khai")
    topic: str = Field("", max_length=40, description="Mã chủ đề")
    page: int = Field(1, ge=1, le=100000)


def _body(request, schema):
    from ninja.errors import ValidationError
    from pydantic import ValidationError as PydanticError

    try:
        payload = json.loads(request.body or b"")
    except ValueError:
        raise ValidationError([{"type": "json_invalid", "loc": ("body",), "msg": "invalid JSON"}]) from None
    if not isinstance(payload, dict):
        raise ValidationError([{"type": "model_type", "loc": ("body",), "msg": "object expected"}])
    try:
        return schema.model_validate(payload), payload
    except PydanticError as exc:
        raise ValidationError([{**e, "loc": ("body", *e["loc"])} for e in exc.errors()]) from None


def _doc(schema) -> dict:
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema.model_json_schema()}}}}


def _invalid(errors: dict[str, str]):
    detail = next(iter(errors.values()))
    return Answer(422, {"detail": detail, "errors": [{"field": k, "message": v} for k, v in errors.items()]})


@router.post(
    "",
    response={201: SubmitOut, 409: DuplicateOut, 422: ValidationErrorOut, 429: ErrorOut, 503: ErrorOut},
    summary="Gửi phản ánh, kiến nghị",
    auth=None,
    openapi_extra=_doc(SubmitIn),
)
def submit(request):
    """Public, no sign-in. Same checks as the form: validation, duplicates within 24 hours,
    rate limits per client (ANTT_FEEDBACK_RATE, ANTT_FEEDBACK_DAILY_RATE), spam heuristics.
    No attachments (use the form)."""
    body, payload = _body(request, SubmitIn)
    raw = body.model_dump()
    raw["topic"] = "" if body.topic is None else str(body.topic)
    raw["procedure"] = "" if body.procedure is None else str(body.procedure)
    try:
        client = intake.client_hash(client_ip(request))
        data = intake.validate(raw, client=client)
        result = intake.submit(
            data=data,
            client=client,
            check_timing=False,
            honeypot=str(payload.get("website") or "")[:200],
        )
    except intake.IntakeInvalid as exc:
        return _invalid(exc.errors)
    except intake.Duplicate as exc:
        return Answer(409, {"detail": str(exc), "code": exc.code or None})
    except intake.RateLimited as exc:
        raise HttpError(429, str(exc)) from None
    except intake.IntakeUnavailable as exc:
        return Answer(503, {"detail": str(exc)})
    feedback = result.feedback
    return Answer(
        201,
        {
            "code": feedback.code,
            "classify_due": feedback.classify_due,
            "lookup": "POST /api/v1/feedback/lookup với mã và 4 chữ số cuối số điện thoại.",
        },
    )


@router.post(
    "/lookup",
    response={200: FeedbackLookupOut, 404: ErrorOut, 422: ValidationErrorOut, 429: ErrorOut},
    summary="Tra cứu phản ánh, kiến nghị bằng mã và 4 số cuối điện thoại",
    auth=None,
    openapi_extra=_doc(FeedbackLookupIn),
)
def lookup(request):
    """Public; rate limited per client address (ANTT_LOOKUP_RATE); an unknown code and wrong
    digits give the same 404."""
    if not ratelimit.allow(request, "feedback-lookup", lookup_rate()):
        raise HttpError(429, LOOKUP_RATE_LIMITED)
    body, _ = _body(request, FeedbackLookupIn)
    item = selectors_public.find_for_sender(body.code, body.phone_last4)
    if item is None:
        return Answer(404, {"detail": LOOKUP_NOT_FOUND})
    return {
        **item,
        "kind": item["kind_label"],
        "subject": item["subject_label"],
    }


@router.get(
    "/published",
    response={200: PublishedPageOut, 422: ValidationErrorOut},
    summary="Các câu trả lời phản ánh, kiến nghị đã công khai",
    auth=None,
)
def published(request, filters: Query[PublishedQuery]):
    """Public. Only the officers' published texts; never the sender's name, phone, e-mail."""
    q = " ".join(filters.q.replace("\x00", "").split())
    page = selectors_public.published_page(q, filters.topic.replace("\x00", ""), filters.page)
    return {
        "count": page.paginator.count,
        "page": page.number,
        "pages": page.paginator.num_pages,
        "results": [{**row, "kind": row["kind_label"]} for row in page.object_list],
    }
