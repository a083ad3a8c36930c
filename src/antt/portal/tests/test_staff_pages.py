"""The staff gate, the demo banner, role home pages and the public home."""

import pytest
from django.test import RequestFactory

from antt.org.models import Role, User
from antt.org.otp import login_verified, staff_required

pytestmark = pytest.mark.django_db

STAFF_HOME = "/can-bo/"
BANNER = "Chế độ trình diễn: xác thực hai lớp đang tắt"


def test_staff_pages_send_anonymous_users_to_sign_in(client):
    # when
    response = client.get(STAFF_HOME)

    # then
    assert response.status_code == 302
    assert response.url == "/dang-nhap/?next=%2Fcan-bo%2F"


def test_staff_pages_send_password_only_sessions_to_the_code_step(client, receptionist):
    # given: signed in without a second factor (e.g. before 2FA was switched on)
    client.force_login(receptionist)

    # when
    response = client.get(STAFF_HOME)

    # then
    assert response.status_code == 302
    assert response.url == "/dang-nhap/ma-xac-thuc/?next=%2Fcan-bo%2F"


def test_code_step_for_a_password_only_session_verifies_it(client, receptionist, device):
    # given
    from antt.portal.tests.conftest import current_code

    client.force_login(receptionist)

    # when
    response = client.post("/dang-nhap/ma-xac-thuc/?next=%2Fcan-bo%2F", {"otp_token": current_code(device)})

    # then
    assert response.url == STAFF_HOME
    assert client.get(STAFF_HOME).status_code == 200


def test_htmx_requests_of_anonymous_users_redirect_the_whole_page(client):
    # when
    response = client.get(
        "/can-bo/?tab=1", headers={"HX-Request": "true", "HX-Current-URL": "http://testserver/can-bo/"}
    )

    # then
    assert response.headers["HX-Redirect"] == "/dang-nhap/?next=%2Fcan-bo%2F"


def test_staff_pages_refuse_accounts_that_are_not_officers(client, db):
    # given: a verified account with no unit and no role
    user = User.objects.create_user(username="khach", password="x")
    login_verified(client, user)

    # when
    response = client.get(STAFF_HOME)

    # then
    assert response.status_code == 403


def test_staff_required_lets_a_verified_officer_through(receptionist, device):
    # given
    request = RequestFactory().get("/x/")
    request.user = receptionist
    request.user.is_verified = lambda: True
    view = staff_required(lambda request: "ok")

    # when / then
    assert view(request) == "ok"


def test_demo_banner_shows_on_staff_pages_when_two_factor_is_off(client, receptionist, settings):
    # given
    settings.ANTT_REQUIRE_2FA = False
    client.force_login(receptionist)

    # when
    html = client.get(STAFF_HOME).content.decode()

    # then
    assert BANNER in html
    assert 'role="alert"' in html


def test_demo_banner_shows_on_the_sign_in_page_when_two_factor_is_off(client, settings):
    # given
    settings.ANTT_REQUIRE_2FA = False

    # when / then
    assert BANNER in client.get("/dang-nhap/").content.decode()


def test_no_demo_banner_when_two_factor_is_on(client, receptionist):
    # given
    login_verified(client, receptionist)

    # when
    staff_html = client.get(STAFF_HOME).content.decode()
    login_html = client.get("/dang-nhap/").content.decode()

    # then
    assert BANNER not in staff_html
    assert BANNER not in login_html


def _card_titles(client, user):
    login_verified(client, user)
    response = client.get(STAFF_HOME)
    assert response.status_code == 200
    return [action.title for action in response.context["actions"]]


def test_receptionist_home_offers_procedures_and_intake_only(client, make_officer):
    # when
    titles = _card_titles(client, make_officer(Role.RECEPTIONIST))

    # then
    assert "Tra cứu thủ tục" in titles
    assert "Tiếp nhận hồ sơ" in titles
    assert "Quản lý cán bộ" not in titles
    assert "Thống kê" not in titles
    assert "Quản trị danh mục" not in titles


def test_unit_admin_home_offers_officer_management(client, make_officer):
    # when
    titles = _card_titles(client, make_officer(Role.UNIT_ADMIN))

    # then
    assert "Quản lý cán bộ" in titles
    assert "Tiếp nhận hồ sơ" not in titles
    assert "Quản trị danh mục" not in titles


def test_supervisor_home_offers_statistics_and_no_intake(client, make_officer):
    # when
    titles = _card_titles(client, make_officer(Role.SUPERVISOR))

    # then
    assert "Thống kê" in titles
    assert "Tiếp nhận hồ sơ" not in titles
    assert "Quản lý cán bộ" not in titles


def test_system_admin_home_offers_catalogue_administration(client, make_officer):
    # when
    titles = _card_titles(client, make_officer(Role.SYSTEM_ADMIN))

    # then
    assert "Quản trị danh mục" in titles
    assert "Tiếp nhận hồ sơ" not in titles


def test_unbuilt_actions_are_marked_coming_not_linked(client, make_officer):
    # given
    login_verified(client, make_officer(Role.SYSTEM_ADMIN))

    # when
    html = client.get(STAFF_HOME).content.decode()

    # then: the audit-trail viewer has no page yet; the built ones are links
    assert 'Nhật ký kiểm tra <span class="badge">sắp có</span>' in html
    assert ">Nhật ký kiểm tra</a>" not in html
    assert ">Thống kê</a>" in html


def test_navigation_follows_the_role_and_marks_the_current_page(client, make_officer):
    # given
    login_verified(client, make_officer(Role.UNIT_ADMIN))

    # when
    html = client.get(STAFF_HOME).content.decode()

    # then
    assert '<a href="/can-bo/" aria-current="page">Trang cán bộ</a>' in html
    assert ">Cán bộ</a>" in html
    assert ">Quản trị</a>" not in html


def test_receptionist_navigation_has_no_officer_pages(client, make_officer):
    # given
    login_verified(client, make_officer(Role.RECEPTIONIST))

    # when
    html = client.get(STAFF_HOME).content.decode()

    # then
    assert ">Cán bộ</a>" not in html
    assert "Đăng xuất" in html


def test_public_home_offers_the_citizen_services_and_staff_sign_in(client, db):
    # when
    response = client.get("/")

    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert "Tìm thủ tục hành chính" in html
    assert '<a href="/nop-ho-so/">Nộp hồ sơ trực tuyến</a>' in html
    assert '<a href="/tra-cuu/">Tra cứu hồ sơ</a>' in html
    assert "sắp có" not in html
    assert 'href="/dang-nhap/"' in html
    assert BANNER not in html


def test_layout_has_landmarks_skip_link_and_footer_unit(client, receptionist):
    # given
    login_verified(client, receptionist)

    # when
    html = client.get(STAFF_HOME).content.decode()

    # then
    assert '<a class="skip-link" href="#main">' in html
    for landmark in ("<header", "<nav", '<main id="main"', "<footer"):
        assert landmark in html
    assert "Đơn vị: Công an phường Hàm Rồng" in html


def test_pages_send_a_content_security_policy_without_inline_scripts(client, db):
    # when
    response = client.get("/")

    # then
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
