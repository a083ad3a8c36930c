"""Staff sign-in: password, then the TOTP code; enrolment; lockout; sign-out."""

import base64
import io
import re
from urllib.parse import parse_qs, urlencode, urlparse

import pytest
import zxingcpp
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice
from PIL import Image

from antt.core.models import AuditEvent
from antt.portal.tests.conftest import PASSWORD, current_code, wrong_code

pytestmark = pytest.mark.django_db

LOGIN = "/dang-nhap/"
OTP = "/dang-nhap/ma-xac-thuc/"
ENROL = "/dang-nhap/dang-ky-xac-thuc/"
STAFF_HOME = "/can-bo/"


def _password_step(client, username="tiepnhan", password=PASSWORD, **extra):
    return client.post(LOGIN, {"username": username, "password": password, **extra})


def test_correct_password_alone_does_not_sign_in_but_asks_for_the_code(client, receptionist, device):
    # when
    response = _password_step(client)

    # then
    assert response.status_code == 302
    assert response.url == OTP
    assert "_auth_user_id" not in client.session
    assert client.get(STAFF_HOME).url.startswith(LOGIN)


def test_wrong_code_is_refused_with_a_vietnamese_message(client, receptionist, device):
    # given
    _password_step(client)

    # when
    response = client.post(OTP, {"otp_token": wrong_code(device)})

    # then
    assert response.status_code == 400
    assert "Mã xác thực không đúng" in response.content.decode()
    assert "_auth_user_id" not in client.session
    device.refresh_from_db()
    assert device.throttling_failure_count == 1


def test_correct_code_signs_in_verified_and_opens_the_staff_home(client, receptionist, device):
    # given
    _password_step(client)

    # when
    response = client.post(OTP, {"otp_token": current_code(device)})

    # then
    assert response.status_code == 302
    assert response.url == STAFF_HOME
    home = client.get(STAFF_HOME)
    assert home.status_code == 200
    assert home.context["user"].is_verified()
    assert AuditEvent.objects.filter(action=AuditEvent.Action.LOGIN, actor=receptionist).exists()


def test_code_step_returns_to_the_page_asked_for(client, receptionist, device):
    # given
    _password_step(client, next="/don-vi/")

    # when
    response = client.post(OTP, {"otp_token": current_code(device)})

    # then
    assert response.url == "/don-vi/"


def test_code_step_does_not_redirect_to_another_site(client, receptionist, device):
    # given
    _password_step(client, next="https://evil.example/")

    # when
    response = client.post(OTP, {"otp_token": current_code(device)})

    # then
    assert response.url == STAFF_HOME


def test_the_same_code_cannot_be_used_twice(client, receptionist, device):
    # given
    code = current_code(device)
    _password_step(client)
    client.post(OTP, {"otp_token": code})
    client.post(reverse("logout"))
    _password_step(client)

    # when
    response = client.post(OTP, {"otp_token": code})

    # then
    assert response.status_code == 400
    assert "_auth_user_id" not in client.session


def test_wrong_codes_are_throttled_by_django_otp(client, receptionist, device, settings):
    # given: a long back-off so the test does not depend on timing
    settings.OTP_TOTP_THROTTLE_FACTOR = 60
    _password_step(client)
    client.post(OTP, {"otp_token": wrong_code(device)})

    # when: even the right code is refused while the back-off runs
    response = client.post(OTP, {"otp_token": current_code(device)})

    # then
    assert response.status_code == 400
    assert "Vui lòng đợi" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_wrong_codes_count_towards_the_lockout_and_the_audit_trail(client, receptionist, device, settings):
    # given
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # only axes counts here
    _password_step(client)

    # when
    responses = [client.post(OTP, {"otp_token": wrong_code(device)}) for _ in range(5)]
    after = client.post(OTP, {"otp_token": current_code(device)})

    # then
    assert [r.status_code for r in responses[:4]] == [400] * 4
    assert responses[4].status_code == 429
    assert after.status_code in (302, 429)
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(action=AuditEvent.Action.LOGIN_FAILED).count() == 5


def test_five_wrong_passwords_lock_the_account_even_with_the_right_one(client, receptionist, device):
    # given
    for _ in range(4):
        assert _password_step(client, password="sai-mat-khau").status_code == 400

    # when
    fifth = _password_step(client, password="sai-mat-khau")
    right = _password_step(client)

    # then
    assert fifth.status_code == 429
    assert right.status_code == 429
    assert "tạm thời bị khóa" in right.content.decode()
    assert "_auth_user_id" not in client.session


def test_wrong_password_is_refused_in_vietnamese_and_audited(client, receptionist):
    # when
    response = _password_step(client, password="sai-mat-khau")

    # then
    assert response.status_code == 400
    assert "mật khẩu" in response.content.decode().lower()
    event = AuditEvent.objects.get(action=AuditEvent.Action.LOGIN_FAILED)
    assert event.changes["username"] == "tiepnhan"


def test_first_sign_in_enrols_an_authenticator_with_a_qr_code(client, receptionist):
    # given
    response = _password_step(client)
    assert response.url == ENROL

    # when
    page = client.get(ENROL)

    # then
    html = page.content.decode()
    assert page.status_code == 200
    assert 'src="data:image/png;base64,' in html
    assert "<script" not in html.split("</head>")[1]
    device = TOTPDevice.objects.get(user=receptionist)
    assert not device.confirmed
    assert client.get(ENROL).status_code == 200
    assert TOTPDevice.objects.filter(user=receptionist).count() == 1


