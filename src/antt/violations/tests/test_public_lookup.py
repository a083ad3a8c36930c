"""The public lookup of fines (API and page): what it shows, what it never shows, how it refuses."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
import zxingcpp
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from antt.core.vietqr import parse_payload
from antt.violations import rules, services
from antt.violations.models import DecisionStatus
from antt.violations.tests.factories import make_record, person
from antt.violations.tests.test_payments import callback_body, delivered_decision, post_callback
from antt.violations.tests.test_payments import w as w  # noqa: F401 (the fixture)

LOOKUP = "/api/v1/violations/lookup"
ID_NUMBER = person()["id_number"]  # 038090001234


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


def api(body, client=None):
    return (client or Client()).post(LOOKUP, data=body, content_type="application/json")


def test_lookup_by_plate_gives_the_unpaid_fine_with_its_qr(w):
    # given an unpaid decision for 36-B1 123.45
    decision = delivered_decision(w)
    # when looked up by the plate written another way
    response = api({"plate": "36b1-12345"})
    # then the fine, today's amount and a QR whose payload pays exactly that with the reference
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["count"] == 1
    item = data["decisions"][0]
    assert item["number"] == decision.number
    assert (item["total_fine"], item["fine_due"], item["surcharge_due"], item["total_due"]) == (
        500_000,
        500_000,
        0,
        500_000,
    )
    assert item["payment_due_on"] == decision.payment_due_on.isoformat()
    qr = parse_payload(item["qr"]["payload"])
    assert (qr["amount"], qr["note"]) == (500_000, decision.payment_reference)
    assert item["qr"]["png_url"].endswith(".png")


def test_lookup_never_shows_the_id_number_or_the_full_name(w):
    delivered_decision(w)
    text = api({"plate": "36B112345"}).content.decode()
    assert ID_NUMBER not in text
    assert "Nguyễn Văn An" not in text
    assert "N*****" in text


def test_lookup_by_plate_with_nothing_unpaid_says_so(w):
    response = api({"plate": "36A-999.99"})
    assert response.status_code == 200
    assert response.json()["count"] == 0
    assert response.json()["message"] == "Không có quyết định xử phạt nào chưa nộp phạt với biển số này."


def test_late_fine_includes_todays_surcharge(w):
    # given a decision delivered 30 days ago (deadline passed 20 days ago)
    today = timezone.localdate()
    decision = delivered_decision(w, delivered_on=today - timedelta(days=30))
    fine, surcharge, total = rules.amount_due_on(decision, today)
    # when looked up
    item = api({"plate": "36B112345"}).json()["decisions"][0]
    # then the surcharge of today is added, and the QR asks for the total
    assert surcharge > 0
    assert (item["surcharge_due"], item["total_due"], item["late"]) == (surcharge, total, True)
    assert parse_payload(item["qr"]["payload"])["amount"] == total


def test_lookup_by_number_and_id_digits_finds_the_decision(w):
    decision = delivered_decision(w)
    response = api({"decision_number": decision.number, "id_last_digits": ID_NUMBER[-4:]})
    assert response.status_code == 200
    assert response.json()["decisions"][0]["number"] == decision.number


def test_wrong_digits_and_unknown_number_give_the_same_404(w):
    decision = delivered_decision(w)
    wrong = api({"decision_number": decision.number, "id_last_digits": "0000"})
    unknown = api({"decision_number": "99999/QĐ-XPHC", "id_last_digits": ID_NUMBER[-4:]})
    assert wrong.status_code == unknown.status_code == 404
    assert wrong.json() == unknown.json()


def test_after_payment_the_lookup_by_number_shows_paid(w):
    # given a decision paid by transfer
    decision = delivered_decision(w)
    assert post_callback(Client(), callback_body(decision)).status_code == 200
    # when looked up by number
    item = api({"decision_number": decision.number, "id_last_digits": ID_NUMBER[-4:]}).json()["decisions"][0]
    # then paid, nothing due, no QR; and the plate lookup lists it no more
    assert (item["paid"], item["status"], item["total_due"], item["qr"]) == (True, DecisionStatus.PAID, 0, None)
    assert api({"plate": "36B112345"}).json()["count"] == 0


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({}, "Nhập biển số xe"),
        ({"plate": "36B112345", "decision_number": "1/QĐ", "id_last_digits": "1234"}, "không nhập cả hai"),
        ({"decision_number": "1/QĐ"}, "Nhập cả số quyết định"),
        ({"decision_number": "1/QĐ", "id_last_digits": "12a4"}, "id_last_digits"),
        ({"plate": "XYZ"}, ""),
    ],
)
def test_bad_input_is_422_in_vietnamese(w, body, fragment):
    response = api(body)
    assert response.status_code == 422, response.content
    assert fragment in response.content.decode()
    assert response.json()["detail"]


def test_a_body_that_is_not_json_is_422(w):
    response = Client().post(LOOKUP, data="plate=36B112345", content_type="application/json")
    assert response.status_code == 422


def test_lookup_is_rate_limited(w, settings):
    settings.ANTT_FINE_LOOKUP_RATE = "2/m"
    client = Client()
    assert api({"plate": "36B112345"}, client).status_code == 200
    assert api({"plate": "36B112345"}, client).status_code == 200
    response = api({"plate": "36B112345"}, client)
    assert response.status_code == 429
    assert "quá nhiều lần" in response.json()["detail"]


def test_openapi_documents_the_lookup_with_examples(w):
    operation = Client().get("/api/v1/openapi.json").json()["paths"]["/api/v1/violations/lookup"]["post"]
    assert {"200", "404", "422", "429"} <= set(operation["responses"])
    assert set(operation["requestBody"]["content"]["application/json"]["examples"]) == {"plate", "decision"}


# --- The page --------------------------------------------------------------------------------------


def test_page_shows_both_forms(w):
    response = Client().get(reverse("violations:lookup"))
    assert response.status_code == 200
    text = response.content.decode()
    assert "Theo biển số xe" in text and "Theo số quyết định xử phạt" in text


def test_page_lookup_by_plate_shows_amount_qr_and_transfer_details(w):
    decision = delivered_decision(w)
    response = Client().post(reverse("violations:lookup"), {"mode": "plate", "bien-so-plate": "36-B1 123.45"})
    assert response.status_code == 200
    text = response.content.decode()
    assert decision.number in text
    assert "500.000\u00a0đ" in text
    assert decision.payment_reference in text
    assert reverse("violations:lookup-qr", args=[decision.token, "png"]) in text
    assert decision.payment_due_on.strftime("%d/%m/%Y") in text
    assert "VietinBank" in text and "7111000000038" in text  # the demo account, by bank name
    assert ID_NUMBER not in text


def test_page_shows_paid_after_payment(w):
    decision = delivered_decision(w)
    post_callback(Client(), callback_body(decision))
    response = Client().post(
        reverse("violations:lookup"),
        {"mode": "number", "quyet-dinh-decision_number": decision.number, "quyet-dinh-id_last_digits": ID_NUMBER[-4:]},
    )
    assert response.status_code == 200
    assert "Đã nộp phạt" in response.content.decode()


def test_page_refuses_bad_input_with_400_and_unknown_with_404(w):
    client = Client()
    bad = client.post(reverse("violations:lookup"), {"mode": "number", "quyet-dinh-decision_number": "1"})
    assert bad.status_code == 400
    assert "Vui lòng nhập 4 chữ số cuối số định danh." in bad.content.decode()
    plate = client.post(reverse("violations:lookup"), {"mode": "plate", "bien-so-plate": "XYZ"})
    assert plate.status_code == 400
    unknown = client.post(
        reverse("violations:lookup"),
        {"mode": "number", "quyet-dinh-decision_number": "1/QĐ", "quyet-dinh-id_last_digits": "1234"},
    )
    assert unknown.status_code == 404


def test_page_is_rate_limited(w, settings):
    settings.ANTT_FINE_LOOKUP_RATE = "1/m"
    client = Client()
    client.post(reverse("violations:lookup"), {"mode": "plate", "bien-so-plate": "36B112345"})
    response = client.post(reverse("violations:lookup"), {"mode": "plate", "bien-so-plate": "36B112345"})
    assert response.status_code == 429


def test_qr_image_decodes_to_the_payload_of_todays_amount(w):
    decision = delivered_decision(w)
    response = Client().get(reverse("violations:lookup-qr", args=[decision.token, "png"]))
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    decoded = [r.text for r in zxingcpp.read_barcodes(Image.open(io.BytesIO(response.content)))]
    data = parse_payload(decoded[0])
    assert (data["amount"], data["note"]) == (500_000, decision.payment_reference)
    svg = Client().get(reverse("violations:lookup-qr", args=[decision.token, "svg"]))
    assert svg.status_code == 200 and svg.content.startswith(b"<svg")


def test_qr_image_is_404_once_paid_or_for_an_unknown_token(w):
    decision = delivered_decision(w)
    post_callback(Client(), callback_body(decision))
    assert Client().get(reverse("violations:lookup-qr", args=[decision.token, "png"])).status_code == 404
    assert Client().get(reverse("violations:lookup-qr", args=["nosuchtoken", "png"])).status_code == 404


def test_cancelled_decision_is_not_listed(w):
    decision = delivered_decision(w, record=make_record(w, plate="36A-111.22", vehicle_kind="car"))
    services.decision_cancel(officer=w.chief, decision=decision, reason="Ra quyết định không đúng thẩm quyền")
    assert api({"plate": "36A11122"}).json()["count"] == 0


def test_lookup_by_plate_costs_one_query_however_many_fines(w, django_assert_num_queries):
    # given three unpaid fines for the same plate, within their deadline
    for _ in range(3):
        delivered_decision(w)
    client = Client()
    # when looked up, then one SELECT (decisions joined to their units): no query per fine
    with django_assert_num_queries(1):
        response = api({"plate": "36B112345"}, client)
    assert response.json()["count"] == 3
