"""The staff gate and the TOTP second factor.

Every staff page is wrapped in `staff_required` (function views) or
`StaffRequiredMixin` (class-based views). It lets a request through only when
the user is signed in, has confirmed a TOTP code in this session (when
`settings.ANTT_REQUIRE_2FA` is on) and is an officer (a role and a unit);
otherwise it sends them to the step they are missing.

The demo (`make run`) turns the second factor off; `antt.portal.context_processors`
then shows a warning banner on every staff page.
"""

from __future__ import annotations

import functools
from base64 import b32encode
from urllib.parse import urlencode

import segno
from django.conf import settings
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import redirect, resolve_url
from django_htmx.http import HttpResponseClientRedirect
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from antt.core import audit

DEVICE_NAME = "Ứng dụng xác thực"


def two_factor_required() -> bool:
    """Read at request time, so tests and the demo can switch it."""
    return bool(getattr(settings, "ANTT_REQUIRE_2FA", True))


def is_verified(user) -> bool:
    """True when this session confirmed a second-factor code (OTPMiddleware sets `is_verified`)."""
    check = getattr(user, "is_verified", None)
    return bool(check()) if callable(check) else False


def second_factor_done(user) -> bool:
    """Signed in far enough for staff pages: password, plus a TOTP code when required."""
    if user is None or not user.is_authenticated:
        return False
    return not two_factor_required() or is_verified(user)


def _redirect_to(request, url_name: str, next_url: str):
    url = f"{resolve_url(url_name)}?{urlencode({REDIRECT_FIELD_NAME: next_url})}"
    if getattr(request, "htmx", False):
        # An htmx request would swap the sign-in page into a fragment: send the whole page there.
        return HttpResponseClientRedirect(url)
    return redirect(url)


def _page_path(request) -> str:
    """Where to come back to: for htmx requests, the page that made them, not the fragment URL."""
    if getattr(request, "htmx", False) and request.htmx.current_url_abs_path:
        return request.htmx.current_url_abs_path
    return request.get_full_path()


def staff_gate(request, *, officer: bool = True):
    """None when the request may go on; otherwise the response that sends the user to the missing step."""
    user = request.user
    if not user.is_authenticated:
        return _redirect_to(request, settings.LOGIN_URL, _page_path(request))
    if not user.is_active:
        raise PermissionDenied("Tài khoản đã bị khóa.")
    if not second_factor_done(user):
        return _redirect_to(request, "login-otp", _page_path(request))
    if officer and not getattr(user, "is_officer", False):
        raise PermissionDenied("Tài khoản này chưa được gán đơn vị và vai trò cán bộ.")
    return None


def staff_required(view=None, *, officer: bool = True):
    """Decorator for staff views: `@staff_required` or `@staff_required(officer=False)`."""

    def decorator(view_func):
        @functools.wraps(view_func)
        def wrapped(request, *args, **kwargs):
            response = staff_gate(request, officer=officer)
            if response is not None:
                return response
            return view_func(request, *args, **kwargs)

        return wrapped

    if view is not None:
        return decorator(view)
    return decorator


class StaffRequiredMixin:
    """Class-based view counterpart of `staff_required`. Put it first in the bases."""

    staff_officer_required = True

    def dispatch(self, request, *args, **kwargs):
        response = staff_gate(request, officer=self.staff_officer_required)
        if response is not None:
            return response
        return super().dispatch(request, *args, **kwargs)


# --- TOTP devices -------------------------------------------------------------


def confirmed_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).order_by("pk").first()


def totp_device_start_enrolment(*, user) -> TOTPDevice:
    """The user's unconfirmed device, created on first use.

    Reusing it keeps the QR code stable when the enrolment page is reloaded
    after the officer has already scanned it.
    """
    with transaction.atomic():
        device = TOTPDevice.objects.devices_for_user(user, confirmed=False).order_by("pk").first()
        if device is None:
            device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
            audit.record(
                audit.Action.CREATE,
                device,
                object_repr=f"{DEVICE_NAME} của {user}",
                reason="Bắt đầu đăng ký xác thực hai lớp",
                actor=user,
            )
    return device


def totp_verify(*, device: TOTPDevice, token: str) -> bool:
    """Check a code against one device, with the row locked so a code is accepted once.

    A wrong code counts towards the device's throttle (django-otp doubles the
    wait after each failure) even though the caller reports it.
    """
    with transaction.atomic():
        locked = TOTPDevice.objects.select_for_update().get(pk=device.pk)
        ok = locked.verify_token(token)
    device.refresh_from_db()
    return ok


def totp_device_confirm(*, device: TOTPDevice, token: str) -> bool:
    """Confirm an enrolment with the first code the officer's app shows."""
    with transaction.atomic():
        locked = TOTPDevice.objects.select_for_update().get(pk=device.pk)
        if not locked.verify_token(token):
            ok = False
        else:
            locked.confirmed = True
            locked.save(update_fields=["confirmed"])
            audit.record(
                audit.Action.UPDATE,
                locked,
                object_repr=f"{DEVICE_NAME} của {locked.user}",
                changes={"confirmed": [False, True]},
                reason="Xác nhận thiết bị xác thực hai lớp",
                actor=locked.user,
            )
            ok = True
    device.refresh_from_db()
    return ok


def verify_wait_seconds(device: TOTPDevice) -> int:
    """Seconds until django-otp's throttle accepts another code (0 when it does now)."""
    from django.utils import timezone

    allowed, data = device.verify_is_allowed()
    if allowed:
        return 0
    locked_until = (data or {}).get("locked_until")
    if locked_until is None:
        return 1
    return max(1, int((locked_until - timezone.now()).total_seconds()) + 1)


def secret_base32(device: TOTPDevice) -> str:
    """The secret as authenticator apps accept it when typed, in groups of four."""
    text = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def qr_data_uri(device: TOTPDevice) -> str:
    """The otpauth:// URL as a PNG data: URI (the CSP allows img data:; no inline script or style)."""
    return segno.make(device.config_url, error="m").png_data_uri(scale=5, border=4)


def login_verified(client, user, device: TOTPDevice | None = None) -> TOTPDevice:
    """Test helper: sign `user` in on a Django test client with a verified second factor.

    Creates a confirmed TOTP device when none is given. Use it in other apps'
    view tests instead of `client.force_login`, which leaves the session
    unverified (staff pages then redirect to the code step).
    """
    device = device or confirmed_device(user) or TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=True)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return device
