"""Every page of the one-stop shop on a 360-px phone: no WCAG 2.1 AA violation (axe-core), no sideways scroll.

One world per test: pytest-django's `live_server` runs every test in a transactional database that is
flushed after the test, so a module-scoped world would not survive the first one. The pages are therefore
checked many per test, which keeps the module fast. With ANTT_UI_SHOTS=<folder> set, every page checked is
also saved there as a full-page screenshot, for a person to look at.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.utils import timezone

from antt.dossiers.loaders import load_forms
from antt.dossiers.models import Delivery, Dossier, Status
from antt.dossiers.services import (
    DocumentReceipt,
    UploadIn,
    dossier_accept,
    dossier_approve,
    dossier_attach_result,
    dossier_forward,
    dossier_receive,
    dossier_record_payment,
    dossier_request_fee,
    dossier_request_supplement,
    dossier_return,
    dossier_start,
    dossier_submit_online,
)
from antt.dossiers.tests.factories import applicant, one_stop_world, pdf_upload
from antt.feedback.loaders import load_rating_criteria
from antt.org.otp import login_verified
from tests.browser.axe import axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 900}
SHOTS = os.environ.get("ANTT_UI_SHOTS", "")


@dataclass
class Dossiers:
    """One dossier in each status a page shows differently."""

    new_online: Dossier
    supplement: Dossier
    processing: Dossier
    fee: Dossier
    processed: Dossier
    returned: Dossier
    late: Dossier


def make_dossiers(*, receptionist, processor, head, version, unit, level="commune") -> Dossiers:
    """Dossiers in every status, through the services (as the pages would make them)."""
    procedure = version.procedure
    documents = list(version.documents.order_by("order"))

    def online(**kw):
        return dossier_submit_online(
            procedure=procedure,
            level=level,
            unit=unit,
            applicant=applicant(**kw),
            uploads=[UploadIn(pdf_upload("to-khai.pdf"), required_document_id=documents[0].pk if documents else None)],
            delivery=Delivery.ONLINE,
        )

    def counter(at=None, **kw):
        receipts = [DocumentReceipt(required_document_id=d.pk, originals=1) for d in documents]
        return dossier_receive(
            officer=receptionist,
            procedure=procedure,
            level=level,
            unit=unit,
            applicant=applicant(**kw),
            documents=receipts,
            at=at,
        ).dossier

    def to_processed(d):
        d = dossier_start(officer=receptionist, dossier=d, assignee=processor)
        dossier_attach_result(
            officer=processor, dossier=d, name="Xác nhận đăng ký tạm trú", upload=pdf_upload("kq.pdf")
        )
        d.refresh_from_db()
        d = dossier_forward(officer=processor, dossier=d, assignee=head, note="Đủ điều kiện giải quyết.")
        return dossier_approve(officer=head, dossier=d)

    new_online = online(name="Nguyễn Thị Minh Khai", phone="0912 000 111")
    supplement = online(name="Trần Quốc Toản", id_number="038095000321", birth_date=None, phone="0988 222 333")
    dossier_request_supplement(
        officer=receptionist,
        dossier=supplement,
        items=[documents[-1].name if documents else "Giấy tờ chứng minh chỗ ở hợp pháp"],
        reasons="Thiếu hợp đồng thuê nhà có công chứng hoặc chứng thực.",
    )
    processing = dossier_start(officer=receptionist, dossier=counter(name="Lê Văn Hưu"), assignee=processor)
    fee = dossier_start(officer=receptionist, dossier=accept(receptionist, online(name="Phạm Ngũ Lão")))
    fee = dossier_request_fee(officer=receptionist, dossier=fee, amount=1_500_000, note="Lệ phí theo biểu phí.")
    processed = to_processed(counter(name="Hoàng Hoa Thám"))
    returned = to_processed(accept(receptionist, online(name="Đặng Thị Ngọc Hường", phone="0912 345 678")))
    if returned.fee_amount and returned.fee_paid_at is None:
        returned = dossier_record_payment(dossier=returned, officer=receptionist, online=False, reference="BL-000123")
    returned = dossier_return(officer=receptionist, dossier=returned)
    late = counter(at=timezone.now() - timedelta(days=15), name="Võ Thị Sáu")
    late = dossier_start(officer=receptionist, dossier=late, assignee=processor)
    return Dossiers(new_online, supplement, processing, fee, processed, returned, late)


def accept(officer, dossier):
    return dossier_accept(officer=officer, dossier=dossier)


@dataclass
class World:
    staff: dict
    dossiers: Dossiers
    procedure_code: str


@pytest.fixture
def world(settings):
    settings.ANTT_LOOKUP_RATE = "0"
    settings.ANTT_PAYMENT_GATEWAY = "demo"
    load_forms()
    load_rating_criteria()
    w = one_stop_world(days=3, online="full", fee=15_000)
    dossiers = make_dossiers(
        receptionist=w.receptionist, processor=w.processor, head=w.head, version=w.version, unit=w.unit
    )
    statuses = [Dossier.objects.get(pk=x.pk).status for x in vars(dossiers).values()]
    assert statuses == [
        Status.NEW_ONLINE,
        Status.SUPPLEMENT_REQUESTED,
        Status.PROCESSING,
        Status.FEE_REQUESTED,
        Status.PROCESSED,
        Status.RETURNED,
        Status.PROCESSING,
    ]
    staff = {"receptionist": w.receptionist, "processor": w.processor, "head": w.head}
    return World(staff=staff, dossiers=dossiers, procedure_code=w.procedure.code)


def signed_in(browser, live_server, user, viewport=PHONE):
    """A browser context signed in as `user` with a verified second factor (the session of a test client)."""
    client = Client()
    login_verified(client, user)
    context = browser.new_context(locale="vi-VN", viewport=viewport, bypass_csp=True)
    cookie = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    context.add_cookies([{"name": django_settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}])
    page = context.new_page()
    page.set_default_timeout(15_000)
    return page


def problems_of(page, name: str) -> list[str]:
    """What a phone user would hit on this page: a sideways scroll, or a WCAG 2.1 A/AA violation."""
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}-360.png"), full_page=True)
    found = []
    width = page.evaluate("document.scrollingElement.scrollWidth")
    if width > PHONE["width"]:
        found.append(f"{name}: the page is {width} px wide")
    found += [f"{name}: {v}" for v in axe_violations(page)]
    return found


def test_staff_pages_fit_a_phone_and_pass_axe(live_server, browser, world):
    # given the three officers of the unit, each signed in on a phone
    base, d = live_server.url, world.dossiers
    desk, processor, head = (
        signed_in(browser, live_server, world.staff[r]) for r in ("receptionist", "processor", "head")
    )
    found = []

    def visit(page, name, path):
        response = page.goto(base + path)
        assert response.ok, f"{name}: HTTP {response.status}"
        found.extend(problems_of(page, name))

    # when: every staff page of the one-stop shop, in each state that looks different
    visit(desk, "staff-home", "/can-bo/")
    desk.goto(f"{base}/tiep-nhan/")
    desk.locator("#procedure-search").press_sequentially("tam tru")
    desk.get_by_role("option").first.wait_for()
    found.extend(problems_of(desk, "intake-suggestions"))
    visit(desk, "intake-form", f"/tiep-nhan/?procedure={world.procedure_code}")
    desk.get_by_role("button", name="Tiếp nhận và in giấy hẹn").click()
    desk.wait_for_load_state()
    assert desk.get_by_text("Vui lòng nhập số điện thoại của chủ hồ sơ.").is_visible()
    found.extend(problems_of(desk, "intake-errors"))
    for name, dossier, page in [
        ("detail-new-online", d.new_online, desk),
        ("detail-supplement", d.supplement, desk),
        ("detail-processing", d.processing, processor),
        ("detail-fee", d.fee, desk),
        ("detail-processed", d.processed, desk),
        ("detail-returned", d.returned, desk),
        ("detail-late", d.late, head),
    ]:
        visit(page, name, f"/ho-so/{dossier.pk}/")
        for action in page.locator("details.action").all():  # the action forms count too
            action.evaluate("e => e.open = true")
        found.extend(problems_of(page, f"{name}-actions"))
    visit(desk, "detail-just-received", f"/ho-so/{d.processing.pk}/?moi=1")
    visit(desk, "list", "/ho-so/")
    assert desk.locator(".deadline-banner").is_visible()  # the late dossier
    visit(desk, "list-late", "/ho-so/?tab=qua-han")
    visit(processor, "list-filtered", "/ho-so/?tab=tat-ca&status=processing")
    processor.locator("details.worklist-filters").evaluate("e => e.open = true")
    found.extend(problems_of(processor, "list-filters-open"))
    visit(head, "statistics", "/thong-ke/")
    visit(desk, "counter-rating-open", "/quay/danh-gia/")
    desk.get_by_label("Mã hồ sơ").fill(d.returned.code)
    desk.get_by_role("button", name="Mở phiếu đánh giá").click()
    desk.get_by_role("button", name="Gửi đánh giá").wait_for()
    found.extend(problems_of(desk, "counter-rating-form"))

    # then
    assert found == []


def test_public_pages_fit_a_phone_and_pass_axe(live_server, phone_page, world):
    # given a citizen on a phone
    base, d, page = live_server.url, world.dossiers, phone_page
    found = []

    def visit(name, path):
        response = page.goto(base + path)
        assert response.ok, f"{name}: HTTP {response.status}"
        found.extend(problems_of(page, name))

    # when: every public page of the one-stop shop
    visit("online-start", "/nop-ho-so/")
    visit("online-form", f"/nop-ho-so/{world.procedure_code}/")
    page.get_by_role("button", name="Nộp hồ sơ").click()
    page.wait_for_load_state()
    assert page.locator("[role=alert]").count() > 1
    found.extend(problems_of(page, "online-form-errors"))
    visit("online-done", f"/nop-ho-so/da-nop/{d.new_online.token}/")
    visit("lookup", "/tra-cuu/")
    page.get_by_label(re.compile("Mã hồ sơ")).fill(d.returned.code)
    page.get_by_label(re.compile("4 chữ số cuối")).fill("5678")
    page.get_by_role("button", name="Tra cứu").click()
    page.get_by_text("Đã trả kết quả").first.wait_for()
    found.extend(problems_of(page, "lookup-result"))
    visit("token-supplement", f"/tra-cuu/ho-so/{d.supplement.token}/")
    assert page.get_by_role("button", name="Gửi giấy tờ bổ sung").is_visible()
    visit("token-result", f"/tra-cuu/ho-so/{d.returned.token}/")
    assert page.get_by_role("link", name=re.compile("Tải về")).is_visible()
    visit("rating", f"/danh-gia/{d.returned.token}/")
    visit("token-fee", f"/tra-cuu/ho-so/{d.fee.token}/")
    page.get_by_role("button", name=re.compile(r"Thanh toán trực tuyến 1\.500\.000 đ")).click()
    page.wait_for_url("**/thanh-toan/demo/**")
    found.extend(problems_of(page, "payment-gateway"))

    # then
    assert found == []


def test_counter_intake_works_from_the_keyboard_alone(live_server, browser, world):
    # given a receptionist at the counter (a desktop screen)
    page = signed_in(browser, live_server, world.staff["receptionist"], viewport=DESKTOP)
    before = Dossier.objects.count()

    # when the intake page opens, the cursor is already in the procedure search
    page.goto(f"{live_server.url}/tiep-nhan/")
    assert page.evaluate("document.activeElement.id") == "procedure-search"

    # when the officer types without diacritics, suggestions come
    page.keyboard.type("tam tru")
    options = page.get_by_role("option")
    options.first.wait_for()
    assert "tạm trú" in options.first.inner_text()

    # when ArrowDown selects the first one and Enter opens it
    page.keyboard.press("ArrowDown")
    assert page.locator("#procedure-search").get_attribute("aria-activedescendant") == "goi-y-1"
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/tiep-nhan/\?procedure=.+"))

    # then the form opens with the cursor in the applicant's name, and Tab from the top of the form
    # reaches the name within the few fields before it (level, unit, kind)
    assert page.evaluate("document.activeElement.name") == "name"
    page.locator("select[name=level]").focus()
    stops = []
    for _ in range(6):
        page.keyboard.press("Tab")
        stops.append(page.evaluate("document.activeElement.name"))
        if stops[-1] == "name":
            break
    assert stops[-1] == "name", stops
    assert "unit" in stops

    # when the officer types the applicant and presses Enter in the last field
    page.keyboard.type("Nguyễn Văn An")
    page.keyboard.press("Tab")
    page.keyboard.type("038090000456")
    page.locator("input[name=phone]").focus()
    page.keyboard.type("0912 765 432")
    page.keyboard.press("Enter")

    # then the dossier is received and the receipt button has the focus, ready for Enter
    page.wait_for_url(re.compile(r".*/ho-so/\d+/\?moi=1$"))
    assert Dossier.objects.count() == before + 1
    assert Dossier.objects.order_by("-pk").first().applicant_name == "Nguyễn Văn An"
    assert page.evaluate("document.activeElement.textContent") == "In giấy tiếp nhận và hẹn trả kết quả"
