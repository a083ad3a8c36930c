"""Certificate pages: the permission matrix, refusals in Vietnamese with nothing written, the
holder masked or logged, the PDF (text and QR), the public verification page (no personal data,
404 and 429 in Vietnamese) and the page that ties a dossier to its establishment."""

from __future__ import annotations

from datetime import timedelta

import pytest
from dateutil.relativedelta import relativedelta
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from antt.core.models import AuditEvent
from antt.dossiers.tests.factories import one_stop_world
from antt.dossiers.tests.test_printing import codes_on_page, pdf_text
from antt.establishments import certificates as svc
from antt.establishments.models import Certificate, Establishment, EstablishmentAccount
from antt.establishments.printing import certificate_pdf, verify_url
from antt.establishments.tests.factories import establishments_world
from antt.establishments.tests.test_certificates import est
from antt.org.models import Role, User
from antt.org.otp import login_verified
from antt.org.tests.factories import make_officer

pytestmark = pytest.mark.django_db
READ = AuditEvent.Action.READ_PERSONAL
HOLDER, HOLDER_ID, HOLDER_PHONE = "Lê Thị An Ninh", "038190054321", "0912000222"


@pytest.fixture
def w():
    return establishments_world()


@pytest.fixture(autouse=True)
def _no_rate_limit(settings):
    settings.ANTT_CERTIFICATE_VERIFY_RATE = "0"
    cache.clear()


def as_user(client, user):
    login_verified(client, user)
    return client


def issue(w, e=None, lines=("t-karaoke",), **kw):
    e = e or est(w)
    return svc.certificate_issue(officer=kw.pop("officer", w.head_a), establishment=e, line_codes=list(lines), **kw)


# --- list and detail ---------------------------------------------------------------------------


def test_list_shows_my_certificates_only_and_no_holder(client, w):
    mine = issue(w)
    head_b = make_officer(w.commune_b, role=Role.HEAD)
    theirs = issue(w, est(w, name="Karaoke Bờ Sông", unit=w.commune_b), officer=head_b)
    html = as_user(client, w.processor_a).get(reverse("establishments:certificate-list")).content.decode()
    assert mine.number in html and theirs.number not in html
    assert HOLDER not in html and HOLDER_ID not in html


def test_list_permissions_and_bad_filter(client, w):
    url = reverse("establishments:certificate-list")
    assert client.get(url).status_code == 302  # sign in first
    as_user(client, w.system_admin)
    assert client.get(url).status_code == 403
    as_user(client, w.receptionist_a)
    response = client.get(url, {"status": "khong-co"})
    assert response.status_code == 400 and "Bộ lọc không hợp lệ" in response.content.decode()
    response = client.get(url, {"q": "anh duong", "status": "valid", "sort": "name"})
    assert response.status_code == 200


def test_list_queries_do_not_grow_with_rows(client, w, django_assert_max_num_queries):
    for n in range(2):
        issue(w, est(w, name=f"Karaoke {n}"))
    as_user(client, w.processor_a)
    url = reverse("establishments:certificate-list")
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    for n in range(6):
        issue(w, est(w, name=f"Karaoke thêm {n}"))
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(url).status_code == 200
    assert len(few.captured_queries) <= 15


def test_detail_masks_the_holder_and_logs_the_full_read(client, w):
    c = issue(w)
    url = reverse("establishments:certificate-detail", args=[c.pk])
    html = as_user(client, w.processor_a).get(url).content.decode()
    assert c.number in html and HOLDER not in html and HOLDER_ID not in html and "Xem đầy đủ" in html
    assert not AuditEvent.objects.filter(action=READ).exists()
    html = client.get(url, {"day-du": "1"}).content.decode()
    assert HOLDER in html and HOLDER_ID in html
    assert AuditEvent.objects.filter(
        action=READ, object_type="establishments.certificate", object_id=str(c.pk)
    ).exists()
    # a supervisor reads the certificate but not the person
    as_user(client, w.supervisor)
    assert client.get(url).status_code == 200
    assert client.get(url, {"day-du": "1"}).status_code == 403
    # another commune: 404
    as_user(client, w.processor_b)
    assert client.get(url).status_code == 404


# --- suspend and revoke through the page --------------------------------------------------------


