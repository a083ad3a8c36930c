"""Review: CSRF on every page that takes a POST (the API is exempt only because it is keyed: a
session alone is refused there), and the ledger's races on PostgreSQL (two departures, two
corrections of one stay at once: `select_for_update` on the current row serialises them)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections
from django.test import Client
from django.urls import reverse

from antt.core.models import AuditEvent
from antt.lodging import business, services, watch
from antt.lodging.errors import LodgingError
from antt.lodging.models import Alert, ApiKey, Declaration, Room, SearchLog, WatchEntry
from antt.lodging.tests.factories import guest_row, lodging_world
from antt.org.otp import login_verified

REASON = "Vụ việc số 15/2026/TTHS"


@pytest.fixture
def w(settings, db):
    w = lodging_world(settings)
    w.stay_id = services.declare_one(establishment=w.hotel, raw=guest_row(), user=w.manager).stay_id
    watch.clear_cache()
    w.entry = watch.watch_add(
        user=w.head_a, kind="wanted", doc_number=Declaration.objects.get().doc_number, basis="QĐ truy nã 1/2026"
    )
    w.alert = Alert.objects.get()
    return w


def _written():
    return (
        Declaration.objects.count(),
        list(Alert.objects.values_list("status", flat=True)),
        WatchEntry.objects.filter(is_active=True).count(),
        Room.objects.count(),
        ApiKey.objects.count(),
        SearchLog.objects.count(),
        AuditEvent.objects.count(),
    )


STAFF_POSTS = [
    ("police-stay", "stay", {"reason": REASON}),
    ("police-search", None, {"name": "nguyen van an", "reason": REASON}),
    ("police-history", None, {"doc_number": "038090000001", "reason": REASON}),
    ("police-export", None, {"loai": "tra-cuu", "name": "nguyen", "reason": REASON}),
    ("watch-add", None, {"kind": "missing", "doc_number": "038090009999", "basis": "Thông báo tìm người 2/2026"}),
    ("watch-detail", "entry", {"reason": "Đã bắt được đối tượng"}),
    ("alert-detail", "alert", {"action": "acknowledge"}),
]
BIZ_POSTS = [
    ("biz-declare", None, guest_row()),
    ("biz-upload", None, {"mode": "all", "key": "0b7b3c1e-4c1d-4c7e-9a51-3c5b1f0f0e11"}),
    ("biz-stay", "stay", {"action": "depart"}),
    ("biz-rooms", None, {"action": "add", "number": "305", "beds": "2"}),
    ("biz-keys", None, {"action": "create", "name": "PMS"}),
]


def _args(w, what):
    return {"stay": [w.stay_id], "entry": [w.entry.pk], "alert": [w.alert.pk]}.get(what, [])


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "what", "data"), STAFF_POSTS + BIZ_POSTS, ids=[n for n, _, _ in STAFF_POSTS + BIZ_POSTS]
)
def test_every_post_page_refuses_a_post_without_the_csrf_token(w, name, what, data):
    client = Client(enforce_csrf_checks=True)
    login_verified(client, w.manager if name.startswith("biz-") else w.head_a)
    before = _written()
    response = client.post(reverse(f"lodging:{name}", args=_args(w, what)), data)
    assert response.status_code == 403
    assert _written() == before


@pytest.mark.django_db
def test_the_api_takes_no_session_so_its_csrf_exemption_is_safe(w):
    client = Client(enforce_csrf_checks=True)
    login_verified(client, w.manager)  # a signed-in business session, no key
    body = {"guests": [guest_row()]}
    response = client.post("/api/v1/lodging/declarations", body, content_type="application/json")
    assert response.status_code == 401
    _, key = business.key_create(establishment=w.hotel, name="PMS", user=w.manager)
    response = client.post(
        "/api/v1/lodging/declarations",
        body,
        content_type="application/json",
        headers={"Authorization": f"Bearer {key}"},
    )
    assert response.status_code == 201


# --- races (PostgreSQL) ------------------------------------------------------------------------

pg_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite serialises writers; SELECT … FOR UPDATE is a PostgreSQL race"
)


def _together(*calls):
    """Run the calls in threads released at once; [(result or exception)]."""
    barrier = threading.Barrier(len(calls))
    out: list = [None] * len(calls)

    def run(i, call):
        try:
            barrier.wait()
            out[i] = call()
        except Exception as exc:  # noqa: BLE001 - the outcome is what the test checks
            out[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return out


def _ledger_is_a_chain(stay_id: int) -> list[Declaration]:
    rows = list(Declaration.objects.filter(stay_id=stay_id).order_by("declared_at", "id"))
    assert [r.is_current for r in rows].count(True) == 1 and rows[-1].is_current
    assert [r.replaces_id for r in rows[1:]] == [r.id for r in rows[:-1]]  # no fork
    return rows


@pg_only
@pytest.mark.django_db(transaction=True)
def test_two_departures_at_once_write_one(w):
    est = w.hotel
    out = _together(*[lambda: services.depart(establishment=est, stay_id=w.stay_id)] * 2)
    refused = [o for o in out if isinstance(o, LodgingError)]
    assert len(refused) == 1 and refused[0].status == 409, out
    rows = _ledger_is_a_chain(w.stay_id)
    assert [r.kind for r in rows] == ["arrival", "departure"]


@pg_only
@pytest.mark.django_db(transaction=True)
def test_two_corrections_at_once_both_apply_in_order(w):
    est = w.hotel

    def fix(address):
        return lambda: services.correct(establishment=est, stay_id=w.stay_id, raw={"address": address}, note="Sửa")

    out = _together(fix("Số 1 Lê Lợi"), fix("Số 2 Lê Lợi"), fix("Số 3 Lê Lợi"))
    assert not [o for o in out if isinstance(o, Exception) and not isinstance(o, LodgingError)], out
    rows = _ledger_is_a_chain(w.stay_id)
    assert len(rows) == 1 + sum(1 for o in out if isinstance(o, Declaration))
