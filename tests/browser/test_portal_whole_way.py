"""The public portal, the whole way, in a real browser on a 360-px phone (issue 7's "done when").

A citizen opens the portal, finds a procedure by typing, opens it, presses "Nộp hồ sơ trực tuyến",
submits online, looks the dossier up with its code, then sends feedback about it with the dossier
code and looks the feedback up. The unit's head signs in, opens the feedback list, accepts it with
a topic, answers it and publishes it with the personal data taken out; the citizen reads the
published answer on its own page and finds it in the public list. Every public page the citizen
visits, and the officer's feedback list and page, pass the phone checks (tests/browser/pagecheck.py:
axe-core, one h1, headings in order, no sideways scroll).
"""

from __future__ import annotations

import re

import pytest
from fpdf import FPDF

from antt.catalog.loaders import load_catalog
from antt.dossiers.loaders import load_forms
from antt.dossiers.models import Dossier, Status
from antt.dossiers.tests.factories import one_stop_world
from antt.feedback.loaders import load_feedback_rules, load_rating_criteria
from antt.feedback.models import Feedback, FeedbackState
from antt.org.tests.factories import PASSWORD
from tests.browser.pagecheck import phone_context, problems_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE_NUMBER = "0912345678"
CITIZEN = "Đặng Thị Ngọc Hường"
ID_NUMBER = "038190000123"


@pytest.fixture
def world(settings):
    settings.ANTT_REQUIRE_2FA = False  # the second factor has its own browser test
    settings.ANTT_LOOKUP_RATE = "0"
    load_catalog()
    load_forms()
    load_rating_criteria()
    load_feedback_rules()
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


def sign_in(browser, base, user):
    context = phone_context(browser)
    page = context.new_page()
    page.goto(f"{base}/dang-nhap/?next=/can-bo/")
    page.get_by_label("Tên đăng nhập").fill(user.username)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(f"{base}/can-bo/")
    return page


def no_errors(page):
    errors = page.locator(".errorlist, .message--error")
    assert errors.count() == 0, errors.all_inner_texts()


def act(page, summary: str, fill=None):
    """Open one action of the feedback page, fill it, confirm it, and wait for the page to come back."""
    title = page.locator("summary", has_text=re.compile(rf"^\s*{re.escape(summary)}\s*$"))
    box = page.locator("details.action", has=title)
    box.locator("summary").click()
    if fill:
        fill(box)
    box.get_by_role("button", name="Xác nhận").click()
    page.wait_for_load_state()
    no_errors(page)


