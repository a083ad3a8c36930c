"""Webhooks: events pushed to other agencies' systems, through an outbox (STYLE.md habit 7).

Emitting. A domain service calls `emit(type, obj, payload, unit)` inside the transaction of the
change it announces (a RuntimeError otherwise, like `core.notify.queue`). That writes one
`WebhookEvent` (always: agencies can also pull events, `GET /api/v1/agency/webhooks/events`) and
one `WebhookDelivery` per active subscription that asked for the type and whose key is active,
unexpired, holds the scope "webhooks" and may see the event's unit (key units empty = the whole
province; otherwise the unit must be one of them or below). After the commit a task
(`antt.api.tasks.deliver_webhook`) is enqueued per delivery; a rollback leaves neither the event
nor the deliveries. Payloads carry no personal data: codes, states, dates, numbers; never a
person's name, ID number, phone or licence number.

Sending. A delivery is POSTed as JSON (UTF-8) to the subscription's URL with the headers

    Content-Type: application/json
    X-ANTT-Event: dossier.state_changed
    X-ANTT-Event-Id: <event uuid>          (the same on every attempt and replay: de-duplicate on it)
    X-ANTT-Delivery: <delivery id>
    X-ANTT-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, f"{t}.{body}")>

A 2xx answer means delivered. Anything else (3xx included: redirects are not followed), a
timeout (`ANTT_WEBHOOK_TIMEOUT` seconds, per connect and per read) or a network error is a failed
attempt, retried after `BACKOFF` (1 min, 5, 15, 30 min, 1 h, 2, 4, 8, 12, 24 h, then every 24 h,
each ±10 % jitter) until `ANTT_WEBHOOK_MAX_ATTEMPTS` attempts; then the delivery is `dead`
(listed first on the administrators' page, `/quan-ly/ket-noi/su-kien/`). Every attempt is a
`WebhookAttempt` row. Any delivery, in any state, can be replayed (sent again now, logged as a
replay attempt and audited) by the agency through the API or by an administrator.

Ordering and loss. Nothing is lost: the delivery row is committed with the change, and a worker
that dies mid-send leaves the delivery due again when its lease ends (`manage.py webhooks_retry`
every minute picks it up). Delivery is at least once: receivers de-duplicate by
`X-ANTT-Event-Id`. Per subscription, events are sent in the order they occurred: a delivery is
held back while an earlier delivery of the same subscription is still pending or failing, so a
receiver that was down for an hour gets the first event on its next retry and the rest right after,
in order (held deliveries have no `next_attempt_at`; the delivery before them releases them when
it is delivered or dead, and every sweep releases any left without one before them). A dead
delivery no longer holds the others back; replays and pings are sent at once, out of order. The
order is that of `occurred_at`: two changes committed at the same moment by concurrent
transactions may reach a receiver in either order.

Verifying (receivers). Recompute the HMAC over the raw body exactly as received, compare in constant
time, and refuse a timestamp more than five minutes away from your clock (replayed requests):
`verify_signature()` below is a self-contained function receivers can copy (Python standard
library only).

Receivers' addresses (SSRF). A subscription URL must be https (http only with DEBUG on), without
user/password; its host must resolve only to public addresses (private, loopback, link-local,
reserved and multicast ones are refused unless `ANTT_WEBHOOK_ALLOW_PRIVATE`). The check runs when
the subscription is created and again before every attempt, and the connection goes to the
address that was checked (a DNS answer that changes between the check and the connection cannot
point the request elsewhere); TLS still verifies the certificate for the host name.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import ipaddress
import json
import logging
import random
import secrets
import socket
import ssl
import time
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from antt.api.models import DeliveryState, WebhookAttempt, WebhookDelivery, WebhookEvent, WebhookSubscription
from antt.core import audit

logger = logging.getLogger("antt.webhooks")

EVENT_TYPES: dict[str, str] = {
    "dossier.state_changed": "Hồ sơ thủ tục hành chính chuyển trạng thái",
    "certificate.revoked": "Giấy chứng nhận đủ điều kiện về ANTT bị thu hồi",
    "licence.suspended": "Giấy phép bị tước quyền sử dụng có thời hạn",
}
PING = "ping"
PING_LABEL = "Sự kiện thử (kiểm tra địa chỉ nhận)"
SCOPE = "webhooks"

BACKOFF = [
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=15),
    timedelta(minutes=30),
    timedelta(hours=1),
    timedelta(hours=2),
    timedelta(hours=4),
    timedelta(hours=8),
    timedelta(hours=12),
    timedelta(hours=24),
]
JITTER = 0.1
SIGNATURE_TOLERANCE = 300
ERROR_LIMIT = 500
RESPONSE_READ_LIMIT = 64 * 1024
USER_AGENT = "ANTT-Webhooks/1"


def event_label(event_type: str) -> str:
    return EVENT_TYPES.get(event_type) or (PING_LABEL if event_type == PING else event_type)


def max_attempts() -> int:
    return max(1, int(getattr(settings, "ANTT_WEBHOOK_MAX_ATTEMPTS", 12)))


def timeout() -> float:
    return float(getattr(settings, "ANTT_WEBHOOK_TIMEOUT", 10))


def claim_lease() -> timedelta:
    """Longer than one attempt can take (connect + send + read, each bounded by the timeout)."""
    return timedelta(seconds=3 * timeout() + 60)


def backoff(attempts: int, *, rng: random.Random | None = None) -> timedelta:
    """The wait after the `attempts`-th failed attempt (1-based), with ±10 % jitter."""
    base = BACKOFF[min(max(attempts, 1), len(BACKOFF)) - 1]
    factor = 1 + (rng or random).uniform(-JITTER, JITTER)  # noqa: S311 (spreading retries, not security)
    return timedelta(seconds=base.total_seconds() * factor)


# --- Errors ----------------------------------------------------------------------------------


class WebhookError(ValueError):
    """Invalid input (a Vietnamese message) for the API and the pages: 4xx."""

    def __init__(self, message: str, status: int = 422, field: str = ""):
        super().__init__(message)
        self.status = status
        self.field = field


class UrlRefused(WebhookError):
    """A receiver address that may not be called (scheme, credentials, private address)."""


# --- Signing ---------------------------------------------------------------------------------


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def sign(secret: str, body: str | bytes, timestamp: int | None = None) -> str:
    """The `X-ANTT-Signature` header value for `body` (the exact bytes sent)."""
    t = int(time.time()) if timestamp is None else int(timestamp)
    raw = body.encode() if isinstance(body, str) else body
    digest = hmac.new(secret.encode(), f"{t}.".encode() + raw, hashlib.sha256).hexdigest()
    return f"t={t},v1={digest}"


# Receivers: copy this function (standard library only: hashlib, hmac, time).
def verify_signature(secret, header, body, tolerance=300, now=None):
    """True when `header` (X-ANTT-Signature) signs `body` (the raw request body, bytes or str)
    with `secret` and its timestamp is within `tolerance` seconds of `now` (default: the clock).
    Several `v1=` values are accepted (any matching one suffices)."""
    if not secret or not header:
        return False
    timestamp, candidates = None, []
    for part in str(header).split(","):
        name, _, value = part.strip().partition("=")
        if name == "t" and value.isdigit():
            timestamp = int(value)
        elif name == "v1" and value:
            candidates.append(value)
    if timestamp is None or not candidates:
        return False
    current = time.time() if now is None else now
    if abs(current - timestamp) > tolerance:
        return False
    raw = body.encode() if isinstance(body, str) else bytes(body)
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + raw, hashlib.sha256).hexdigest()
    return any(hmac.compare_digest(expected, c) for c in candidates)


# --- Receivers' addresses (SSRF) --------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str
    address: str  # the checked IP the connection goes to


def _getaddrinfo(host: str, port: int):
    return socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)


def _address_allowed(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not (ip.is_multicast or ip.is_reserved or ip.is_loopback or ip.is_link_local)


def check_url(url: str, *, resolve: bool = True) -> Target | None:
    """The target of a receiver URL, or UrlRefused (Vietnamese) when it may not be called."""
    url = (url or "").strip()
    if not url:
        raise UrlRefused("Vui lòng nhập địa chỉ nhận sự kiện.", field="url")
    if len(url) > 500:
        raise UrlRefused("Địa chỉ nhận sự kiện dài quá 500 ký tự.", field="url")
    if any(ch.isspace() or ord(ch) < 32 for ch in url):
        raise UrlRefused("Địa chỉ nhận sự kiện không được chứa khoảng trắng hay ký tự điều khiển.", field="url")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise UrlRefused("Địa chỉ nhận sự kiện không hợp lệ.", field="url") from exc
    scheme = parts.scheme.lower()
    if scheme not in ("https", "http"):
        raise UrlRefused("Địa chỉ nhận sự kiện phải bắt đầu bằng https://.", field="url")
    if scheme == "http" and not settings.DEBUG:
        raise UrlRefused("Địa chỉ nhận sự kiện phải dùng https (kết nối mã hóa).", field="url")
    if parts.username is not None or parts.password is not None:
        raise UrlRefused("Địa chỉ nhận sự kiện không được chứa tên đăng nhập hay mật khẩu.", field="url")
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise UrlRefused("Địa chỉ nhận sự kiện thiếu tên máy chủ.", field="url")
    port = port or (443 if scheme == "https" else 80)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    if not resolve:
        return None
    allow_private = bool(getattr(settings, "ANTT_WEBHOOK_ALLOW_PRIVATE", False))
    try:
        literal = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    if literal is not None:
        addresses = [literal]
    else:
        try:
            infos = _getaddrinfo(host, port)
        except (OSError, UnicodeError) as exc:
            raise UrlRefused(f"Không phân giải được tên máy chủ {host}.", field="url") from exc
        addresses = []
        for info in infos:
            try:
                addresses.append(ipaddress.ip_address(info[4][0].split("%", 1)[0]))
            except ValueError:
                continue
        if not addresses:
            raise UrlRefused(f"Không phân giải được tên máy chủ {host}.", field="url")
    if not allow_private and not all(_address_allowed(ip) for ip in addresses):
        raise UrlRefused(
            "Địa chỉ nhận sự kiện trỏ tới mạng nội bộ hoặc địa chỉ dành riêng; chỉ chấp nhận địa chỉ công cộng.",
            field="url",
        )
    return Target(scheme=scheme, host=host, port=port, path=path, address=str(addresses[0]))


# --- Transport ---------------------------------------------------------------------------------


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, target: Target, timeout: float):
        super().__init__(target.host, target.port, timeout=timeout)
        self._address = target.address

    def connect(self):
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, target: Target, timeout: float):
        super().__init__(target.host, target.port, timeout=timeout, context=ssl.create_default_context())
        self._address = target.address

    def connect(self):
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def http_post(target: Target, body: bytes, headers: dict[str, str], timeout: float) -> tuple[int, str]:
    """POST to the checked address; (status, first bytes of the answer). Network errors raise OSError.
    Redirects are not followed (http.client never does)."""
    cls = _PinnedHTTPSConnection if target.scheme == "https" else _PinnedHTTPConnection
    conn = cls(target, timeout)
    try:
        conn.request("POST", target.path, body=body, headers=headers)
        response = conn.getresponse()
        text = response.read(RESPONSE_READ_LIMIT).decode("utf-8", "replace")
        return response.status, text
    except http.client.HTTPException as exc:
        raise OSError(f"Phản hồi HTTP không hợp lệ: {exc.__class__.__name__}") from exc
    finally:
        conn.close()


# --- Payloads (no personal data) -------------------------------------------------------------


def _iso(value):
    return value.isoformat() if value else None


def dossier_payload(dossier, from_status: str) -> dict:
    from antt.dossiers.models import Status

    def label(code):
        try:
            return str(Status(code).label)
        except ValueError:
            return code

    return {
        "dossier_code": dossier.code,
        "procedure_code": dossier.procedure.code if dossier.procedure_id else None,
        "old_state": from_status or None,
        "old_state_label": label(from_status) if from_status else None,
        "new_state": dossier.status,
        "new_state_label": label(dossier.status),
        "unit_code": dossier.unit.agency_code or dossier.unit.slug,
        "unit_name": dossier.unit.name,
        "received_at": _iso(dossier.received_at),
        "due_at": _iso(dossier.due_at),
        "completed_at": _iso(dossier.completed_at),
        "returned_at": _iso(dossier.returned_at),
        "timeliness": dossier.timeliness or None,
    }


def certificate_payload(cert, *, whole: bool, lines, ground, decision_number: str, reason: str) -> dict:
    establishment = cert.establishment
    # A household business is named after its owner (a person): its name is not shared.
    personal = establishment.kind == establishment.Kind.HOUSEHOLD
    return {
        "certificate_number": cert.number,
        "certificate_status": cert.status,
        "whole_certificate": bool(whole),
        "lines_revoked": sorted(lines),
        "establishment_id": establishment.pk,
        "establishment_name": None if personal else establishment.name,
        "unit_code": cert.unit.agency_code or cert.unit.slug,
        "unit_name": cert.unit.name,
        "ground_code": getattr(ground, "code", None),
        "ground": getattr(ground, "text", None),
        "decision_number": decision_number,
        "reason": reason,
        "revoked_at": timezone.now().isoformat(),
    }


def suspension_payload(suspension) -> dict:
    decision = suspension.decision
    return {
        "suspension_id": suspension.pk,
        "decision_number": decision.number,
        "licence_kind": suspension.kind,
        "licence_kind_label": str(suspension.get_kind_display()),
        "licence_class": suspension.licence_class or None,
        "months": suspension.months,
        "starts_on": _iso(suspension.starts_on),
        "ends_on": _iso(suspension.ends_on),
        "unit_code": suspension.unit.agency_code or suspension.unit.slug,
        "unit_name": suspension.unit.name,
    }


# One-line hooks for the domain services.


def on_dossier_transition(dossier, from_status: str) -> WebhookEvent | None:
    """`dossier.state_changed` when the status did change (dossiers.services._event)."""
    if from_status == dossier.status:
        return None
    return emit("dossier.state_changed", dossier, dossier_payload(dossier, from_status), dossier.unit)


def on_certificate_revoked(cert, **details) -> WebhookEvent:
    return emit("certificate.revoked", cert, certificate_payload(cert, **details), cert.unit)


def on_licences_suspended(suspensions) -> list[WebhookEvent]:
    return [emit("licence.suspended", s, suspension_payload(s), s.unit) for s in suspensions]


# --- Emitting ----------------------------------------------------------------------------------


def key_usable(key) -> bool:
    if not key.is_active or key.revoked_at is not None:
        return False
    if key.expires_at is not None and key.expires_at <= timezone.now():
        return False
    return SCOPE in (key.scopes or [])


def _unit_paths(key) -> list[str]:
    paths = getattr(key, "_unit_paths", None)
    if paths is None:
        paths = [u.path for u in key.units.all()]
        key._unit_paths = paths
    return paths


def key_sees(key, unit) -> bool:
    paths = _unit_paths(key)
    if not paths:
        return True
    return unit is not None and any(unit.path.startswith(p) for p in paths)


def emit(event_type: str, obj, payload: dict, unit) -> WebhookEvent:
    """Record an event and its deliveries in the caller's transaction; enqueue them after the commit."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("webhooks.emit() must run inside the transaction of the change it announces.")
    if event_type not in EVENT_TYPES:
        raise ValueError(f"Unknown webhook event type {event_type!r}")
    event = WebhookEvent.objects.create(
        type=event_type,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        unit=unit,
        payload=payload,
        occurred_at=timezone.now(),
    )
    subscriptions = [
        s
        for s in WebhookSubscription.objects.filter(is_active=True, key__is_active=True)
        .select_related("key")
        .prefetch_related("key__units")
        if event_type in (s.events or []) and key_usable(s.key) and key_sees(s.key, unit)
    ]
    if subscriptions:
        deliveries = _create_deliveries(event, subscriptions)
        # What goes out to another system is on the trail (the payload itself holds no personal data).
        audit.record(
            audit.Action.CREATE,
            event,
            changes={"type": event_type, "object": f"{event.object_type}:{event.object_id}"},
            reason=f"Gửi tới {len(deliveries)} hệ thống đã đăng ký",
        )
    return event


