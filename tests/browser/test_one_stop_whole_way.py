"""The one-stop shop, the whole way, in a real browser (issue 3's "done when").

A citizen submits online; the receptionist asks for one more document; the citizen adds it
on the same dossier; the dossier is accepted, processed, approved and returned; the citizen
looks it up and rates it; the statistics count it. Four people, four browser contexts.
"""

import re

import pytest
from fpdf import FPDF

from antt.catalog.loaders import load_catalog
from antt.dossiers.loaders import load_forms
from antt.dossiers.models import Dossier, Status
from antt.dossiers.tests.factories import one_stop_world
from antt.feedback.loaders import load_rating_criteria
from antt.org.tests.factories import PASSWORD
from tests.browser.axe import axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def world(settings):
    settings.ANTT_REQUIRE_2FA = False  # the second factor has its own browser test
    settings.ANTT_LOOKUP_RATE = "0"
    load_catalog()
    load_forms()
    load_rating_criteria()
    return one_stop_world(days=3, online="full")


@pytest.fixture
def pdf_file(tmp_path):
    def make(name: str, text: str):
        pdf = FPDF()
        pdf.add_page()
        pdf.set_font("helvetica", size=14)
        pdf.cell(text=text)
        path = tmp_path / name
        path.write_bytes(bytes(pdf.output()))
        return path

    return make


