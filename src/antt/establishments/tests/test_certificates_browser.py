"""The certificate pages on a 360-px phone: no WCAG 2.1 A/AA violation (axe-core) and no
sideways scroll, staff pages and the public verification page.

Uses the browser fixtures of `tests/browser` (Debian's Chromium; skipped where it is missing,
except in CI). With ANTT_UI_SHOTS=<folder> set, every page checked is saved there.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.test import Client

from antt.dossiers.tests.factories import one_stop_world
from antt.establishments import certificates as svc
from antt.establishments.tests.factories import establishments_world
from antt.establishments.tests.test_certificates import est
from antt.org.otp import login_verified
from tests.browser.axe import axe_violations
from tests.browser.conftest import browser  # noqa: F401  (the fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 360, "height": 740}
SHOTS = os.environ.get("ANTT_UI_SHOTS", "")


def _page(chromium, live_server, user=None):
    context = chromium.new_context(locale="vi-VN", viewport=PHONE, bypass_csp=True)
    if user is not None:
        client = Client()
        login_verified(client, user)
        cookie = client.cookies[django_settings.SESSION_COOKIE_NAME].value
        context.add_cookies([{"name": django_settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}])
    page = context.new_page()
    page.set_default_timeout(15_000)
    return page


def _problems(page, name: str) -> list[str]:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"giay-chung-nhan-{name}-360.png"), full_page=True)
    found = []
    width = page.evaluate("document.scrollingElement.scrollWidth")
    if width > PHONE["width"]:
        found.append(f"{name}: the page is {width} px wide")
    return found + [f"{name}: {v}" for v in axe_violations(page)]


def test_certificate_pages_fit_a_phone_and_pass_axe(live_server, browser, settings):  # noqa: F811
    settings.ANTT_REQUIRE_2FA = False
    settings.ANTT_CERTIFICATE_VERIFY_RATE = "0"
    w = establishments_world()
    osw = one_stop_world(days=5)
    osw.version.procedure.seed_ref = "3.01"
    osw.version.procedure.save()
    e = est(w, lines=["t-karaoke", "t-luu-tru"], name="Công ty TNHH Dịch vụ Karaoke và Lưu trú Ánh Dương Thanh Hóa")
    c = svc.certificate_issue(officer=w.head_a, establishment=e, line_codes=["t-karaoke", "t-luu-tru"])
    c = svc.certificate_revoke(
        officer=w.head_a,
        certificate=c,
        ground_code="18.1.a",
        reason="Khai man thông tin",
        decision_number="12/QĐ-TH",
        line_codes=["t-luu-tru"],
    )
    linked = est(w, unit=osw.unit, name="Karaoke Hoa Sen")
    from antt.establishments.tests.test_certificates_dossier import processed

    d = processed(osw)
    base = live_server.url
    problems = []
    page = _page(browser, live_server, w.head_a)
    for name, path in (
        ("danh-sach", "/giay-chung-nhan/"),
        ("chi-tiet", f"/giay-chung-nhan/{c.pk}/"),
        ("cap", f"/co-so/{e.pk}/cap-giay-chung-nhan/"),
    ):
        page.goto(base + path)
        problems += _problems(page, name)
    page.goto(base + f"/giay-chung-nhan/{c.pk}/")
    page.get_by_text("Thu hồi có thời hạn (03–06 tháng)").click()
    problems += _problems(page, "chi-tiet-mo-form")
    page.context.close()
    page = _page(browser, live_server, osw.processor)
    page.goto(base + f"/ho-so/{d.code}/co-so/?q=hoa+sen&co-so={linked.pk}")
    problems += _problems(page, "gan-co-so")
    page.context.close()
    page = _page(browser, live_server)
    page.goto(base + f"/xac-minh-giay-chung-nhan/{c.verify_token}/")
    assert "Kinh doanh dịch vụ lưu trú" in page.content()
    problems += _problems(page, "xac-minh")
    page.goto(base + "/xac-minh-giay-chung-nhan/khong-co/")
    problems += _problems(page, "xac-minh-khong-co")
    page.context.close()
    assert problems == []
