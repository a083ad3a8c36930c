"""Notifications to citizens and officers through an outbox (STYLE.md habit 7).

A service queues a message inside its own transaction:

    with transaction.atomic():
        dossier.save()
        notify.queue(channel="sms", recipient=dossier.phone, subject="", key="dossier.received",
                     body=f"Hồ sơ {dossier.code} đã được tiếp nhận.", obj=dossier)

`queue()` saves a `Notification` row and, once the transaction commits, enqueues the
task `core.tasks.send_notification` (Django's tasks API, django-tasks-db in production).
A rolled-back transaction leaves neither the row nor the task. If the process dies
between the commit and the enqueue, the row stays pending and `manage.py
notifications_send` (cron, every few minutes) sends it.

Sending (`send()`, `send_due()`) first *claims* the row in a short transaction: the row is
locked with SELECT … FOR UPDATE SKIP LOCKED (PostgreSQL; SQLite's IMMEDIATE transactions
serialise writers instead), its attempt counted and its next attempt pushed a lease
ahead; the lock is released before the network call, so no transaction stays open while
a provider answers. Two workers therefore never send the same row at the same time; a
worker that dies mid-send leaves the row due again when the lease ends (at-least-once).
A failed attempt is retried with exponential back-off (`ANTT_NOTIFY_RETRY_SECONDS` × 2^n,
at most six hours apart); after `ANTT_NOTIFY_MAX_ATTEMPTS` attempts, or at once on an error
the provider calls final (bad number, unknown template), the row becomes `failed`.

Backends, one per channel. Settings (read with defaults, so nothing needs configuring):

- `ANTT_NOTIFY_BACKENDS`: {channel: backend}, a dotted path or one of the short names
  `file`, `console`, `email`, `sms`, `zalo`, `disabled`; merged over the defaults below.
- Defaults: with DEBUG on (the demo, `make run`) every channel goes to the `file`
  backend, so what would have been sent can be read in `ANTT_NOTIFY_FILE` (default
  `<VAR_DIR>/notifications.jsonl`, one JSON line per message, Vietnamese unescaped).
  With DEBUG off: `email` → Django mail (settings.MAILERS), `sms` → `core.sms.send_sms`
  (which has its own switch, `ANTT_SMS_BACKEND`), `zalo` → Zalo OA when
  `ANTT_ZALO_ACCESS_TOKEN` is set, else `disabled`. A disabled channel cancels its
  messages with a note instead of pretending they were sent; `console` only logs
  (recipient masked) and marks them sent, so it is never a production default.
- Zalo: `ANTT_ZALO_ACCESS_TOKEN` (the OA's access token; refreshing it, every 25 hours,
  belongs to the deployment), `ANTT_ZALO_ZNS_TEMPLATES` ({key: ZNS template id}),
  `ANTT_ZALO_ZNS_URL`, `ANTT_ZALO_OA_URL` (overridable for tests and proxies).
"""

from __future__ import annotations

import json
import logging
import re
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import models, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from antt.core import audit
from antt.core.models import Notification

logger = logging.getLogger("antt.notify")

Channel = Notification.Channel
State = Notification.State

DEFAULT_MAX_ATTEMPTS = 6
DEFAULT_RETRY_SECONDS = 60
MAX_RETRY_DELAY = timedelta(hours=6)
# Longer than any backend's network timeout: a claimed row is not picked up again before.
CLAIM_LEASE = timedelta(minutes=5)
RESPONSE_LIMIT = 2000

# Official Zalo endpoints (developers.zalo.me): ZNS template messages to a phone number
# with header `access_token`, body {phone: "84…", template_id, template_data, tracking_id},
# answer {"error": 0, "message": "Success", "data": {"msg_id": …}}; OA consultation text
# messages to a follower's user id, body {recipient: {user_id}, message: {text}}.
ZALO_ZNS_URL = "https://business.openapi.zalo.me/message/template"
ZALO_OA_URL = "https://openapi.zalo.me/v3.0/oa/message/cs"
# Zalo error codes that will not change on retry: invalid phone (-108), user not on Zalo
# (-118), invalid/disabled template (-112, -117, -131), invalid parameters (-114, -115, -133).
ZALO_FINAL_ERRORS = frozenset({-108, -112, -114, -115, -117, -118, -131, -133})

