"""The fire-safety pages on a 360-px phone: no WCAG 2.1 A/AA violation (axe-core), no sideways
scroll; and the record form typed field after field (Tab) and sent with Enter.

With ANTT_UI_SHOTS=<folder> set, every page checked is also saved there as a screenshot.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from antt.establishments import fire
from antt.establishments.models import FireRecord
from antt.establishments.tests.factories import establishments_world
from antt.establishments.tests.fire_factories import load_fire_categories, premises
from antt.org.otp import login_verified
from tests.browser.axe import axe_violations
from tests.browser.conftest import browser  # noqa: F401  (the fixture: Debian's Chromium, or a skip)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 360, "height": 740}
SHOTS = os.environ.get("ANTT_UI_SHOTS", "")


def signed_in(browser, live_server, user):  # noqa: F811
    client = Client()
    login_verified(client, user)
    context = browser.new_context(locale="vi-VN", viewport=PHONE, bypass_csp=True)
    cookie = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    context.add_cookies([{"name": django_settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}])
    page = context.new_page()
    page.set_default_timeout(15_000)
    return page


def problems_of(page, name: str) -> list[str]:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"pccc-{name}-360.png"), full_page=True)
    found = []
    width = page.evaluate("document.scrollingElement.scrollWidth")
    if width > PHONE["width"]:
        found.append(f"{name}: the page is {width} px wide")
    found += [f"{name}: {v}" for v in axe_violations(page)]
    return found


def test_fire_pages_fit_a_phone_pass_axe_and_work_from_the_keyboard(live_server, browser, settings):  # noqa: F811
    settings.ANTT_REQUIRE_2FA = False
    # given the shipped categories and a hotel with part of its fire-safety file
    load_fire_categories()
    w = establishments_world()
    today = timezone.localdate()
    hotel = premises(w, name="Khách sạn Sông Mã Riverside Thanh Hóa", lines=["t-luu-tru"])
    fire.fire_profile_set(
        officer=w.processor_a, establishment=hotel, category_code="pl1-14-luu-tru", floors=9, floor_area_m2=5200
    )
    fire.fire_record_add(
        officer=w.processor_a,
        establishment=hotel,
        kind=FireRecord.Kind.TRAINING,
        issued_on=today - timedelta(days=40),
        number="125/GCN-PC07-HL",
        issuer="Phòng Cảnh sát PCCC và CNCH Công an tỉnh",
    )
    premises(w, name="Karaoke Hoa Sen", lines=["t-karaoke"], fire_category="t-shop")
    page = signed_in(browser, live_server, w.processor_a)
    base = live_server.url
    problems = []
    for name, url in [
        ("danh-sach", reverse("establishments:fire-list")),
        ("nhom", reverse("establishments:fire-profile", args=[hotel.pk])),
        ("them", reverse("establishments:fire-record-new", args=[hotel.pk])),
    ]:
        page.goto(base + url)
        problems += problems_of(page, name)
    # the suggestion after "Gợi ý nhóm"
    page.goto(base + reverse("establishments:fire-profile", args=[hotel.pk]))
    page.get_by_role("button", name="Gợi ý nhóm").click()
    page.wait_for_load_state()
    assert "thuộc diện Công an thẩm định thiết kế" in page.content()
    problems += problems_of(page, "goi-y")
    assert problems == []

    # when an officer types a drill into the form, moving with Tab, and sends it with Enter
    page.goto(base + reverse("establishments:fire-record-new", args=[hotel.pk]))
    page.locator("#id_kind").focus()
    page.locator("#id_kind").select_option("drill")
    page.keyboard.press("Tab")
    page.keyboard.type("TT-01")
    page.keyboard.press("Tab")
    page.keyboard.type(today.strftime("%d/%m/%Y"))
    page.locator("#id_summary").fill("Thực tập phương án chữa cháy tình huống cháy tầng 3.")
    with page.expect_navigation():
        page.locator("#id_number").press("Enter")
    assert "Đã thêm vào hồ sơ PCCC" in page.content(), page.content()[:3000]
    # then it is in the file
    assert FireRecord.objects.filter(establishment=hotel, kind="drill", number="TT-01").exists()
