"""Establishments, the whole way, in a real browser (issue 5's "done when").

A hotel company that is in the registry signs up for a business account, the police approve it;
it submits "Cấp mới Giấy chứng nhận đủ điều kiện về an ninh, trật tự" online from its own page
(the form prefilled from its establishment); the department's one-stop staff accept, process,
approve and return it; the certificate is then in the registry and on the business's page; its
PDF carries a QR code that opens the public verification page (valid, no personal data); an
officer plans an inspection, records it with a finding whose deadline has passed, and the unit's
plan shows the overdue finding. Five people (the business's manager, the receptionist, the
processor who also inspects, the head, anyone who scans the QR code), each in a browser context
of their own, real pages only: the service layer builds only the starting world (reference data,
units, officers, the establishment in the registry).

The catalogue and the rules are the real ones (`catalog/data`, `establishments/data`): a hotel
run by an enterprise gets its certificate from the provincial police department (ND 96/2016
Art. 24(2)(a); `lines.yaml` authorities), which is also where procedure 3.01 is handled
(province level in QĐ 273/QĐ-UBND appendix 3).
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from datetime import timedelta

import pytest
import zxingcpp
from django.utils import timezone
from fpdf import FPDF
from PIL import Image

from antt.catalog.loaders import load_catalog
from antt.dossiers.loaders import load_forms
from antt.dossiers.models import Dossier, Status
from antt.establishments.loaders import load_establishment_rules
from antt.establishments.models import Certificate, EstablishmentAccount, Finding, Inspection
from antt.establishments.services import EstablishmentData, establishment_create
from antt.establishments.tests.factories import valid_tax_code
from antt.org.models import AdminArea, Role, Unit
from antt.org.tests.factories import PASSWORD, make_officer, make_unit
from tests.browser.axe import axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 360, "height": 740}
PROCEDURE = "Cấp mới Giấy chứng nhận đủ điều kiện về an ninh, trật tự"  # the seed writes "Điều"
HOTEL = "Công ty TNHH Khách sạn Sông Mã"
HOLDER_NAME = "Lê Thị Thanh Bình"  # the person responsible for security: the certificate's holder
HOLDER_ID = "038190054321"
BUSINESS_PASSWORD = "SongMa#Khach-san2026"


class World:
    pass


@pytest.fixture
def world(settings):
    settings.ANTT_REQUIRE_2FA = False  # the second factor has its own browser test
    settings.ANTT_PAYMENT_GATEWAY = "demo"
    for rate in ("ANTT_SUBMIT_RATE", "ANTT_BUSINESS_SIGNUP_RATE", "ANTT_CERTIFICATE_VERIFY_RATE", "ANTT_LOOKUP_RATE"):
        setattr(settings, rate, "0")
    load_catalog()
    load_forms()
    load_establishment_rules()
    w = World()
    province_area, _ = AdminArea.objects.get_or_create(
        scheme=AdminArea.Scheme.CURRENT,
        code=settings.ANTT_PROVINCE_CODE,
        defaults={"name": "Tỉnh Thanh Hóa", "level": AdminArea.Level.PROVINCE},
    )
    w.area = AdminArea.objects.create(
        scheme=AdminArea.Scheme.CURRENT,
        code="94729",
        name="Phường Hạc Thành",
        level=AdminArea.Level.COMMUNE,
        parent=province_area,
    )
    province = make_unit("Công an tỉnh Thanh Hóa", level=Unit.Level.PROVINCE, agency_code="H56.14")
    w.pc06 = make_unit(
        "Phòng Cảnh sát quản lý hành chính về trật tự xã hội", parent=province, level=Unit.Level.DEPARTMENT
    )
    w.receptionist = make_officer(w.pc06, role=Role.RECEPTIONIST, full_name="Lê Thị Thu Trang")
    w.processor = make_officer(w.pc06, role=Role.PROCESSOR, full_name="Nguyễn Văn Xử")
    w.head = make_officer(w.pc06, role=Role.HEAD, full_name="Hoàng Văn Đạo")
    w.hotel = establishment_create(
        officer=w.head,
        data=EstablishmentData(
            name=HOTEL,
            trade_name="Khách sạn Sông Mã",
            tax_code=valid_tax_code(),
            area_id=w.area.pk,
            unit_id=w.pc06.pk,
            address="25 Đại lộ Lê Lợi",
            phone="02373 852 123",
            email="lienhe@ks-songma.vn",
            lodging_kind="hotel",
            rooms=48,
            owner_name="Phạm Văn Chủ",
            representative_name="Phạm Văn Chủ",
            representative_id_number="038085001234",
            representative_phone="0912000111",
            security_person_name=HOLDER_NAME,
            security_person_id_number=HOLDER_ID,
            security_person_phone="0912000222",
            line_codes=["luu-tru", "karaoke-vu-truong"],
        ),
    )
    return w


def new_page(browser, viewport=DESKTOP):
    # bypass_csp only so that axe-core can be injected for the accessibility checks
    context = browser.new_context(locale="vi-VN", viewport=viewport, bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    return page


def sign_in(browser, base, username, password=PASSWORD, lands_on="/can-bo/"):
    page = new_page(browser)
    page.goto(f"{base}/dang-nhap/")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(password)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(f"{base}{lands_on}")
    return page


def no_errors(page):
    errors = page.locator(".errorlist, .message--error")
    assert errors.count() == 0, errors.all_inner_texts()


def choose(select, text: str):
    """Select the option whose label contains `text`."""
    select.select_option(select.locator("option", has_text=text).first.get_attribute("value"))


def act(page, summary: str, button: str, fill=None):
    """Open one action of the dossier page, fill it, submit it, and wait for the page to come back."""
    box = page.locator("details.action", has=page.locator("summary", has_text=summary))
    box.locator("summary").click()
    if fill:
        fill(box)
    with page.expect_navigation():
        box.get_by_role("button", name=button, exact=True).click()
    no_errors(page)


def pdf_file(folder, name: str, text: str):
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=14)
    pdf.cell(text=text)
    path = folder / name
    path.write_bytes(bytes(pdf.output()))
    return path


def qr_codes(pdf: bytes) -> list[str]:
    """The QR codes on the PDF's first page (poppler renders it, zxing-cpp reads it)."""
    tool = shutil.which("pdftoppm")
    if tool is None:
        pytest.skip("pdftoppm is missing (apt-get install poppler-utils)")
    png = subprocess.run(
        [tool, "-r", "200", "-png", "-f", "1", "-l", "1", "-"], input=pdf, capture_output=True, check=True
    ).stdout
    return [r.text for r in zxingcpp.read_barcodes(Image.open(io.BytesIO(png))) if r.format.name == "QRCode"]