def test_a_citizen_submits_looks_up_and_gets_a_published_answer(live_server, browser, world, pdf_file):
    base, found = live_server.url, []
    procedure = world.procedure
    documents = list(world.version.documents.order_by("order"))
    citizen = phone_context(browser).new_page()

    def check(name):
        found.extend(problems_of(citizen, name))

    # --- the citizen opens the portal and finds the procedure by typing ---------------------
    citizen.goto(f"{base}/")
    check("home")
    citizen.get_by_label("Tên thủ tục hoặc từ khóa").fill("tạm trú")
    citizen.get_by_role("button", name="Tìm thủ tục").click()
    citizen.wait_for_url(re.compile(r".*/thu-tuc/\?.*q=.*"))
    check("catalogue-search")
    citizen.get_by_role("link", name=procedure.name).click()
    citizen.wait_for_url(re.compile(rf".*/thu-tuc/{re.escape(procedure.code)}/$"))
    check("procedure")

    # --- presses "Nộp hồ sơ trực tuyến" and submits online ----------------------------------
    citizen.locator("main").get_by_role("link", name="Nộp hồ sơ trực tuyến", exact=True).first.click()
    citizen.wait_for_url(re.compile(rf".*/nop-ho-so/{re.escape(procedure.code)}/.*"))
    check("online-form")
    citizen.get_by_role("combobox", name=re.compile("^Cơ quan giải quyết")).select_option(label=world.unit.name)
    citizen.get_by_label("Họ và tên (hoặc tên tổ chức)").fill(CITIZEN)
    citizen.get_by_label("Số định danh cá nhân (hoặc mã số doanh nghiệp)").fill(ID_NUMBER)
    citizen.get_by_label("Số điện thoại di động").fill(PHONE_NUMBER)
    files = citizen.locator("input[type=file]")
    for i, _document in enumerate(documents):
        files.nth(i).set_input_files(pdf_file(f"giay-to-{i}.pdf", f"Giay to {i + 1}"))
    citizen.get_by_label("Nhận kết quả điện tử (trực tuyến)").check()
    citizen.locator("input[name=consent]").check()
    citizen.get_by_role("button", name="Nộp hồ sơ").click()
    citizen.wait_for_load_state()
    no_errors(citizen)
    citizen.wait_for_url(re.compile(r".*/nop-ho-so/da-nop/.+"))
    check("online-done")
    dossier = Dossier.objects.get()
    assert dossier.status == Status.NEW_ONLINE and dossier.procedure == procedure
    assert dossier.code in citizen.content()

    # --- looks the dossier up with its code -------------------------------------------------
    citizen.goto(f"{base}/tra-cuu/")
    citizen.get_by_label(re.compile("Mã hồ sơ")).fill(dossier.code)
    citizen.get_by_label(re.compile("4 chữ số cuối")).fill(PHONE_NUMBER[-4:])
    citizen.get_by_role("button", name="Tra cứu").click()
    citizen.wait_for_load_state()
    assert citizen.get_by_text(dossier.code).first.is_visible()
    check("dossier-lookup")

    # --- sends feedback about it with the dossier code ------------------------------------
    citizen.goto(f"{base}/phan-anh-kien-nghi/")
    check("feedback-home")
    citizen.get_by_role("link", name="Gửi phản ánh, kiến nghị").first.click()
    citizen.wait_for_url(re.compile(r".*/phan-anh-kien-nghi/gui/$"))
    check("feedback-form")
    citizen.get_by_label("Phản ánh", exact=True).check()
    citizen.get_by_label("Việc giải quyết một hồ sơ").check()
    citizen.get_by_label(re.compile("^Tiêu đề")).fill("Hồ sơ tạm trú chưa được tiếp nhận")
    citizen.get_by_label(re.compile("^Nội dung phản ánh, kiến nghị")).fill(
        f"Tôi nộp hồ sơ trực tuyến, mã {dossier.code}, đã hai ngày chưa thấy tiếp nhận. "
        f"Số điện thoại của tôi là {PHONE_NUMBER}, đề nghị cơ quan xem xét."
    )
    citizen.get_by_label(re.compile("^Mã hồ sơ liên quan")).fill(dossier.code)
    citizen.get_by_label(re.compile("^Họ và tên")).fill(CITIZEN)
    citizen.get_by_label(re.compile("^Số điện thoại")).fill(PHONE_NUMBER)
    citizen.get_by_label(re.compile("^Địa chỉ liên hệ")).fill("Số 5 đường Lê Lợi, phường Hạc Thành")
    citizen.locator("input[name=consent]").check()
    citizen.wait_for_timeout(3200)  # a person takes more than 3 s to fill the form; a bot does not
    citizen.get_by_role("button", name="Gửi phản ánh, kiến nghị").click()
    citizen.wait_for_url(re.compile(r".*/phan-anh-kien-nghi/da-gui/$"))
    check("feedback-sent")
    feedback = Feedback.objects.get()
    assert feedback.code in citizen.locator("main").inner_text()
    assert feedback.dossier_id == dossier.pk and feedback.unit_id == world.unit.pk
    assert feedback.state == FeedbackState.RECEIVED, feedback.spam_reasons

    # --- and looks the feedback up ----------------------------------------------------------
    citizen.get_by_role("link", name="Tra cứu phản ánh, kiến nghị").click()
    citizen.get_by_label("Mã phản ánh, kiến nghị").fill(feedback.code)
    citizen.get_by_label("4 chữ số cuối số điện thoại").fill(PHONE_NUMBER[-4:])
    citizen.get_by_role("button", name="Tra cứu").click()
    citizen.wait_for_load_state()
    assert citizen.get_by_role("heading", name=f"Phản ánh, kiến nghị {feedback.code}").is_visible()
    assert "Đã tiếp nhận" in citizen.locator("main").inner_text()
    check("feedback-lookup")

    # --- the unit's head accepts it with a topic, answers it and publishes it ----------------
    head = sign_in(browser, base, world.head)
    head.goto(f"{base}/can-bo/phan-anh-kien-nghi/")
    found.extend(problems_of(head, "staff-feedback-list"))
    head.get_by_role("link", name=feedback.code).click()
    head.wait_for_url(re.compile(rf".*/can-bo/phan-anh-kien-nghi/{re.escape(feedback.code)}/$"))
    found.extend(problems_of(head, "staff-feedback-detail"))

    def accept(box):
        topic = box.get_by_label("Chủ đề")
        topic.select_option(index=1)

    act(head, "Nhận xử lý", accept)
    feedback.refresh_from_db()
    assert feedback.state == FeedbackState.ACCEPTED and feedback.topic_id is not None

    answer = "Bộ phận một cửa đã tiếp nhận hồ sơ trong ngày; kết quả được trả đúng hẹn."
    act(head, "Trả lời", lambda box: box.get_by_label("Nội dung trả lời").fill(answer))
    feedback.refresh_from_db()
    assert feedback.state == FeedbackState.ANSWERED and feedback.answer == answer

    act(head, "Công khai câu hỏi và trả lời")  # the proposal as drafted, personal data already masked
    feedback.refresh_from_db()
    assert feedback.published
    for secret in (PHONE_NUMBER, dossier.code, CITIZEN):
        assert secret not in feedback.public_question + feedback.public_answer

    # --- the citizen sees the published answer, and finds it in the public list ------------
    citizen.goto(f"{base}/phan-anh-kien-nghi/cong-khai/{feedback.code}/")
    check("feedback-published")
    text = citizen.locator("main").inner_text()
    assert answer in text
    for secret in (PHONE_NUMBER, dossier.code, CITIZEN, ID_NUMBER):
        assert secret not in citizen.content()
    citizen.goto(f"{base}/phan-anh-kien-nghi/")
    citizen.get_by_role("link", name=re.compile(re.escape(feedback.code))).click()
    citizen.wait_for_url(re.compile(rf".*/cong-khai/{re.escape(feedback.code)}/$"))
    check("feedback-published-from-list")

    # and nothing on the way was in the way of a phone user (the officer's two pages included)
    assert not found, "\n".join(found)