def post_action(client, c, key, **data):
    payload = {"row_version": c.row_version, "decision_number": "05/QĐ-TH", "reason": "Vi phạm", **data}
    return client.post(reverse(f"establishments:certificate-{key}", args=[c.pk]), payload)


def test_suspend_and_revoke_from_the_detail_page(client, w):
    c = issue(w)
    as_user(client, w.head_a)
    until = timezone.localdate() + relativedelta(months=4)
    html = client.get(reverse("establishments:certificate-detail", args=[c.pk])).content.decode()
    assert "Thu hồi có thời hạn" in html and "Bị xử phạt vi phạm hành chính về ANTT" in html  # the ground list
    # bad input: 422 with the bound's message, nothing written
    response = post_action(
        client, c, "suspend", ground="18.2.d", until=(timezone.localdate() + timedelta(days=10)).strftime("%d/%m/%Y")
    )
    assert response.status_code == 422 and "từ 3 đến 6 tháng" in response.content.decode()
    c.refresh_from_db()
    assert c.status == "valid"
    response = post_action(client, c, "suspend", ground="18.2.d", until=until.strftime("%d/%m/%Y"))
    assert response.status_code == 302
    c.refresh_from_db()
    assert c.status == "suspended" and c.suspended_until == until
    response = post_action(client, c, "revoke", ground="18.1.a")
    assert response.status_code == 302
    c.refresh_from_db()
    assert c.status == "revoked"
    # revoking again: the page is gone from the actions; a forged POST answers 409
    response = post_action(client, c, "revoke", ground="18.1.a")
    assert response.status_code == 409 and "Giấy chứng nhận đã bị thu hồi" in response.content.decode()


def test_action_permissions(client, w):
    c = issue(w)
    # a processor sees the page without the forms and cannot post
    as_user(client, w.processor_a)
    html = client.get(reverse("establishments:certificate-detail", args=[c.pk])).content.decode()
    assert "Thu hồi có thời hạn" not in html
    assert post_action(client, c, "revoke", ground="18.1.a").status_code == 403
    # another commune's head: 404
    as_user(client, make_officer(w.commune_b, role=Role.HEAD))
    assert post_action(client, c, "revoke", ground="18.1.a").status_code == 404
    # a missing field: 400
    as_user(client, w.head_a)
    assert post_action(client, c, "revoke", ground="").status_code == 400
    c.refresh_from_db()
    assert c.status == "valid"


def test_partial_revocation_from_the_page(client, w):
    e = est(w, lines=["t-karaoke", "t-luu-tru"])
    c = issue(w, e, lines=["t-karaoke", "t-luu-tru"])
    as_user(client, w.head_a)
    assert post_action(client, c, "revoke", ground="18.1.a", lines=["t-luu-tru"]).status_code == 302
    c.refresh_from_db()
    assert c.status == "valid"
    html = client.get(reverse("establishments:certificate-detail", args=[c.pk])).content.decode()
    assert "Bị thu hồi" in html and "Còn hiệu lực" in html


# --- direct issue ------------------------------------------------------------------------------


def test_direct_issue_page(client, w):
    e = est(w, lines=["t-karaoke", "t-luu-tru"])
    url = reverse("establishments:certificate-issue", args=[e.pk])
    as_user(client, w.processor_a)
    assert client.get(url).status_code == 403
    as_user(client, w.head_a)
    assert client.get(url).status_code == 200
    data = {
        "kind": "new",
        "issued_on": "04/03/2021",
        "number": "27/GCN",
        "unit": w.commune_a.pk,
        "lines": ["t-karaoke"],
        "reason": "Nhập từ sổ",
    }
    response = client.post(url, data)
    c = Certificate.objects.get(number="27/GCN")
    assert response.status_code == 302 and response["Location"].endswith(f"/giay-chung-nhan/{c.pk}/")
    # a second "new": 409, with the message on the page
    response = client.post(url, {**data, "number": ""})
    assert response.status_code == 409 and "cấp đổi" in response.content.decode()
    # a change replaces it
    response = client.post(
        url, {**data, "kind": "change", "number": "", "issued_on": "05/03/2021", "lines": ["t-karaoke", "t-luu-tru"]}
    )
    assert response.status_code == 302
    c.refresh_from_db()
    assert c.status == "replaced"
    # no line: 400; an unregistered line cannot even be chosen
    response = client.post(url, {**data, "kind": "new", "lines": ["t-cam-do"]})
    assert response.status_code == 400
    # another unit's establishment: 404
    other = est(w, unit=w.commune_b, name="Karaoke Bên Kia")
    assert client.get(reverse("establishments:certificate-issue", args=[other.pk])).status_code == 404