def fits_and_passes_axe(page, name: str) -> list[str]:
    found = []
    width = page.evaluate("document.scrollingElement.scrollWidth")
    viewport = page.viewport_size["width"]
    if width > viewport:
        found.append(f"{name}: the page is {width} px wide on a {viewport} px screen")
    return found + [f"{name}: {v}" for v in axe_violations(page)]


def test_a_business_gets_its_certificate_online_it_verifies_and_an_overdue_finding_reaches_the_plan(
    live_server, browser, world, settings, tmp_path
):
    base = live_server.url
    settings.ANTT_PUBLIC_BASE_URL = base  # the QR code points at this server
    w = world
    today = timezone.localdate()

    # --- the business signs up for an account; the department approves it ----------------------
    business = new_page(browser)
    business.goto(f"{base}/doanh-nghiep/")
    business.get_by_role("link", name="Đăng ký tài khoản").click()
    business.wait_for_url(f"{base}/doanh-nghiep/dang-ky/")
    business.get_by_label("Mã số thuế của cơ sở").fill(w.hotel.tax_code)
    business.get_by_label("Họ và tên người sử dụng tài khoản").fill("Trần Thị Quản Lý")
    business.get_by_label("Số điện thoại di động").fill("0912345678")
    business.get_by_role("textbox", name=re.compile("^Thư điện tử")).fill("quanly@ks-songma.vn")
    business.get_by_label("Tên đăng nhập").fill("ks.songma")
    business.get_by_label(re.compile("^Mật khẩu")).fill(BUSINESS_PASSWORD)
    business.get_by_label("Nhập lại mật khẩu").fill(BUSINESS_PASSWORD)
    business.locator("input[name=consent]").check()
    with business.expect_navigation():
        business.get_by_role("button", name="Gửi đăng ký").click()
    no_errors(business)
    account = EstablishmentAccount.objects.get(establishment=w.hotel)
    assert account.status == EstablishmentAccount.Status.PENDING

    head = sign_in(browser, base, w.head.username)
    head.goto(f"{base}/co-so/tai-khoan/")
    head.get_by_role("link", name=HOTEL).click()
    head.get_by_label("Duyệt: cho phép sử dụng").check()
    with head.expect_navigation():
        head.get_by_role("button", name="Ghi quyết định").click()
    no_errors(head)
    account.refresh_from_db()
    assert account.status == EstablishmentAccount.Status.ACTIVE

    # --- it signs in, lands on its page and submits "Cấp mới" online, prefilled --------------------
    business.context.close()
    business = sign_in(browser, base, "ks.songma", BUSINESS_PASSWORD, lands_on="/doanh-nghiep/")
    business.get_by_role("heading", name=HOTEL, level=1).wait_for()
    business.get_by_role("link", name=re.compile(re.escape(PROCEDURE), re.IGNORECASE)).click()
    assert business.get_by_label("Họ và tên (hoặc tên tổ chức)").input_value() == HOTEL
    assert business.get_by_label("Số định danh cá nhân (hoặc mã số doanh nghiệp)").input_value() == w.hotel.tax_code
    # the hotel's number is a landline: the mobile of the account is prefilled instead
    assert business.get_by_label("Số điện thoại di động").input_value() == "0912345678"
    business.get_by_role("combobox", name=re.compile("^Cơ quan giải quyết")).select_option(label=w.pc06.name)
    # the lines offered are the hotel's own registered ones; its karaoke waits for later
    assert not business.get_by_label("Kinh doanh dịch vụ karaoke, vũ trường").is_checked()
    assert business.get_by_label("Kinh doanh dịch vụ cầm đồ").count() == 0
    business.get_by_label("Kinh doanh dịch vụ lưu trú").check()
    files = business.locator("input[type=file]")
    for n in range(files.count()):
        files.nth(n).set_input_files(pdf_file(tmp_path, f"giay-to-{n + 1}.pdf", f"Giay to {n + 1}"))
    business.get_by_label("Nhận kết quả điện tử (trực tuyến)").check()
    business.locator("input[name=consent]").check()
    with business.expect_navigation():
        business.get_by_role("button", name="Nộp hồ sơ").click()
    no_errors(business)
    business.wait_for_url(re.compile(r".*/nop-ho-so/da-nop/.+"))
    dossier = Dossier.objects.get()
    assert dossier.code in business.content()
    assert dossier.status == Status.NEW_ONLINE
    assert dossier.form_data["establishment"] == {"id": w.hotel.pk, "lines": ["luu-tru"]}

    # and pays the fee online from the dossier's own page (the demo gateway)
    assert dossier.fee_amount == 300_000 and dossier.fee_paid_at is None
    business.get_by_role("link", name=f"{base}/tra-cuu/ho-so/{dossier.token}/").click()
    business.get_by_role("button", name="Thanh toán trực tuyến 300.000 đ").click()
    business.wait_for_url("**/thanh-toan/demo/**")
    with business.expect_navigation():
        business.get_by_role("button", name=re.compile("^Xác nhận thanh toán")).click()
    no_errors(business)
    dossier.refresh_from_db()
    assert dossier.fee_paid_at is not None

    # --- the department's one-stop staff accept, process, approve and return it -------------------
    desk = sign_in(browser, base, w.receptionist.username)
    desk.goto(f"{base}/ho-so/")
    desk.get_by_role("link", name=dossier.code).click()
    desk.wait_for_url(re.compile(r".*/ho-so/\d+/$"))
    act(desk, "Tiếp nhận hồ sơ trực tuyến", "Tiếp nhận")
    act(
        desk,
        "Chuyển xử lý",
        "Chuyển xử lý",
        lambda box: choose(box.get_by_label("Giao cho cán bộ"), w.processor.full_name),
    )
    dossier.refresh_from_db()
    assert dossier.status == Status.PROCESSING and dossier.assignee == w.processor

    processor = sign_in(browser, base, w.processor.username)
    processor.goto(f"{base}/ho-so/{dossier.pk}/")

    def result(box):
        box.get_by_label("Tên kết quả").fill("Giấy chứng nhận đủ điều kiện về an ninh, trật tự")
        box.get_by_label("Tệp kết quả (PDF, JPG, PNG)").set_input_files(pdf_file(tmp_path, "ket-qua.pdf", "GCN"))

    act(processor, "Đính kèm kết quả giải quyết", "Đính kèm", result)
    act(
        processor,
        "Chuyển bước xử lý",
        "Chuyển bước",
        lambda box: choose(box.get_by_label("Giao cho cán bộ"), w.head.full_name),
    )
    head.goto(f"{base}/ho-so/{dossier.pk}/")
    act(head, "Phê duyệt kết quả", "Phê duyệt")
    dossier.refresh_from_db()
    assert dossier.status == Status.PROCESSED
    assert not Certificate.objects.exists()  # issued when the result is returned, not before

    desk.goto(f"{base}/ho-so/{dossier.pk}/")
    act(desk, "Trả kết quả", "Trả kết quả")
    dossier.refresh_from_db()
    assert dossier.status == Status.RETURNED

    # --- the certificate is in the registry, with its number -------------------------------------
    certificate = Certificate.objects.get(establishment=w.hotel)
    assert [line.code for line in certificate.lines.all()] == ["luu-tru"]
    assert certificate.status == Certificate.Status.VALID and certificate.dossier_id == dossier.pk
    head.goto(f"{base}/co-so/{w.hotel.pk}/")
    section = head.locator("section", has=head.locator("h2#giay-chung-nhan"))
    assert certificate.number in section.inner_text()
    assert "Còn hiệu lực" in section.inner_text()
    head.goto(f"{base}/giay-chung-nhan/")
    head.get_by_role("link", name=certificate.number).wait_for()
    business.goto(f"{base}/doanh-nghiep/")
    certificates = business.locator("section", has=business.locator("h2#giay-chung-nhan"))
    assert certificate.number in certificates.inner_text()

    # --- its PDF carries a QR code that verifies it on a public page -----------------------------
    href = certificates.get_by_role("link", name=re.compile("PDF")).get_attribute("href")
    response = business.request.get(base + href)
    assert response.ok and response.headers["content-type"] == "application/pdf"
    codes = qr_codes(response.body())
    assert len(codes) == 1 and codes[0].startswith(f"{base}/xac-minh-giay-chung-nhan/"), codes
    anyone = new_page(browser, PHONE)
    anyone.goto(codes[0])
    assert "Còn hiệu lực" in anyone.get_by_role("status").inner_text()
    facts = anyone.locator("table.vp-facts").inner_text()
    assert certificate.number in facts and HOTEL in facts and "Kinh doanh dịch vụ lưu trú" in facts
    html = anyone.content()
    for personal in (HOLDER_NAME, HOLDER_ID, "Phạm Văn Chủ", "038085001234", "0912000222", "Trần Thị Quản Lý"):
        assert personal not in html, personal
    problems = fits_and_passes_axe(anyone, "xac-minh")

    # --- an officer plans an inspection and records it with a finding, now overdue ----------------
    inspector = processor  # the processing officer also inspects the department's establishments
    inspector.goto(f"{base}/co-so/{w.hotel.pk}/")
    panel = inspector.locator("section", has=inspector.locator("h2#kiem-tra"))
    panel.locator("a[href*='linh-vuc=security']").click()  # plan the security-and-order one
    inspector.wait_for_url(re.compile(r".*/co-so/\d+/kiem-tra/moi/.*"))
    assert inspector.get_by_label("An ninh, trật tự", exact=True).is_checked()  # from the link
    inspector.get_by_label("Hình thức kiểm tra").select_option(label="Định kỳ")
    inspector.locator("#id_planned_on").fill(today.strftime("%d/%m/%Y"))
    inspector.locator("#id_team").fill("Thượng úy Nguyễn Văn Xử (trưởng đoàn), Trung úy Trần Văn Hai")
    with inspector.expect_navigation():
        inspector.get_by_role("button", name="Lập kế hoạch").click()
    no_errors(inspector)
    inspection = Inspection.objects.get(establishment=w.hotel)
    assert inspection.status == Inspection.Status.PLANNED and inspection.planned_on == today

    inspected_on = today - timedelta(days=7)  # the record is written up a week after the visit
    deadline = today - timedelta(days=1)  # and the deadline it gave has passed
    inspector.locator("#id_inspected_on").fill(inspected_on.strftime("%d/%m/%Y"))
    inspector.get_by_label("Có tồn tại, yêu cầu khắc phục").check()
    inspector.get_by_label("Nội dung kết luận").fill("Cơ sở chấp hành cơ bản; còn một tồn tại về sổ quản lý lưu trú.")
    inspector.get_by_label("Tồn tại, thiếu sót, dòng 1").fill("Chưa ghi đầy đủ sổ quản lý khách lưu trú theo mẫu ĐK26")
    inspector.get_by_label("Yêu cầu khắc phục, dòng 1").fill("Ghi đầy đủ thông tin khách vào sổ và thông báo lưu trú")
    inspector.get_by_label("Hạn khắc phục, dòng 1").fill(deadline.strftime("%d/%m/%Y"))
    with inspector.expect_navigation():
        inspector.get_by_role("button", name="Ghi kết quả").click()
    no_errors(inspector)
    inspection.refresh_from_db()
    assert inspection.status == Inspection.Status.DONE and inspection.inspected_on == inspected_on
    finding = Finding.objects.get(inspection=inspection)
    assert finding.due_on == deadline and finding.status == Finding.Status.OPEN

    # --- and the unit's plan shows the overdue finding ------------------------------------------
    inspector.goto(f"{base}/kiem-tra/ke-hoach/")
    overdue = inspector.locator("section", has=inspector.locator("h2#ton-tai")).inner_text()
    assert "Chưa ghi đầy đủ sổ quản lý khách lưu trú theo mẫu ĐK26" in overdue
    assert HOTEL in overdue and deadline.strftime("%d/%m/%Y") in overdue
    problems += fits_and_passes_axe(inspector, "ke-hoach")

    # the business sees it too, highlighted as overdue
    business.goto(f"{base}/doanh-nghiep/")
    findings = business.locator("section", has=business.locator("h2#khac-phuc")).inner_text()
    assert "Chưa ghi đầy đủ sổ quản lý khách lưu trú" in findings and "quá hạn" in findings.lower()
    assert problems == []
