"""Administrative violations, the whole way, in a real browser (issue 4's "done when").

A patrol officer makes a record on the street; the head of the commune police issues the
decision from it, with a mitigating circumstance; the violator looks the fine up by plate, pays
by scanning the VietQR code (the demo bank app sends the signed confirmation the provider would);
the public lookup then shows it paid. Three people, three browser contexts.
"""

from __future__ import annotations

import re

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.utils import timezone

from antt.org.otp import login_verified
from antt.violations.models import DecisionStatus, FinePayment, PenaltyDecision, ViolationRecord
from antt.violations.tests.factories import violations_world
from tests.browser.axe import axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def w(settings):
    settings.ANTT_REQUIRE_2FA = False  # the second factor has its own browser test
    settings.ANTT_FINE_PAYMENT_GATEWAY = "demo"
    settings.ANTT_FINE_LOOKUP_RATE = "0"
    return violations_world()


def signed_in(browser, live_server, user, viewport):
    client = Client()
    login_verified(client, user)
    context = browser.new_context(locale="vi-VN", viewport=viewport, bypass_csp=True)
    cookie = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    context.add_cookies([{"name": django_settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}])
    page = context.new_page()
    page.set_default_timeout(15_000)
    return page


def no_errors(page):
    errors = page.locator(".errorlist, .message--error")
    assert errors.count() == 0, errors.all_inner_texts()


def test_record_to_decision_to_qr_payment_to_the_public_lookup(live_server, browser, w):
    base = live_server.url

    # --- the patrol officer makes the record on a phone ---------------------------------------
    officer = signed_in(browser, live_server, w.officer, {"width": 360, "height": 740})
    officer.goto(f"{base}/vi-pham/bien-ban/")
    officer.get_by_role("link", name="Lập biên bản mới").click()
    officer.get_by_label("Họ và tên / tên tổ chức").fill("Nguyễn Văn An")
    officer.get_by_label("Số định danh cá nhân / hộ chiếu").fill("038090001234")
    officer.get_by_label("Ngày sinh").fill("17/05/1990")
    officer.get_by_label("Địa điểm vi phạm (số nhà, đường, thôn, tổ)").fill("Ngã tư Bà Triệu – Lê Lợi")
    officer.get_by_label("Loại phương tiện").select_option("motorbike")
    officer.get_by_label("Biển số", exact=True).fill("36-B1 123.45")
    officer.locator("#behaviour-search").press_sequentially("mu bao hiem")
    officer.get_by_label(re.compile("Không đội mũ bảo hiểm khi điều khiển xe mô tô")).check()
    assert officer.locator("#behaviour-picked input:checked").count() == 1
    officer.get_by_label("Ý kiến trình bày của người vi phạm").fill("Tôi quên mũ ở nhà.")
    assert not axe_violations(officer), "the record form at 360 px"
    officer.get_by_role("button", name="Lập biên bản").click()
    officer.wait_for_url(re.compile(r".*/vi-pham/bien-ban/\d+/\?moi=1$"))
    no_errors(officer)
    record = ViolationRecord.objects.get()
    assert record.number in officer.content()
    assert record.plate == "36B112345" and record.status == ViolationRecord.Status.OPEN

    # --- the head issues the decision from it -------------------------------------------------
    head = signed_in(browser, live_server, w.chief, {"width": 1280, "height": 900})
    head.goto(f"{base}/vi-pham/bien-ban/")
    head.get_by_role("link", name=record.number).click()
    head.get_by_role("link", name="Ra quyết định xử phạt").click()
    head.wait_for_url(re.compile(r".*/vi-pham/quyet-dinh/moi/\?bien_ban=\d+$"))
    assert "Năm trăm nghìn đồng" in head.content()  # the mean of 400.000–600.000 đ, before any circumstance
    head.get_by_label("Người vi phạm đã tự nguyện khai báo, thành thật hối lỗi").check()
    preview = head.locator("#decision-preview")
    preview.get_by_text("Có 01 tình tiết giảm nhẹ").wait_for()  # recalculated live (htmx)
    head.get_by_label("Mức phạt (đồng)").fill("450.000")
    preview.get_by_text("Bốn trăm năm mươi nghìn đồng").wait_for()
    head.get_by_label("Ngày giao quyết định").fill(timezone.localdate().strftime("%d/%m/%Y"))
    head.get_by_role("button", name="Ra quyết định", exact=True).click()
    head.wait_for_url(re.compile(r".*/vi-pham/quyet-dinh/\d+/\?moi=1$"))
    no_errors(head)
    decision = PenaltyDecision.objects.get()
    assert decision.total_fine == 450_000 and decision.status == DecisionStatus.UNPAID
    assert decision.payment_due_on is not None
    assert head.locator("img[alt^='Mã VietQR']").is_visible()
    assert decision.payment_reference in head.content()

    # --- the violator looks it up by plate and pays by QR ---------------------------------------
    context = browser.new_context(locale="vi-VN", viewport={"width": 360, "height": 740})
    citizen = context.new_page()
    citizen.set_default_timeout(15_000)
    citizen.goto(f"{base}/tra-cuu-vi-pham/")
    citizen.get_by_role("textbox", name="Biển số xe").fill("36B1 12345")
    citizen.get_by_role("button", name="Tra cứu theo biển số").click()
    citizen.get_by_role("heading", name=f"Quyết định số {decision.number}").wait_for()
    assert "Nguyễn Văn An" not in citizen.content()  # the name is masked in public
    citizen.get_by_role("link", name="Mở ứng dụng ngân hàng thử nghiệm").click()
    citizen.get_by_role("button", name=re.compile("^Xác nhận chuyển khoản")).click()
    citizen.wait_for_load_state()
    decision.refresh_from_db()
    assert decision.status == DecisionStatus.PAID and decision.amount_paid == 450_000
    payment = FinePayment.objects.get()
    assert payment.channel == FinePayment.Channel.TRANSFER

    # --- the public lookup shows it paid ------------------------------------------------------
    citizen.goto(f"{base}/tra-cuu-vi-pham/")
    citizen.get_by_role("textbox", name="Số quyết định xử phạt").fill(decision.number)
    citizen.get_by_label(re.compile("4 chữ số cuối")).fill("1234")
    citizen.get_by_role("button", name="Tra cứu theo số quyết định").click()
    citizen.get_by_text("Đã nộp phạt").first.wait_for()

    # --- and the staff page agrees ------------------------------------------------------------
    head.reload()
    assert "Đã nộp phạt" in head.content()
    assert "Chuyển khoản (VietQR)" in head.content()
