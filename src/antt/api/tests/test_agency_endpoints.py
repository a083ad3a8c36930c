"""The older agency endpoints accept an agency API key with the right scope (restricted to the
key's units), and their setting-based tokens keep working."""

from __future__ import annotations

import hashlib
from datetime import datetime

import pytest
from django.core.cache import cache
from django.test import Client

from antt.api import agency_services as svc
from antt.api.models import ApiUsage
from antt.core.models import AuditEvent
from antt.establishments import feed
from antt.establishments.certificates import certificate_issue
from antt.establishments.tests.test_api import two_communes
from antt.lodging.tests.factories import VN, lodging_world, make_declaration
from antt.violations.tests.factories import violations_world
from antt.violations.tests.test_api import suspension_decision

pytestmark = pytest.mark.django_db

FEED = "/api/v1/violations/suspensions"
SHARING = "/api/v1/establishments/"
GUESTS = "/api/v1/lodging/statistics/guests"
MARCH = {"from": "2026-03", "to": "2026-03"}


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def violations_w(settings):
    settings.ANTT_REQUIRE_2FA = False
    return violations_world()


def bearer(token: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def old_token(settings, setting: str, token: str) -> dict:
    setattr(settings, setting, f"co-quan-cu={hashlib.sha256(token.encode()).hexdigest()}")
    return bearer(token)


def key(scopes, units=()):
    return svc.issue_key(name="Sở Giao thông vận tải", scopes=scopes, units=units)


# --- Suspension feed (suspensions.read) -----------------------------------------------------


def test_suspension_feed_with_a_key_the_old_token_and_a_wrong_scope(violations_w, settings):
    w = violations_w
    suspension_decision(w)
    suspension_decision(w, other=True, licence="360999999999", plate="36A-555.55")
    client = Client()
    # the setting-based token still reads the whole province
    assert (
        client.get(FEED, **old_token(settings, "ANTT_SUSPENSION_FEED_TOKENS", "cu-token-0123456789")).json()["count"]
        == 2
    )
    # a key with the scope and no units: the whole province, the read audited naming the key
    k, plaintext = key(["suspensions.read"])
    response = client.get(FEED, **bearer(plaintext))
    assert response.status_code == 200, response.content
    assert response.json()["count"] == 2
    event = AuditEvent.objects.filter(action=AuditEvent.Action.READ_PERSONAL).latest("seq")
    assert k.prefix in event.actor_name and plaintext not in event.actor_name
    # a key limited to one unit sees that unit's suspension only
    _, one_unit = key(["suspensions.read"], units=[w.unit])
    items = client.get(FEED, **bearer(one_unit)).json()["items"]
    assert [i["unit_name"] for i in items] == [w.unit.name]
    # a key without the scope: 403 in Vietnamese, counted as an error of that scope
    k3, wrong = key(["lodging.stats"])
    response = client.get(FEED, **bearer(wrong))
    assert response.status_code == 403
    assert "suspensions.read" in response.json()["detail"]
    assert ApiUsage.objects.get(key=k3).errors == 1


def test_suspension_feed_key_is_rate_limited(violations_w):
    _, plaintext = svc.issue_key(name="Đăng kiểm", scopes=["suspensions.read"], rate="1/m")
    assert Client().get(FEED, **bearer(plaintext)).status_code == 200
    response = Client().get(FEED, **bearer(plaintext))
    assert response.status_code == 429 and int(response["Retry-After"]) >= 1


# --- Establishments sharing (establishments.read) ----------------------------------------------


@pytest.fixture
def est_w():
    from antt.establishments.tests.factories import establishments_world

    return establishments_world()


def test_sharing_with_a_key_the_old_token_and_a_wrong_scope(est_w, settings):
    a, b = two_communes(est_w)
    client = Client()
    old = old_token(settings, "ANTT_SHARING_TOKENS", "cu-token-0123456789")
    assert {i["tax_code"] for i in client.get(SHARING, **old).json()["items"]} == {a.tax_code, b.tax_code}
    _, everything = key(["establishments.read"])
    response = client.get(SHARING, **bearer(everything))
    assert response.status_code == 200, response.content
    assert {i["tax_code"] for i in response.json()["items"]} == {a.tax_code, b.tax_code}
    _, commune_b = key(["establishments.read"], units=[est_w.commune_b])
    assert {i["tax_code"] for i in client.get(SHARING, **bearer(commune_b)).json()["items"]} == {b.tax_code}
    assert client.get(f"{SHARING}{a.tax_code}", **bearer(commune_b)).status_code == 404
    assert client.get(f"{SHARING}{b.tax_code}", **bearer(commune_b)).status_code == 200
    feed.record_establishment(a, "create")
    feed.record_establishment(b, "create")
    certificate_issue(officer=est_w.head_a, establishment=a, line_codes=["t-karaoke"])
    mine = client.get(f"{SHARING}changes", **bearer(commune_b)).json()["items"]
    assert [(i["entity"], i["object_id"]) for i in mine] == [("establishment", b.pk)]
    assert client.get(f"{SHARING}changes", **bearer(everything)).json()["count"] == 3
    _, wrong = key(["suspensions.read"])
    response = client.get(SHARING, **bearer(wrong))
    assert response.status_code == 403 and "establishments.read" in response.json()["detail"]


# --- Lodging statistics (lodging.stats) ---------------------------------------------------------


@pytest.fixture
def lodging(settings):
    world = lodging_world(settings)
    for i in range(7):
        make_declaration(world.hotel, arrived_at=datetime(2026, 3, 2 + i, 14, tzinfo=VN))
    for _ in range(6):
        make_declaration(world.hotel_b, arrived_at=datetime(2026, 3, 9, 14, tzinfo=VN))
    return world


def test_lodging_stats_with_a_key_the_old_token_and_a_wrong_scope(lodging, settings):
    client = Client()
    old = old_token(settings, "ANTT_LODGING_STATS_TOKENS", "cu-token-0123456789")
    assert client.get(GUESTS, MARCH, **old).json()["total"]["guests"] == 13
    _, everything = key(["lodging.stats"])
    body = client.get(GUESTS, MARCH, **bearer(everything)).json()
    assert body["total"]["guests"] == 13 and body["scope"] == "Toàn tỉnh"
    _, commune_b = key(["lodging.stats"], units=[lodging.est.commune_b])
    body = client.get(GUESTS, {**MARCH, "by": "type"}, **bearer(commune_b)).json()
    assert body["total"]["guests"] == 6
    assert [r["name"] for r in body["rows"]] == ["Nhà nghỉ"]
    assert lodging.est.commune_b.name in body["scope"]
    _, wrong = key(["establishments.read"])
    response = client.get(GUESTS, MARCH, **bearer(wrong))
    assert response.status_code == 403 and "lodging.stats" in response.json()["detail"]


def test_a_revoked_key_falls_through_to_401(lodging):
    k, plaintext = key(["lodging.stats"])
    svc.revoke_key(k)
    response = Client().get(GUESTS, MARCH, **bearer(plaintext))
    assert response.status_code == 401


# --- The agencies' files (plain views, not ninja) --------------------------------------------------


def test_the_suspension_file_takes_a_key_refuses_a_wrong_scope_and_throttles(violations_w):
    suspension_decision(violations_w)
    _, good = svc.issue_key(name="Đăng kiểm", scopes=["suspensions.read"], rate="2/m")
    response = Client().get("/vi-pham/tuoc-giay-phep.csv", **bearer(good))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert "36" in response.content.decode("utf-8-sig")
    assert Client().get("/vi-pham/tuoc-giay-phep.csv", **bearer(good)).status_code == 200
    throttled = Client().get("/vi-pham/tuoc-giay-phep.csv", **bearer(good))
    assert throttled.status_code == 429 and int(throttled["Retry-After"]) >= 1
    _, wrong = key(["lodging.stats"])
    refused = Client().get("/vi-pham/tuoc-giay-phep.csv", **bearer(wrong))
    assert refused.status_code == 403 and "suspensions.read" in refused.content.decode()
    assert Client().get("/vi-pham/tuoc-giay-phep.csv", **bearer("antt_nokey_xxxxxxxx")).status_code == 401


def test_the_sharing_files_take_a_key_limited_to_its_units(est_w):
    a, b = two_communes(est_w)
    _, commune_b = key(["establishments.read"], units=[est_w.commune_b])
    response = Client().get("/chia-se/co-so.csv", **bearer(commune_b))
    assert response.status_code == 200, response.content
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert b.tax_code in body and a.tax_code not in body
    _, wrong = key(["suspensions.read"])
    assert Client().get("/chia-se/co-so.csv", **bearer(wrong)).status_code == 403
