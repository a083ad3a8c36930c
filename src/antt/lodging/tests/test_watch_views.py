"""Watchlist and alert pages: who sees what (403 without the capability, 404 out of scope), the
masked list, the logged full reads, the forms' refusals, the acknowledge/close buttons and the
poll JSON for alerts.js."""

from __future__ import annotations

import pytest
from django.urls import reverse

from antt.core.models import AuditEvent
from antt.lodging import watch
from antt.lodging.models import Alert, WatchEntry
from antt.lodging.tests.factories import lodging_world, make_declaration
from antt.org.models import Role
from antt.org.otp import login_verified
from antt.org.tests.factories import make_officer

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    watch.clear_cache()
    return lodging_world()


def as_user(client, user):
    login_verified(client, user)
    return client


@pytest.fixture
def alert(w) -> Alert:
    """Commune A's alert: an entry of commune A matching a guest at commune A's hotel."""
    decl = make_declaration(w.hotel, full_name="Đỗ Văn Hùng", doc_number="C7777777")
    watch.watch_add(user=w.head_a, kind="wanted", doc_number="C7777777", full_name="Đỗ Văn Hùng", basis="QĐ 12")
    return Alert.objects.get(stay_id=decl.stay_id)


# --- who sees what ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["watch-list", "watch-add", "alert-list", "alert-poll"])
def test_a_receptionist_gets_403(client, w, name):
    response = as_user(client, w.receptionist_a).get(reverse(f"lodging:{name}"))
    assert response.status_code == 403


def test_a_processor_sees_the_watchlist_but_cannot_add(client, w):
    as_user(client, w.processor_a)
    assert client.get(reverse("lodging:watch-list")).status_code == 200
    assert client.get(reverse("lodging:watch-add")).status_code == 403


def test_commune_b_does_not_see_commune_a_alert_or_entry(client, w, alert):
    as_user(client, w.processor_b)
    assert client.get(reverse("lodging:alert-detail", args=[alert.pk])).status_code == 404
    assert client.get(reverse("lodging:watch-detail", args=[alert.watch_entry_id])).status_code == 404
    response = client.post(reverse("lodging:alert-detail", args=[alert.pk]), {"action": "acknowledge"})
    assert response.status_code == 404
    assert client.get(reverse("lodging:alert-poll")).json() == {"new": 0, "latest": []}
    alert.refresh_from_db()
    assert alert.status == "new"


def test_the_province_sees_the_communes_alerts(client, w, alert):
    province_head = make_officer(w.province, role=Role.HEAD)
    response = as_user(client, province_head).get(reverse("lodging:alert-list"))
    assert response.status_code == 200
    assert f"#{alert.pk}" in response.content.decode()


# --- the watchlist ---------------------------------------------------------------------------


def test_the_list_is_masked(client, w, alert):
    # when
    body = as_user(client, w.processor_a).get(reverse("lodging:watch-list")).content.decode()

    # then: initials and the last three characters, never the full name or number
    assert "Đ. V. H." in body and "•••777" in body
    assert "Đỗ Văn Hùng" not in body and "C7777777" not in body


def test_the_list_searches_by_folded_name_and_by_number(client, w, alert):
    as_user(client, w.processor_a)
    detail = reverse("lodging:watch-detail", args=[alert.watch_entry_id])
    assert detail in client.get(reverse("lodging:watch-list"), {"q": "do van hung"}).content.decode()
    assert detail in client.get(reverse("lodging:watch-list"), {"q": "c 7777777"}).content.decode()
    assert detail not in client.get(reverse("lodging:watch-list"), {"q": "nguyen"}).content.decode()
    assert client.get(reverse("lodging:watch-list"), {"kind": "nonsense"}).status_code == 400


def test_the_entry_page_is_full_and_logged(client, w, alert):
    # when
    response = as_user(client, w.processor_a).get(reverse("lodging:watch-detail", args=[alert.watch_entry_id]))

    # then
    assert response.status_code == 200
    assert "Đỗ Văn Hùng" in response.content.decode()
    assert AuditEvent.objects.filter(
        action="read_personal", object_type="lodging.watchentry", object_id=str(alert.watch_entry_id)
    ).exists()


