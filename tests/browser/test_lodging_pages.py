"""Every page of lodging notification on a 360-px phone: no sideways scroll of the page (wide
tables scroll in their own box or turn into cards), no serious or critical WCAG 2.1 A/AA
violation (axe-core), exactly one h1. The hotel's pages as its manager, the police's as the
commune's head (and the exit-entry officer for foreigners), each signed in through /dang-nhap/.

With ANTT_UI_SHOTS=<folder> set, every page checked is also saved there as a screenshot.
"""

from __future__ import annotations

import os
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from antt.lodging import services, watch
from antt.lodging.models import Alert, DeclarationBatch, WatchEntry
from antt.lodging.tests.factories import foreign_row, guest_row, lodging_world, make_declaration
from antt.org.tests.factories import PASSWORD
from tests.browser.axe import axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 360, "height": 740}
BUSINESS_PASSWORD = "Mat-khau#2026"  # lodging factories' business accounts
SHOTS = os.environ.get("ANTT_UI_SHOTS", "")
WANTED = "M99000001"


@pytest.fixture
def w(settings):
    settings.ANTT_REQUIRE_2FA = False
    w = lodging_world(settings)
    arrived = timezone.now() - timedelta(hours=3)
    w.guests = [
        make_declaration(w.hotel, full_name="Trần Thị Bích Ngọc", arrived_at=arrived),
        make_declaration(w.hotel, full_name="Lê Văn Hùng", arrived_at=arrived, is_late=True),
        make_declaration(
            w.hotel,
            full_name="KIM MIN JUN",
            doc_type="PP",
            doc_number=WANTED,
            nationality="KOR",
            birth_date=None,
            arrived_at=arrived,
            visa_kind="MIENTT",
            entry_date=arrived.date(),
            port_of_entry="VVTX",
        ),
    ]
    # a watchlist entry matching the foreign guest staying now: an alert at once
    w.entry = watch.watch_add(
        user=w.head_a,
        kind=WatchEntry.Kind.WANTED,
        doc_number=WANTED,
        full_name="KIM MIN JUN",
        basis="Quyết định truy nã số 12/QĐ-TN ngày 02/10/2026",
    )
    w.alert = Alert.objects.get(watch_entry=w.entry)
    return w


def sign_in(browser, base, username, password):
    """A phone-sized browser signed in through the sign-in page (CSP bypassed only for axe)."""
    context = browser.new_context(locale="vi-VN", viewport=PHONE, bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{base}/dang-nhap/")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(password)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(re.compile(r".*/(can-bo|doanh-nghiep)/.*"))
    return page


def problems_of(page, name: str) -> list[str]:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"luu-tru-{name}-360.png"), full_page=True)
    found = []
    width = page.evaluate("document.scrollingElement.scrollWidth")
    if width > PHONE["width"]:
        found.append(f"{name}: the page is {width} px wide")
    h1 = page.locator("h1").count()
    if h1 != 1:
        found.append(f"{name}: {h1} h1 headings")
    levels = page.evaluate(
        "() => [...document.querySelectorAll('main h1, main h2, main h3, main h4, main h5, main h6')]"
        ".filter(h => h.getClientRects().length || h.classList.contains('visually-hidden'))"
        ".map(h => Number(h.tagName[1]))"
    )
    skips = [f"h{a}→h{b}" for a, b in zip(levels, levels[1:], strict=False) if b > a + 1]
    if skips or (levels and levels[0] != 1):
        found.append(f"{name}: headings out of order {levels}")
    dangling = page.evaluate(
        """() => [...document.querySelectorAll('[aria-describedby]')].flatMap(el =>
            el.getAttribute('aria-describedby').split(/\\s+/).filter(id => id && !document.getElementById(id)))"""
    )
    if dangling:
        found.append(f"{name}: aria-describedby names missing elements {dangling}")
    found += [f"{name}: {v}" for v in axe_violations(page) if v["impact"] in ("serious", "critical")]
    return found


def visiting(page, base, found):
    def visit(name, path, status=200):
        response = page.goto(base + path)
        assert response.status == status, f"{name}: HTTP {response.status}"
        found.extend(problems_of(page, name))

    return visit