_DIGITS = re.compile(r"\D+")


class NotifyError(ValueError):
    """A message that cannot be queued or sent. `final` errors are not retried."""

    def __init__(self, message: str, *, final: bool = False):
        super().__init__(message)
        self.final = final


class ChannelDisabled(NotifyError):
    """The channel is switched off: the message is cancelled, not failed."""

    def __init__(self, message: str):
        super().__init__(message, final=True)


# --- Masking ------------------------------------------------------------------


def mask_recipient(channel: str, recipient: str) -> str:
    """Enough of an address to recognise it, not to use it.

    'nguyen.van.a@gmail.com' -> 'ng•••@gmail.com', '0912345123' -> '09xx xxx 123',
    a Zalo user id -> '•••' and its last four characters.
    """
    recipient = recipient or ""
    if not recipient:
        return ""
    if "@" in recipient:
        local, _, domain = recipient.rpartition("@")
        return f"{local[:2]}•••@{domain}"
    digits = _DIGITS.sub("", recipient)
    if channel == Channel.ZALO and not _looks_like_phone(recipient):
        return f"•••{recipient[-4:]}" if len(recipient) > 6 else "•••"
    if len(digits) < 6:
        return "•••"
    if digits.startswith("84") and len(digits) == 11:
        digits = "0" + digits[2:]
    return f"{digits[:2]}xx xxx {digits[-3:]}"


def _looks_like_phone(value: str) -> bool:
    from antt.core.sms import SmsError, normalise_phone

    try:
        normalise_phone(value)
    except SmsError:
        return False
    return True


# --- Queueing -----------------------------------------------------------------


def normalise_recipient(channel: str, recipient: str) -> str:
    """The recipient in the form the channel's provider expects; NotifyError when invalid."""
    from antt.core.sms import SmsError, normalise_phone

    recipient = (recipient or "").strip()
    if channel == Channel.EMAIL:
        try:
            validate_email(recipient)
        except ValidationError as exc:
            raise NotifyError(f"Địa chỉ thư điện tử không hợp lệ: {recipient!r}.") from exc
        return recipient
    if channel == Channel.SMS:
        try:
            return normalise_phone(recipient)
        except SmsError as exc:
            raise NotifyError(str(exc)) from exc
    if channel == Channel.ZALO:
        if _looks_like_phone(recipient):
            return normalise_phone(recipient)
        if recipient.isdigit() and 6 <= len(recipient) <= 32:
            return recipient  # a Zalo user id (follower of the Official Account)
        raise NotifyError(f"Người nhận Zalo phải là số điện thoại hoặc mã người dùng Zalo: {recipient!r}.")
    raise NotifyError(f"Kênh thông báo không hợp lệ: {channel!r}.")