# --- the PDF -----------------------------------------------------------------------------------


def test_pdf_has_the_form_and_a_qr_to_the_verify_page(w):
    e = est(w, lines=["t-karaoke", "t-luu-tru"], trade_name="Ánh Dương Luxury")
    c = issue(w, e, lines=["t-karaoke", "t-luu-tru"])
    pdf = certificate_pdf(c)
    text = pdf_text(pdf)
    for expected in (
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "CÔNG AN PHƯỜNG HẠC THÀNH",
        "GIẤY CHỨNG NHẬN ĐỦ ĐIỀU KIỆN VỀ AN NINH, TRẬT TỰ",
        f"Số: {c.number}",
        "KARAOKE ÁNH DƯƠNG",
        e.tax_code,
        "12 Lê Lợi, Phường Hạc Thành",
        "1. Kinh doanh dịch vụ karaoke",
        "2. Kinh doanh dịch vụ lưu trú",
        HOLDER,
        HOLDER_ID,
        "không có thời hạn",
    ):
        assert expected in text, expected
    assert codes_on_page(pdf)["QRCode"] == verify_url(c)
    assert c.verify_token in verify_url(c) and HOLDER_ID not in verify_url(c)


def test_pdf_of_a_changed_and_revoked_certificate_says_so(w):
    e = est(w, lines=["t-karaoke"])
    first = issue(w, e)
    second = svc.certificate_change(
        officer=w.head_a, certificate=first, valid_until=timezone.localdate() + timedelta(days=400)
    )
    text = pdf_text(certificate_pdf(second))
    # (the paragraph may wrap inside the number, at a hyphen: compare without spaces)
    assert f"thaychoGiấychứngnhậnsố{first.number}" in text.replace(" ", "")
    assert "có giá trị đến hết ngày" in text
    first.refresh_from_db()
    assert "Đã được cấp đổi" in pdf_text(certificate_pdf(first))


def test_pdf_view_permissions_and_log(client, w):
    c = issue(w)
    url = reverse("establishments:certificate-pdf", args=[c.pk])
    assert client.get(url).status_code == 302
    as_user(client, w.processor_a)
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "no-store"
    assert (
        AuditEvent.objects.filter(action=READ, object_id=str(c.pk), object_type="establishments.certificate").count()
        == 1
    )
    as_user(client, w.supervisor)
    assert client.get(url).status_code == 403
    as_user(client, w.processor_b)
    assert client.get(url).status_code == 404


def test_a_business_account_prints_its_own_certificate_only(client, w):
    c = issue(w)
    other = issue(w, est(w, name="Karaoke Hàng Xóm"))
    user = User.objects.create_user(username="doanhnghiep1", password="Kiem-Thu#2026x", full_name="Chủ cơ sở")
    EstablishmentAccount.objects.create(user=user, establishment=c.establishment, status="active", is_manager=True)
    client.force_login(user)
    assert client.get(reverse("establishments:certificate-pdf", args=[c.pk])).status_code == 200
    response = client.get(reverse("establishments:certificate-pdf", args=[other.pk]))
    assert response.status_code in (302, 403)  # not staff: sent to sign in / refused, never the PDF
    assert response.get("Content-Type") != "application/pdf"
    # a business user never reaches the staff list
    assert client.get(reverse("establishments:certificate-list")).status_code in (302, 403)


# --- the public verification -------------------------------------------------------------------


def verify(client, c):
    return client.get(reverse("establishments:certificate-verify", args=[c.verify_token]))


def test_verify_page_shows_the_certificate_and_no_personal_data(client, w):
    e = est(w, lines=["t-karaoke", "t-luu-tru"])
    c = issue(w, e, lines=["t-karaoke", "t-luu-tru"])
    response = verify(client, c)
    html = response.content.decode()
    assert response.status_code == 200
    for expected in (
        c.number,
        "Karaoke Ánh Dương",
        e.tax_code,
        "12 Lê Lợi",
        "Kinh doanh dịch vụ lưu trú",
        "Công an phường Hạc Thành",
        "Còn hiệu lực",
    ):
        assert expected in html, expected
    for personal in (HOLDER, HOLDER_ID, HOLDER_PHONE, "Nguyễn Văn Chủ", "038090012345", "0912000111"):
        assert personal not in html, personal


