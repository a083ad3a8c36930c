"""Online submission through the public pages: the whole way with a supplement, bad input, rate limits."""

from pathlib import Path

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from antt.catalog.models import OnlineLevel
from antt.dossiers.models import Channel, Dossier, DossierDocument, Status
from antt.dossiers.services import dossier_request_supplement
from antt.dossiers.tests.factories import make_procedure, one_stop_world, pdf_upload
from antt.dossiers.views.online import FILES_AGAIN

pytestmark = pytest.mark.django_db

NAME = "Đặng Thị Ngọc Hường"
ID_NUMBER = "038190000123"
PHONE = "0912345678"
ADDRESS = "Số 5 đường Lê Lợi"


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def w():
    return one_stop_world(days=3)


def form_data(w, **overrides):
    data = {
        "unit": str(w.unit.pk),
        "kind": "person",
        "name": NAME,
        "id_number": ID_NUMBER,
        "birth_date": "17/02/1990",
        "sex": "female",
        "phone": PHONE,
        "email": "huong@example.vn",
        "address": ADDRESS,
        "delivery": "counter",
        "consent": "on",
    }
    for doc in w.version.documents.all():
        data[f"doc_{doc.pk}"] = pdf_upload(f"giay-{doc.pk}.pdf")
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def submit_url(w):
    return reverse("dossiers:online-submit", args=[w.procedure.code])


def stored_files(settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def assert_no_personal_data(html: str):
    for secret in (NAME, ID_NUMBER, PHONE, "0912 345 678", ADDRESS, "huong@example.vn"):
        assert secret not in html, secret


def test_the_list_offers_only_procedures_online_with_a_legal_time(client, w):
    # given a procedure not offered online and one without a legal time
    offline = make_procedure(online=OnlineLevel.NONE)
    no_time = make_procedure(days=None)
    # when
    response = client.get(reverse("dossiers:online-start"))
    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert w.procedure.name in html
    assert offline.procedure.name not in html and no_time.procedure.name not in html
    assert client.get(reverse("dossiers:online-submit", args=[offline.procedure.code])).status_code == 404
    assert client.get(reverse("dossiers:online-submit", args=[no_time.procedure.code])).status_code == 404


def test_the_form_lists_the_units_of_the_level_one_file_input_per_document_and_the_consent(
    client, w, django_assert_max_num_queries
):
    # when
    with django_assert_max_num_queries(8):
        response = client.get(submit_url(w))
    # then the commune-level procedure offers the commune police units, searchable
    html = response.content.decode()
    assert response.status_code == 200
    assert w.unit.name in html and w.other_unit.name in html
    assert w.province.name not in html  # a province unit is not a commune police
    for doc in w.version.documents.all():
        assert f'name="doc_{doc.pk}"' in html
    assert "13/2023/NĐ-CP" in html
    assert "Nhận kết quả điện tử" in html  # a full-online procedure may deliver online
    narrowed = client.get(submit_url(w), {"co_quan": "ham rong"}).content.decode()
    assert w.other_unit.name in narrowed and w.unit.name not in narrowed


def test_whole_public_flow_submit_supplement_on_the_token_page_status_back(client, w, settings):
    # given the citizen fills the form
    response = client.post(submit_url(w), form_data(w))
    # then the dossier exists and the browser goes to the page with its code
    assert response.status_code == 302
    dossier = Dossier.objects.get()
    assert dossier.status == Status.NEW_ONLINE and dossier.channel == Channel.ONLINE
    assert dossier.unit == w.unit and dossier.applicant_id_number == ID_NUMBER
    assert dossier.documents.count() == w.version.documents.count()
    assert response["Location"] == reverse("dossiers:online-done", args=[dossier.token])
    done = client.get(response["Location"])
    html = done.content.decode()
    assert dossier.code in html
    assert reverse("dossiers:public-token", args=[dossier.token]) in html
    assert "chờ cán bộ kiểm tra" in html
    assert_no_personal_data(html)

    # when the officer asks for one more document
    dossier_request_supplement(
        officer=w.receptionist, dossier=dossier, items=["Bản sao hợp đồng thuê nhà"], reasons="Thiếu chứng minh chỗ ở"
    )
    token_url = reverse("dossiers:public-token", args=[dossier.token])
    page = client.get(token_url).content.decode()
    # then the token page shows the item, the reason and one upload input
    assert "Bản sao hợp đồng thuê nhà" in page and "Thiếu chứng minh chỗ ở" in page
    assert 'name="item_0"' in page
    assert_no_personal_data(page)

    # when the citizen uploads it on the same dossier
    response = client.post(token_url, {"item_0": pdf_upload("hop-dong.pdf"), "note": "Đã bổ sung"})
    # then the status is back where it was and the file is round 2 of the same dossier
    assert response.status_code == 302 and response["Location"] == token_url
    dossier.refresh_from_db()
    assert dossier.status == Status.NEW_ONLINE
    assert DossierDocument.objects.filter(dossier=dossier, round=2, name="Bản sao hợp đồng thuê nhà").count() == 1
    after = client.get(token_url).content.decode()
    assert "Đã nhận giấy tờ bổ sung" in after
    assert 'name="item_0"' not in after
    # and the lookup by code + digits shows the new status
    found = client.post(reverse("dossiers:public-lookup"), {"code": dossier.code, "phone_last4": "5678"})
    assert found.status_code == 200 and "Mới đăng ký" in found.content.decode()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"name": ""}, "Vui lòng nhập họ và tên"),
        ({"id_number": "999190000123"}, "mã tỉnh"),
        ({"phone": "12345"}, "Số điện thoại di động không hợp lệ"),
        ({"consent": None}, "Cần đồng ý cho xử lý dữ liệu cá nhân"),
        ({"unit": "999999"}, "không giải quyết thủ tục này"),
    ],
)
def test_bad_applicant_input_answers_400_beside_the_field_and_saves_nothing(client, w, settings, overrides, message):
    # when
    response = client.post(submit_url(w), form_data(w, **overrides))
    # then
    html = response.content.decode()
    assert response.status_code == 400
    assert message in html
    assert FILES_AGAIN in html
    assert Dossier.objects.count() == 0
    assert stored_files(settings) == []


