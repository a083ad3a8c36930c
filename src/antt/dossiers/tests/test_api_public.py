"""POST /api/v1/dossiers/lookup: the JSON, the generic 404, 422, 429, two queries; and its bench baseline."""

import json

import pytest
from django.core.cache import cache
from django.urls import include, path
from django.utils import timezone

from antt.api.api import VietnameseJSONRenderer, api, on_http_error, on_not_found, on_validation_error
from antt.dossiers import bench_views, ratelimit
from antt.dossiers.api_public import NOT_FOUND, router
from antt.dossiers.models import Delivery
from antt.dossiers.services import (
    UploadIn,
    dossier_accept,
    dossier_request_supplement,
    dossier_submit_online,
)
from antt.dossiers.tests.factories import applicant, one_stop_world, pdf_upload

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]


def _api_with_the_router():
    """The project's API once the lead has registered the router; until then a test API around it."""
    if any(r is router for _prefix, r in api._routers):
        return api
    from ninja import NinjaAPI
    from ninja.errors import HttpError, ValidationError

    test_api = NinjaAPI(urls_namespace="public-lookup-test", renderer=VietnameseJSONRenderer())
    test_api.add_exception_handler(ValidationError, on_validation_error)
    test_api.add_exception_handler(HttpError, on_http_error)
    test_api.add_exception_handler(__import__("django.http").http.Http404, on_not_found)
    test_api.add_router("/dossiers", router)
    return test_api


urlpatterns = [
    path("api/v1/", _api_with_the_router().urls),
    path("", include(bench_views.urlpatterns)),
    path("", include("antt.dossiers.urls")),
    path("", include("antt.catalog.urls")),
    path("", include("antt.portal.urls")),
]
URL = "/api/v1/dossiers/lookup"
BENCH_URL = "/bench/dossiers/lookup"


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def w():
    return one_stop_world(days=3)


@pytest.fixture
def dossier(w):
    d = dossier_submit_online(
        procedure=w.procedure,
        level="commune",
        unit=w.unit,
        applicant=applicant(),
        uploads=[UploadIn(pdf_upload())],
        delivery=Delivery.COUNTER,
    )
    return dossier_accept(officer=w.receptionist, dossier=d)


def post(client, url, body, **extra):
    data = body if isinstance(body, str) else json.dumps(body)
    return client.post(url, data, content_type="application/json", **extra)


def test_lookup_answers_the_public_fields_only(client, w, dossier, django_assert_num_queries):
    # given the process has its "due soon" cut-off (the calendar is read once a minute)
    post(client, URL, {"code": dossier.code, "phone_last4": "5678"})
    # when (one query for the dossier, one for its public events)
    with django_assert_num_queries(2):
        response = post(client, URL, {"code": dossier.code, "phone_last4": "5678"})
    # then
    assert response.status_code == 200
    data = response.json()
    assert set(data) == {
        "code",
        "procedure",
        "unit",
        "status",
        "status_label",
        "portal_status_code",
        "received_at",
        "due_date",
        "deadline_state",
        "applicant_name_masked",
        "next_step",
        "timeline",
    }
    assert data["code"] == dossier.code
    assert data["procedure"] == w.procedure.name and data["unit"] == w.unit.name
    assert (data["status"], data["status_label"], data["portal_status_code"]) == ("received", "Được tiếp nhận", 2)
    assert data["due_date"] == timezone.localtime(dossier.due_at).date().isoformat()
    assert data["deadline_state"] in ("on_time", "due_soon")
    assert data["applicant_name_masked"] == "Đ*** T** N*** H****"
    assert [e["label"] for e in data["timeline"]] == ["Nộp hồ sơ trực tuyến", "Tiếp nhận hồ sơ trực tuyến"]
    assert set(data["timeline"][0]) == {"at", "label", "note"}
    body = response.content.decode()
    for secret in ("Đặng Thị Ngọc Hường", "038190000123", "0912345678", "Lê Lợi", "huong@", dossier.token):
        assert secret not in body


def test_supplement_reasons_are_in_the_timeline(client, w, dossier):
    dossier_request_supplement(officer=w.receptionist, dossier=dossier, items=["Giấy A"], reasons="Thiếu giấy A")
    data = post(client, URL, {"code": dossier.code, "phone_last4": "5678"}).json()
    assert data["status"] == "supplement"
    assert data["timeline"][-1]["note"] == "Thiếu giấy A"
    assert data["deadline_state"] is None  # the clock is paused


def test_wrong_digits_and_unknown_code_give_the_same_404_body(client, dossier):
    wrong = post(client, URL, {"code": dossier.code, "phone_last4": "1234"})
    unknown = post(client, URL, {"code": "H56.14-990101-0009", "phone_last4": "5678"})
    assert wrong.status_code == unknown.status_code == 404
    assert wrong.json() == unknown.json() == {"detail": NOT_FOUND}


@pytest.mark.parametrize(
    "body",
    [
        "{not json",
        {"code": "H56.14-260101-0001"},
        {"code": "H56.14-260101-0001", "phone_last4": "12a4"},
        {"code": "H56.14-260101-0001", "phone_last4": "12345"},
        {"code": "", "phone_last4": "1234"},
        {"code": "x" * 61, "phone_last4": "1234"},
    ],
)
def test_bad_body_is_422_with_a_vietnamese_message(client, db, body):
    response = post(client, URL, body)
    assert response.status_code == 422
    assert response.json()["detail"]


def test_lookup_is_rate_limited(client, dossier, settings):
    settings.ANTT_LOOKUP_RATE = "2/m"
    assert post(client, URL, {"code": dossier.code, "phone_last4": "0000"}).status_code == 404
    assert post(client, URL, {"code": dossier.code, "phone_last4": "5678"}).status_code == 200
    response = post(client, URL, {"code": dossier.code, "phone_last4": "5678"})
    assert response.status_code == 429
    assert "quá nhiều lần" in response.json()["detail"]


def test_the_bench_baseline_returns_the_same_json_by_raw_sql(client, w, dossier, django_assert_num_queries):
    # given the same dossier with a supplement round in its history
    dossier_request_supplement(officer=w.receptionist, dossier=dossier, items=["Giấy A"], reasons="Thiếu giấy A")
    body = {"code": dossier.code, "phone_last4": "5678"}
    # when
    api_answer = post(client, URL, body)
    with django_assert_num_queries(2):
        raw = post(client, BENCH_URL, body)
    # then
    assert raw.status_code == api_answer.status_code == 200
    assert raw.json() == api_answer.json()
    wrong = post(client, BENCH_URL, {"code": dossier.code, "phone_last4": "0000"})
    assert wrong.status_code == 404 and wrong.json() == {"detail": NOT_FOUND}


def test_rate_parsing_and_windows(settings):
    assert ratelimit.parse_rate("10/m") == (10, 60)
    assert ratelimit.parse_rate("5/h") == (5, 3600)
    assert ratelimit.parse_rate("100/10s") == (100, 10)
    assert ratelimit.parse_rate("") is None and ratelimit.parse_rate("0") is None
    with pytest.raises(ValueError):
        ratelimit.parse_rate("ten per minute")
    cache.clear()
    assert [ratelimit.hit("1.2.3.4", "t", "2/m") for _ in range(3)] == [True, True, False]
    assert ratelimit.hit("1.2.3.5", "t", "2/m") is True  # another address
    assert ratelimit.hit("1.2.3.4", "other", "2/m") is True  # another purpose
    assert all(ratelimit.hit("1.2.3.4", "t", "") for _ in range(5))  # off
