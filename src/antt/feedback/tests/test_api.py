"""The public feedback API (/api/v1/feedback): submit, lookup, published list."""

from __future__ import annotations

import json

import pytest
from django.core.cache import cache
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from antt.feedback.loaders import load_feedback_rules
from antt.feedback.models import Feedback, FeedbackState
from antt.feedback.tests.test_intake import form, send
from antt.org.models import Unit
from antt.org.tests.factories import make_unit

SUBMIT = "/api/v1/feedback"
LOOKUP = "/api/v1/feedback/lookup"
PUBLISHED = "/api/v1/feedback/published"


@pytest.fixture(autouse=True)
def _world(db):
    """Every test: empty rate-limit counters, the legal rules and topics, the intake unit."""
    cache.clear()
    load_feedback_rules()
    make_unit("Trung tâm Phục vụ hành chính công tỉnh", level=Unit.Level.PROVINCE, slug="ttpvhcc")
    yield
    cache.clear()


def body(**overrides):
    data = form(**overrides)
    data["consent"] = True
    return data


def post(client, url, payload):
    raw = payload if isinstance(payload, (bytes, str)) else json.dumps(payload)
    return client.post(url, raw, content_type="application/json")


def test_submit_returns_201_with_code_and_due_date(client):
    response = post(client, SUBMIT, body())
    assert response.status_code == 201, response.content
    data = response.json()
    fb = Feedback.objects.get()
    assert data["code"] == fb.code and data["classify_due"] == fb.classify_due.isoformat()
    assert fb.state == FeedbackState.RECEIVED  # no form timestamp on the API


@pytest.mark.parametrize(
    "payload",
    [
        b"{not json",
        b"[1, 2]",
        b"",
        {"kind": "reflection"},
        {**body(), "content": "Nội dung \x00 có NUL, đủ dài để qua giới hạn tối thiểu."},
        {**body(), "content": "x" * 10_000},
        {**body(), "title": "Tiêu đề\x1b"},
        {**body(), "consent": False},
        {**body(), "topic": "abc"},
        {**body(), "topic": 10**30},
        {**body(), "procedure": -1},
        {**body(), "sender_phone": 912345678},
        {**body(), "dossier_code": "KHONG-CO"},
        {**body(), "kind": None},
        '{"kind": "reflection", "subject": "rule", "title": "T\\ud800", "content": "'
        + "n" * 30
        + '", "sender_kind": "person", "sender_name": "A", "sender_phone": "0912345678", '
        '"sender_address": "B", "consent": true}',
        {**body(), "consent": "true"},
        {**body(), "topic": "5"},
    ],
)
def test_junk_bodies_are_4xx_in_vietnamese(client, payload):
    response = post(client, SUBMIT, payload)
    assert 400 <= response.status_code < 500, response.content
    assert response.json()["detail"]
    assert not Feedback.objects.exists()


def test_validation_errors_name_the_fields(client):
    response = post(client, SUBMIT, {**body(), "sender_email": "sai", "sender_phone": "1"})
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert {"sender_email", "sender_phone"} <= fields


def test_duplicate_is_409_with_code_only_when_phone_matches(client):
    first = post(client, SUBMIT, body()).json()["code"]
    again = post(client, SUBMIT, body())
    assert again.status_code == 409 and again.json()["code"] == first
    other = post(client, SUBMIT, body(sender_phone="0987000111"))
    assert other.status_code == 409 and other.json()["code"] is None and first not in other.json()["detail"]


def test_flood_is_429_and_earlier_ones_are_kept(client, settings):
    settings.ANTT_FEEDBACK_RATE = "2/h"
    codes = [post(client, SUBMIT, body(title=f"Tiêu đề {i}")).json()["code"] for i in range(2)]
    blocked = post(client, SUBMIT, body(title="Tiêu đề 3"))
    assert blocked.status_code == 429 and "quá nhiều" in blocked.json()["detail"]
    assert sorted(Feedback.objects.values_list("code", flat=True)) == sorted(codes)


def test_honeypot_member_holds_the_item(client):
    response = post(client, SUBMIT, {**body(), "website": "x"})
    assert response.status_code == 201
    assert Feedback.objects.get().state == FeedbackState.SUSPECTED_SPAM