def _create_deliveries(event: WebhookEvent, subscriptions) -> list[WebhookDelivery]:
    now = timezone.now()
    deliveries = [
        WebhookDelivery.objects.create(event=event, subscription=s, state=DeliveryState.PENDING, next_attempt_at=now)
        for s in subscriptions
    ]
    ids = [d.pk for d in deliveries]
    transaction.on_commit(lambda: [_enqueue(pk) for pk in ids])
    return deliveries


def _enqueue(delivery_id: int, run_after=None) -> None:
    """Hand a delivery to the task queue; a failure only delays it until `webhooks_retry`."""
    from antt.api.tasks import deliver_webhook

    task = deliver_webhook
    if run_after is not None:
        if not task.get_backend().supports_defer:
            return
        task = task.using(run_after=run_after)
    try:
        task.enqueue(delivery_id)
    except Exception:
        logger.exception("could not enqueue webhook delivery %s", delivery_id)


# --- Delivering --------------------------------------------------------------------------------


def body_of(event: WebhookEvent) -> bytes:
    document = {
        "id": str(event.id),
        "type": event.type,
        "occurred_at": event.occurred_at.isoformat(),
        "data": event.payload,
    }
    return json.dumps(document, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def _open_of(subscription_id: int):
    """The open (pending or failing) deliveries of a subscription, oldest event first; pings,
    sent once, never count."""
    return (
        WebhookDelivery.objects.filter(
            subscription_id=subscription_id, state__in=[DeliveryState.PENDING, DeliveryState.FAILED]
        )
        .exclude(event__type=PING)
        .order_by("event__occurred_at", "pk")
    )


def _earlier_open_ids(delivery: WebhookDelivery) -> set[int]:
    """Open deliveries of the same subscription for earlier events."""
    event = delivery.event
    return set(
        _open_of(delivery.subscription_id)
        .filter(
            Q(event__occurred_at__lt=event.occurred_at) | Q(event__occurred_at=event.occurred_at, pk__lt=delivery.pk)
        )
        .values_list("pk", flat=True)
    )


def _give_up_subscription(subscription_id: int) -> None:
    """The key can no longer receive: every open delivery of the subscription is dead, unsent."""
    _open_of(subscription_id).update(
        state=DeliveryState.DEAD,
        next_attempt_at=None,
        last_error="Không gửi: khóa API đã bị thu hồi, hết hạn, không còn phạm vi webhooks hoặc đơn vị này.",
    )


def _claim(queryset, limit: int) -> list[WebhookDelivery]:
    """Lock due deliveries (skipping those another worker holds), count the attempt, lease them.

    Order per subscription: a delivery with an earlier open delivery of the same subscription
    (not claimed in this same batch) is held back: `next_attempt_at` is cleared, and it is made
    due again when the earlier ones are delivered or dead (`_release_next`)."""
    now = timezone.now()
    lease = claim_lease()
    claimed: list[WebhookDelivery] = []
    claimed_ids: set[int] = set()
    with transaction.atomic():
        rows = list(
            queryset.filter(
                state__in=[DeliveryState.PENDING, DeliveryState.FAILED],
                next_attempt_at__lte=now,
                subscription__is_active=True,  # a paused subscription's deliveries wait for it
            )
            .select_for_update(skip_locked=True, of=("self",))
            .select_related("event", "event__unit", "subscription", "subscription__key")
            .order_by("event__occurred_at", "id")[:limit]
        )
        for row in rows:
            key = row.subscription.key
            if not key_usable(key):
                _give_up_subscription(row.subscription_id)
                continue
            if row.event.type != PING and not key_sees(key, row.event.unit):
                WebhookDelivery.objects.filter(pk=row.pk).update(
                    state=DeliveryState.DEAD,
                    next_attempt_at=None,
                    last_error="Không gửi: khóa API không còn được xem dữ liệu của đơn vị này.",
                )
                continue
            if row.event.type != PING and not _earlier_open_ids(row) <= claimed_ids:
                WebhookDelivery.objects.filter(pk=row.pk).update(next_attempt_at=None)
                continue
            row.attempts += 1
            row.next_attempt_at = now + lease
            WebhookDelivery.objects.filter(pk=row.pk).update(attempts=row.attempts, next_attempt_at=row.next_attempt_at)
            claimed.append(row)
            claimed_ids.add(row.pk)
    return claimed


@dataclass
class Outcome:
    status: int | None
    error: str
    duration_ms: int

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def _attempt(delivery: WebhookDelivery) -> Outcome:
    """One HTTP attempt (no transaction open)."""
    event, subscription = delivery.event, delivery.subscription
    body = body_of(event)
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": USER_AGENT,
        "X-ANTT-Event": event.type,
        "X-ANTT-Event-Id": str(event.id),
        "X-ANTT-Delivery": str(delivery.pk),
        "X-ANTT-Signature": sign(subscription.secret, body),
    }
    started = time.monotonic()
    status, error = None, ""
    try:
        target = check_url(subscription.url)
        status, text = http_post(target, body, headers, timeout())
        if not 200 <= status < 300:
            error = f"HTTP {status}: {text[:300]}".strip()
    except UrlRefused as exc:
        error = f"Địa chỉ bị từ chối: {exc}"
    except TimeoutError:
        error = f"Quá thời gian chờ ({timeout():g} giây)."
    except (OSError, ValueError) as exc:
        error = f"Lỗi kết nối: {exc.__class__.__name__}: {exc}"
    duration = int((time.monotonic() - started) * 1000)
    return Outcome(status=status, error=error[:ERROR_LIMIT], duration_ms=duration)


