"""Review: junk input on every lodging page and API endpoint answers a 4xx with a Vietnamese
message, never a 500 (nor a 503 "system error" for what is only bad input)."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from antt.lodging import business, services, watch
from antt.lodging.models import Alert, Declaration
from antt.lodging.tests.factories import foreign_row, guest_row, lodging_world
from antt.org.otp import login_verified

pytestmark = pytest.mark.django_db
HUGE = "9" * 25
LONG = "Ă" * 10_000
JUNK = ["abc", "2026-13-40", "31/02/2026", "a\x00b", LONG, "🏨😀", "１２３", "-1", HUGE, "'; drop table x; --"]
API = "/api/v1/lodging"


@pytest.fixture
def w(settings):
    w = lodging_world(settings)
    result = services.declare_batch(establishment=w.hotel, rows=[guest_row()], source="form", user=w.manager)
    w.stay_id = result.declarations[0]
    watch.clear_cache()
    w.entry = watch.watch_add(
        user=w.head_a, kind="wanted", doc_number=Declaration.objects.get().doc_number, basis="QĐ truy nã 1/2026"
    )
    w.alert = Alert.objects.get()
    _, w.key = business.key_create(establishment=w.hotel, name="PMS", user=w.manager)
    return w


def _ok(response) -> None:
    assert response.status_code < 500, (response.status_code, response.content[:300])


@pytest.mark.parametrize("path", ["luu-tru/luot/{}/", "luu-tru/theo-doi/{}/", "luu-tru/canh-bao/{}/"])
def test_huge_ids_in_staff_urls_are_404(client, w, path):
    login_verified(client, w.head_a)
    for method in ("get", "post"):
        response = getattr(client, method)("/" + path.format(HUGE), {"reason": "Vụ việc số 15/2026/TTHS"})
        assert response.status_code == 404


def test_huge_stay_id_in_business_url_is_404(client, w):
    login_verified(client, w.manager)
    assert client.get(f"/doanh-nghiep/luu-tru/khach/{HUGE}/").status_code == 404
    assert client.post(f"/doanh-nghiep/luu-tru/khach/{HUGE}/", {"action": "depart"}).status_code == 404


STAFF_GETS = [
    ("police-staying", ["page", "establishment", "commune", "nationality", "sort", "foreign"]),
    ("police-foreigners", ["page", "nationality"]),
    ("police-late", ["thang"]),
    ("police-export", ["loai", "establishment", "nationality"]),
    ("watch-list", ["q", "kind", "active", "page"]),
    ("alert-list", ["status", "page"]),
    ("stats", ["tu", "den", "theo"]),
    ("occupancy", ["tu", "den"]),
]


@pytest.mark.parametrize(("name", "params"), STAFF_GETS, ids=[n for n, _ in STAFF_GETS])
def test_junk_query_on_staff_lists(client, w, name, params):
    login_verified(client, w.head_a)
    for value in JUNK:
        for param in params:
            _ok(client.get(reverse(f"lodging:{name}"), {param: value}))


STAFF_POSTS = [
    ("police-search", ["name", "birth_date", "doc_number", "nationality", "establishment", "tu", "den", "page"]),
    ("police-history", ["doc_number"]),
    ("police-export", ["doc_number", "birth_date", "tu"]),
    ("watch-add", ["kind", "doc_number", "full_name", "birth_date", "nationality", "basis", "valid_until"]),
]


@pytest.mark.parametrize(("name", "params"), STAFF_POSTS, ids=[n for n, _ in STAFF_POSTS])
def test_junk_posts_on_staff_forms(client, w, name, params):
    login_verified(client, w.head_a)
    base = {"reason": "Vụ việc số 15/2026/TTHS", "loai": "tra-cuu", "name": "nguyen", "kind": "wanted", "basis": "QĐ"}
    for value in JUNK:
        for param in params:
            _ok(client.post(reverse(f"lodging:{name}"), {**base, param: value}))


def test_junk_posts_on_staff_objects(client, w):
    login_verified(client, w.head_a)
    for value in JUNK:
        _ok(client.post(reverse("lodging:police-stay", args=[w.stay_id]), {"reason": value}))
        _ok(client.post(reverse("lodging:watch-detail", args=[w.entry.pk]), {"reason": value}))
        _ok(client.post(reverse("lodging:alert-detail", args=[w.alert.pk]), {"action": value, "outcome": value}))
        _ok(client.post(reverse("lodging:alert-detail", args=[w.alert.pk]), {"action": "close", "outcome": value}))


BIZ = [
    ("biz-guests", "get", ["state", "ngay", "q", "phong", "sort", "page"]),
    ("biz-receipt", "get", ["ngay"]),
    ("biz-declare", "post", ["full_name", "birth_date", "arrived_at", "address", "room", "phone", "mrz", "doc_number"]),
    ("biz-rooms", "post", ["action", "room", "number", "floor", "beds", "note"]),
    ("biz-keys", "post", ["action", "key", "name"]),
]


@pytest.mark.parametrize(("name", "method", "params"), BIZ, ids=[n for n, _, _ in BIZ])
def test_junk_on_business_pages(client, w, name, method, params):
    login_verified(client, w.manager)
    base = guest_row() if name == "biz-declare" else {"action": "add"}
    for value in JUNK:
        for param in params:
            response = getattr(client, method)(reverse(f"lodging:{name}"), {**base, param: value})
            _ok(response)
            if name == "biz-declare" and param in ("address", "room") and "\x00" in value:
                assert response.status_code == 400


def test_junk_on_business_stay_actions(client, w):
    login_verified(client, w.manager)
    url = reverse("lodging:biz-stay", args=[w.stay_id])
    for value in JUNK:
        for data in (
            {"action": value},
            {"action": "depart", "departed_at": value},
            {"action": "cancel", "note": value},
            {"action": "correct", "note": "Sửa địa chỉ", "address": value},
            {"action": "correct", "note": value, "birth_date": value},
        ):
            _ok(client.post(url, data))


def _api(client, w, method, path, body=None, content_type="application/json", **headers):
    return getattr(client, method)(
        API + path,
        body if isinstance(body, (str, bytes)) or body is None else json.dumps(body),
        content_type=content_type,
        headers={"Authorization": f"Bearer {w.key}", **headers},
    )


@pytest.mark.parametrize("field", ["address", "room", "full_name", "phone", "visa_number", "mrz", "arrived_at"])
def test_api_junk_guest_values_are_422_not_503(client, w, field):
    for value in ["a\x00b", LONG, "🏨", "\x1b[31m", "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00"]:
        row = foreign_row(**{field: value})
        response = _api(client, w, "post", "/declarations", {"guests": [row]})
        assert response.status_code in (201, 422), (field, repr(value)[:40], response.status_code)
        if "\x00" in value or "\x1b" in value:
            assert response.status_code == 422, (field, repr(value))


def test_api_junk_bodies_and_content_types(client, w):
    cases = [
        ("text/plain", "guests=1"),
        ("application/x-www-form-urlencoded", "guests=1"),
        ("application/json", "\x00"),
        ("application/json", "[" * 100_000),
        ("application/json", '{"guests": "x"}'),
        ("application/json", '{"guests": [1, null, "x"]}'),
        ("application/json", '{"guests": [{"full_name": 5}]}'),
        ("application/json", b"\xff\xfe\x00"),
        ("multipart/form-data; boundary=x", "--x--"),
    ]
    for content_type, body in cases:
        _ok(_api(client, w, "post", "/declarations", body, content_type=content_type))
    for path in (f"/stays/{HUGE}/departure", "/stays/abc/departure", "/stays/-1/cancellation"):
        _ok(_api(client, w, "post", path, {"note": "x"}))
    for body in ('{"departed_at": "2026-13-40T00:00"}', '{"departed_at": "0001-01-01T00:00:00+14:00"}', "x"):
        _ok(_api(client, w, "post", f"/stays/{w.stay_id}/departure", body))
    for guest in ({"arrived_at": "0001-01-01T00:00:00+14:00"}, {"address": "a\x00b"}, {"birth_date": "１２３"}):
        response = _api(client, w, "post", f"/stays/{w.stay_id}/correction", {"guest": guest, "note": "Sửa thông tin"})
        assert response.status_code in (400, 409, 422), (guest, response.status_code)
    for query in ("?after=abc", "?limit=0", "?date=2026-13-40", "?state=x", f"?after={HUGE}", "?date=１２３"):
        _ok(_api(client, w, "get", "/stays" + query))
    for query in ("", "?date=abc", "?date=0001-01-01", "?date=9999-12-31"):
        _ok(_api(client, w, "get", "/receipt" + query))
    for path in ("/batches/abc", f"/batches/{HUGE}", "/batches/00000000-0000-0000-0000-000000000000"):
        _ok(_api(client, w, "get", path))
    _ok(_api(client, w, "post", "/declarations", {"guests": [guest_row()]}, **{"Idempotency-Key": "é" * 90}))


def test_stats_api_junk(client, w):
    login_verified(client, w.head_a)
    for query in ("?from=2026-13", "?from=abc&to=2026-01", "?from=2026-05&to=2026-01", "?by=x", "?from=１２３"):
        for path in ("/statistics/guests", "/statistics/occupancy"):
            _ok(client.get(API + path + query))
