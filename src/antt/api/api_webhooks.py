"""Agencies' webhooks: /api/v1/agency/webhooks… (an `AgencyKey` with the scope `webhooks`).

- GET "" — the key's subscriptions; POST "" — a new one (url, events): the signing secret is in
  the answer, once; DELETE /{id}; POST /{id}/test — send a `ping` event now and show the result;
- GET /deliveries — the key's delivery log (paged; filter by state and event type);
  GET /deliveries/{id} — one delivery with its attempts; POST /deliveries/{id}/replay — send again;
- GET /events?after= — the events the key may see (its units), oldest first, for catching up
  after an outage or instead of receiving pushes.

How deliveries are signed, retried and ordered, and how a receiver verifies them:
`antt.api.webhooks` (and docs/api.md). Errors: `{"detail": "..."}` in Vietnamese.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError

from antt.api import webhooks
from antt.api.agency import AgencyKeyAuth, key_units_q
from antt.api.models import DeliveryState, WebhookDelivery, WebhookEvent, WebhookSubscription
from antt.api.schemas import ErrorOut, ValidationErrorOut

router = Router()
auth = AgencyKeyAuth(webhooks.SCOPE)

ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ValidationErrorOut, 429: ErrorOut}
MAX_SUBSCRIPTIONS = 10
MAX_PAGE_SIZE = 100
MAX_EVENTS = 500

_EVENTS_DOC = "; ".join(f"`{code}`: {label}" for code, label in webhooks.EVENT_TYPES.items())


# --- Schemas ------------------------------------------------------------------------------


class SubscriptionIn(Schema):
    url: str = Field(..., max_length=500, description="Địa chỉ https nhận sự kiện (POST JSON)")
    events: list[str] = Field(..., min_length=1, max_length=10, description=f"Loại sự kiện: {_EVENTS_DOC}")


class SubscriptionOut(Schema):
    id: int
    url: str
    events: list[str]
    is_active: bool = Field(..., description="false: tạm dừng (không nhận sự kiện mới)")
    disabled_reason: str = Field(..., description="Lý do tạm dừng")
    created_at: datetime


class SubscriptionCreatedOut(SubscriptionOut):
    secret: str = Field(
        ...,
        description="Khóa ký HMAC-SHA256 của tiêu đề X-ANTT-Signature. Chỉ hiển thị một lần: hãy lưu lại ngay.",
    )


class AttemptOut(Schema):
    at: datetime
    status: int | None = Field(None, description="Mã HTTP bên nhận trả về; null khi lỗi kết nối")
    error: str
    duration_ms: int
    replay: bool = Field(..., description="Lần gửi lại theo yêu cầu")


class DeliveryOut(Schema):
    id: int
    subscription_id: int
    event_id: uuid.UUID
    event_type: str
    state: str = Field(..., description="pending (chờ gửi), delivered (đã gửi), failed (lỗi, sẽ thử lại), dead")
    state_label: str
    attempts: int
    next_attempt_at: datetime | None
    last_status: int | None
    last_error: str
    delivered_at: datetime | None
    created_at: datetime


class DeliveryDetailOut(DeliveryOut):
    payload: dict[str, Any] = Field(..., description="Nội dung sự kiện (không có dữ liệu cá nhân)")
    attempt_log: list[AttemptOut]


class DeliveryPageOut(Schema):
    count: int
    page: int
    pages: int
    items: list[DeliveryOut]


class DeliveryQuery(Schema):
    state: DeliveryState | None = Field(None, description="Lọc theo trạng thái")
    event: str | None = Field(None, max_length=60, description="Lọc theo loại sự kiện")
    page: int = Field(1, ge=1, le=100_000)
    page_size: int = Field(50, ge=1, le=MAX_PAGE_SIZE)


class EventOut(Schema):
    id: uuid.UUID
    type: str
    occurred_at: datetime
    data: dict[str, Any]


class EventPageOut(Schema):
    items: list[EventOut]
    next_after: str | None = Field(
        None, description="Giá trị `after` cho lần gọi tiếp theo (mã sự kiện cuối cùng); null khi không có sự kiện"
    )


class EventQuery(Schema):
    after: str | None = Field(
        None,
        max_length=64,
        description="Chỉ lấy sự kiện sau mã sự kiện này (UUID) hoặc sau thời điểm này (ISO 8601)",
    )
    limit: int = Field(100, ge=1, le=MAX_EVENTS)


# --- Helpers ------------------------------------------------------------------------------


def _raise(exc: webhooks.WebhookError):
    raise HttpError(exc.status, str(exc)) from exc


def _subscription(key, sub_id: int) -> WebhookSubscription:
    sub = WebhookSubscription.objects.filter(key=key, pk=sub_id).first()
    if sub is None:
        raise HttpError(404, "Không tìm thấy đăng ký nhận sự kiện.")
    return sub


def _delivery(key, delivery_id: int) -> WebhookDelivery:
    delivery = (
        WebhookDelivery.objects.select_related("event", "subscription")
        .filter(subscription__key=key, pk=delivery_id)
        .first()
    )
    if delivery is None:
        raise HttpError(404, "Không tìm thấy lượt gửi sự kiện.")
    return delivery


def _delivery_out(d: WebhookDelivery) -> dict:
    return {
        "id": d.pk,
        "subscription_id": d.subscription_id,
        "event_id": d.event_id,
        "event_type": d.event.type,
        "state": d.state,
        "state_label": str(d.get_state_display()),
        "attempts": d.attempts,
        "next_attempt_at": d.next_attempt_at,
        "last_status": d.last_status,
        "last_error": d.last_error,
        "delivered_at": d.delivered_at,
        "created_at": d.created_at,
    }


def _delivery_detail(d: WebhookDelivery) -> dict:
    return {
        **_delivery_out(d),
        "payload": d.event.payload,
        "attempt_log": [
            {"at": a.at, "status": a.status, "error": a.error, "duration_ms": a.duration_ms, "replay": a.replay}
            for a in d.attempt_log.order_by("at", "id")
        ],
    }


# --- Subscriptions ------------------------------------------------------------------------


@router.get(
    "",
    auth=auth,
    response={200: list[SubscriptionOut], **ERRORS},
    summary="Danh sách đăng ký nhận sự kiện của khóa",
    operation_id="webhooks_subscriptions_list",
)
def subscriptions_list(request):
    return list(WebhookSubscription.objects.filter(key=request.auth).order_by("id"))


@router.post(
    "",
    auth=auth,
    response={201: SubscriptionCreatedOut, **ERRORS},
    summary="Đăng ký nhận sự kiện (khóa ký chỉ hiển thị một lần)",
    operation_id="webhooks_subscriptions_create",
)
def subscriptions_create(request, data: SubscriptionIn):
    """The receiver must be an https address on the public Internet. The answer carries the
    signing secret, shown only this once."""
    key = request.auth
    if WebhookSubscription.objects.filter(key=key).count() >= MAX_SUBSCRIPTIONS:
        raise HttpError(409, f"Mỗi khóa API được đăng ký tối đa {MAX_SUBSCRIPTIONS} địa chỉ nhận sự kiện.")
    try:
        sub = webhooks.subscription_create(key=key, url=data.url, events=data.events)
    except webhooks.WebhookError as exc:
        _raise(exc)
    return Status(201, sub)


@router.delete(
    "/{int:sub_id}",
    auth=auth,
    response={204: None, **ERRORS},
    summary="Hủy một đăng ký nhận sự kiện",
    operation_id="webhooks_subscriptions_delete",
)
def subscriptions_delete(request, sub_id: int):
    webhooks.subscription_delete(subscription=_subscription(request.auth, sub_id))
    return Status(204, None)


@router.post(
    "/{int:sub_id}/test",
    auth=auth,
    response={200: DeliveryDetailOut, **ERRORS},
    summary="Gửi thử một sự kiện ping tới địa chỉ nhận",
    operation_id="webhooks_subscriptions_test",
)
def subscriptions_test(request, sub_id: int):
    """Sends a `ping` event now (signed like every event) and returns the attempt's result."""
    delivery = webhooks.ping(subscription=_subscription(request.auth, sub_id))
    return _delivery_detail(_delivery(request.auth, delivery.pk))


