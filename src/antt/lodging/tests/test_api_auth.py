"""The lodging API's keys (who may call, 401/403 with Vietnamese messages, the per-key rate limit),
the public code tables (cache headers, ETag, 304) and the OpenAPI document."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from antt.establishments.models import Establishment
from antt.lodging import apikeys
from antt.lodging.models import ApiKey, StayReason
from antt.lodging.tests.factories import lodging_world, make_declaration

pytestmark = pytest.mark.django_db

BASE = "/api/v1/lodging"


def make_key(establishment, *, revoked: bool = False) -> str:
    """An API key row in the format of `business.key_create`; returns the full key."""
    prefix = secrets.token_hex(4)
    full = f"antt_lt_{prefix}_{secrets.token_urlsafe(30)}"
    ApiKey.objects.create(
        establishment=establishment,
        name="Phần mềm lễ tân",
        prefix=prefix,
        key_hash=hashlib.sha256(full.encode()).hexdigest(),
        revoked_at=timezone.now() if revoked else None,
    )
    return full


def bearer(key: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {key}")


@pytest.fixture
def w(settings):
    cache.clear()  # the rate-limit counters live in the cache
    return lodging_world(settings)


# --- authentication ---------------------------------------------------------------------------


def test_a_call_without_a_key_is_refused_with_401_and_a_challenge(w):
    # given no key
    # when
    response = Client().get(f"{BASE}/stays")
    # then
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert "Thiếu khóa API" in response.json()["detail"]


MALFORMED = [
    "Bearer abc",
    "Bearer antt_lt_short",
    "Bearer antt_lt_abcdefgh_",
    "Bearer antt_lt_abcdefgh_" + "x" * 500,
    "Bearer antt_lt_abc def_0123456789abcdef",
    "Basic dXNlcjpwYXNz",
]


def test_a_malformed_key_is_refused_with_401(w):
    make_key(w.hotel)
    for header in MALFORMED:
        # when
        response = Client(HTTP_AUTHORIZATION=header).get(f"{BASE}/stays")
        # then
        assert response.status_code == 401, header
        assert response["WWW-Authenticate"].startswith("Bearer"), header
        assert response.json()["detail"] in (apikeys.INVALID, apikeys.MISSING), header


def test_a_wrong_secret_or_an_unknown_prefix_is_refused_with_401(w):
    # given a real key
    key = make_key(w.hotel)
    wrong_secret = key[:17] + ("A" if key[17] != "A" else "B") + key[18:]
    unknown_prefix = "antt_lt_zzzzzzzz" + key[16:]
    for candidate in (wrong_secret, unknown_prefix):
        # when
        response = bearer(candidate).get(f"{BASE}/stays")
        # then
        assert response.status_code == 401
        assert response.json()["detail"] == "Khóa API không hợp lệ hoặc không tồn tại."


def test_a_revoked_key_is_refused_with_401(w):
    # given
    key = make_key(w.hotel, revoked=True)
    # when
    response = bearer(key).get(f"{BASE}/stays")
    # then
    assert response.status_code == 401
    assert "thu hồi" in response.json()["detail"]


def test_the_key_of_a_ceased_establishment_is_refused_with_403(w):
    # given
    key = make_key(w.hotel)
    Establishment.objects.filter(pk=w.hotel.pk).update(status=Establishment.Status.CEASED)
    # when
    response = bearer(key).get(f"{BASE}/stays")
    # then
    assert response.status_code == 403
    assert "chấm dứt hoạt động" in response.json()["detail"]


def test_the_key_of_an_establishment_without_a_lodging_line_is_refused_with_403(w):
    # given a karaoke (no lodging line) with a key
    from antt.establishments.tests.factories import make_establishment

    karaoke = make_establishment(w.est, name="Karaoke Ánh Dương", lines=["t-karaoke"])
    key = make_key(karaoke)
    # when
    response = bearer(key).get(f"{BASE}/stays")
    # then
    assert response.status_code == 403
    assert "lưu trú" in response.json()["detail"]


def test_a_good_key_is_accepted_in_either_header_and_only_sees_its_own_stays(w):
    # given a stay at each hotel
    own = make_declaration(w.hotel)
    make_declaration(w.hotel_b)
    key = make_key(w.hotel)
    for client in (bearer(key), Client(HTTP_X_API_KEY=key)):
        # when
        response = client.get(f"{BASE}/stays")
        # then
        assert response.status_code == 200, response.content
        assert [item["stay_id"] for item in response.json()["items"]] == [own.stay_id]


def test_last_used_is_written_at_most_once_a_minute(w):
    # given
    key = make_key(w.hotel)
    client = bearer(key)
    # when
    client.get(f"{BASE}/stays")
    first = ApiKey.objects.get().last_used_at
    client.get(f"{BASE}/stays")
    # then the second call within the minute changed nothing
    assert first is not None
    assert ApiKey.objects.get().last_used_at == first
    # and a call after a minute writes again
    ApiKey.objects.update(last_used_at=first - timedelta(minutes=2))
    client.get(f"{BASE}/stays")
    assert ApiKey.objects.get().last_used_at > first - timedelta(minutes=1)


def test_a_key_over_its_rate_gets_429_with_retry_after_and_other_keys_do_not(w, settings):
    # given a rate of 2 calls a minute
    settings.ANTT_LODGING_API_RATE = "2/m"
    key, other = make_key(w.hotel), make_key(w.hotel)
    client = bearer(key)
    # when
    statuses = [client.get(f"{BASE}/stays").status_code for _ in range(3)]
    # then
    assert statuses == [200, 200, 429]
    response = client.get(f"{BASE}/stays")
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 60
    assert "Quá nhiều yêu cầu" in response.json()["detail"]
    assert bearer(other).get(f"{BASE}/stays").status_code == 200


def test_the_stay_list_costs_a_fixed_number_of_queries(w, django_assert_max_num_queries):
    # given
    for _ in range(5):
        make_declaration(w.hotel)
    client = bearer(make_key(w.hotel))
    client.get(f"{BASE}/stays")  # the first call writes last_used_at
    # when / then: the key (with its establishment and lodging line), the page
    with django_assert_max_num_queries(2):
        response = client.get(f"{BASE}/stays?limit=3")
    body = response.json()
    assert body["count"] == 3 and body["has_more"] is True


def test_the_stay_list_pages_by_stay_id_and_filters_by_state_and_arrival_day(w):
    # given three staying guests and a departed one
    rows = [make_declaration(w.hotel) for _ in range(3)]
    gone = make_declaration(w.hotel, state="departed")
    client = bearer(make_key(w.hotel))
    # when
    first = client.get(f"{BASE}/stays?limit=2").json()
    second = client.get(f"{BASE}/stays?limit=2&after={first['next']}").json()
    departed = client.get(f"{BASE}/stays?state=departed").json()
    today = rows[0].arrived_at.astimezone(timezone.get_current_timezone()).date()
    other_day = client.get(f"{BASE}/stays?date={today - timedelta(days=3)}").json()
    # then
    assert [i["stay_id"] for i in first["items"] + second["items"]] == [r.stay_id for r in rows]
    assert second["has_more"] is False and second["next"] is None
    assert [i["stay_id"] for i in departed["items"]] == [gone.stay_id]
    assert other_day["items"] == []


def test_bad_stay_list_parameters_get_422_not_500(w):
    client = bearer(make_key(w.hotel))
    for query in ("state=gone", "limit=0", "limit=100000", "after=-1", "date=0", "date=2026-13-01", "date=0001-01-01"):
        # when
        response = client.get(f"{BASE}/stays?{query}")
        # then
        assert response.status_code == 422, query
        assert response.json()["detail"], query


# --- code tables ------------------------------------------------------------------------------


TABLES = [
    ("document-types", "CCCD"),
    ("countries", "KOR"),
    ("ports", "VVTX"),
    ("reasons", "DL"),
    ("visa-kinds", "MIENTT"),
]


def test_code_tables_are_public_cacheable_and_answer_304_when_unchanged(w):
    for table, code in TABLES:
        # when
        response = Client().get(f"{BASE}/codes/{table}")
        # then
        assert response.status_code == 200, table
        body = response.json()
        assert code in {item["code"] for item in body["items"]}, table
        assert body["count"] == len(body["items"]) and body["version"], table
        assert response["Cache-Control"] == "public, max-age=3600"
        again = Client().get(f"{BASE}/codes/{table}", HTTP_IF_NONE_MATCH=response["ETag"])
        assert again.status_code == 304, table
        assert again["ETag"] == response["ETag"]


def test_the_areas_table_lists_the_communes_of_the_current_scheme(w):
    # when
    body = Client().get(f"{BASE}/codes/areas").json()
    # then
    codes = {item["code"]: item["name"] for item in body["items"]}
    assert codes[w.area_a.code] == "Phường Hạc Thành"
    assert all(item["code"] != "" for item in body["items"])


def test_a_change_of_a_code_table_changes_its_etag_and_version_is_the_latest_valid_from(w):
    # given
    before = Client().get(f"{BASE}/codes/reasons")
    latest = max(r.valid_from for r in StayReason.objects.all())
    # when an administrator renames a reason
    reason = StayReason.objects.get(code="DL")
    reason.name = "Du lịch, nghỉ dưỡng"
    reason.save()
    after = Client().get(f"{BASE}/codes/reasons", HTTP_IF_NONE_MATCH=before["ETag"])
    # then
    assert after.status_code == 200
    assert after["ETag"] != before["ETag"]
    assert before.json()["version"] == latest.isoformat()


# --- the OpenAPI document ---------------------------------------------------------------------


def test_the_openapi_document_lists_every_lodging_endpoint_with_its_responses():
    # when
    doc = Client().get("/api/v1/openapi.json").json()
    # then
    paths = doc["paths"]
    keyed = {
        ("post", "/declarations"): {"200", "201", "401", "403", "413", "422", "429"},
        ("get", "/batches/{batch_id}"): {"200", "401", "404", "429"},
        ("post", "/stays/{stay_id}/departure"): {"200", "401", "404", "409", "429"},
        ("post", "/stays/{stay_id}/correction"): {"200", "401", "404", "409", "422", "429"},
        ("post", "/stays/{stay_id}/cancellation"): {"200", "401", "404", "409", "429"},
        ("get", "/stays"): {"200", "401", "422", "429"},
        ("get", "/receipt"): {"200", "401", "422", "429"},
    }
    for (method, path), statuses in keyed.items():
        operation = paths[f"{BASE}{path}"][method]
        assert statuses <= set(operation["responses"]), path
        assert {"LodgingApiKey": []} in operation["security"], path
    for table in ("document-types", "countries", "ports", "reasons", "visa-kinds", "areas"):
        operation = paths[f"{BASE}/codes/{table}"]["get"]
        assert {"200", "304"} <= set(operation["responses"])
        assert "security" not in operation
    body = paths[f"{BASE}/declarations"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert "mrz" in body["properties"]["guests"]["items"]["properties"]
    assert doc["components"]["securitySchemes"]["LodgingApiKeyHeader"]["name"] == "X-API-Key"
    # the documented guest is the validator's raw row, key for key
    from antt.lodging import validation

    assert list(body["properties"]["guests"]["items"]["properties"]) == list(validation.RAW_KEYS)