def test_verify_page_states(client, w):
    today = timezone.localdate()
    e = est(w, lines=["t-karaoke", "t-luu-tru"])
    c = issue(w, e, lines=["t-karaoke", "t-luu-tru"])
    c = svc.certificate_revoke(
        officer=w.head_a, certificate=c, ground_code="18.1.a", reason="x", decision_number="1", line_codes=["t-luu-tru"]
    )
    html = verify(client, c).content.decode()
    assert "Còn hiệu lực" in html and "Bị thu hồi" in html  # the certificate, and the one line
    until = today + relativedelta(months=3)
    c = svc.certificate_suspend(
        officer=w.head_a, certificate=c, ground_code="18.2.d", until=until, reason="x", decision_number="2"
    )
    assert f"Bị thu hồi có thời hạn đến hết ngày {until:%d/%m/%Y}" in verify(client, c).content.decode()
    e2 = est(w, name="Karaoke Đổi Giấy")
    old = issue(w, e2)
    new = svc.certificate_change(officer=w.head_a, certificate=old)
    old.refresh_from_db()
    assert f"Đã được cấp đổi bằng Giấy chứng nhận số {new.number}" in verify(client, old).content.decode()
    gone = svc.certificate_revoke(
        officer=w.head_a, certificate=new, ground_code="18.1.a", reason="x", decision_number="3"
    )
    html = verify(client, gone).content.decode()
    assert "Bị thu hồi" in html and "Còn hiệu lực" not in html


def test_verify_masks_a_household_tax_code(client, w):
    e = est(
        w,
        kind=Establishment.Kind.HOUSEHOLD,
        tax_code="038090012399",
        name="Hộ kinh doanh Cầm đồ Minh",
        lines=["t-cam-do"],
    )
    c = issue(w, e, lines=["t-cam-do"])
    html = verify(client, c).content.decode()
    assert "038090012399" not in html and "********2399" in html


@pytest.mark.parametrize("token", ["khong-co-ma-nay", "a" * 41, "x%00y"])
def test_verify_unknown_token_is_a_vietnamese_404(client, w, token):
    issue(w)
    response = client.get(f"/xac-minh-giay-chung-nhan/{token}/")
    assert response.status_code == 404
    assert "Không tìm thấy giấy chứng nhận" in response.content.decode()


def test_verify_is_rate_limited(client, w, settings):
    settings.ANTT_CERTIFICATE_VERIFY_RATE = "2/m"
    cache.clear()
    c = issue(w)
    assert verify(client, c).status_code == 200
    assert verify(client, c).status_code == 200
    response = verify(client, c)
    assert response.status_code == 429 and "quá nhiều lần" in response.content.decode()
    assert int(response["Retry-After"]) > 0


# --- the dossier link page ---------------------------------------------------------------------


@pytest.fixture
def osw():
    world = one_stop_world(days=5)
    world.version.procedure.seed_ref = "3.01"
    world.version.procedure.save()
    return world


def test_dossier_link_page_search_pick_and_save(client, w, osw):
    from antt.establishments.tests.test_certificates_dossier import processed

    e = est(w, unit=osw.unit, lines=["t-karaoke", "t-luu-tru"], name="Karaoke Ánh Dương")
    est(w, unit=w.commune_b, name="Karaoke Ánh Dương Hàm Rồng")  # not visible to osw's officers
    d = processed(osw)
    url = reverse("establishments:dossier-link", args=[d.code])
    as_user(client, osw.processor)
    html = client.get(url, {"q": "karaoke anh duong"}).content.decode()
    assert "Karaoke Ánh Dương" in html and "Hàm Rồng" not in html and f"co-so={e.pk}" in html
    html = client.get(url, {"co-so": e.pk}).content.decode()
    assert "Kinh doanh dịch vụ lưu trú" in html
    # no line for a new certificate: 400, nothing saved
    response = client.post(url, {"establishment": e.pk})
    assert response.status_code == 400
    d.refresh_from_db()
    assert "establishment" not in d.form_data
    response = client.post(url, {"establishment": e.pk, "lines": ["t-luu-tru"]})
    assert response.status_code == 302 and response["Location"] == reverse("dossiers:detail", args=[d.pk])
    d.refresh_from_db()
    assert d.form_data["establishment"] == {"id": e.pk, "lines": ["t-luu-tru"]}


