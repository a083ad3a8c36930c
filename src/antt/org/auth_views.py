"""Staff sign-in: password, then a TOTP code (or, the first time, enrolling an authenticator app).

When the second factor is required, a correct password does not sign the user
in yet: the session only remembers, for a few minutes, who passed the password
step. `django.contrib.auth.login` runs once the code is confirmed, so a session
is never half signed in and the `user_logged_in` signal (audit trail, axes
reset) fires once per real sign-in. A wrong code sends `user_login_failed`, so
django-axes counts it towards the same lockout as a wrong password.
"""

from __future__ import annotations

import time
from urllib.parse import urlencode

import django_otp
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_lockout_response
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME, get_user_model
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as django_auth_views
from django.contrib.auth.signals import user_login_failed
from django.db import transaction
from django.shortcuts import redirect, render, resolve_url
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters

from antt.core import audit
from antt.org import otp

PENDING_KEY = "antt_signin_pending"
PENDING_SECONDS = 10 * 60  # long enough to install an authenticator app on first sign-in


class TokenForm(forms.Form):
    otp_token = forms.RegexField(
        label="Mã xác thực (6 chữ số)",
        regex=r"^\s*\d{6}\s*$",
        max_length=12,
        error_messages={
            "required": "Vui lòng nhập mã xác thực.",
            "invalid": "Mã xác thực gồm đúng 6 chữ số.",
        },
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True, "size": 8}
        ),
    )

    def clean_otp_token(self):
        return self.cleaned_data["otp_token"].strip()


def _safe_next(request, url: str | None) -> str:
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def _set_pending(request, user, next_url: str) -> None:
    request.session[PENDING_KEY] = {
        "user": user.pk,
        "backend": getattr(user, "backend", settings.AUTHENTICATION_BACKENDS[-1]),
        "at": time.time(),
        "next": next_url,
    }


def _subject(request):
    """(user, pending): whom the code step is for, or (None, None)."""
    pending = request.session.get(PENDING_KEY)
    if pending:
        if time.time() - pending.get("at", 0) <= PENDING_SECONDS:
            user = get_user_model().objects.filter(pk=pending.get("user"), is_active=True).first()
            if user is not None:
                user.backend = pending.get("backend")
                return user, pending
        request.session.pop(PENDING_KEY, None)
    if request.user.is_authenticated:
        return request.user, None
    return None, None


def _next_url(request, pending) -> str:
    url = request.POST.get(REDIRECT_FIELD_NAME) or request.GET.get(REDIRECT_FIELD_NAME)
    if not url and pending:
        url = pending.get("next")
    return _safe_next(request, url)


def _complete_sign_in(request, user, pending, device=None):
    next_url = _next_url(request, pending)
    request.session.pop(PENDING_KEY, None)
    if not request.user.is_authenticated or request.user.pk != user.pk:
        auth_login(request, user, backend=(pending or {}).get("backend"))
    if device is not None:
        django_otp.login(request, device)
    return redirect(next_url)


def _start_over(request):
    messages.warning(request, "Phiên đăng nhập đã hết hạn. Vui lòng đăng nhập lại.")
    return redirect(settings.LOGIN_URL)


def _locked_out(request, user):
    credentials = {"username": user.get_username()}
    if AxesProxyHandler.is_locked(request, credentials=credentials):
        request.session.pop(PENDING_KEY, None)
        return get_lockout_response(request, None, credentials)
    return None


def _code_refused(request, user, form, message: str) -> None:
    """Report a wrong code on the form and to axes (and whoever else counts failed sign-ins)."""
    form.add_error("otp_token", message)
    user_login_failed.send(
        sender=__name__,
        credentials={"username": user.get_username()},
        request=request,
    )


@method_decorator(sensitive_post_parameters(), name="dispatch")
class SignInView(django_auth_views.LoginView):
    """Step 1: username and password (django-axes watches `authenticate`)."""

    template_name = "registration/login.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            show_demo_banner=True,
            failure_limit=settings.AXES_FAILURE_LIMIT,
            cooloff_minutes=int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
            **kwargs,
        )

    def form_valid(self, form):
        user = form.get_user()
        if not otp.two_factor_required():
            return super().form_valid(form)
        # The user is not signed in yet: only the session remembers who passed this step.
        _set_pending(self.request, user, self.get_success_url())
        if otp.confirmed_device(user) is None:
            return redirect("login-otp-enrol")
        return redirect("login-otp")

    def form_invalid(self, form):
        response = super().form_invalid(form)
        response.status_code = 400
        return response