def test_lookup(client):
    fb = send().feedback
    assert post(client, LOOKUP, {"code": fb.code, "phone_last4": "0000"}).status_code == 404
    assert post(client, LOOKUP, {"code": fb.code, "phone_last4": "12a4"}).status_code == 422
    ok = post(client, LOOKUP, {"code": fb.code, "phone_last4": "5678"})
    assert ok.status_code == 200
    data = ok.json()
    assert data["code"] == fb.code and data["state"] == "received" and data["answer"] == ""
    assert "0912345678" not in ok.content.decode() and "Lê Văn Bình" not in ok.content.decode()


def test_lookup_brute_force_is_429(client, settings):
    settings.ANTT_LOOKUP_RATE = "3/m"
    fb = send().feedback
    statuses = [post(client, LOOKUP, {"code": fb.code, "phone_last4": f"{i:04d}"}).status_code for i in range(5)]
    assert statuses == [404, 404, 404, 429, 429]


def test_published_list_pages_and_searches(client, settings):
    settings.ANTT_FEEDBACK_RATE = ""
    for i in range(12):
        fb = send(form(title=f"T {i}", content=f"Nội dung số {i} đủ dài để hợp lệ.")).feedback
        Feedback.objects.filter(pk=fb.pk).update(
            state=FeedbackState.ANSWERED,
            published=True,
            published_at=timezone.now(),
            public_question=f"Câu hỏi {i}" + (" về hộ chiếu" if i == 3 else ""),
            public_answer=f"Trả lời {i}",
        )
    page1 = client.get(PUBLISHED).json()
    assert page1["count"] == 12 and page1["pages"] == 2 and len(page1["results"]) == 10
    assert set(page1["results"][0]) >= {"code", "question", "answer", "unit"}
    assert "sender_phone" not in json.dumps(page1) and "0912345678" not in json.dumps(page1)
    assert len(client.get(PUBLISHED, {"page": 2}).json()["results"]) == 2
    assert client.get(PUBLISHED, {"q": "hộ chiếu"}).json()["count"] == 1
    assert client.get(PUBLISHED, {"page": 0}).status_code == 422
    assert client.get(PUBLISHED, {"page": "x"}).status_code == 422
    assert client.get(PUBLISHED, {"q": "a" * 500}).status_code == 422
    assert client.get(PUBLISHED, {"q": "\x00"}).status_code == 200


def test_openapi_documents_the_three_endpoints(client, db):
    spec = client.get("/api/v1/openapi.json").json()
    assert {"/api/v1/feedback", "/api/v1/feedback/lookup", "/api/v1/feedback/published"} <= set(spec["paths"])
    submit = spec["paths"]["/api/v1/feedback"]["post"]
    assert {"201", "409", "422", "429"} <= set(submit["responses"])
    assert "requestBody" in submit


_text = st.one_of(st.text(max_size=60), st.integers(), st.none(), st.booleans(), st.lists(st.integers(), max_size=2))
_fields = [
    "kind",
    "subject",
    "title",
    "content",
    "sender_kind",
    "sender_name",
    "sender_phone",
    "sender_address",
    "sender_email",
    "topic",
    "procedure",
    "dossier_code",
    "consent",
    "website",
]


@hsettings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(payload=st.dictionaries(st.sampled_from(_fields), _text, max_size=14))
def test_no_500_on_any_submit_body(client, settings, payload):
    settings.ANTT_FEEDBACK_RATE = settings.ANTT_FEEDBACK_DAILY_RATE = ""
    cache.clear()
    response = post(client, SUBMIT, payload)
    assert response.status_code < 500, (payload, response.content)
    if response.status_code >= 400:
        assert response.json()["detail"]


@hsettings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(code=st.text(max_size=50), last4=st.text(max_size=6))
def test_no_500_on_any_lookup_body(client, settings, code, last4):
    settings.ANTT_LOOKUP_RATE = ""
    response = post(client, LOOKUP, {"code": code, "phone_last4": last4})
    assert response.status_code in (200, 404, 422)
