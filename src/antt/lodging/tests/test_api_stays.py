"""POST /stays/{id}/departure|correction|cancellation, GET /receipt: the ledger through the API,
another establishment's stay (404), ended stays (409), bad bodies (4xx)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from antt.lodging import receipts
from antt.lodging.models import Declaration
from antt.lodging.tests.factories import VN, guest_row, lodging_world, make_declaration
from antt.lodging.tests.test_api_auth import BASE, make_key

pytestmark = pytest.mark.django_db


@pytest.fixture
def w(settings):
    cache.clear()
    settings.ANTT_LODGING_API_RATE = "0"
    return lodging_world(settings)


@pytest.fixture
def client(w):
    return Client(HTTP_AUTHORIZATION=f"Bearer {make_key(w.hotel)}")


def declare(client, *guests) -> list[int]:
    response = client.post(
        f"{BASE}/declarations", json.dumps({"guests": list(guests)}), content_type="application/json"
    )
    assert response.status_code == 201, response.content
    return response.json()["stays"]


def act(client, stay_id, action: str, body=None):
    data = "" if body is None else json.dumps(body)
    return client.post(f"{BASE}/stays/{stay_id}/{action}", data, content_type="application/json")


def test_departure_correction_and_cancellation_round_trip(w, client):
    # given two guests declared through the API
    first, second = declare(client, guest_row(room="101"), guest_row(room="102"))
    # when the first changes room, then leaves
    corrected = act(client, first, "correction", {"guest": {"room": "305"}, "note": "Khách đổi phòng"})
    departed = act(client, first, "departure")
    # and the second was a mistake
    cancelled = act(client, second, "cancellation", {"note": "Nhập nhầm khách"})
    # then
    assert corrected.status_code == 200, corrected.content
    c = corrected.json()
    assert (c["stay_id"], c["kind"], c["room"], c["replaces_id"], c["note"]) == (
        first,
        "correction",
        "305",
        first,
        "Khách đổi phòng",
    )
    assert departed.status_code == 200, departed.content
    d = departed.json()
    assert (d["kind"], d["state"], d["replaces_id"], d["room"]) == ("departure", "departed", c["id"], "305")
    assert d["departed_at"] is not None
    assert cancelled.status_code == 200
    assert cancelled.json()["state"] == "cancelled"
    # the ledger keeps every row, one current per stay
    ledger = list(Declaration.objects.filter(stay_id=first).order_by("id").values_list("kind", "is_current", "room"))
    assert ledger == [("arrival", False, "101"), ("correction", False, "305"), ("departure", True, "305")]
    # and the list of stays follows
    assert client.get(f"{BASE}/stays").json()["items"] == []
    assert [i["stay_id"] for i in client.get(f"{BASE}/stays?state=departed").json()["items"]] == [first]
    assert [i["stay_id"] for i in client.get(f"{BASE}/stays?state=cancelled").json()["items"]] == [second]


def test_a_departure_at_a_given_time_naive_is_vietnam_time(w, client):
    # given
    (stay,) = declare(client, guest_row())
    when = (timezone.now().astimezone(VN) - timedelta(minutes=5)).replace(second=0, microsecond=0, tzinfo=None)
    # when
    response = act(client, stay, "departure", {"departed_at": when.isoformat()})
    # then
    assert response.status_code == 200, response.content
    assert Declaration.objects.get(stay_id=stay, is_current=True).departed_at == when.replace(tzinfo=VN)


def test_an_ended_stay_cannot_change_again_409(w, client):
    # given a departed stay
    (stay,) = declare(client, guest_row())
    act(client, stay, "departure")
    # when / then
    for action, body in (
        ("departure", None),
        ("correction", {"guest": {"room": "9"}, "note": "Đổi phòng"}),
    ):
        response = act(client, stay, action, body)
        assert response.status_code == 409, action
        assert "đã kết thúc" in response.json()["detail"]


def test_a_cancellation_after_24_hours_is_refused_409(w, client):
    # given a stay declared two days ago
    old = make_declaration(w.hotel, arrived_at=timezone.now() - timedelta(days=2))
    # when
    response = act(client, old.stay_id, "cancellation", {"note": "Nhập nhầm khách"})
    # then
    assert response.status_code == 409
    assert "Công an xã" in response.json()["detail"]


def test_another_establishments_stay_is_not_found_and_unchanged(w, client):
    # given a guest of the other hotel
    other = make_declaration(w.hotel_b)
    # when / then
    for action, body in (
        ("departure", None),
        ("correction", {"guest": {"room": "9"}, "note": "Đổi phòng"}),
        ("cancellation", {"note": "Nhập nhầm khách"}),
    ):
        response = act(client, other.stay_id, action, body)
        assert response.status_code == 404, action
        assert response.json()["detail"] == "Không tìm thấy lượt lưu trú này của cơ sở."
    assert Declaration.objects.filter(stay_id=other.stay_id).count() == 1


def test_bad_stay_requests_get_4xx_not_500(w, client):
    # given
    (stay,) = declare(client, guest_row())
    cases = [
        (0, "departure", None, 422),
        ("9" * 30, "departure", None, 422),
        ("abc", "departure", None, 422),
        (stay, "departure", {"departed_at": "0.5"}, 422),
        (stay, "departure", {"departed_at": "0001-01-01T00:00:00"}, 422),
        (stay, "departure", {"departed_at": "2099-01-01T00:00:00"}, 400),
        (stay, "correction", {"guest": {"room": 5}, "note": "Đổi phòng"}, 422),
        (stay, "correction", {"guest": {"bogus": "x"}, "note": "Đổi phòng"}, 422),
        (stay, "correction", {"guest": {"birth_date": "32/13/1990"}, "note": "Sửa ngày sinh"}, 422),
        (stay, "correction", {"guest": {"room": "9"}}, 422),
        (stay, "correction", {"guest": {"room": "9"}, "note": "x"}, 400),
        (stay, "correction", "not json", 422),
        (stay, "cancellation", {}, 422),
        (stay, "cancellation", {"note": ""}, 422),
    ]
    for stay_id, action, body, status in cases:
        # when
        if body == "not json":
            response = client.post(f"{BASE}/stays/{stay_id}/{action}", "not json", content_type="application/json")
        else:
            response = act(client, stay_id, action, body)
        # then
        assert response.status_code == status, (stay_id, action, body, response.content)
        assert response.json()["detail"]
    assert Declaration.objects.filter(stay_id=stay).count() == 1


def test_the_receipt_lists_the_days_entries_with_the_pdfs_digest(w, client):
    # given an arrival and a departure today, and another hotel's guest
    first, second = declare(client, guest_row(full_name="Lê Văn Một"), guest_row(full_name="Lê Văn Hai"))
    act(client, first, "departure")
    make_declaration(w.hotel_b)
    today = timezone.now().astimezone(VN).date()
    # when
    response = client.get(f"{BASE}/receipt?date={today.isoformat()}")
    # then
    assert response.status_code == 200
    body = response.json()
    assert [(e["kind"], e["stay_id"]) for e in body["entries"]] == [
        ("arrival", first),
        ("arrival", second),
        ("departure", first),
    ]
    assert body["counts"] == {"arrival": 2, "correction": 0, "departure": 1, "cancellation": 0}
    assert body["entries"][2]["replaces_id"] == first
    rows = list(Declaration.objects.filter(establishment=w.hotel).order_by("declared_at", "id"))
    assert body["sha256"] == receipts.receipt_digest(w.hotel, today, rows)
    # another day is empty; a bad day is a 422
    assert client.get(f"{BASE}/receipt?date={today - timedelta(days=1)}").json()["total"] == 0
    assert client.get(f"{BASE}/receipt?date=1900-01-01").status_code == 422
    assert client.get(f"{BASE}/receipt").status_code == 422


@pytest.mark.parametrize("body", ["[null, null]", "3", '"now"', "{not json"])
def test_a_departure_body_that_is_not_an_object_is_422_and_writes_nothing(w, client, body):
    # found by schemathesis: a JSON list was taken for "no body"
    (stay,) = declare(client, guest_row())
    response = client.post(f"{BASE}/stays/{stay}/departure", body, content_type="application/json")
    assert response.status_code in (400, 422), response.content
    assert response.json()["detail"]
    assert Declaration.objects.get(stay_id=stay, is_current=True).state == "staying"


def test_an_empty_departure_body_means_now(w, client):
    (stay,) = declare(client, guest_row())
    response = client.post(f"{BASE}/stays/{stay}/departure", "", content_type="application/json")
    assert response.status_code == 200, response.content
    assert Declaration.objects.get(stay_id=stay, is_current=True).state == "departed"


def test_an_empty_departure_time_is_not_iso_8601_422(w, client):
    # found by schemathesis: "" was taken for "now" although the schema says date-time
    (stay,) = declare(client, guest_row())
    response = act(client, stay, "departure", {"departed_at": ""})
    assert response.status_code == 422, response.content
    assert Declaration.objects.get(stay_id=stay, is_current=True).state == "staying"