def queue(
    *,
    channel: str,
    recipient: str,
    subject: str = "",
    body: str,
    key: str,
    obj: models.Model | None = None,
    data: dict | None = None,
) -> Notification:
    """Put one message in the outbox; it is sent after the caller's transaction commits.

    Must run inside the transaction of the change the message announces, so that a
    rollback drops the message too. Raises NotifyError (a ValueError, message in
    Vietnamese) for an unknown channel or an invalid recipient.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("notify.queue() must run inside the transaction of the change it announces.")
    if not (body or "").strip():
        raise NotifyError("Nội dung thông báo không được để trống.")
    notification = Notification.objects.create(
        channel=channel,
        recipient=normalise_recipient(channel, recipient),
        subject=(subject or "")[:255],
        body=body,
        key=key[:100],
        data=data or {},
        object_type=audit.object_label(obj) if obj is not None else "",
        object_id=str(obj.pk) if obj is not None and obj.pk is not None else "",
        next_attempt_at=timezone.now(),
    )
    # The recipient and the text stay out of the immutable trail: they are personal data.
    audit.record(
        audit.Action.CREATE,
        notification,
        changes={
            "channel": channel,
            "key": notification.key,
            "object_type": notification.object_type,
            "object_id": notification.object_id,
        },
    )
    transaction.on_commit(lambda: _enqueue(notification.pk))
    return notification


def _enqueue(notification_id: int, run_after=None) -> None:
    """Hand the row to the task queue; a failure here only delays it until the next sweep."""
    from antt.core.tasks import send_notification

    task = send_notification
    if run_after is not None:
        if not task.get_backend().supports_defer:
            return  # e.g. ImmediateBackend: `notifications_send` picks the retry up
        task = task.using(run_after=run_after)
    try:
        task.enqueue(notification_id)
    except Exception:  # the outbox row is the source of truth; the sweep will send it
        logger.exception("could not enqueue notification %s", notification_id)


# --- Backends -----------------------------------------------------------------


class BaseBackend:
    """Sends one notification; returns the provider's reference or a short note.

    Raise NotifyError(final=True) for errors a retry cannot fix, anything else to retry.
    """

    def send(self, notification: Notification) -> str:
        raise NotImplementedError


class ConsoleBackend(BaseBackend):
    """Logs the message (recipient masked) on the `antt.notify` logger."""

    def send(self, notification):
        logger.warning(
            "notification %s via %s to %s [%s]: %s %s",
            notification.pk,
            notification.channel,
            mask_recipient(notification.channel, notification.recipient),
            notification.key,
            notification.subject,
            notification.body,
        )
        return "console"


class FileBackend(BaseBackend):
    """Appends one JSON line per message to `ANTT_NOTIFY_FILE` (the demo's mailbox)."""

    def send(self, notification):
        path = Path(
            getattr(settings, "ANTT_NOTIFY_FILE", "")
            or Path(getattr(settings, "VAR_DIR", Path(settings.BASE_DIR) / "var")) / "notifications.jsonl"
        )
        line = {
            "id": notification.pk,
            "at": timezone.now().isoformat(timespec="seconds"),
            "channel": notification.channel,
            "to": notification.recipient,
            "key": notification.key,
            "subject": notification.subject,
            "body": notification.body,
            "data": notification.data,
            "object": f"{notification.object_type}:{notification.object_id}" if notification.object_type else "",
        }
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(line, ensure_ascii=False) + "\n")
        return f"file:{path.name}"


class EmailBackend(BaseBackend):
    """Django's mail (settings.MAILERS / DEFAULT_FROM_EMAIL)."""

    def send(self, notification):
        from django.core.mail import EmailMessage

        message = EmailMessage(
            subject=notification.subject or settings.DEFAULT_FROM_EMAIL,
            body=notification.body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[notification.recipient],
            headers={"X-ANTT-Notification": str(notification.pk)},
        )
        message.send(fail_silently=False)
        return "email"


class SmsBackend(BaseBackend):
    """The province's SMS gateway through `core.sms.send_sms` (its own `ANTT_SMS_BACKEND` switch)."""

    def send(self, notification):
        from antt.core.sms import SmsError, normalise_phone, send_sms

        try:
            normalise_phone(notification.recipient)
        except SmsError as exc:
            raise NotifyError(str(exc), final=True) from exc
        try:
            return send_sms(notification.recipient, notification.body) or "sms"
        except SmsError as exc:
            raise NotifyError(str(exc)) from exc