@sensitive_post_parameters()
@csrf_protect
@never_cache
def otp_verify(request):
    """Step 2: the 6-digit code from the officer's authenticator app."""
    user, pending = _subject(request)
    if user is None:
        return _start_over(request)
    if not otp.two_factor_required() or (pending is None and otp.is_verified(user)):
        return _complete_sign_in(request, user, pending)
    device = otp.confirmed_device(user)
    if device is None:
        return redirect(resolve_url("login-otp-enrol") + _query(request))
    if (locked := _locked_out(request, user)) is not None:
        return locked
    form = TokenForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if _code_accepted(request, user, form, device, otp.totp_verify, "Mã xác thực không đúng hoặc đã hết hạn."):
            return _complete_sign_in(request, user, pending, device)
        status = 400
    context = {"form": form, "officer": user, "next": _next_url(request, pending), "show_demo_banner": True}
    return render(request, "registration/otp_verify.html", context, status=status)


@sensitive_post_parameters()
@csrf_protect
@never_cache
def otp_enrol(request):
    """Step 2, first time: scan the QR code, then confirm the app with its first code."""
    user, pending = _subject(request)
    if user is None:
        return _start_over(request)
    if not otp.two_factor_required():
        return _complete_sign_in(request, user, pending)
    if otp.confirmed_device(user) is not None:
        return redirect(resolve_url("login-otp") + _query(request))
    if (locked := _locked_out(request, user)) is not None:
        return locked
    device = otp.totp_device_start_enrolment(user=user)
    form = TokenForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if _code_accepted(
            request,
            user,
            form,
            device,
            otp.totp_device_confirm,
            "Mã xác thực không đúng. Kiểm tra giờ trên điện thoại rồi thử lại.",
        ):
            messages.success(request, "Đã đăng ký ứng dụng xác thực. Từ nay mỗi lần đăng nhập cần nhập mã.")
            return _complete_sign_in(request, user, pending, device)
        status = 400
    context = {
        "form": form,
        "officer": user,
        "qr_uri": otp.qr_data_uri(device),
        "secret": otp.secret_base32(device),
        "issuer": getattr(settings, "OTP_TOTP_ISSUER", ""),
        "next": _next_url(request, pending),
        "show_demo_banner": True,
    }
    return render(request, "registration/otp_enrol.html", context, status=status)


def _code_accepted(request, user, form, device, check, refusal: str) -> bool:
    """Check a submitted code with `check(device=, token=)`, honouring django-otp's throttle;
    on failure the form carries the reason and the failure is counted (axes, audit)."""
    if not form.is_valid():
        return False
    wait = otp.verify_wait_seconds(device)
    if wait:
        form.add_error("otp_token", f"Bạn đã nhập sai nhiều lần. Vui lòng đợi {wait} giây rồi nhập lại mã mới.")
        return False
    if check(device=device, token=form.cleaned_data["otp_token"]):
        return True
    _code_refused(request, user, form, refusal)
    return False


def _query(request) -> str:
    url = request.GET.get(REDIRECT_FIELD_NAME)
    return f"?{urlencode({REDIRECT_FIELD_NAME: url})}" if url else ""


class SignOutView(django_auth_views.LogoutView):
    """POST only (Django's rule); `user_logged_out` feeds the audit trail."""

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        messages.info(request, "Bạn đã đăng xuất.")
        return response


@method_decorator(otp.staff_required(officer=False), name="dispatch")
class PasswordChangeView(django_auth_views.PasswordChangeView):
    """Change one's own password; AUTH_PASSWORD_VALIDATORS apply (length 12, character classes)."""

    template_name = "registration/password_change_form.html"

    def form_valid(self, form):
        with transaction.atomic():
            response = super().form_valid(form)
            audit.record(
                audit.Action.UPDATE,
                self.request.user,
                changes={"password": ["***", "***"]},
                reason="Đổi mật khẩu",
                actor=self.request.user,
            )
        messages.success(self.request, "Đã đổi mật khẩu.")
        return response

    def form_invalid(self, form):
        response = super().form_invalid(form)
        response.status_code = 400
        return response


@method_decorator(otp.staff_required(officer=False), name="dispatch")
class PasswordChangeDoneView(django_auth_views.PasswordChangeDoneView):
    template_name = "registration/password_change_done.html"
