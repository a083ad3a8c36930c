# ruff: noqa: F811 (the fixtures imported from test_webhooks_support are parameters here)
"""The agencies' webhook API /api/v1/agency/webhooks…: subscriptions, test ping, the delivery log,
replay, the events pull; scope and unit restrictions; junk input answered with a Vietnamese 4xx."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.test import Client

from antt.api import webhooks
from antt.api.models import DeliveryState, WebhookAttempt, WebhookDelivery, WebhookSubscription
from antt.api.tests.test_webhooks_support import (  # noqa: F401 (fixtures)
    clock,
    emit_dossier_event,
    make_key,
    public_dns,
    receiver,
    subscribe,
    world,
)
from antt.core.models import AuditEvent

pytestmark = pytest.mark.django_db
BASE = "/api/v1/agency/webhooks"
D = DeliveryState


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


class Api:
    def __init__(self, token):
        self.client = Client()
        self.headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}

    def get(self, path, **params):
        return self.client.get(BASE + path, params, **self.headers)

    def post(self, path, data=None, raw=None):
        body = raw if raw is not None else json.dumps(data or {})
        return self.client.post(BASE + path, body, content_type="application/json", **self.headers)

    def delete(self, path):
        return self.client.delete(BASE + path, **self.headers)


@pytest.fixture
def agency(world):
    key, token = make_key(scopes=["webhooks"], units=[world.commune_a])
    return key, Api(token)


# --- auth and scope -----------------------------------------------------------------------


def test_no_key_is_401_and_a_key_without_the_scope_is_403_in_vietnamese(world):
    assert Api(None).get("").status_code == 401
    _, token = make_key(scopes=["dossiers.status"])
    r = Api(token).get("")
    assert r.status_code == 403 and "webhooks" in r.json()["detail"] and "phạm vi" in r.json()["detail"]
    _, revoked = make_key(is_active=False)
    assert Api(revoked).get("/deliveries").status_code == 401


# --- subscriptions ------------------------------------------------------------------------


def test_create_shows_the_secret_once_then_lists_without_it(agency, public_dns):
    key, api = agency
    r = api.post("", {"url": "https://nhan.sotuphap.vn/antt", "events": ["dossier.state_changed"]})
    assert r.status_code == 201, r.content
    body = r.json()
    sub = WebhookSubscription.objects.get(pk=body["id"])
    assert body["secret"] == sub.secret and body["secret"].startswith("whsec_")
    assert sub.key == key and sub.events == ["dossier.state_changed"]
    listed = api.get("").json()
    assert [s["id"] for s in listed] == [sub.pk] and "secret" not in listed[0]
    assert AuditEvent.objects.filter(object_type="api.webhooksubscription", action="create").count() == 1
    assert sub.secret not in json.dumps(list(AuditEvent.objects.values("changes")), default=str)


@pytest.mark.parametrize(
    ("payload", "fragment"),
    [
        ({"url": "https://nhan.example.vn/x", "events": ["dossier.deleted"]}, "Loại sự kiện không hợp lệ"),
        ({"url": "https://nhan.example.vn/x", "events": []}, ""),
        ({"url": "http://nhan.example.vn/x", "events": ["licence.suspended"]}, "https"),
        ({"url": "https://127.0.0.1/x", "events": ["licence.suspended"]}, "mạng nội bộ"),
        ({"url": "https://169.254.169.254/latest", "events": ["licence.suspended"]}, "mạng nội bộ"),
        ({"url": "gopher://x", "events": ["licence.suspended"]}, "https://"),
        ({"url": "https://a:b@nhan.example.vn/", "events": ["licence.suspended"]}, "mật khẩu"),
        ({"url": 12, "events": "licence.suspended"}, ""),
        ({"events": ["licence.suspended"]}, "Thiếu"),
        ({"url": "https://nhan.example.vn/" + "x" * 600, "events": ["licence.suspended"]}, ""),
    ],
)
def test_bad_subscriptions_are_refused_with_a_vietnamese_4xx(agency, public_dns, settings, payload, fragment):
    settings.ANTT_WEBHOOK_ALLOW_PRIVATE = False
    _, api = agency
    r = api.post("", payload)
    assert 400 <= r.status_code < 500, r.content
    assert fragment in r.json()["detail"]
    assert WebhookSubscription.objects.count() == 0


@pytest.mark.parametrize("raw", ["not json", "[]", "null", '{"url": null}', "\x00"])
def test_junk_bodies_never_give_a_500(agency, raw):
    _, api = agency
    r = api.post("", raw=raw)
    assert 400 <= r.status_code < 500
    assert r.json()["detail"]


def test_delete_only_own_subscriptions(agency, world):
    key, api = agency
    mine = subscribe(key)
    other_key, _ = make_key()
    theirs = subscribe(other_key)
    assert api.delete(f"/{theirs.pk}").status_code == 404
    assert api.delete("/999999").status_code == 404
    assert api.delete("/abc").status_code in (404, 422)
    assert api.delete(f"/{mine.pk}").status_code == 204
    assert list(WebhookSubscription.objects.values_list("pk", flat=True)) == [theirs.pk]


def test_at_most_ten_subscriptions_per_key(agency, public_dns):
    key, api = agency
    for _ in range(10):
        subscribe(key)
    r = api.post("", {"url": "https://nhan.example.vn/x", "events": ["licence.suspended"]})
    assert r.status_code == 409 and "tối đa" in r.json()["detail"]


def test_ping_sends_a_signed_test_event_and_returns_the_attempt(agency, receiver):
    key, api = agency
    sub = subscribe(key)
    r = api.post(f"/{sub.pk}/test")
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["event_type"] == "ping" and body["state"] == "delivered" and len(body["attempt_log"]) == 1
    call = receiver.calls[0]
    assert call.headers["X-ANTT-Event"] == "ping"
    assert webhooks.verify_signature(sub.secret, call.headers["X-ANTT-Signature"], call.body)
    # a failing ping is reported, not retried, and holds nothing back
    receiver.status = 500
    failed = api.post(f"/{sub.pk}/test").json()
    assert failed["state"] == "failed" and failed["next_attempt_at"] is None and failed["last_status"] == 500
    assert webhooks.deliver_due().total == 0


# --- deliveries ----------------------------------------------------------------------------


def test_delivery_log_is_paged_filtered_and_limited_to_the_key(agency, world, receiver, settings):
    key, api = agency
    sub = subscribe(key)
    other_key, _ = make_key()
    subscribe(other_key)
    for _ in range(3):
        emit_dossier_event(world.commune_a)
    receiver.status = 500
    first = WebhookDelivery.objects.filter(subscription=sub).order_by("id").first()
    webhooks.deliver(first.pk)
    r = api.get("/deliveries", page_size=2)
    assert r.status_code == 200
    body = r.json()
    assert body["count"] == 3 and body["pages"] == 2 and len(body["items"]) == 2
    assert {i["subscription_id"] for i in body["items"]} == {sub.pk}
    failed = api.get("/deliveries", state="failed").json()
    assert [i["id"] for i in failed["items"]] == [first.pk] and failed["items"][0]["state_label"]
    assert api.get("/deliveries", event="licence.suspended").json()["count"] == 0
    assert api.get("/deliveries", event="dossier.state_changed").json()["count"] == 3


@pytest.mark.parametrize(
    "params",
    [{"state": "lost"}, {"event": "bogus"}, {"page": "0"}, {"page": "x"}, {"page_size": "1000"}, {"page": "9" * 30}],
)
def test_delivery_log_junk_filters_are_422(agency, params):
    _, api = agency
    r = api.get("/deliveries", **params)
    assert r.status_code == 422 and r.json()["detail"]


def test_one_delivery_with_its_attempts_and_replay(agency, world, receiver, settings):
    settings.ANTT_WEBHOOK_MAX_ATTEMPTS = 1
    key, api = agency
    subscribe(key)
    delivery = emit_dossier_event(world.commune_a).deliveries.get()
    receiver.status = 503
    webhooks.deliver(delivery.pk)
    r = api.get(f"/deliveries/{delivery.pk}")
    body = r.json()
    assert body["state"] == "dead" and body["payload"]["new_state"] == "processing"
    assert [a["status"] for a in body["attempt_log"]] == [503]
    receiver.status = 200
    replayed = api.post(f"/deliveries/{delivery.pk}/replay").json()
    assert replayed["state"] == "delivered"
    assert [a["replay"] for a in replayed["attempt_log"]] == [False, True]
    audit_row = AuditEvent.objects.filter(object_type="api.webhookdelivery", object_id=str(delivery.pk)).order_by("seq")
    assert audit_row.last().actor_name == f"Khóa API {key.prefix}"


def test_another_keys_delivery_is_404_and_not_replayed(agency, world, receiver):
    _, api = agency
    other_key, _ = make_key()
    subscribe(other_key)
    delivery = emit_dossier_event(world.commune_a).deliveries.get()
    assert api.get(f"/deliveries/{delivery.pk}").status_code == 404
    assert api.post(f"/deliveries/{delivery.pk}/replay").status_code == 404
    assert not WebhookAttempt.objects.exists() and receiver.calls == []


def test_replay_of_a_paused_subscription_is_409(agency, world, receiver):
    key, api = agency
    sub = subscribe(key)
    delivery = emit_dossier_event(world.commune_a).deliveries.get()
    webhooks.subscription_set_active(subscription=sub, active=False, reason="Bảo trì")
    r = api.post(f"/deliveries/{delivery.pk}/replay")
    assert r.status_code == 409 and "tạm dừng" in r.json()["detail"]


# --- events pull ----------------------------------------------------------------------------


def test_events_pull_by_id_and_time_within_the_keys_units(agency, world, clock):
    _, api = agency
    start = clock.now
    a1 = emit_dossier_event(world.commune_a)
    clock.advance(minutes=1)
    emit_dossier_event(world.commune_b)  # outside the key's units
    clock.advance(minutes=1)
    a2 = emit_dossier_event(world.commune_a)
    clock.advance(minutes=1)
    a3 = emit_dossier_event(world.commune_a)
    everything = api.get("/events").json()
    assert [e["id"] for e in everything["items"]] == [str(a1.pk), str(a2.pk), str(a3.pk)]
    assert everything["next_after"] == str(a3.pk)
    page = api.get("/events", after=str(a1.pk), limit=1).json()
    assert [e["id"] for e in page["items"]] == [str(a2.pk)]
    assert [e["id"] for e in api.get("/events", after=page["next_after"]).json()["items"]] == [str(a3.pk)]
    since = (start + timedelta(seconds=30)).isoformat()
    assert [e["id"] for e in api.get("/events", after=since).json()["items"]] == [str(a2.pk), str(a3.pk)]
    assert api.get("/events", after=str(a3.pk)).json() == {"items": [], "next_after": None}


def test_events_pull_refuses_an_event_of_another_unit_as_cursor_and_junk(agency, world):
    _, api = agency
    b = emit_dossier_event(world.commune_b)
    assert api.get("/events", after=str(b.pk)).status_code == 404
    for junk in ["hôm qua", "2026-13-45", "1' or 1=1", "0"]:
        r = api.get("/events", after=junk)
        assert r.status_code == 422 and "after" in r.json()["detail"], junk
    assert api.get("/events", limit="0").status_code == 422
    assert api.get("/events", limit="100000").status_code == 422


def test_a_whole_province_key_sees_every_units_events(world):
    _, token = make_key()
    emit_dossier_event(world.commune_a)
    emit_dossier_event(world.commune_b)
    assert len(Api(token).get("/events").json()["items"]) == 2


def test_openapi_documents_every_webhook_operation(client):
    doc = client.get("/api/v1/openapi.json").json()
    ops = {
        op["operationId"]
        for path, item in doc["paths"].items()
        if path.startswith(BASE)
        for op in item.values()
        if isinstance(op, dict) and "operationId" in op
    }
    assert ops == {
        "webhooks_subscriptions_list",
        "webhooks_subscriptions_create",
        "webhooks_subscriptions_delete",
        "webhooks_subscriptions_test",
        "webhooks_deliveries_list",
        "webhooks_deliveries_get",
        "webhooks_deliveries_replay",
        "webhooks_events_list",
    }


def test_no_delivery_of_a_revoked_key_is_sent(agency, world, receiver):
    key, _ = agency
    subscribe(key)
    delivery = emit_dossier_event(world.commune_a).deliveries.get()
    key.is_active = False
    key.save()
    assert webhooks.deliver(delivery.pk) is None
    delivery.refresh_from_db()
    assert delivery.state == D.DEAD and "thu hồi" in delivery.last_error and receiver.calls == []
