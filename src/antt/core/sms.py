"""Sending SMS: one switch (`ANTT_SMS_BACKEND`) per installation.

- `console`: log the message (development, demo);
- `disabled`: drop it;
- `http`: POST JSON `{"to": ..., "text": ...}` with a bearer token to `ANTT_SMS_URL`
  (the provincial SMS gateway or a brand-name SMS provider's API).

Callers should not send from inside a request: later issues queue messages in an
outbox and send them from a task, retrying on failure.
"""

from __future__ import annotations

import json
import logging
import re
import urllib.request

from django.conf import settings

logger = logging.getLogger("antt.sms")

_PHONE = re.compile(r"^(?:\+84|84|0)(3|5|7|8|9)\d{8}$")


class SmsError(Exception):
    pass


def normalise_phone(phone: str) -> str:
    """Vietnamese mobile numbers to the international form +84xxxxxxxxx."""
    digits = re.sub(r"[\s.\-()]", "", phone or "")
    if not _PHONE.match(digits):
        raise SmsError(f"Số điện thoại di động không hợp lệ: {phone!r}.")
    if digits.startswith("+84"):
        return digits
    if digits.startswith("84"):
        return "+" + digits
    return "+84" + digits[1:]


def send_sms(phone: str, text: str) -> str:
    """Send one message; returns the backend's reference (or "" when none)."""
    to = normalise_phone(phone)
    backend = settings.ANTT_SMS_BACKEND
    if backend == "disabled":
        return ""
    if backend == "console":
        logger.warning("SMS to %s: %s", to, text)
        return "console"
    if backend == "http":
        if not settings.ANTT_SMS_URL.startswith("https://") and not settings.ANTT_SMS_URL.startswith("http://127."):
            raise SmsError("ANTT_SMS_URL phải là địa chỉ https.")
        body = json.dumps({"to": to, "text": text}, ensure_ascii=False).encode()
        request = urllib.request.Request(  # noqa: S310 (scheme checked above)
            settings.ANTT_SMS_URL,
            data=body,
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {settings.ANTT_SMS_TOKEN}"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
                payload = response.read().decode() or "{}"
        except OSError as exc:
            raise SmsError(f"Không gửi được tin nhắn: {exc}") from exc
        return str(json.loads(payload).get("id", ""))
    raise SmsError(f"ANTT_SMS_BACKEND không hợp lệ: {backend!r}.")