def test_adding_by_the_form(client, w):
    # given
    as_user(client, w.head_a)
    data = {
        "kind": "missing",
        "full_name": "Lê Thị Mai",
        "birth_date": "03/04/2008",
        "basis": "Thông báo tìm người số 5",
    }

    # when
    response = client.post(reverse("lodging:watch-add"), data)

    # then
    entry = WatchEntry.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("lodging:watch-detail", args=[entry.pk])
    assert (entry.name_folded, entry.birth_date.isoformat(), entry.unit_id) == (
        "le thi mai",
        "2008-04-03",
        w.commune_a.pk,
    )


def test_adding_without_identity_is_refused_in_vietnamese(client, w):
    as_user(client, w.head_a)
    response = client.post(reverse("lodging:watch-add"), {"kind": "wanted", "full_name": "Lê Thị Mai", "basis": "QĐ"})
    assert response.status_code == 400
    assert "Cần nhập số giấy tờ" in response.content.decode()
    assert not WatchEntry.objects.exists()


def test_closing_an_entry_by_the_page(client, w, alert):
    as_user(client, w.head_a)
    url = reverse("lodging:watch-detail", args=[alert.watch_entry_id])
    assert client.post(url, {"reason": "ab"}).status_code == 400
    assert client.post(url, {"reason": "Đối tượng đã ra đầu thú"}).status_code == 302
    assert WatchEntry.objects.get(pk=alert.watch_entry_id).is_active is False


# --- alerts ----------------------------------------------------------------------------------


def test_the_alert_page_shows_the_guest_in_full_and_logs_the_read(client, w, alert):
    # when
    response = as_user(client, w.processor_a).get(reverse("lodging:alert-detail", args=[alert.pk]))

    # then
    body = response.content.decode()
    assert response.status_code == 200
    assert "Đỗ Văn Hùng" in body and "C7777777" in body and w.hotel.name in body and w.hotel.address in body
    assert AuditEvent.objects.filter(
        action="read_personal", object_type="lodging.declaration", object_id=str(alert.stay_id)
    ).exists()


def test_acknowledge_and_close_by_the_page(client, w, alert):
    as_user(client, w.processor_a)
    url = reverse("lodging:alert-detail", args=[alert.pk])
    # close before acknowledging: a conflict, nothing changed
    assert client.post(url, {"action": "close", "outcome": "Đã xác minh"}).status_code == 409
    assert client.post(url, {"action": "acknowledge"}).status_code == 302
    assert client.post(url, {"action": "close", "outcome": ""}).status_code == 400
    assert client.post(url, {"action": "close", "outcome": "Đã xác minh, không phải đối tượng"}).status_code == 302
    alert.refresh_from_db()
    assert alert.status == "closed"


def test_the_alert_list_puts_new_alerts_first_and_filters(client, w, alert):
    # given: an older alert, closed, at commune A's hotel
    decl = make_declaration(w.hotel, doc_number="C8888888")
    watch.watch_add(user=w.head_a, kind="wanted", doc_number="C8888888", basis="QĐ 13")
    other = Alert.objects.get(stay_id=decl.stay_id)
    Alert.objects.filter(pk=other.pk).update(status="closed", created_at=alert.created_at.replace(year=2099))

    # when
    as_user(client, w.processor_a)
    body = client.get(reverse("lodging:alert-list")).content.decode()
    closed_only = client.get(reverse("lodging:alert-list"), {"status": "closed"}).content.decode()

    # then
    assert body.index(f">#{alert.pk}<") < body.index(f">#{other.pk}<")
    assert f">#{other.pk}<" in closed_only and f">#{alert.pk}<" not in closed_only


def test_the_poll_answers_counts_without_personal_data(client, w, alert):
    # when
    response = as_user(client, w.processor_a).get(reverse("lodging:alert-poll"))

    # then
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    data = response.json()
    assert data["new"] == 1
    assert data["latest"] == [
        {"id": alert.pk, "created_at": alert.created_at.isoformat(), "establishment": w.hotel.name}
    ]
    assert "Hùng" not in response.content.decode() and "7777" not in response.content.decode()