def sign_in(browser, live_server, user):
    # bypass_csp only so that axe-core can be injected for the accessibility check
    context = browser.new_context(locale="vi-VN", viewport={"width": 1280, "height": 900}, bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/dang-nhap/?next=/can-bo/")
    page.get_by_label("Tên đăng nhập").fill(user.username)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(f"{live_server.url}/can-bo/")
    return page


def choose(select, text: str):
    """Select the option whose label contains `text`."""
    select.select_option(select.locator("option", has_text=text).first.get_attribute("value"))


def act(page, summary: str, button: str, fill=None):
    """Open one action of the dossier page, fill it, submit it, and wait for the page to come back."""
    box = page.locator("details.action", has=page.locator("summary", has_text=summary))
    box.locator("summary").click()
    if fill:
        fill(box)
    box.get_by_role("button", name=button, exact=True).click()
    page.wait_for_load_state()
    assert page.locator(".message--error").count() == 0, page.locator(".message--error").all_inner_texts()


def test_citizen_and_officers_take_a_dossier_the_whole_way(live_server, browser, page, world, pdf_file):
    base = live_server.url
    documents = list(world.version.documents.order_by("order"))

    # --- a citizen submits online ----------------------------------------------------------
    page.goto(f"{base}/nop-ho-so/")
    page.get_by_role("link", name=world.procedure.name).click()
    page.get_by_role("combobox", name=re.compile("^Cơ quan giải quyết")).select_option(label=world.unit.name)
    page.get_by_label("Họ và tên (hoặc tên tổ chức)").fill("Đặng Thị Ngọc Hường")
    page.get_by_label("Số định danh cá nhân (hoặc mã số doanh nghiệp)").fill("038190000123")
    page.get_by_label("Số điện thoại di động").fill("0912345678")
    files = page.locator("input[type=file]")
    files.nth(0).set_input_files(pdf_file("to-khai.pdf", "To khai"))
    # the second document is the wrong paper: the officer will ask for the right one
    files.nth(1).set_input_files(pdf_file("nham.pdf", "Giay to khac"))
    page.get_by_label("Nhận kết quả điện tử (trực tuyến)").check()
    page.locator("input[name=consent]").check()
    page.get_by_role("button", name="Nộp hồ sơ").click()
    page.wait_for_load_state()
    assert page.locator(".errorlist, .message--error").count() == 0, page.locator(
        ".errorlist, .message--error"
    ).all_inner_texts()
    page.wait_for_url(re.compile(r".*/nop-ho-so/da-nop/.+"))
    dossier = Dossier.objects.get()
    assert dossier.code in page.content()
    assert dossier.status == Status.NEW_ONLINE
    token_url = f"{base}/tra-cuu/ho-so/{dossier.token}/"

    # --- the receptionist asks for one more document ----------------------------------------
    desk = sign_in(browser, live_server, world.receptionist)
    desk.goto(f"{base}/ho-so/")
    desk.get_by_role("link", name=dossier.code).click()
    desk.wait_for_url(re.compile(r".*/ho-so/\d+/$"))

    def ask(box):
        box.get_by_label(documents[1].name).check()
        box.get_by_label("Lý do").fill("Thiếu giấy tờ chứng minh chỗ ở hợp pháp.")

    act(desk, "Yêu cầu bổ sung, hoàn thiện hồ sơ", "Gửi yêu cầu bổ sung", ask)
    dossier.refresh_from_db()
    assert dossier.status == Status.SUPPLEMENT_REQUESTED

    # --- the citizen adds it on the same dossier --------------------------------------------
    page.goto(token_url)
    assert page.get_by_text("Thiếu giấy tờ chứng minh chỗ ở hợp pháp.").first.is_visible()
    page.locator("input[type=file]").first.set_input_files(pdf_file("cho-o.pdf", "Cho o hop phap"))
    page.get_by_role("button", name="Gửi giấy tờ bổ sung").click()
    page.wait_for_load_state()
    dossier.refresh_from_db()
    assert dossier.status == Status.NEW_ONLINE
    assert dossier.documents.filter(round=2).count() == 1

    # --- accepted, handed to processing -----------------------------------------------------
    desk.reload()
    act(desk, "Tiếp nhận hồ sơ trực tuyến", "Tiếp nhận")
    act(
        desk,
        "Chuyển xử lý",
        "Chuyển xử lý",
        lambda box: choose(box.get_by_label("Giao cho cán bộ"), world.processor.full_name),
    )
    dossier.refresh_from_db()
    assert dossier.status == Status.PROCESSING and dossier.assignee == world.processor

    # --- processed through its steps --------------------------------------------------------
    processor = sign_in(browser, live_server, world.processor)
    processor.goto(f"{base}/ho-so/{dossier.pk}/")

    def result(box):
        box.get_by_label("Tên kết quả").fill("Xác nhận đăng ký tạm trú")
        box.get_by_label("Tệp kết quả (PDF, JPG, PNG)").set_input_files(pdf_file("ket-qua.pdf", "Ket qua"))

    act(processor, "Đính kèm kết quả giải quyết", "Đính kèm", result)
    act(
        processor,
        "Chuyển bước xử lý",
        "Chuyển bước",
        lambda box: choose(box.get_by_label("Giao cho cán bộ"), world.head.full_name),
    )

    # --- approved by the head ---------------------------------------------------------------
    head = sign_in(browser, live_server, world.head)
    head.goto(f"{base}/ho-so/{dossier.pk}/")
    act(head, "Phê duyệt kết quả", "Phê duyệt")
    dossier.refresh_from_db()
    assert dossier.status == Status.PROCESSED

    # --- returned (online: the result file) -------------------------------------------------
    desk.goto(f"{base}/ho-so/{dossier.pk}/")
    act(desk, "Trả kết quả", "Trả kết quả")
    dossier.refresh_from_db()
    assert dossier.status == Status.RETURNED

    # --- the citizen looks it up, downloads the result and rates the service -----------------
    page.goto(f"{base}/tra-cuu/")
    page.get_by_label(re.compile("Mã hồ sơ")).fill(dossier.code)
    page.get_by_label(re.compile("4 chữ số cuối")).fill("5678")
    page.get_by_role("button", name="Tra cứu").click()
    assert page.get_by_text("Đã trả kết quả").first.is_visible()
    html = page.content()
    assert "038190000123" not in html and "0912345678" not in html and "Hường" not in html
    page.goto(token_url)
    assert page.get_by_role("link", name=re.compile("Tải về: Xác nhận đăng ký tạm trú")).is_visible()
    page.get_by_role("link", name="Đánh giá mức độ hài lòng").click()
    for group in page.locator("fieldset").all():
        group.locator("input[type=radio]").first.check()
    page.get_by_role("button", name="Gửi đánh giá").click()
    page.wait_for_load_state()
    from antt.feedback.models import Rating

    assert Rating.objects.filter(dossier=dossier).count() == 1

    # --- and the statistics count it --------------------------------------------------------
    head.goto(f"{base}/thong-ke/")
    summary = head.locator(".stats-table").first.inner_text()
    assert re.search(r"Tiếp nhận mới trong kỳ\s+1\b", summary)
    assert re.search(r"Đã giải quyết\s+1\b", summary)
    assert re.search(r"Đã trả kết quả\s+1\b", summary)
    assert "1/1 phiếu hài lòng" in summary  # the first answer of each question is the best one
    assert axe_violations(head) == []