def _who(actor, actor_name: str) -> dict:
    if actor is not None:
        return {"actor": actor}
    return {"actor_name": actor_name} if actor_name else {}


def _finish(
    delivery: WebhookDelivery, outcome: Outcome, *, replay: bool = False, actor=None, actor_name: str = ""
) -> WebhookDelivery:
    now = timezone.now()
    with transaction.atomic():
        row = WebhookDelivery.objects.select_for_update(of=("self",)).select_related("event").get(pk=delivery.pk)
        before = row.state
        WebhookAttempt.objects.create(
            delivery=row,
            at=now,
            status=outcome.status,
            error=outcome.error,
            duration_ms=outcome.duration_ms,
            replay=replay,
        )
        row.last_status = outcome.status
        row.last_error = outcome.error
        if replay:
            row.attempts += 1
        if outcome.ok:
            row.state, row.delivered_at, row.next_attempt_at = DeliveryState.DELIVERED, now, None
        elif replay and before in (DeliveryState.DELIVERED, DeliveryState.DEAD):
            pass  # a failed replay leaves a finished delivery as it was
        elif row.event.type == PING:
            # A ping is tried once (the caller sees the answer); it is never retried.
            row.state, row.next_attempt_at = DeliveryState.FAILED, None
        elif row.attempts >= max_attempts():
            row.state, row.next_attempt_at = DeliveryState.DEAD, None
        else:
            row.state = DeliveryState.FAILED
            row.next_attempt_at = now + backoff(row.attempts)
        row.save(update_fields=["state", "attempts", "next_attempt_at", "last_status", "last_error", "delivered_at"])
        if replay or (row.state != before and row.state in (DeliveryState.DELIVERED, DeliveryState.DEAD)):
            audit.record(
                audit.Action.TRANSITION,
                row,
                changes={"state": [before, row.state], "attempts": row.attempts, "replay": replay},
                reason=("Gửi lại theo yêu cầu. " if replay else "") + (outcome.error[:200] if not outcome.ok else ""),
                **_who(actor, actor_name),
            )
        if row.state == DeliveryState.DEAD and before != DeliveryState.DEAD:
            logger.warning("webhook delivery %s is dead after %s attempts: %s", row.pk, row.attempts, outcome.error)
        row.released_id = None
        if row.state == DeliveryState.FAILED and row.next_attempt_at is not None:
            next_at = row.next_attempt_at
            transaction.on_commit(lambda: _enqueue(row.pk, run_after=next_at))
        elif row.state in (DeliveryState.DELIVERED, DeliveryState.DEAD):
            released = _release_next(row.subscription_id)
            if released is not None:
                row.released_id = released
                transaction.on_commit(lambda: _enqueue(released))
    return row


