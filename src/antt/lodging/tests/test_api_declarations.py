"""POST /api/v1/lodging/declarations and GET /batches/{id}: all-or-nothing and keep-valid, the
idempotent replay, the size limits, junk bodies (4xx, never 500), and no word of the watchlist."""

from __future__ import annotations

import json
import uuid

import pytest
from django.core.cache import cache
from django.test import Client

from antt.lodging.models import ApiKey, Declaration, DeclarationBatch, WatchEntry
from antt.lodging.tests.factories import foreign_row, guest_row, lodging_world
from antt.lodging.tests.test_api_auth import BASE, make_key

pytestmark = pytest.mark.django_db

URL = f"{BASE}/declarations"


@pytest.fixture
def w(settings):
    cache.clear()
    return lodging_world(settings)


@pytest.fixture
def hotel_key(w):
    return make_key(w.hotel)


def post(key: str, body, **headers):
    data = body if isinstance(body, (bytes, str)) else json.dumps(body)
    return Client(HTTP_AUTHORIZATION=f"Bearer {key}").post(URL, data, content_type="application/json", **headers)


def test_three_valid_guests_are_declared_with_201_and_written(w, hotel_key):
    # given
    guests = [guest_row(), guest_row(full_name="Trần Thị Bình", sex="F"), foreign_row()]
    # when
    response = post(hotel_key, {"mode": "all", "guests": guests})
    # then
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "done"
    assert (body["total"], body["accepted"], body["rejected"], body["errors"]) == (3, 3, 0, [])
    rows = list(Declaration.objects.filter(establishment=w.hotel).order_by("id"))
    assert body["stays"] == [r.stay_id for r in rows]
    assert [r.doc_number for r in rows] == [g["doc_number"] for g in guests]
    assert {r.source for r in rows} == {"api"}
    batch = DeclarationBatch.objects.get(pk=body["batch_id"])
    assert batch.api_key == ApiKey.objects.get() and batch.source == "api"


def test_one_bad_guest_rejects_the_whole_batch_with_422_and_writes_nothing(w, hotel_key):
    # given the second guest born in the future
    guests = [guest_row(), guest_row(birth_date="01/01/2999"), guest_row()]
    # when
    response = post(hotel_key, {"guests": guests})
    # then
    assert response.status_code == 422
    body = response.json()
    assert "không khách nào được ghi" in body["detail"]
    assert body["status"] == "rejected" and body["accepted"] == 0
    assert [(e["row"], e["field"]) for e in body["errors"]] == [(2, "birth_date")]
    assert "2999" not in json.dumps(body)  # messages do not echo the value
    assert not Declaration.objects.exists()


def test_keep_valid_writes_the_good_guests_and_lists_the_bad_one(w, hotel_key):
    # given
    guests = [guest_row(), guest_row(doc_type="XYZ"), guest_row()]
    # when
    response = post(hotel_key, {"mode": "valid", "guests": guests})
    # then
    assert response.status_code == 201
    body = response.json()
    assert (body["accepted"], body["rejected"]) == (2, 1)
    assert [(e["row"], e["field"]) for e in body["errors"]] == [(2, "doc_type")]
    assert len(body["stays"]) == 2
    assert Declaration.objects.count() == 2


def test_the_same_idempotency_key_replays_the_stored_batch_with_200_and_writes_nothing(w, hotel_key):
    # given a batch sent once
    guests = [guest_row(), guest_row()]
    first = post(hotel_key, {"guests": guests}, HTTP_IDEMPOTENCY_KEY="pms-2026-04-23-0001")
    assert first.status_code == 201
    # when the PMS retries after a lost answer
    again = post(hotel_key, {"guests": guests}, HTTP_IDEMPOTENCY_KEY="pms-2026-04-23-0001")
    # then
    assert again.status_code == 200
    assert again.json()["batch_id"] == first.json()["batch_id"]
    assert again.json()["stays"] == first.json()["stays"]
    assert Declaration.objects.count() == 2
    assert DeclarationBatch.objects.count() == 1


def test_another_establishment_may_use_the_same_idempotency_key(w, hotel_key):
    # given
    post(hotel_key, {"guests": [guest_row()]}, HTTP_IDEMPOTENCY_KEY="k-1")
    # when
    other = post(make_key(w.hotel_b), {"guests": [guest_row()]}, HTTP_IDEMPOTENCY_KEY="k-1")
    # then
    assert other.status_code == 201
    assert Declaration.objects.filter(establishment=w.hotel_b).count() == 1


def test_a_guest_already_staying_is_reported_as_a_duplicate(w, hotel_key):
    # given
    guest = guest_row()
    post(hotel_key, {"guests": [guest]})
    # when
    response = post(hotel_key, {"guests": [guest]})
    # then
    assert response.status_code == 422
    assert "đang lưu trú" in response.json()["errors"][0]["message"]
    assert Declaration.objects.count() == 1