def test_the_hotels_pages_fit_a_phone_and_pass_axe(live_server, browser, w):
    # given a small file sent by the hotel (two good rows, one bad), a stay to open
    result = services.declare_batch(
        establishment=w.hotel,
        rows=[guest_row(full_name="Phạm Thu Hà"), foreign_row(), guest_row(full_name="X", birth_date="31/02/1990")],
        source=DeclarationBatch.Source.FILE,
        mode=DeclarationBatch.Mode.KEEP_VALID,
        user=w.manager,
        file_name="khach-hom-nay.xlsx",
    )
    assert (result.batch.accepted, result.batch.rejected) == (2, 1), result.batch.report
    stay = w.guests[2].stay_id
    base, found = live_server.url, []
    page = sign_in(browser, base, w.manager.username, BUSINESS_PASSWORD)
    visit = visiting(page, base, found)
    # when the manager opens every page of the hotel's lodging notification
    visit("biz-home", "/doanh-nghiep/luu-tru/")
    visit("biz-declare", "/doanh-nghiep/luu-tru/khai-bao/")
    page.get_by_role("button", name="Ghi nhận khách").click()  # empty: every error shown
    page.wait_for_load_state()
    found.extend(problems_of(page, "biz-declare-errors"))
    invalid = page.locator("[aria-invalid=true]")
    assert invalid.count() > 0
    for i in range(invalid.count()):
        described = invalid.nth(i).get_attribute("aria-describedby") or ""
        assert any(page.locator(f"#{ref}.errorlist").count() for ref in described.split()), described
    visit("biz-upload", "/doanh-nghiep/luu-tru/tai-tep/")
    visit("biz-batch", f"/doanh-nghiep/luu-tru/lan-gui/{result.batch.pk}/")
    visit("biz-guests", "/doanh-nghiep/luu-tru/khach/")
    visit("biz-stay", f"/doanh-nghiep/luu-tru/khach/{stay}/")
    visit("biz-rooms", "/doanh-nghiep/luu-tru/phong/")
    visit("biz-keys", "/doanh-nghiep/luu-tru/khoa-api/")
    # then nothing is in the way of a phone user
    assert not found, "\n".join(found)


def test_the_polices_pages_fit_a_phone_and_pass_axe(live_server, browser, w):
    # given the commune's head (search, watchlist, statistics) and the exit-entry officer
    stay = w.guests[0].stay_id
    base, found = live_server.url, []
    head = sign_in(browser, base, w.head_a.username, PASSWORD)
    visit = visiting(head, base, found)
    # when the head opens every police page of lodging
    visit("police-home", "/luu-tru/")
    visit("police-staying", "/luu-tru/dang-luu-tru/")
    visit("police-late", "/luu-tru/khai-bao-muon/")
    visit("police-search", "/luu-tru/tra-cuu/")
    head.locator("#search-form input[name=name]").fill("tran thi")
    head.get_by_role("button", name="Tra cứu").click()  # no reason yet: the error is shown
    head.wait_for_load_state()
    found.extend(problems_of(head, "police-search-error"))
    head.locator("input[name=reason]").fill("Xác minh theo đơn trình báo số 15/TB ngày hôm nay")
    head.get_by_role("button", name="Tra cứu").click()
    head.get_by_role("heading", name=re.compile("^Kết quả")).wait_for()
    found.extend(problems_of(head, "police-search-results"))
    visit("police-stay", f"/luu-tru/luot/{stay}/")
    visit("police-history", "/luu-tru/lich-su/")
    visit("watch-list", "/luu-tru/theo-doi/")
    visit("watch-add", "/luu-tru/theo-doi/them/")
    head.get_by_role("button", name="Thêm vào danh sách").click()  # empty: every error shown
    head.wait_for_load_state()
    found.extend(problems_of(head, "watch-add-errors"))
    visit("watch-detail", f"/luu-tru/theo-doi/{w.entry.pk}/")
    visit("alert-list", "/luu-tru/canh-bao/")
    visit("alert-detail", f"/luu-tru/canh-bao/{w.alert.pk}/")
    visit("stats", "/luu-tru/thong-ke/")
    visit("occupancy", "/luu-tru/cong-suat/")
    # and the exit-entry officer opens the foreigners' list of the province
    pa08 = sign_in(browser, base, w.pa08_officer.username, PASSWORD)
    visiting(pa08, base, found)("police-foreigners", "/luu-tru/nguoi-nuoc-ngoai/")
    assert "KIM" in pa08.locator("main").inner_text() or "K." in pa08.locator("main").inner_text()
    # then nothing is in the way of a phone user
    assert not found, "\n".join(found)
