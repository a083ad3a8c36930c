"""The webhook staff pages on a 360-px phone: no WCAG 2.1 A/AA violation (axe-core) and no
sideways scroll: the delivery log, one (dead) delivery with its attempts, the subscriptions.

Uses the browser fixtures of `tests/browser` (Debian's Chromium; skipped where it is missing,
except in CI). With ANTT_UI_SHOTS=<folder> set, every page checked is saved there.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import transaction
from django.test import Client

from antt.api import webhooks
from antt.api.tests.test_webhooks_support import FakeReceiver, make_key, subscribe
from antt.dossiers.models import Dossier
from antt.org.otp import login_verified
from antt.org.tests.factories import two_communes_with_officers
from tests.browser.axe import axe_violations
from tests.browser.conftest import browser  # noqa: F401  (the fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 360, "height": 740}
SHOTS = os.environ.get("ANTT_UI_SHOTS", "")


def _problems(page, name: str) -> list[str]:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"su-kien-{name}-360.png"), full_page=True)
    found = []
    width = page.evaluate("document.scrollingElement.scrollWidth")
    if width > PHONE["width"]:
        found.append(f"{name}: the page is {width} px wide")
    return found + [f"{name}: {v}" for v in axe_violations(page)]


def test_webhook_pages_fit_a_phone_and_pass_axe(live_server, browser, settings, monkeypatch):  # noqa: F811
    settings.ANTT_REQUIRE_2FA = False
    settings.ANTT_WEBHOOK_MAX_ATTEMPTS = 1
    w = two_communes_with_officers()
    key, _ = make_key(name="Sở Giao thông vận tải tỉnh Thanh Hóa – hệ thống quản lý giấy phép lái xe")
    subscribe(key, url="https://he-thong-nhan-su-kien.sogiaothongvantai.thanhhoa.gov.vn/api/antt/webhook?nguon=antt")
    paused = subscribe(make_key(name="Sở Tư pháp")[0])
    webhooks.subscription_set_active(subscription=paused, active=False, reason="Bên nhận đang bảo trì hệ thống")
    monkeypatch.setattr(webhooks, "check_url", lambda url: webhooks.Target("https", "x.vn", 443, "/", "203.0.113.9"))
    monkeypatch.setattr(webhooks, "http_post", FakeReceiver(status=503))
    with transaction.atomic():
        event = webhooks.emit(
            "dossier.state_changed",
            Dossier(pk=1, code="H56.14-260423-0001"),
            {"dossier_code": "H56.14-260423-0001", "old_state": "received", "new_state": "processing"},
            w.commune_a,
        )
    delivery = event.deliveries.get()
    webhooks.deliver(delivery.pk)

    client = Client()
    login_verified(client, w.system_admin)
    context = browser.new_context(locale="vi-VN", viewport=PHONE, bypass_csp=True)
    cookie = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    context.add_cookies([{"name": django_settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}])
    page = context.new_page()
    page.set_default_timeout(15_000)
    problems = []
    for name, path in [
        ("nhat-ky", "/quan-ly/ket-noi/su-kien/"),
        ("luot-gui", f"/quan-ly/ket-noi/su-kien/{delivery.pk}/"),
        ("dang-ky", "/quan-ly/ket-noi/su-kien/dang-ky/"),
    ]:
        response = page.goto(live_server.url + path)
        assert response.status == 200, (path, response.status)
        problems += _problems(page, name)
    context.close()
    assert problems == []