class ZaloOABackend(BaseBackend):
    """Zalo Official Account: ZNS template messages to a phone, OA text to a follower's user id.

    ZNS only sends templates registered with and approved by Zalo: the notification's
    `key` picks the template id from `ANTT_ZALO_ZNS_TEMPLATES` and its `data` fills the
    template's parameters. A message to a user id (a citizen who follows the OA) is
    plain text, the notification's body.
    """

    timeout = 10

    def send(self, notification):
        token = getattr(settings, "ANTT_ZALO_ACCESS_TOKEN", "")
        if not token:
            raise NotifyError("Chưa cấu hình mã truy cập Zalo OA (ANTT_ZALO_ACCESS_TOKEN).")
        if _looks_like_phone(notification.recipient):
            templates = getattr(settings, "ANTT_ZALO_ZNS_TEMPLATES", {}) or {}
            template_id = templates.get(notification.key)
            if not template_id:
                raise NotifyError(f"Chưa đăng ký mẫu ZNS cho thông báo {notification.key!r}.", final=True)
            url = getattr(settings, "ANTT_ZALO_ZNS_URL", "") or ZALO_ZNS_URL
            payload = {
                # ZNS wants the number as 84xxxxxxxxx.
                "phone": notification.recipient.removeprefix("+"),
                "template_id": str(template_id),
                "template_data": {k: str(v) for k, v in (notification.data or {}).items()},
                "tracking_id": f"antt-{notification.pk}",
            }
        else:
            url = getattr(settings, "ANTT_ZALO_OA_URL", "") or ZALO_OA_URL
            payload = {"recipient": {"user_id": notification.recipient}, "message": {"text": notification.body}}
        answer = self._post(url, token, payload)
        error = answer.get("error")
        if error not in (0, "0"):
            message = f"Zalo trả lỗi {error}: {answer.get('message', '')}"
            raise NotifyError(message, final=_as_int(error) in ZALO_FINAL_ERRORS)
        data = answer.get("data") or {}
        return str(data.get("msg_id") or data.get("message_id") or "zalo")

    def _post(self, url: str, token: str, payload: dict) -> dict:
        if not url.startswith("https://") and not url.startswith("http://127."):
            raise NotifyError("Địa chỉ API Zalo phải là https.", final=True)
        request = urllib.request.Request(  # noqa: S310 (scheme checked above)
            url,
            data=json.dumps(payload, ensure_ascii=False).encode(),
            headers={"Content-Type": "application/json", "access_token": token},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                raw = response.read().decode() or "{}"
        except urllib.error.HTTPError as exc:
            raise NotifyError(f"Zalo trả mã HTTP {exc.code}.", final=400 <= exc.code < 500 and exc.code != 429) from exc
        except OSError as exc:
            raise NotifyError(f"Không kết nối được Zalo: {exc}") from exc
        try:
            answer = json.loads(raw)
        except ValueError as exc:
            raise NotifyError(f"Zalo trả dữ liệu không đọc được: {raw[:200]!r}") from exc
        return answer if isinstance(answer, dict) else {"error": "?", "message": raw[:200]}


class DisabledBackend(BaseBackend):
    """The channel is off: its messages are cancelled with a note."""

    def send(self, notification):
        raise ChannelDisabled(f"Kênh {notification.get_channel_display()} đang tắt; thông báo không được gửi.")


BACKEND_ALIASES = {
    "console": "antt.core.notify.ConsoleBackend",
    "file": "antt.core.notify.FileBackend",
    "email": "antt.core.notify.EmailBackend",
    "sms": "antt.core.notify.SmsBackend",
    "zalo": "antt.core.notify.ZaloOABackend",
    "disabled": "antt.core.notify.DisabledBackend",
}


def _as_int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def backend_paths() -> dict[str, str]:
    """{channel: dotted path} in force: the defaults (see the module docstring) and the settings."""
    if settings.DEBUG:
        paths = dict.fromkeys(Channel.values, "file")
    else:
        paths = {
            Channel.EMAIL: "email",
            Channel.SMS: "sms",
            Channel.ZALO: "zalo" if getattr(settings, "ANTT_ZALO_ACCESS_TOKEN", "") else "disabled",
        }
    paths.update(getattr(settings, "ANTT_NOTIFY_BACKENDS", None) or {})
    return {channel: BACKEND_ALIASES.get(path, path) for channel, path in paths.items()}


def get_backend(channel: str) -> BaseBackend:
    path = backend_paths().get(channel)
    if not path:
        raise NotifyError(f"Không có cách gửi cho kênh {channel!r}.", final=True)
    return import_string(path)()


# --- Sending ------------------------------------------------------------------


@dataclass
class SendSummary:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    cancelled: int = 0

    def add(self, notification: Notification) -> None:
        if notification.state == State.PENDING:
            self.retrying += 1
        else:
            setattr(self, notification.state, getattr(self, notification.state) + 1)

    @property
    def total(self) -> int:
        return self.sent + self.retrying + self.failed + self.cancelled


def retry_delay(attempts: int) -> timedelta:
    """Wait before attempt `attempts + 1`: base × 2^(attempts − 1), at most six hours."""
    base = int(getattr(settings, "ANTT_NOTIFY_RETRY_SECONDS", DEFAULT_RETRY_SECONDS))
    return min(timedelta(seconds=base * 2 ** max(attempts - 1, 0)), MAX_RETRY_DELAY)


def _max_attempts() -> int:
    return int(getattr(settings, "ANTT_NOTIFY_MAX_ATTEMPTS", DEFAULT_MAX_ATTEMPTS))


def _claim(queryset, limit: int) -> list[Notification]:
    """Lock due rows (skipping those another worker holds), count the attempt, push them a lease ahead."""
    now = timezone.now()
    with transaction.atomic():
        rows = list(
            queryset.filter(state=State.PENDING, next_attempt_at__lte=now)
            .select_for_update(skip_locked=True)
            .order_by("next_attempt_at", "id")[:limit]
        )
        for row in rows:
            row.attempts += 1
            row.next_attempt_at = now + CLAIM_LEASE
        Notification.objects.bulk_update(rows, ["attempts", "next_attempt_at"])
    return rows


def _finish(notification: Notification, state: str, response: str) -> Notification:
    notification.state = state
    notification.last_response = response[:RESPONSE_LIMIT]
    fields = ["state", "last_response", "next_attempt_at"]
    if state == State.SENT:
        notification.sent_at = timezone.now()
        fields.append("sent_at")
    with transaction.atomic():
        notification.save(update_fields=fields)
        if state != State.PENDING:
            audit.record(
                audit.Action.TRANSITION,
                notification,
                changes={"state": [State.PENDING, state], "attempts": notification.attempts},
                reason=response[:255] if state != State.SENT else "",
            )
        else:
            transaction.on_commit(lambda: _enqueue(notification.pk, run_after=notification.next_attempt_at))
    return notification


def _deliver(notification: Notification) -> Notification:
    """Call the channel's backend for a claimed row and record the outcome."""
    try:
        response = get_backend(notification.channel).send(notification)
    except ChannelDisabled as exc:
        return _finish(notification, State.CANCELLED, str(exc))
    except Exception as exc:  # any backend error is recorded on the row, never lost
        final = isinstance(exc, NotifyError) and exc.final
        note = f"Lần {notification.attempts}: {exc}"
        if final or notification.attempts >= _max_attempts():
            logger.warning("notification %s failed: %s", notification.pk, exc)
            return _finish(notification, State.FAILED, note)
        notification.next_attempt_at = timezone.now() + retry_delay(notification.attempts)
        return _finish(notification, State.PENDING, note)
    return _finish(notification, State.SENT, str(response or ""))


def send(notification: Notification | int) -> Notification | None:
    """Send one queued notification if it is due and no other worker holds it.

    Returns the row after the attempt, or None when there was nothing to do (already
    sent, cancelled, not yet due, or being sent by another worker).
    """
    pk = getattr(notification, "pk", notification)
    rows = _claim(Notification.objects.filter(pk=pk), 1)
    return _deliver(rows[0]) if rows else None


def send_due(*, limit: int = 500) -> SendSummary:
    """Send every due notification, oldest first, at most `limit` (cron, recovery)."""
    summary = SendSummary()
    for row in _claim(Notification.objects.all(), limit):
        summary.add(_deliver(row))
    return summary


def cancel(*, notification: Notification, actor=None, reason: str = "") -> Notification:
    """Withdraw a message that has not gone out yet (e.g. the appointment was moved)."""
    with transaction.atomic():
        row = Notification.objects.select_for_update().get(pk=notification.pk)
        if row.state != State.PENDING:
            raise NotifyError(f"Chỉ hủy được thông báo đang chờ gửi (hiện: {row.get_state_display()}).")
        row.state = State.CANCELLED
        row.save(update_fields=["state"])
        audit.record(
            audit.Action.TRANSITION,
            row,
            changes={"state": [State.PENDING, State.CANCELLED]},
            reason=reason,
            actor=actor,
        )
    return row