def _release_next(subscription_id: int) -> int | None:
    """Make the oldest open delivery of the subscription due now if it was held back (its
    `next_attempt_at` cleared by `_claim`); its id, or None when there was none to release."""
    nxt = _open_of(subscription_id).only("pk", "next_attempt_at").first()
    if nxt is None or nxt.next_attempt_at is not None:
        return None
    WebhookDelivery.objects.filter(pk=nxt.pk, next_attempt_at__isnull=True).update(next_attempt_at=timezone.now())
    return nxt.pk


def _release_orphans(limit: int = 100) -> None:
    """Safety net: a subscription whose oldest open delivery is held back with nothing before it
    (e.g. the earlier one was removed) gets it released."""
    held = (
        WebhookDelivery.objects.filter(
            state__in=[DeliveryState.PENDING, DeliveryState.FAILED],
            next_attempt_at__isnull=True,
            subscription__is_active=True,
        )
        .exclude(event__type=PING)
        .values_list("subscription_id", flat=True)
        .distinct()
        .order_by("subscription_id")[:limit]
    )
    for subscription_id in list(held):
        _release_next(subscription_id)


def deliver(delivery_id: int) -> WebhookDelivery | None:
    """Send one delivery if it is due, not held by another worker nor behind an earlier one."""
    rows = _claim(WebhookDelivery.objects.filter(pk=delivery_id), 1)
    if not rows:
        return None
    return _finish(rows[0], _attempt(rows[0]))


