"""The admin site (/quan-tri/): Vietnamese titles, and the same sign-in as staff pages.

It replaces Django's default `admin.site` (`AdminConfig` below, in INSTALLED_APPS),
so `@admin.register` in every app keeps working. Signing in goes through the
staff sign-in pages (password, then TOTP code), never the admin's own
password-only form; with `ANTT_REQUIRE_2FA` on, a session without a confirmed
code has no admin access, whatever `is_staff` says.
"""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import admin
from django.contrib.admin.apps import AdminConfig as DjangoAdminConfig
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.shortcuts import redirect, resolve_url
from django.urls import reverse


class AnttAdminSite(admin.AdminSite):
    site_header = "Quản trị hệ thống ANTT"
    site_title = "Quản trị ANTT"
    index_title = "Dữ liệu danh mục"

    def has_permission(self, request):
        from antt.org.otp import second_factor_done

        return super().has_permission(request) and second_factor_done(request.user)

    def login(self, request, extra_context=None):
        from antt.org.otp import second_factor_done

        next_url = request.GET.get(REDIRECT_FIELD_NAME) or reverse("admin:index", current_app=self.name)
        query = urlencode({REDIRECT_FIELD_NAME: next_url})
        if not request.user.is_authenticated:
            return redirect(f"{resolve_url(settings.LOGIN_URL)}?{query}")
        if not second_factor_done(request.user):
            return redirect(f"{resolve_url('login-otp')}?{query}")
        # Signed in fully but not admin staff: Django's page says so (no redirect loop).
        return super().login(request, extra_context)


class AdminConfig(DjangoAdminConfig):
    """django.contrib.admin, with `AnttAdminSite` as `admin.site`."""

    default_site = "antt.portal.admin_site.AnttAdminSite"
