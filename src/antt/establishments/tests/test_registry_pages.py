"""The registry's staff pages on a 360-px phone: no WCAG 2.1 A/AA violation (axe-core) and no
sideways scroll; and a new establishment entered from the keyboard alone.

With ANTT_UI_SHOTS=<folder> set, every page checked is also saved there as a screenshot.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.test import Client
from playwright.sync_api import expect

from antt.establishments.models import Establishment
from antt.establishments.tests.factories import establishments_world, make_establishment, valid_tax_code
from antt.org.otp import login_verified
from tests.browser.axe import axe_violations
from tests.browser.conftest import browser  # noqa: F401  (the Chromium fixture of the browser tests)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 360, "height": 740}
SHOTS = os.environ.get("ANTT_UI_SHOTS", "")


@pytest.fixture
def w(settings):
    settings.ANTT_REQUIRE_2FA = False
    return establishments_world()


def signed_in(browser, live_server, user, viewport=PHONE):  # noqa: F811
    client = Client()
    login_verified(client, user)
    context = browser.new_context(locale="vi-VN", viewport=viewport, bypass_csp=True)
    cookie = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    context.add_cookies([{"name": django_settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}])
    page = context.new_page()
    page.set_default_timeout(15_000)
    return page


def problems_of(page, name: str) -> list[str]:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"co-so-{name}-360.png"), full_page=True)
    found = []
    width = page.evaluate("document.scrollingElement.scrollWidth")
    if width > PHONE["width"]:
        found.append(f"{name}: the page is {width} px wide")
    found += [f"{name}: {v}" for v in axe_violations(page)]
    return found


def test_registry_pages_fit_a_phone_and_pass_axe(live_server, browser, w):  # noqa: F811
    e = make_establishment(
        w,
        name="Khách sạn Đông Sơn Riverside và Trung tâm Hội nghị Tiệc cưới",
        trade_name="Sunrise Hotel",
        lines=["t-luu-tru", "t-karaoke", "t-bao-ve"],
        fire_category="t-hotel",
        tax_code=valid_tax_code(800_000),
    )
    make_establishment(w, name="Karaoke Ánh Dương", tax_code=valid_tax_code(800_100))
    page = signed_in(browser, live_server, w.processor_a)
    base = live_server.url
    problems = []
    for name, url in (
        ("danh-sach", "/co-so/"),
        ("tim-kiem", "/co-so/?q=dong+son"),
        ("chi-tiet", f"/co-so/{e.pk}/"),
        ("them", "/co-so/moi/"),
        ("sua", f"/co-so/{e.pk}/sua/"),
    ):
        page.goto(base + url)
        problems += problems_of(page, name)
    # the page after "Xem đầy đủ"
    page.goto(f"{base}/co-so/{e.pk}/")
    page.get_by_role("button", name="Xem đầy đủ").click()
    page.wait_for_load_state()
    assert "Lê Thị An Ninh" in page.content()
    problems += problems_of(page, "ca-nhan")
    # a refused form keeps its layout
    page.goto(f"{base}/co-so/moi/")
    page.get_by_role("button", name="Lưu").click()
    page.wait_for_load_state()
    problems += problems_of(page, "loi")
    assert problems == []


def test_an_officer_adds_an_establishment_from_the_keyboard(live_server, browser, w):  # noqa: F811
    page = signed_in(browser, live_server, w.processor_a, viewport={"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/co-so/")
    page.locator("a[accesskey=n]").focus()  # Alt+N
    page.keyboard.press("Enter")
    page.wait_for_url("**/co-so/moi/")
    # the name has the focus (autofocus, Alt+H); wait for it, or the first keys of a loaded
    # machine go to the page before the autofocus lands
    expect(page.locator("#id_name")).to_be_focused()
    page.keyboard.type("Karaoke Hoàng Gia")
    page.locator("#id_tax_code").focus()
    page.keyboard.type("0100109106")
    page.get_by_label("Kinh doanh dịch vụ karaoke").focus()
    page.keyboard.press("Space")
    page.locator("#id_address").focus()
    page.keyboard.type("8 Trần Phú")
    page.get_by_label("Xã, phường").select_option(str(w.area_a.pk))
    page.locator("button[accesskey=s]").focus()  # Alt+S
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/co-so/\d+/$"))
    e = Establishment.objects.get(tax_code="0100109106")
    assert e.name == "Karaoke Hoàng Gia" and list(e.lines.values_list("code", flat=True)) == ["t-karaoke"]
    assert "Đã thêm cơ sở" in page.content()