@dataclass
class SweepSummary:
    delivered: int = 0
    failed: int = 0
    dead: int = 0

    @property
    def total(self) -> int:
        return self.delivered + self.failed + self.dead


def deliver_due(*, limit: int = 200) -> SweepSummary:
    """Send every due delivery, oldest event first, in order per subscription (cron, recovery).

    Once one delivery of a subscription fails in this run, the later ones of that subscription
    are held back again; once one is delivered, the next held one of its subscription is sent
    right after it, in the same run (a receiver back after an outage gets its backlog at once).
    At most `limit` attempts per run."""
    summary = SweepSummary()
    failing: set[int] = set()
    _release_orphans()
    queue = _claim(WebhookDelivery.objects.all(), limit)
    while queue:
        row = queue.pop(0)
        if row.subscription_id in failing or summary.total >= limit:
            # Give the attempt back (counted at the claim, not made); held behind the failure,
            # or left due for the next run.
            WebhookDelivery.objects.filter(pk=row.pk).update(
                attempts=row.attempts - 1,
                next_attempt_at=None if row.subscription_id in failing else timezone.now(),
            )
            continue
        done = _finish(row, _attempt(row))
        if done.state == DeliveryState.DELIVERED:
            summary.delivered += 1
        elif done.state == DeliveryState.DEAD:
            summary.dead += 1
        else:
            summary.failed += 1
            failing.add(row.subscription_id)
        if done.released_id is not None and summary.total < limit:
            queue[0:0] = _claim(WebhookDelivery.objects.filter(pk=done.released_id), 1)
    return summary