def test_enrolment_qr_code_carries_the_device_secret(client, receptionist):
    # given
    _password_step(client)

    # when
    html = client.get(ENROL).content.decode()

    # then: an authenticator app scanning it gets this device's key and our issuer
    data_uri = re.search(r'src="data:image/png;base64,([^"]+)"', html).group(1)
    image = Image.open(io.BytesIO(base64.b64decode(data_uri)))
    # zxing may also report a spurious second symbol in the quiet zone; ours is the otpauth one
    texts = {b.text for b in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)}
    (text,) = [t for t in texts if t.startswith("otpauth://")]
    url = urlparse(text)
    params = parse_qs(url.query)
    device = TOTPDevice.objects.get(user=receptionist)
    assert url.scheme == "otpauth"
    assert base64.b32decode(params["secret"][0] + "=" * (-len(params["secret"][0]) % 8)) == device.bin_key
    assert params["issuer"] == ["ANTT Công an tỉnh Thanh Hóa"]


def test_enrolment_is_confirmed_by_the_first_code(client, receptionist):
    # given
    _password_step(client)
    client.get(ENROL)
    device = TOTPDevice.objects.get(user=receptionist)

    # when
    response = client.post(ENROL, {"otp_token": current_code(device)})

    # then
    assert response.status_code == 302
    assert response.url == STAFF_HOME
    device.refresh_from_db()
    assert device.confirmed
    assert client.get(STAFF_HOME).status_code == 200
    confirmation = AuditEvent.objects.get(object_type="otp_totp.totpdevice", action=AuditEvent.Action.UPDATE)
    assert confirmation.actor == receptionist
    assert device.key not in str(confirmation.changes)


def test_enrolment_with_a_wrong_code_confirms_nothing(client, receptionist):
    # given
    _password_step(client)
    client.get(ENROL)
    device = TOTPDevice.objects.get(user=receptionist)

    # when
    response = client.post(ENROL, {"otp_token": wrong_code(device)})

    # then
    assert response.status_code == 400
    device.refresh_from_db()
    assert not device.confirmed
    assert "_auth_user_id" not in client.session


def test_code_step_without_a_password_first_goes_back_to_sign_in(client, db):
    # when
    response = client.get(OTP)

    # then
    assert response.status_code == 302
    assert response.url == LOGIN


def test_password_step_is_enough_when_two_factor_is_off(client, receptionist, settings):
    # given
    settings.ANTT_REQUIRE_2FA = False

    # when
    response = _password_step(client)

    # then
    assert response.status_code == 302
    assert response.url == STAFF_HOME
    assert client.get(STAFF_HOME).status_code == 200


def test_sign_out_ends_the_session_and_is_audited(client, receptionist, device):
    # given
    _password_step(client)
    client.post(OTP, {"otp_token": current_code(device)})

    # when
    response = client.post(reverse("logout"))

    # then
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(action=AuditEvent.Action.LOGOUT, actor=receptionist).exists()


def test_sign_in_page_is_vietnamese_and_labelled(client, db):
    # when
    html = client.get(LOGIN).content.decode()

    # then
    assert '<html lang="vi">' in html
    assert '<label for="id_username">Tên đăng nhập</label>' in html
    assert '<label for="id_password">Mật khẩu</label>' in html


def test_admin_asks_for_the_code_before_opening(client, make_officer):
    # given: a system administrator past the password only
    admin = make_officer("system_admin", username="quantri", is_staff=True, is_superuser=True)
    client.force_login(admin)

    # when
    response = client.get("/quan-tri/")
    follow = client.get(response.url)

    # then
    assert response.status_code == 302
    assert follow.status_code == 302
    assert follow.url.startswith(OTP + "?" + urlencode({"next": "/quan-tri/"}))


def test_admin_opens_after_the_code(client, make_officer):
    # given
    from antt.org.otp import login_verified

    admin = make_officer("system_admin", username="quantri", is_staff=True, is_superuser=True)
    login_verified(client, admin)

    # when
    response = client.get("/quan-tri/")

    # then
    assert response.status_code == 200


def test_admin_sends_anonymous_users_to_the_staff_sign_in(client, db):
    # when
    response = client.get("/quan-tri/", follow=True)

    # then
    assert response.redirect_chain[-1][0].startswith(LOGIN + "?")
    assert response.status_code == 200


def test_admin_opens_without_the_code_in_demo_mode(client, make_officer, settings):
    # given
    settings.ANTT_REQUIRE_2FA = False
    admin = make_officer("system_admin", username="quantri", is_staff=True, is_superuser=True)
    client.force_login(admin)

    # when
    response = client.get("/quan-tri/")

    # then
    assert response.status_code == 200


def test_password_step_expires_if_the_code_comes_too_late(client, receptionist, device):
    # given: the password step passed more than ten minutes ago
    from antt.org.auth_views import PENDING_KEY, PENDING_SECONDS

    _password_step(client)
    session = client.session
    session[PENDING_KEY] = {**session[PENDING_KEY], "at": session[PENDING_KEY]["at"] - PENDING_SECONDS - 1}
    session.save()

    # when
    response = client.post(OTP, {"otp_token": current_code(device)})

    # then
    assert response.status_code == 302
    assert response.url == LOGIN
    assert "_auth_user_id" not in client.session
