"""Review: every lodging URL requested by the wrong people. An officer of commune B (a head: every
lodging capability) reaches nothing of commune A's declarations, stays, watch entries, alerts or
batches (404 on an object, none of A's data on a list, nothing written); a business account
reaches no staff page and no other establishment's data."""

from __future__ import annotations

import pytest
from django.urls import URLPattern, reverse

from antt.core.models import AuditEvent
from antt.lodging import services, watch
from antt.lodging.models import Alert, Declaration, DeclarationBatch, Room, SearchLog, WatchEntry
from antt.lodging.tests.factories import guest_row, lodging_world
from antt.lodging.urls import urlpatterns
from antt.org.models import Role
from antt.org.otp import login_verified
from antt.org.tests.factories import make_officer

pytestmark = pytest.mark.django_db
REASON = "Vụ việc số 15/2026/TTHS"
NAME, DOC = "Phạm Thị Riêng", "038190007777"


@pytest.fixture
def a(settings):
    """Commune A's data: a hotel's stay (on the watchlist: an alert), a batch, a watch entry."""
    w = lodging_world(settings)
    w.head_b = make_officer(w.commune_b, role=Role.HEAD, full_name="Trưởng Công an B")
    result = services.declare_batch(
        establishment=w.hotel, rows=[guest_row(full_name=NAME, doc_number=DOC)], source="form", user=w.manager
    )
    w.stay_id = result.declarations[0]
    w.batch = result.batch
    watch.clear_cache()
    w.entry = watch.watch_add(user=w.head_a, kind="wanted", doc_number=DOC, basis="Quyết định truy nã số 1/2026")
    w.alert = Alert.objects.get(stay_id=w.stay_id)
    w.room = Room.objects.create(establishment=w.hotel, number="101")
    return w


def _url(pattern: URLPattern, w) -> str:
    kwargs = {
        "biz-batch": {"pk": w.batch.pk},
        "biz-template": {"fmt": "csv"},
        "biz-stay": {"stay_id": w.stay_id},
        "police-stay": {"stay_id": w.stay_id},
        "watch-detail": {"pk": w.entry.pk},
        "alert-detail": {"pk": w.alert.pk},
        "stats-export": {"fmt": "csv"},
    }.get(pattern.name, {})
    return reverse(f"lodging:{pattern.name}", kwargs=kwargs)


# A POST body per page that would change something if the gate let it through.
POSTS = {
    "police-stay": {"reason": REASON},
    "police-search": {"name": "pham thi rieng", "reason": REASON},
    "police-history": {"doc_number": DOC, "reason": REASON},
    "police-export": {"loai": "tra-cuu", "doc_number": DOC, "reason": REASON},
    "watch-detail": {"reason": "Đã bắt được đối tượng"},
    "alert-detail": {"action": "acknowledge"},
    "biz-stay": {"action": "depart"},
    "biz-rooms": {"action": "disable", "room": "0"},
    "biz-keys": {"action": "create", "name": "PMS"},
    "biz-declare": guest_row(),
}
OBJECT_PAGES = {"police-stay", "watch-detail", "alert-detail"}
# Pages whose POST is a search of one's own area (a log row is the expected write).
SEARCHES = {"police-search", "police-history", "police-export"}
# Reads of one's own area that leave an entry (EXPORT of the statistics).
AUDITED_READS = {*SEARCHES, "stats-export"}


def _state():
    return (
        Declaration.objects.count(),
        list(Alert.objects.values_list("status", flat=True)),
        list(WatchEntry.objects.values_list("is_active", flat=True)),
        Room.objects.filter(is_active=True).count(),
        DeclarationBatch.objects.count(),
    )


def _audit_without_searches():
    return AuditEvent.objects.exclude(object_type="lodging.searchlog").count()


@pytest.mark.parametrize("pattern", urlpatterns, ids=lambda p: p.name)
def test_wrong_commune_officer_reaches_nothing_of_commune_a(client, a, pattern):
    login_verified(client, a.head_b)
    url = _url(pattern, a)
    before, audit_before = _state(), _audit_without_searches()
    for method in ("get", "post"):
        data = {**POSTS.get(pattern.name, {})} if method == "post" else {}
        response = getattr(client, method)(url, data)
        body = response.content.decode("utf-8", "replace") if not response.streaming else ""
        if pattern.name.startswith("biz-"):
            assert response.status_code in (403, 405), (method, url)  # staff never on a business page
        elif pattern.name in OBJECT_PAGES:
            assert response.status_code == 404, (method, url)
        else:
            assert response.status_code in (200, 400, 403, 404, 405), (method, url, response.status_code)
        if pattern.name in SEARCHES and method == "post":
            body = body.replace(f'value="{DOC}"', "")  # the officer's own typed number, echoed in the form
        assert NAME not in body and DOC not in body and a.hotel.name not in body, (method, url)
        assert "Phạm T. R." not in body and "•••••••••777" not in body, (method, url)
        if pattern.name == "alert-poll" and method == "get":
            assert response.json()["new"] == 0
        if pattern.name == "police-export" and response.status_code == 200:
            assert int(response["X-Row-Count"]) == 0
    assert _state() == before
    if pattern.name not in AUDITED_READS:
        assert _audit_without_searches() == audit_before
    if pattern.name not in SEARCHES:
        assert not SearchLog.objects.exists()


@pytest.mark.parametrize("pattern", urlpatterns, ids=lambda p: p.name)
def test_business_account_reaches_no_staff_page_and_no_other_establishment(client, a, pattern):
    login_verified(client, a.manager_b)  # hotel_b's manager, commune B
    url = _url(pattern, a)
    before, audit_before = _state(), AuditEvent.objects.count()
    for method in ("get", "post"):
        data = {**POSTS.get(pattern.name, {})} if method == "post" else {}
        response = getattr(client, method)(url, data)
        body = response.content.decode("utf-8", "replace") if not response.streaming else ""
        if pattern.name.startswith("biz-"):
            if pattern.name in ("biz-batch", "biz-stay"):
                assert response.status_code in (404, 405), (method, url)
            else:
                assert response.status_code in (200, 201, 302, 400, 404, 405), (method, url)
        else:
            assert response.status_code in (302, 403), (method, url, response.status_code)
        assert NAME not in body and DOC not in body, (method, url)
    if pattern.name not in ("biz-declare", "biz-keys"):  # its own guest, its own key
        assert _state() == before
        assert AuditEvent.objects.count() == audit_before