def test_dossier_link_page_refusals(client, w, osw):
    from antt.establishments.tests.test_certificates_dossier import processed

    d = processed(osw)
    url = reverse("establishments:dossier-link", args=[d.code])
    # a role that does not handle dossiers, an officer of another unit
    as_user(client, osw.supervisor)
    assert client.get(url).status_code == 403
    as_user(client, osw.other_receptionist)
    assert client.get(url).status_code == 404
    # an establishment outside the officer's units: 404
    hidden = est(w, unit=w.commune_b, name="Karaoke Xa")
    as_user(client, osw.processor)
    assert client.post(url, {"establishment": hidden.pk, "lines": ["t-karaoke"]}).status_code == 404
    # a procedure without a registry action: the page says so, a POST is 409
    from antt.establishments.tests.test_certificates_dossier import procedure

    d2 = processed(osw, proc=procedure(""))
    url2 = reverse("establishments:dossier-link", args=[d2.code])
    assert "không cần gắn cơ sở" in client.get(url2).content.decode()
    mine = est(w, unit=osw.unit)
    assert client.post(url2, {"establishment": mine.pk, "lines": ["t-karaoke"]}).status_code == 409


# --- the section on the establishment page ----------------------------------------------------


def test_establishment_page_lists_its_certificates(client, w):
    e = est(w)
    old = issue(w, e)
    new = svc.certificate_change(officer=w.head_a, certificate=old)
    as_user(client, w.head_a)
    html = client.get(reverse("establishments:detail", args=[e.pk])).content.decode()
    assert "Giấy chứng nhận đủ điều kiện về an ninh, trật tự" in html
    assert reverse("establishments:certificate-detail", args=[new.pk]) in html and old.number in html
    assert reverse("establishments:certificate-issue", args=[e.pk]) in html
    # without certificate.manage: no issue link
    as_user(client, w.processor_a)
    html = client.get(reverse("establishments:detail", args=[e.pk])).content.decode()
    assert new.number in html and reverse("establishments:certificate-issue", args=[e.pk]) not in html


def test_dossier_link_page_reminds_when_the_authority_table_names_another_level(client, w, osw):
    """The table of issuing authorities is shown as a reminder, not enforced (its post-2025
    split is unconfirmed): guarding is the department's in the test rules."""
    from antt.establishments.tests.test_certificates_dossier import processed

    e = est(w, unit=osw.unit, lines=["t-karaoke", "t-bao-ve"], name="Bảo vệ Sông Chu")
    d = processed(osw)
    url = reverse("establishments:dossier-link", args=[d.code])
    as_user(client, osw.processor)
    assert client.post(url, {"establishment": e.pk, "lines": ["t-karaoke"]}).status_code == 302
    assert "Lưu ý thẩm quyền" not in client.get(url).content.decode()
    assert client.post(url, {"establishment": e.pk, "lines": ["t-bao-ve"]}).status_code == 302
    html = client.get(url).content.decode()
    assert "Lưu ý thẩm quyền" in html and "Kinh doanh dịch vụ bảo vệ" in html


@pytest.mark.parametrize(
    ("unit_key", "lines", "expected"),
    [
        ("commune_a", ["t-karaoke"], None),
        ("commune_a", ["t-bao-ve"], "Kinh doanh dịch vụ bảo vệ"),
        ("commune_a", ["t-karaoke", "t-bao-ve"], "Kinh doanh dịch vụ bảo vệ"),
        ("pc06", ["t-bao-ve"], None),
        ("pc06", ["t-karaoke"], "Kinh doanh dịch vụ karaoke"),
        ("commune_a", ["no-such-line"], None),
        ("commune_a", [], None),
    ],
)
def test_authority_note(w, unit_key, lines, expected):
    from antt.establishments.selectors_certificates import authority_note

    note = authority_note(getattr(w, unit_key), lines)
    if expected is None:
        assert note == ""
    else:
        assert note.startswith("Lưu ý thẩm quyền") and expected in note and getattr(w, unit_key).name in note