# --- Deliveries ---------------------------------------------------------------------------


@router.get(
    "/deliveries",
    auth=auth,
    response={200: DeliveryPageOut, **ERRORS},
    summary="Nhật ký gửi sự kiện của khóa",
    operation_id="webhooks_deliveries_list",
)
def deliveries_list(request, filters: Query[DeliveryQuery]):
    qs = WebhookDelivery.objects.filter(subscription__key=request.auth).select_related("event")
    if filters.state:
        qs = qs.filter(state=filters.state)
    if filters.event:
        if filters.event not in webhooks.EVENT_TYPES and filters.event != webhooks.PING:
            raise HttpError(422, "Loại sự kiện không hợp lệ.")
        qs = qs.filter(event__type=filters.event)
    count = qs.count()
    pages = max(1, -(-count // filters.page_size))
    start = (filters.page - 1) * filters.page_size
    rows = qs.order_by("-created_at", "-id")[start : start + filters.page_size]
    return {"count": count, "page": filters.page, "pages": pages, "items": [_delivery_out(d) for d in rows]}


@router.get(
    "/deliveries/{int:delivery_id}",
    auth=auth,
    response={200: DeliveryDetailOut, **ERRORS},
    summary="Một lượt gửi sự kiện và các lần gửi",
    operation_id="webhooks_deliveries_get",
)
def deliveries_get(request, delivery_id: int):
    return _delivery_detail(_delivery(request.auth, delivery_id))


@router.post(
    "/deliveries/{int:delivery_id}/replay",
    auth=auth,
    response={200: DeliveryDetailOut, **ERRORS},
    summary="Gửi lại một sự kiện ngay (ở bất kỳ trạng thái nào)",
    operation_id="webhooks_deliveries_replay",
)
def deliveries_replay(request, delivery_id: int):
    delivery = _delivery(request.auth, delivery_id)
    try:
        webhooks.replay(delivery=delivery, actor_name=f"Khóa API {request.auth.prefix}")
    except webhooks.WebhookError as exc:
        _raise(exc)
    return _delivery_detail(_delivery(request.auth, delivery_id))


# --- Events (pull) ------------------------------------------------------------------------


def _after_q(key, after: str) -> Q:
    after = after.strip()
    try:
        event_id = uuid.UUID(after)
    except ValueError:
        event_id = None
    if event_id is not None:
        event = WebhookEvent.objects.filter(key_units_q(key, "unit"), pk=event_id).first()
        if event is None:
            raise HttpError(404, "Không tìm thấy sự kiện có mã đã cho trong tham số after.")
        return Q(occurred_at__gt=event.occurred_at) | Q(occurred_at=event.occurred_at, pk__gt=event.pk)
    try:
        moment = parse_datetime(after)
    except ValueError:
        moment = None
    if moment is None:
        raise HttpError(
            422, "Tham số after phải là mã sự kiện (UUID) hoặc thời điểm ISO 8601 (ví dụ 2026-04-23T09:30:00+07:00)."
        )
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return Q(occurred_at__gt=moment)


@router.get(
    "/events",
    auth=auth,
    response={200: EventPageOut, **ERRORS},
    summary="Lấy các sự kiện (để bắt kịp sau khi gián đoạn)",
    operation_id="webhooks_events_list",
)
def events_list(request, filters: Query[EventQuery]):
    """Events of the key's units, oldest first. Pass the last `id` received as `after` to go on.
    An event becomes visible when the change that caused it is committed, which may be a moment
    after its `occurred_at`: when polling by time, overlap by a minute and de-duplicate by `id`."""
    key = request.auth
    qs = WebhookEvent.objects.filter(key_units_q(key, "unit"), type__in=list(webhooks.EVENT_TYPES))
    if filters.after:
        qs = qs.filter(_after_q(key, filters.after))
    rows = list(qs.order_by("occurred_at", "id")[: filters.limit])
    return {
        "items": [{"id": e.pk, "type": e.type, "occurred_at": e.occurred_at, "data": e.payload} for e in rows],
        "next_after": str(rows[-1].pk) if rows else None,
    }
