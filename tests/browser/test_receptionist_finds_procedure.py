"""A receptionist signs in (password + TOTP code) and finds a procedure in the catalogue."""

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from antt.catalog.loaders import load_catalog
from antt.org.models import Role, Unit, User
from tests.browser.axe import axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Tiep-Nhan-Ho-So-2026"


@pytest.fixture
def receptionist(settings):
    settings.ANTT_REQUIRE_2FA = True
    load_catalog()
    unit = Unit.objects.create(name="Phòng Quản lý xuất nhập cảnh", level=Unit.Level.DEPARTMENT, slug="pa08")
    user = User.objects.create_user(
        username="tiepnhan", password=PASSWORD, full_name="Lê Thị Hoa", role=Role.RECEPTIONIST, unit=unit
    )
    device = TOTPDevice.objects.create(user=user, name="Ứng dụng xác thực", confirmed=True)
    return user, device


def _code(device: TOTPDevice) -> str:
    device.refresh_from_db()
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def test_receptionist_signs_in_with_second_factor_and_finds_a_procedure(live_server, page, receptionist):
    # given
    user, device = receptionist

    # when: password, then the code from the authenticator app
    page.goto(f"{live_server.url}/can-bo/")
    page.get_by_label("Tên đăng nhập").fill("tiepnhan")
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.get_by_label("Mã xác thực (6 chữ số)").fill(_code(device))
    page.get_by_role("button", name="Xác nhận").click()

    # then: the staff home, with the catalogue among the officer's actions
    page.wait_for_url(f"{live_server.url}/can-bo/")
    assert page.get_by_role("heading", name="Xin chào, Lê Thị Hoa").is_visible()
    assert page.get_by_text("Chế độ trình diễn").count() == 0

    # when: the catalogue search
    page.get_by_role("link", name="Tra cứu thủ tục").click()
    page.get_by_label("Tìm thủ tục").fill("cap ho chieu")
    page.get_by_role("button", name="Tìm kiếm").click()

    # then
    page.wait_for_url("**/thu-tuc/?*")
    assert page.get_by_role("link", name="Cấp hộ chiếu phổ thông").first.is_visible()
    assert page.locator('nav a[aria-current="page"]').inner_text() == "Thủ tục hành chính"


def test_staff_home_passes_axe_and_fits_a_phone_screen(live_server, phone_page, receptionist, settings):
    # given: the demo mode, so the banner is on the page too
    settings.ANTT_REQUIRE_2FA = False
    page = phone_page

    # when
    page.goto(f"{live_server.url}/dang-nhap/?next=/can-bo/")
    page.get_by_label("Tên đăng nhập").fill("tiepnhan")
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(f"{live_server.url}/can-bo/")

    # then
    assert page.get_by_role("alert").filter(has_text="Chế độ trình diễn").is_visible()
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 360
    assert axe_violations(page) == []


@pytest.mark.parametrize("path", ["/", "/dang-nhap/", "/thu-tuc/"])
def test_public_pages_pass_axe_and_fit_a_phone_screen(live_server, phone_page, receptionist, path, tmp_path):
    # when
    phone_page.goto(f"{live_server.url}{path}")
    phone_page.screenshot(path=str(tmp_path / "page.png"), full_page=True)

    # then
    assert phone_page.evaluate("document.scrollingElement.scrollWidth") <= 360
    assert axe_violations(phone_page) == []


def test_first_sign_in_enrols_the_authenticator_app(live_server, phone_page, receptionist, tmp_path):
    # given: an officer without an authenticator app yet
    user, device = receptionist
    device.delete()
    page = phone_page

    # when
    page.goto(f"{live_server.url}/dang-nhap/")
    page.get_by_label("Tên đăng nhập").fill("tiepnhan")
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()

    # then: the QR code page, accessible and phone-sized
    assert page.get_by_role("heading", name="Đăng ký xác thực hai lớp").is_visible()
    assert page.get_by_role("img", name="Mã QR").is_visible()
    page.screenshot(path=str(tmp_path / "enrol.png"), full_page=True)
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 360
    assert axe_violations(page) == []

    # when: the first code from the app
    page.get_by_label("Mã xác thực (6 chữ số)").fill(_code(TOTPDevice.objects.get(user=user)))
    page.get_by_role("button", name="Xác nhận và đăng nhập").click()

    # then
    page.wait_for_url(f"{live_server.url}/can-bo/")
    assert page.get_by_text("Đã đăng ký ứng dụng xác thực").is_visible()
    assert TOTPDevice.objects.get(user=user).confirmed
