"""The inspection pages in a browser: on a 360-px phone no WCAG 2.1 A/AA violation (axe-core)
and no sideways scroll; and the issue's path: an inspection is planned, recorded with a
finding and a deadline typed from the keyboard ("+N" days, a row added with Alt+T's button),
and once the deadline has passed the finding shows in the unit's plan.

With ANTT_UI_SHOTS=<folder> set, every page checked is also saved there as a screenshot.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from antt.establishments.models import Establishment, Finding, Inspection
from antt.establishments.tests.factories import establishments_world, make_establishment
from antt.org.otp import login_verified
from tests.browser.axe import axe_violations
from tests.browser.conftest import browser  # noqa: F401  (the fixture: Debian's Chromium, or a skip)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 360, "height": 740}
SHOTS = os.environ.get("ANTT_UI_SHOTS", "")


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
        page.screenshot(path=str(Path(SHOTS) / f"kiem-tra-{name}-360.png"), full_page=True)
    found = []
    width = page.evaluate("document.scrollingElement.scrollWidth")
    if width > PHONE["width"]:
        found.append(f"{name}: the page is {width} px wide")
    found += [f"{name}: {v}" for v in axe_violations(page)]
    return found


def test_inspection_pages_fit_a_phone_and_an_overdue_finding_reaches_the_plan(live_server, browser, settings):  # noqa: F811
    settings.ANTT_REQUIRE_2FA = False
    # given a karaoke of commune A due this month, and another one overdue
    w = establishments_world()
    today = timezone.localdate()
    karaoke = make_establishment(w, name="Karaoke Ánh Dương Thanh Hóa", fire_category="t-shop")
    Establishment.objects.filter(pk=karaoke.pk).update(next_security_due=today, risk_score=35)
    late = make_establishment(w, name="Cầm đồ Phú Quý")
    Establishment.objects.filter(pk=late.pk).update(next_security_due=today.replace(day=1) - timedelta(days=20))
    page = signed_in(browser, live_server, w.processor_a)
    base = live_server.url

    # when the officer plans a periodic ANTT inspection for today, typing the day
    page.goto(base + reverse("establishments:inspection-new", args=[karaoke.pk]) + "?linh-vuc=security")
    problems = problems_of(page, "lap-ke-hoach")
    page.locator("#id_planned_on").fill(today.strftime("%d/%m/%Y"))
    page.locator("#id_team").fill("Thượng úy Lê Văn Xử (trưởng đoàn), Trung úy Trần Văn Hai")
    with page.expect_navigation():
        page.get_by_role("button", name="Lập kế hoạch").click()
    inspection = Inspection.objects.get(establishment=karaoke)
    assert "Đã lập kế hoạch kiểm tra" in page.content()
    problems += problems_of(page, "cuoc-kiem-tra")

    # and records it: the outcome, a finding typed field after field with "+7" as its deadline,
    # a second row added with the "Thêm dòng" button (the new row takes the focus)
    page.locator("#id_inspected_on").fill(today.strftime("%d/%m/%Y"))
    page.locator("#id_outcome_1").check()  # Có tồn tại, yêu cầu khắc phục
    page.locator("#id_tt-0-description").focus()
    page.keyboard.type("Chưa lập sổ quản lý theo mẫu ĐK20")
    page.keyboard.press("Tab")
    page.keyboard.type("Lập sổ và ghi đầy đủ")
    page.keyboard.press("Tab")
    page.keyboard.type("+7")
    page.get_by_role("button", name="Thêm dòng").click()
    assert page.evaluate("document.activeElement.id") == "id_tt-3-description"
    page.keyboard.type("Bình chữa cháy hết hạn kiểm định")
    page.keyboard.press("Tab")
    page.keyboard.type("Nạp lại bình")
    page.keyboard.press("Tab")
    page.keyboard.type((today + timedelta(days=3)).strftime("%d/%m/%Y"))
    with page.expect_navigation():
        page.get_by_role("button", name="Ghi kết quả").click()
    assert "Đã ghi kết quả kiểm tra" in page.content(), page.content()[:3000]
    inspection.refresh_from_db()
    assert inspection.status == "done"
    assert sorted(f.due_on for f in Finding.objects.filter(inspection=inspection)) == [
        today + timedelta(days=3),
        today + timedelta(days=7),
    ]
    problems += problems_of(page, "ket-qua")

    # then, once the first deadline has passed, the plan of the unit lists the finding as overdue
    first = Finding.objects.get(inspection=inspection, due_on=today + timedelta(days=7))
    Finding.objects.filter(pk=first.pk).update(due_on=today - timedelta(days=1))
    page.goto(base + reverse("establishments:plan"))
    section = page.locator("section", has=page.locator("h2#ton-tai"))
    assert "Chưa lập sổ quản lý theo mẫu ĐK20" in section.inner_text()
    assert "Cầm đồ Phú Quý" in page.locator("section", has=page.locator("h2#qua-han")).inner_text()
    problems += problems_of(page, "ke-hoach")
    page.goto(base + reverse("establishments:inspection-list"))
    problems += problems_of(page, "danh-sach")
    try:
        detail = reverse("establishments:detail", args=[karaoke.pk])
    except NoReverseMatch:  # the registry's page is built in parallel
        detail = None
    if detail:
        page.goto(base + detail)
        assert "Điểm rủi ro" in page.content()
        problems += problems_of(page, "co-so")
    assert problems == []
