"""The public lookup page and the QR-token page: the secret, the same 404, no personal data, the result file."""

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from antt.dossiers.api_public import NOT_FOUND
from antt.dossiers.models import Delivery, Dossier, Status
from antt.dossiers.services import (
    UploadIn,
    dossier_accept,
    dossier_approve,
    dossier_attach_result,
    dossier_forward,
    dossier_refuse,
    dossier_request_supplement,
    dossier_return,
    dossier_start,
    dossier_submit_online,
)
from antt.dossiers.tests.factories import applicant, one_stop_world, pdf_upload

pytestmark = pytest.mark.django_db

LOOKUP = "dossiers:public-lookup"
PERSONAL = ("Đặng Thị Ngọc Hường", "038190000123", "0912345678", "0912 345 678", "Số 5 đường Lê Lợi", "huong@example")


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def w():
    return one_stop_world(days=3)


def submit(w, delivery=Delivery.COUNTER) -> Dossier:
    return dossier_submit_online(
        procedure=w.procedure,
        level="commune",
        unit=w.unit,
        applicant=applicant(),
        uploads=[UploadIn(pdf_upload())],
        delivery=delivery,
    )


def returned_online(w) -> Dossier:
    d = dossier_accept(officer=w.receptionist, dossier=submit(w, Delivery.ONLINE))
    d = dossier_start(officer=w.receptionist, dossier=d, assignee=w.processor)
    dossier_attach_result(officer=w.processor, dossier=d, name="Xác nhận thông tin cư trú", upload=pdf_upload("kq.pdf"))
    d.refresh_from_db()
    d = dossier_forward(officer=w.processor, dossier=d, assignee=w.head)
    d = dossier_approve(officer=w.head, dossier=d)
    return dossier_return(officer=w.receptionist, dossier=d)


def assert_no_personal_data(html: str):
    for secret in PERSONAL:
        assert secret not in html, secret


def test_lookup_with_code_and_last_digits_shows_status_timeline_and_masked_name(
    client, w, django_assert_max_num_queries
):
    # given a received dossier
    d = dossier_accept(officer=w.receptionist, dossier=submit(w))
    # when
    with django_assert_max_num_queries(4):
        response = client.post(reverse(LOOKUP), {"code": d.code.lower(), "phone_last4": "5678"})
    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert d.code in html and w.procedure.name in html and w.unit.name in html
    assert "Được tiếp nhận" in html
    assert "Đ*** T** N*** H****" in html
    assert "Nộp hồ sơ trực tuyến" in html and "Tiếp nhận hồ sơ trực tuyến" in html  # the timeline
    assert timezone.localtime(d.due_at).strftime("%d/%m/%Y") in html
    assert "chờ đến ngày hẹn" in html
    assert_no_personal_data(html)
    assert w.receptionist.full_name not in html  # officers' names stay internal
    assert d.token not in html  # the stronger secret is not given to a code + digits holder


def test_wrong_digits_and_unknown_code_give_the_same_404(client, w):
    d = submit(w)
    wrong_digits = client.post(reverse(LOOKUP), {"code": d.code, "phone_last4": "1234"})
    unknown_code = client.post(reverse(LOOKUP), {"code": "H56.14-990101-0001", "phone_last4": "5678"})
    for response in (wrong_digits, unknown_code):
        html = response.content.decode()
        assert response.status_code == 404
        assert NOT_FOUND in html
        assert "Mới đăng ký" not in html
        assert_no_personal_data(html)


def test_bad_input_is_400_and_get_parameters_are_never_read(client, w):
    d = submit(w)
    bad = client.post(reverse(LOOKUP), {"code": d.code, "phone_last4": "56a8"})
    assert bad.status_code == 400 and "Vui lòng nhập đúng 4 chữ số" in bad.content.decode()
    # the secret in a URL is ignored: the page is only the form
    response = client.get(reverse(LOOKUP), {"code": d.code, "phone_last4": "5678"})
    assert response.status_code == 200 and "Mới đăng ký" not in response.content.decode()


def test_lookup_is_rate_limited_per_client_address(client, w, settings):
    settings.ANTT_LOOKUP_RATE = "3/m"
    d = submit(w)
    for digits in ("0000", "1111", "2222"):
        assert client.post(reverse(LOOKUP), {"code": d.code, "phone_last4": digits}).status_code == 404
    # when the right digits come after the limit
    response = client.post(reverse(LOOKUP), {"code": d.code, "phone_last4": "5678"})
    # then they are refused too
    assert response.status_code == 429
    assert "quá nhiều lần" in response.content.decode()
    assert "Mới đăng ký" not in response.content.decode()
    assert (
        client.post(reverse(LOOKUP), {"code": d.code, "phone_last4": "5678"}, REMOTE_ADDR="10.1.1.1").status_code == 200
    )