def replay(*, delivery: WebhookDelivery, actor=None, actor_name: str = "") -> WebhookDelivery:
    """Send a delivery again now, whatever its state (the agency or an administrator asked)."""
    delivery = WebhookDelivery.objects.select_related("event__unit", "subscription__key").get(pk=delivery.pk)
    if not delivery.subscription.is_active:
        raise WebhookError("Đăng ký nhận sự kiện đang tạm dừng; hãy bật lại trước khi gửi lại.", 409)
    key = delivery.subscription.key
    if not key_usable(key) or (delivery.event.type != PING and not key_sees(key, delivery.event.unit)):
        raise WebhookError(
            "Khóa API của đăng ký này đã bị thu hồi, hết hạn hoặc không còn được xem đơn vị của sự kiện; không gửi lại.",
            409,
        )
    return _finish(delivery, _attempt(delivery), replay=True, actor=actor, actor_name=actor_name)


# --- Subscriptions -----------------------------------------------------------------------------


def clean_events(events) -> list[str]:
    if not isinstance(events, list | tuple) or not events:
        raise WebhookError("Vui lòng chọn ít nhất một loại sự kiện.", field="events")
    unknown = [e for e in events if e not in EVENT_TYPES]
    if unknown:
        raise WebhookError(
            f"Loại sự kiện không hợp lệ: {', '.join(map(str, unknown))[:200]}. Các loại hợp lệ: {', '.join(EVENT_TYPES)}.",
            field="events",
        )
    return sorted(set(events))


