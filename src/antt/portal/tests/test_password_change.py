"""Password rules (length 12, three kinds of characters) on the password-change page."""

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from antt.core.models import AuditEvent
from antt.org.otp import login_verified
from antt.portal.tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

PAGE = "/doi-mat-khau/"


@pytest.mark.parametrize(
    ("password", "expected"),
    [
        ("Ngan-1a", "Mật khẩu quá ngắn: cần ít nhất 12 ký tự"),
        ("chuthuongdaidai", "ít nhất 3 trong 4 loại ký tự"),
        ("123456789012345", "toàn là số"),
    ],
)
def test_weak_passwords_are_refused_in_vietnamese(password, expected):
    # when
    with pytest.raises(ValidationError) as error:
        validate_password(password)

    # then
    assert any(expected in message for message in error.value.messages)


def test_strong_password_passes_the_validators():
    validate_password("Thanh-Hoa-Cong-An-2026")


def test_password_change_page_refuses_a_weak_password(client, receptionist):
    # given
    login_verified(client, receptionist)

    # when
    response = client.post(
        PAGE, {"old_password": PASSWORD, "new_password1": "matkhauyeu", "new_password2": "matkhauyeu"}
    )

    # then
    assert response.status_code == 400
    html = response.content.decode()
    assert "Mật khẩu quá ngắn: cần ít nhất 12 ký tự" in html
    receptionist.refresh_from_db()
    assert receptionist.check_password(PASSWORD)


def test_password_change_page_accepts_a_strong_password_and_audits_it(client, receptionist):
    # given
    login_verified(client, receptionist)
    new = "Ham-Rong-Thanh-Hoa-2026"

    # when
    response = client.post(PAGE, {"old_password": PASSWORD, "new_password1": new, "new_password2": new})

    # then
    assert response.status_code == 302
    receptionist.refresh_from_db()
    assert receptionist.check_password(new)
    event = AuditEvent.objects.filter(action=AuditEvent.Action.UPDATE, object_id=str(receptionist.pk)).get()
    assert new not in str(event.changes)
    assert client.get("/can-bo/").status_code == 200


def test_password_change_page_needs_the_second_factor(client, receptionist):
    # given
    client.force_login(receptionist)

    # when
    response = client.get(PAGE)

    # then
    assert response.status_code == 302
    assert response.url.startswith("/dang-nhap/ma-xac-thuc/")