def test_a_program_renamed_pdf_is_refused_and_nothing_is_saved(client, w, settings):
    # given an executable renamed .pdf for the first document
    doc = w.version.documents.first()
    exe = SimpleUploadedFile("to-khai.pdf", b"MZ\x90\x00" + b"\x00" * 200, content_type="application/pdf")
    # when
    response = client.post(submit_url(w), form_data(w, **{f"doc_{doc.pk}": exe}))
    # then
    html = response.content.decode()
    assert response.status_code == 400
    assert "Chỉ nhận tệp PDF, JPG hoặc PNG" in html
    assert 'aria-invalid="true"' in html
    assert Dossier.objects.count() == 0 and stored_files(settings) == []


def test_an_oversized_file_is_refused_and_nothing_is_saved(client, w, settings):
    settings.ANTT_UPLOAD_MAX_BYTES = 200
    response = client.post(submit_url(w), form_data(w))
    assert response.status_code == 400
    assert "vượt quá" in response.content.decode()
    assert Dossier.objects.count() == 0 and stored_files(settings) == []


def test_a_missing_required_document_is_refused(client, w):
    doc = w.version.documents.first()
    response = client.post(submit_url(w), form_data(w, **{f"doc_{doc.pk}": None}))
    assert response.status_code == 400
    assert "Vui lòng đính kèm giấy tờ này" in response.content.decode()
    assert Dossier.objects.count() == 0


def test_online_delivery_is_refused_for_a_partly_online_procedure(client):
    # given a partly online procedure
    w = one_stop_world(online=OnlineLevel.PARTIAL)
    # when the citizen asks for the result online anyway
    response = client.post(submit_url(w), form_data(w, delivery="online"))
    # then
    assert response.status_code == 400
    assert "không trả kết quả theo hình thức đã chọn" in response.content.decode()
    assert Dossier.objects.count() == 0


def test_submissions_are_rate_limited_per_client_address(client, w, settings):
    # given a limit of two submissions an hour
    settings.ANTT_SUBMIT_RATE = "2/h"
    assert client.post(submit_url(w), form_data(w)).status_code == 302
    assert client.post(submit_url(w), form_data(w, name="")).status_code == 400  # errors count too
    # when
    response = client.post(submit_url(w), form_data(w))
    # then
    assert response.status_code == 429
    assert "quá nhiều hồ sơ" in response.content.decode()
    assert int(response["Retry-After"]) > 0
    assert Dossier.objects.count() == 1
    # another address is not affected
    assert client.post(submit_url(w), form_data(w), REMOTE_ADDR="10.0.0.9").status_code == 302


def test_the_form_needs_the_csrf_token(w):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    assert strict.post(submit_url(w), form_data(w)).status_code == 403
    assert Dossier.objects.count() == 0


def test_the_receipt_pdf_is_offered_by_token(client, w):
    from antt.dossiers.loaders import load_forms

    # given the official forms and a submitted dossier
    load_forms()
    client.post(submit_url(w), form_data(w))
    dossier = Dossier.objects.get()
    done = client.get(reverse("dossiers:online-done", args=[dossier.token])).content.decode()
    url = reverse("dossiers:online-receipt", args=[dossier.token])
    assert url in done
    # when
    response = client.get(url)
    # then
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    assert client.get(reverse("dossiers:online-receipt", args=["khong-co"])).status_code == 404


def test_the_receipt_without_a_form_in_force_is_404_not_500(client, w):
    client.post(submit_url(w), form_data(w))
    dossier = Dossier.objects.get()
    assert client.get(reverse("dossiers:online-receipt", args=[dossier.token])).status_code == 404


def test_unknown_token_on_the_done_page_is_404(client, db):
    assert client.get(reverse("dossiers:online-done", args=["khong-co"])).status_code == 404