def subscription_create(*, key, url: str, events, actor=None) -> WebhookSubscription:
    """A new receiver for `key`; the secret is returned on the object (shown once by the caller)."""
    events = clean_events(events)
    check_url(url)
    with transaction.atomic():
        sub = WebhookSubscription.objects.create(key=key, url=url.strip(), events=events, secret=new_secret())
        audit.record(
            audit.Action.CREATE,
            sub,
            changes={"key": key.pk, "url": sub.url, "events": events},
            **_who(actor, f"Khóa API {key.prefix}"),
        )
    return sub


def subscription_delete(*, subscription: WebhookSubscription, actor=None) -> None:
    with transaction.atomic():
        audit.record(
            audit.Action.DELETE,
            subscription,
            changes={"key": subscription.key_id, "url": subscription.url, "events": subscription.events},
            **_who(actor, f"Khóa API {subscription.key.prefix}"),
        )
        subscription.delete()


def subscription_set_active(*, subscription: WebhookSubscription, active: bool, reason: str = "", actor=None):
    """Pause or resume a receiver. Paused, it gets no new deliveries; resumed, its waiting ones go."""
    reason = (reason or "").strip()[:255]
    if not active and not reason:
        raise WebhookError("Vui lòng ghi lý do tạm dừng.", field="reason")
    with transaction.atomic():
        sub = WebhookSubscription.objects.select_for_update().get(pk=subscription.pk)
        if sub.is_active == active:
            raise WebhookError(
                "Đăng ký đang hoạt động." if active else "Đăng ký đã tạm dừng trước đó.", 409, field="reason"
            )
        sub.is_active = active
        sub.disabled_reason = "" if active else reason
        sub.save(update_fields=["is_active", "disabled_reason"])
        audit.record(
            audit.Action.TRANSITION,
            sub,
            changes={"is_active": [not active, active]},
            reason=reason,
            **_who(actor, ""),
        )
    return sub


def ping(*, subscription: WebhookSubscription) -> WebhookDelivery:
    """A test event for one subscription, delivered like any other (and logged)."""
    with transaction.atomic():
        event = WebhookEvent.objects.create(
            type=PING,
            object_type="api.webhooksubscription",
            object_id=str(subscription.pk),
            unit=None,
            payload={"message": "Sự kiện thử từ hệ thống ANTT.", "subscription_id": subscription.pk},
            occurred_at=timezone.now(),
        )
        # Leased from the start: the sweep leaves it to this call.
        delivery = WebhookDelivery.objects.create(
            event=event,
            subscription=subscription,
            state=DeliveryState.PENDING,
            attempts=1,
            next_attempt_at=timezone.now() + claim_lease(),
        )
    # A ping is not held behind a failing delivery: it is how a receiver checks it is back.
    row = WebhookDelivery.objects.select_related("event", "subscription").get(pk=delivery.pk)
    return _finish(row, _attempt(row))