def test_more_guests_than_the_limit_get_413_in_vietnamese(w, hotel_key, settings):
    # given
    settings.ANTT_LODGING_MAX_ROWS = 2
    # when
    response = post(hotel_key, {"guests": [guest_row(), guest_row(), guest_row()]})
    # then
    assert response.status_code == 413
    assert "tối đa 2 khách" in response.json()["detail"]
    assert not DeclarationBatch.objects.exists()


def test_a_body_larger_than_the_limit_gets_413(w, hotel_key, settings):
    # given a limit of 1 row (and Django's own body limit, 10 MB, as the floor)
    settings.ANTT_LODGING_MAX_ROWS = 1
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2000
    # when
    response = post(hotel_key, {"guests": [guest_row(address="x" * 5000)]})
    # then
    assert response.status_code == 413
    assert "quá lớn" in response.json()["detail"]


JUNK = [
    b"",
    b"not json",
    b"\xff\xfe\x00",
    b"[]",
    b"null",
    b'"guests"',
    b"[" * 5000 + b"]" * 5000,
    b'{"guests": "x"}',
    b'{"guests": []}',
    b'{"guests": [1, 2]}',
    b'{"guests": [{"full_name": 5}]}',
    b'{"guests": [{"full_name": {"a": 1}}]}',
    b'{"guests": [{"fullname": "An"}]}',
    b'{"guests": [{"_row": "7"}]}',
    b'{"mode": "some", "guests": [{}]}',
    b'{"mode": null, "guests": [{}]}',
    b'{"guests": [{}], "extra": 1}',
    b'{"guests": [{}]}',
    b'{"guests": [{"full_name": "\\u0000"}]}',
]


def test_junk_bodies_get_a_4xx_in_vietnamese_never_500(w, hotel_key, settings):
    settings.ANTT_LODGING_API_RATE = "0"  # one world, many calls
    for body in JUNK:
        # when
        response = post(hotel_key, body)
        # then
        assert 400 <= response.status_code < 500, (body[:40], response.content)
        assert response.json()["detail"], body[:40]
    assert not Declaration.objects.exists()


def test_an_idempotency_key_longer_than_80_characters_gets_422(w, hotel_key):
    # when
    response = post(hotel_key, {"guests": [guest_row()]}, HTTP_IDEMPOTENCY_KEY="k" * 81)
    # then
    assert response.status_code == 422
    assert "Idempotency-Key" in response.json()["detail"]
    assert not Declaration.objects.exists()


def test_the_answer_never_mentions_a_watchlist_match(w, hotel_key):
    # given a wanted person
    guest = guest_row()
    WatchEntry.objects.create(
        kind=WatchEntry.Kind.WANTED,
        doc_number=guest["doc_number"],
        basis="Quyết định truy nã số 1/QĐ",
        unit=w.commune_a,
        created_by=w.processor_a,
    )
    # when
    response = post(hotel_key, {"guests": [guest, guest_row()]})
    # then the answer has the shape of any other
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {
        "batch_id",
        "status",
        "mode",
        "total",
        "accepted",
        "rejected",
        "errors",
        "stays",
        "created_at",
        "finished_at",
    }
    assert "alert" not in response.content.decode().lower()
    assert "cảnh báo" not in response.content.decode().lower()


def test_a_batch_is_read_back_by_its_establishment_only(w, hotel_key):
    # given a keep-valid batch with one error
    sent = post(hotel_key, {"mode": "valid", "guests": [guest_row(), guest_row(sex="?")]}).json()
    # when
    own = Client(HTTP_AUTHORIZATION=f"Bearer {hotel_key}").get(f"{BASE}/batches/{sent['batch_id']}")
    other = Client(HTTP_AUTHORIZATION=f"Bearer {make_key(w.hotel_b)}").get(f"{BASE}/batches/{sent['batch_id']}")
    unknown = Client(HTTP_AUTHORIZATION=f"Bearer {hotel_key}").get(f"{BASE}/batches/{uuid.uuid4()}")
    junk = Client(HTTP_AUTHORIZATION=f"Bearer {hotel_key}").get(f"{BASE}/batches/not-a-uuid")
    # then
    assert own.status_code == 200
    body = own.json()
    assert (body["accepted"], body["rejected"], body["stays"]) == (1, 1, sent["stays"])
    assert body["errors"][0]["field"] == "sex"
    assert other.status_code == 404 and "lần gửi" in other.json()["detail"]
    assert unknown.status_code == 404
    assert junk.status_code in (404, 422)


def test_a_call_without_a_key_writes_nothing(w):
    # when
    response = Client().post(URL, json.dumps({"guests": [guest_row()]}), content_type="application/json")
    # then
    assert response.status_code == 401
    assert not DeclarationBatch.objects.exists()
