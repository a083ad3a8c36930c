"""Business accounts: sign-up (unknown tax code, duplicate username, weak password, rate limit),
approval by the managing unit, the business's own file (nothing of another establishment),
employee accounts, and staff pages refusing business users."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from antt.core.models import AuditEvent
from antt.establishments import accounts
from antt.establishments.certificates import certificate_issue
from antt.establishments.errors import EstablishmentError
from antt.establishments.models import EstablishmentAccount, Finding, Inspection
from antt.establishments.tests.factories import establishments_world, valid_tax_code
from antt.establishments.tests.test_api import est
from antt.org.models import Role, User
from antt.org.otp import login_verified
from antt.org.tests.factories import make_officer

pytestmark = pytest.mark.django_db

S = EstablishmentAccount.Status
SIGNUP = "/doanh-nghiep/dang-ky/"
HOME = "/doanh-nghiep/"
PASSWORD = "Anh#Duong2026kd"


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def w():
    return establishments_world()


def signup_data(tax_code: str = "", **overrides) -> dict:
    data = {
        "tax_code": tax_code,
        "full_name": "Trần Thị Quản Lý",
        "phone": "0912 345 678",
        "email": "quanly@anhduong.vn",
        "username": "anhduong",
        "password1": PASSWORD,
        "password2": PASSWORD,
        "consent": "on",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def signed_up(e, *, username="anhduong", status=S.PENDING, manager=True) -> EstablishmentAccount:
    account = accounts.business_signup(
        tax_code=e.tax_code,
        full_name="Trần Thị Quản Lý",
        phone="0912345678",
        email="quanly@anhduong.vn",
        username=username,
        password=PASSWORD,
        consent=True,
    )
    if status != S.PENDING or not manager:
        EstablishmentAccount.objects.filter(pk=account.pk).update(status=status, is_manager=manager)
        account.refresh_from_db()
    return account


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def verified(user) -> Client:
    client = Client()
    login_verified(client, user)
    return client


# --- Sign-up ----------------------------------------------------------------------------------------


def test_signup_creates_a_user_without_role_and_a_waiting_manager_account(w, client):
    # given an establishment in the registry
    e = est(w)
    # when its manager signs up
    response = client.post(SIGNUP, signup_data(e.tax_code))
    # then a plain user (no role, no unit, not staff) and a PENDING manager account exist
    assert response.status_code == 302 and response["Location"] == HOME
    user = User.objects.get(username="anhduong")
    assert user.role == "" and user.unit_id is None and not user.is_staff and not user.is_superuser
    assert user.check_password(PASSWORD) and user.phone == "0912345678"
    account = user.establishment_account
    assert account.establishment == e and account.status == S.PENDING and account.is_manager
    # and the sign-up is in the audit trail, without the password
    event = AuditEvent.objects.filter(object_type="establishments.establishmentaccount").latest("seq")
    assert event.action == AuditEvent.Action.CREATE and PASSWORD not in str(event.changes)
    # and the page says who will approve
    assert e.unit.name in client.get(HOME).content.decode()


@pytest.mark.parametrize(
    "overrides, status, message",
    [
        ({"tax_code": "0100109106"}, 404, "Mã số thuế chưa có trong sổ theo dõi của Công an"),
        ({"tax_code": "0100109107"}, 400, "sai chữ số kiểm tra"),
        ({"tax_code": "abc"}, 400, "Mã số thuế phải gồm 10 chữ số"),
        ({"password1": "123", "password2": "123"}, 400, "Mật khẩu"),
        ({"password1": "anhduong2026", "password2": "anhduong2026"}, 400, "Mật khẩu"),
        ({"password2": "Khac#Nhau2026xx"}, 400, "Hai lần nhập mật khẩu không giống nhau"),
        ({"consent": None}, 400, "Cần đồng ý cho xử lý dữ liệu cá nhân"),
        ({"phone": "12345"}, 400, "Số điện thoại di động không hợp lệ"),
        ({"email": "khong-phai-thu"}, 400, "thư điện tử không hợp lệ"),
        ({"username": "anh duong"}, 400, "Tên đăng nhập chỉ gồm"),
    ],
    ids=[
        "unknown-tax-code",
        "bad-check-digit",
        "bad-format",
        "short-password",
        "simple-password",
        "passwords-differ",
        "no-consent",
        "bad-phone",
        "bad-email",
        "bad-username",
    ],
)
def test_bad_signups_are_refused_with_a_vietnamese_message_and_nothing_written(w, client, overrides, status, message):
    e = est(w)
    users = User.objects.count()
    response = client.post(SIGNUP, signup_data(**{"tax_code": e.tax_code, **overrides}))
    assert response.status_code == status
    assert message in response.content.decode()
    assert User.objects.count() == users and not EstablishmentAccount.objects.exists()


def test_the_unknown_tax_code_message_says_whom_to_contact(w):
    with pytest.raises(EstablishmentError) as err:
        signed_up(type("E", (), {"tax_code": valid_tax_code()})())
    assert err.value.status == 404 and err.value.field == "tax_code"
    assert err.value.message == (
        "Mã số thuế chưa có trong sổ theo dõi của Công an; liên hệ Công an xã, phường nơi cơ sở hoạt động."
    )


def test_a_taken_username_is_409_whatever_its_case(w, client):
    e = est(w)
    signed_up(e)
    response = client.post(SIGNUP, signup_data(e.tax_code, username="AnhDuong"))
    assert response.status_code == 409
    assert "đã có người dùng" in response.content.decode()
    assert EstablishmentAccount.objects.count() == 1


def test_signups_are_rate_limited_per_address(w, client, settings):
    settings.ANTT_BUSINESS_SIGNUP_RATE = "2/h"
    e = est(w)
    for i in range(2):
        client.post(SIGNUP, signup_data(e.tax_code, username=f"nguoi{i}"))
    response = client.post(SIGNUP, signup_data(e.tax_code, username="nguoi3"))
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    assert "quá nhiều lượt đăng ký" in response.content.decode()
    assert EstablishmentAccount.objects.count() == 2
    # another address is not limited
    other = Client(REMOTE_ADDR="10.0.0.9").post(SIGNUP, signup_data(e.tax_code, username="nguoi4"))
    assert other.status_code == 302


def test_anonymous_home_explains_and_links_to_sign_in_and_sign_up(client):
    html = client.get(HOME).content.decode()
    assert reverse("login") + "?next=%2Fdoanh-nghiep%2F" in html
    assert SIGNUP in html and "Đăng ký tài khoản" in html


# --- Approval ------------------------------------------------------------------------------------


def test_the_managing_unit_lists_masks_and_approves_a_waiting_account(w):
    # given accounts waiting in commune A and commune B
    a = signed_up(est(w, name="Karaoke Ánh Dương"))
    b = signed_up(est(w, name="Khách sạn Sông Mã", unit=w.commune_b), username="songma")
    officer = verified(w.processor_a)
    # when commune A's processor opens the list
    listing = officer.get(reverse("establishments:account-list"))
    html = listing.content.decode()
    # then only commune A's, the applicant masked
    assert listing.status_code == 200
    assert "Karaoke Ánh Dương" in html and "Khách sạn Sông Mã" not in html
    assert "Trần Thị Quản Lý" not in html and "T*** T** Q*** L*" in html and "0912345678" not in html
    # the detail shows the applicant in full, and the read is logged
    detail = officer.get(reverse("establishments:account-detail", args=[a.pk]))
    assert "Trần Thị Quản Lý" in detail.content.decode() and "0912345678" in detail.content.decode()
    assert AuditEvent.objects.filter(action=AuditEvent.Action.READ_PERSONAL, object_id=str(a.user_id)).exists()
    assert officer.get(reverse("establishments:account-detail", args=[b.pk])).status_code == 404
    # when approved
    response = officer.post(reverse("establishments:account-detail", args=[a.pk]), {"decision": "approve"})
    # then
    assert response.status_code == 302
    a.refresh_from_db()
    assert a.status == S.ACTIVE and a.decided_by == w.processor_a and a.decided_at
    assert AuditEvent.objects.filter(action=AuditEvent.Action.TRANSITION, object_id=str(a.pk)).exists()
    waiting = officer.get(reverse("establishments:account-list")).content.decode()
    assert reverse("establishments:account-detail", args=[a.pk]) not in waiting


def test_refusal_needs_a_reason_which_the_business_then_reads(w):
    e = est(w)
    account = signed_up(e)
    officer = verified(w.processor_a)
    url = reverse("establishments:account-detail", args=[account.pk])
    assert officer.post(url, {"decision": "refuse", "reason": ""}).status_code == 400
    account.refresh_from_db()
    assert account.status == S.PENDING
    officer.post(url, {"decision": "refuse", "reason": "Người đăng ký không phải người đại diện của cơ sở"})
    account.refresh_from_db()
    assert account.status == S.REFUSED
    page = signed_in(account.user).get(HOME).content.decode()
    assert "bị từ chối" in page and "không phải người đại diện" in page


def test_deciding_twice_is_409_another_unit_404_and_a_role_without_manage_403(w):
    account = signed_up(est(w))
    accounts.account_decide(officer=w.processor_a, account=account, approve=True)
    with pytest.raises(EstablishmentError) as twice:
        accounts.account_decide(officer=w.head_a, account=account, approve=False, reason="x")
    assert twice.value.status == 409
    other = signed_up(est(w), username="khac")
    with pytest.raises(EstablishmentError) as outside:
        accounts.account_decide(officer=w.processor_b, account=other, approve=True)
    assert outside.value.status == 404
    with pytest.raises(EstablishmentError) as role:
        accounts.account_decide(officer=w.receptionist_a, account=other, approve=True)
    assert role.value.status == 403
    other.refresh_from_db()
    assert other.status == S.PENDING
    assert verified(w.receptionist_a).get(reverse("establishments:account-list")).status_code == 403
    # a head of the province above both may decide
    accounts.account_decide(officer=make_officer(w.province, role=Role.HEAD), account=other, approve=True)


def test_a_waiting_account_sees_only_the_waiting_page(w):
    e = est(w)
    certificate_issue(officer=w.head_a, establishment=e, line_codes=["t-karaoke"])
    account = signed_up(e)
    html = signed_in(account.user).get(HOME).content.decode()
    assert "chờ duyệt" in html and "GCN-ANTT" not in html


# --- The business's own file -----------------------------------------------------------------------


def inspection_with_finding(w, e, *, due_on, status=Finding.Status.OPEN, description="Lối thoát nạn bị chắn"):
    today = timezone.localdate()
    inspection = Inspection.objects.create(
        establishment=e,
        unit=e.unit,
        domain="fire",
        planned_on=today - timedelta(days=40),
        inspected_on=today - timedelta(days=40),
        status=Inspection.Status.DONE,
        outcome=Inspection.Outcome.FINDINGS,
        summary="Có tồn tại",
    )
    Finding.objects.create(
        inspection=inspection,
        establishment=e,
        unit=e.unit,
        description=description,
        requirement="Dọn lối thoát nạn",
        due_on=due_on,
        status=status,
    )
    return inspection


def test_an_active_business_sees_its_own_file_and_nothing_of_another(w):
    # given two establishments with certificates and findings
    today = timezone.localdate()
    mine = est(w, name="Karaoke Ánh Dương")
    other = est(w, name="Cầm đồ Phú Quý", lines=["t-cam-do"])
    my_cert = certificate_issue(officer=w.head_a, establishment=mine, line_codes=["t-karaoke"])
    other_cert = certificate_issue(officer=w.head_a, establishment=other, line_codes=["t-cam-do"])
    inspection_with_finding(w, mine, due_on=today - timedelta(days=3))
    inspection_with_finding(w, other, due_on=today - timedelta(days=3), description="Sổ quản lý ghi thiếu")
    Inspection.objects.create(  # a surprise inspection being prepared is not announced
        establishment=mine, unit=mine.unit, domain="security", kind="surprise", planned_on=today + timedelta(days=2)
    )
    account = signed_up(mine, status=S.ACTIVE)
    client = signed_in(account.user)
    # when it opens its page
    response = client.get(HOME)
    html = response.content.decode()
    # then its own file, the overdue finding highlighted
    assert response.status_code == 200
    assert "Karaoke Ánh Dương" in html and my_cert.number in html
    assert "Lối thoát nạn bị chắn" in html and "Quá hạn" in html and "biz-overdue" in html
    assert "Đột xuất" not in html
    # and nothing of the other establishment
    assert "Cầm đồ Phú Quý" not in html and other_cert.number not in html and "Sổ quản lý ghi thiếu" not in html
    # nor its personal data (the business's own owner/ID numbers are not on this page either)
    assert "038090012345" not in html and "038190054321" not in html
    # its own certificate prints; another's does not
    pdf = client.get(reverse("establishments:certificate-pdf", args=[my_cert.pk]))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    refused = client.get(reverse("establishments:certificate-pdf", args=[other_cert.pk]))
    assert refused.status_code in (302, 403, 404) and refused.get("Content-Type") != "application/pdf"


def test_the_home_offers_the_certificate_procedures_offered_online(w):
    from antt.dossiers.tests.factories import make_procedure

    new = make_procedure(days=5)
    new.procedure.seed_ref, new.procedure.name = "3.01", "Cấp mới Giấy chứng nhận đủ điều kiện về ANTT"
    new.procedure.save()
    offline = make_procedure(days=4, online="none")
    offline.procedure.seed_ref = "3.02"
    offline.procedure.save()
    account = signed_up(est(w), status=S.ACTIVE)
    html = signed_in(account.user).get(HOME).content.decode()
    assert reverse("dossiers:online-submit", args=[new.procedure.code]) in html
    assert reverse("dossiers:online-submit", args=[offline.procedure.code]) not in html


# --- Employee accounts --------------------------------------------------------------------------------


def test_the_manager_adds_and_disables_employee_accounts(w):
    e = est(w)
    manager = signed_up(e, status=S.ACTIVE)
    client = signed_in(manager.user)
    data = {
        "full_name": "Lê Văn Nhân Viên",
        "phone": "0987654321",
        "email": "nv@anhduong.vn",
        "username": "nhanvien1",
        "password1": PASSWORD,
        "password2": PASSWORD,
    }
    # when the manager adds an employee
    response = client.post(reverse("establishments:business-accounts"), data)
    # then the employee's account is active at once, not a manager, of the same establishment
    assert response.status_code == 302
    staff = EstablishmentAccount.objects.get(user__username="nhanvien1")
    assert staff.status == S.ACTIVE and not staff.is_manager and staff.establishment == e
    employee = signed_in(staff.user)
    assert employee.get(HOME).status_code == 200
    # an employee cannot manage accounts
    assert employee.get(reverse("establishments:business-accounts")).status_code == 403
    assert not EstablishmentAccount.objects.filter(user__username="nv2").exists()
    # the manager cannot disable itself
    client.post(reverse("establishments:business-account-disable", args=[manager.pk]))
    manager.refresh_from_db()
    assert manager.status == S.ACTIVE
    # an account of another establishment is 404
    stranger = signed_up(est(w), username="nguoila", status=S.ACTIVE, manager=False)
    assert client.post(reverse("establishments:business-account-disable", args=[stranger.pk])).status_code == 404
    # when the manager disables the employee, it can no longer sign in
    client.post(reverse("establishments:business-account-disable", args=[staff.pk]))
    staff.refresh_from_db()
    staff.user.refresh_from_db()
    assert staff.status == S.DISABLED and not staff.user.is_active
    assert "Đăng ký tài khoản" in employee.get(HOME).content.decode()  # its session is gone
    sign_in = Client().post(reverse("login"), {"username": "nhanvien1", "password": PASSWORD})
    assert sign_in.status_code == 400


def test_a_pending_manager_cannot_add_accounts(w):
    manager = signed_up(est(w))
    with pytest.raises(EstablishmentError) as err:
        accounts.business_add_staff(
            manager=manager.user,
            full_name="A",
            phone="0987654321",
            email="a@b.vn",
            username="x1",
            password=PASSWORD,
        )
    assert err.value.status == 403
    assert signed_in(manager.user).get(reverse("establishments:business-accounts")).status_code == 302


# --- Business users never reach staff pages ------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "dossiers:list",
        "violations:record-list",
        "establishments:account-list",
        "establishments:certificate-list",
        "establishments:share-home",
    ],
)
def test_a_business_user_with_a_verified_session_is_refused_by_staff_pages(w, name):
    account = signed_up(est(w), status=S.ACTIVE)
    response = verified(account.user).get(reverse(name))
    assert response.status_code == 403


def test_the_staff_home_sends_a_business_user_to_its_own_page(w):
    account = signed_up(est(w), status=S.ACTIVE)
    response = verified(account.user).get(reverse("portal:staff-home"))
    assert response.status_code in (302, 403)
    if response.status_code == 302:
        assert response["Location"] == HOME


def test_a_business_user_cannot_open_the_registry_pages_of_its_own_establishment(w):
    e = est(w)
    account = signed_up(e, status=S.ACTIVE)
    client = verified(account.user)
    for name, args in (("establishments:list", ()), ("establishments:detail", (e.pk,))):
        assert client.get(reverse(name, args=args)).status_code == 403, name