def test_lookup_needs_the_csrf_token(w):
    d = submit(w)
    response = Client(enforce_csrf_checks=True).post(reverse(LOOKUP), {"code": d.code, "phone_last4": "5678"})
    assert response.status_code == 403


def test_refusal_reasons_are_public_but_internal_notes_are_not(client, w):
    # given a dossier sent to processing with an internal note, and one refused with reasons
    d = dossier_accept(officer=w.receptionist, dossier=submit(w), note="Ghi chú nội bộ của cán bộ")
    dossier_start(officer=w.receptionist, dossier=d, assignee=w.processor, note="Anh Xử xem gấp")
    refused = submit(w)
    dossier_refuse(officer=w.receptionist, dossier=refused, reasons="Thủ tục không thuộc thẩm quyền của phường")
    # then
    html = client.get(reverse("dossiers:public-token", args=[d.token])).content.decode()
    assert "Ghi chú nội bộ" not in html and "Anh Xử xem gấp" not in html
    assert f"Chuyển xử lý: {w.unit.name}" in html
    refused_html = client.get(reverse("dossiers:public-token", args=[refused.token])).content.decode()
    assert "Thủ tục không thuộc thẩm quyền của phường" in refused_html
    assert "Không được tiếp nhận" in refused_html


def test_token_page_unknown_token_is_404(client, db):
    response = client.get(reverse("dossiers:public-token", args=["khong-phai-token"]))
    assert response.status_code == 404
    assert "Không tìm thấy hồ sơ" in response.content.decode()


def test_token_page_queries_are_bounded(client, w, django_assert_max_num_queries):
    d = submit(w)
    dossier_request_supplement(officer=w.receptionist, dossier=d, items=["Giấy A", "Giấy B"], reasons="Thiếu")
    with django_assert_max_num_queries(4):
        response = client.get(reverse("dossiers:public-token", args=[d.token]))
    html = response.content.decode()
    assert 'name="item_0"' in html and 'name="item_1"' in html
    assert_no_personal_data(html)


def test_a_bad_supplement_file_is_400_and_changes_nothing(client, w, settings):
    d = submit(w)
    dossier_request_supplement(officer=w.receptionist, dossier=d, items=["Giấy A"], reasons="Thiếu")
    url = reverse("dossiers:public-token", args=[d.token])
    exe = SimpleUploadedFile("giay-a.pdf", b"MZ" + b"\x00" * 100)
    response = client.post(url, {"item_0": exe})
    assert response.status_code == 400
    assert "Chỉ nhận tệp" in response.content.decode() and "chọn lại" in response.content.decode()
    empty = client.post(url, {})
    assert empty.status_code == 400 and "ít nhất một giấy tờ" in empty.content.decode()
    d.refresh_from_db()
    assert d.status == Status.SUPPLEMENT_REQUESTED and d.documents.count() == 1


def test_supplement_upload_when_none_is_asked_is_409(client, w):
    d = submit(w)
    response = client.post(reverse("dossiers:public-token", args=[d.token]), {"item_0": pdf_upload()})
    assert response.status_code == 409
    assert d.documents.count() == 1


def test_the_result_file_is_downloaded_with_the_token_only(client, w, settings):
    # given a dossier returned online with its result file
    d = returned_online(w)
    result = d.results.get()
    url = reverse("dossiers:public-result", args=[d.token, result.number])
    # when the applicant opens the token page
    page = client.get(reverse("dossiers:public-token", args=[d.token])).content.decode()
    # then it offers the file, and the download gives the stored bytes
    assert url in page
    assert "Đã trả kết quả" in page
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == result.file.open("rb").read()
    assert f"ket-qua-{result.code}.pdf" in response["Content-Disposition"]
    # the lookup by code + digits does not offer it
    lookup = client.post(reverse(LOOKUP), {"code": d.code, "phone_last4": "5678"}).content.decode()
    assert url not in lookup and "ket-qua" not in lookup
    # a wrong token or number is 404
    assert client.get(reverse("dossiers:public-result", args=["sai", result.number])).status_code == 404
    assert client.get(reverse("dossiers:public-result", args=[d.token, 9])).status_code == 404


def test_no_result_download_before_the_dossier_is_returned(client, w):
    d = dossier_accept(officer=w.receptionist, dossier=submit(w, Delivery.ONLINE))
    d = dossier_start(officer=w.receptionist, dossier=d, assignee=w.processor)
    dossier_attach_result(officer=w.processor, dossier=d, name="Kết quả", upload=pdf_upload("kq.pdf"))
    assert client.get(reverse("dossiers:public-result", args=[d.token, 1])).status_code == 404
