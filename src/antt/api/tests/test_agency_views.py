"""Staff pages /quan-ly/ket-noi/: permissions, issuing (key shown once), list, detail with usage,
edit, rotate and revoke with confirmation, admin read-only hashes."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from antt.api import agency_services as svc
from antt.api.agency import hash_key
from antt.api.models import AgencyKey, ApiUsage
from antt.core.models import AuditEvent
from antt.org.otp import login_verified
from antt.org.tests.factories import two_communes_with_officers

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()


@pytest.fixture
def w():
    return two_communes_with_officers()


def staff(user) -> Client:
    client = Client()
    login_verified(client, user)
    return client


def new_key_post(w, **overrides):
    data = {
        "name": "Sở Du lịch",
        "contact": "Phòng CNTT, 0237 000 000",
        "scopes": ["lodging.stats", "dossiers.status"],
        "units": [w.commune_a.pk],
        "rate": "60/m",
        "daily_quota": "1000",
        "expires_on": (timezone.localdate() + timedelta(days=365)).isoformat(),
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize(
    "name",
    ["api:agency-key-list", "api:agency-key-new"],
)
def test_pages_need_agency_manage(w, name):
    url = reverse(name)
    assert Client().get(url).status_code == 302  # to the login page
    for user in (w.supervisor, w.admin_a, w.receptionist_a):
        assert staff(user).get(url).status_code == 403
    assert staff(w.system_admin).get(url).status_code == 200


def test_key_pages_need_agency_manage(w):
    key, _ = svc.issue_key(name="Sở Tư pháp", scopes=["dossiers.status"])
    for name in ("api:agency-key-detail", "api:agency-key-edit", "api:agency-key-rotate", "api:agency-key-revoke"):
        url = reverse(name, args=[key.pk])
        assert staff(w.supervisor).get(url).status_code == 403
        assert staff(w.supervisor).post(url, {"reason": "x"}).status_code == 403
        assert staff(w.system_admin).get(url).status_code == 200
    key.refresh_from_db()
    assert key.is_active


def test_issue_shows_the_key_once_and_stores_only_its_hash(w, caplog):
    caplog.set_level(logging.DEBUG)
    client = staff(w.system_admin)
    response = client.post(reverse("api:agency-key-new"), new_key_post(w))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    key = AgencyKey.objects.get()
    text = response.content.decode()
    start = text.index('value="antt_') + len('value="')
    plaintext = text[start : text.index('"', start)]
    assert plaintext.startswith(f"antt_{key.prefix}_")
    assert key.key_hash == hash_key(plaintext)
    assert key.scopes == ["dossiers.status", "lodging.stats"]
    assert list(key.units.all()) == [w.commune_a] and key.rate == "60/m" and key.daily_quota == 1000
    assert key.created_by == w.system_admin
    assert timezone.localtime(key.expires_at).date() == timezone.localdate() + timedelta(days=366)
    # the key is never shown again, nor logged, nor in the audit trail
    detail = client.get(reverse("api:agency-key-detail", args=[key.pk])).content.decode()
    listing = client.get(reverse("api:agency-key-list")).content.decode()
    assert plaintext not in detail and plaintext not in listing and key.prefix in listing
    assert plaintext not in caplog.text
    assert plaintext not in str(list(AuditEvent.objects.values_list("changes", flat=True)))
    # and it works on the API
    assert Client().get("/api/v1/agency/me", HTTP_AUTHORIZATION=f"Bearer {plaintext}").status_code == 200


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"name": ""}, "name", "bắt buộc"),
        ({"scopes": []}, "scopes", "ít nhất một phạm vi"),
        ({"scopes": ["all"]}, "scopes", "Phạm vi all không có trong danh mục"),
        ({"rate": "nhanh"}, "rate", "120/m"),
        ({"daily_quota": "0"}, "daily_quota", "phải từ 1 đến 10.000.000"),
        ({"expires_on": "2020-01-01"}, "expires_on", "quá khứ"),
        ({"units": ["999999"]}, "units", "lựa chọn hợp lệ"),
    ],
)
def test_bad_input_is_a_vietnamese_error_with_4xx(w, overrides, field, message):
    response = staff(w.system_admin).post(reverse("api:agency-key-new"), new_key_post(w, **overrides))
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert field in errors, errors
    assert message in " ".join(errors[field])
    assert f'id="id_{field}_error"' in response.content.decode()
    assert not AgencyKey.objects.exists()


def test_every_bad_field_is_reported_at_once(w):
    response = staff(w.system_admin).post(reverse("api:agency-key-new"), new_key_post(w, scopes=[], rate="x"))
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"scopes", "rate"}


def test_list_filters_sorts_and_counts_30_days(w):
    a, _ = svc.issue_key(name="Cục Thuế", scopes=["establishments.read"])
    b, _ = svc.issue_key(name="Sở Văn hóa", scopes=["establishments.read"], units=[w.commune_b])
    c, _ = svc.issue_key(name="Đăng kiểm", scopes=["suspensions.read"])
    svc.revoke_key(c, reason="thử")
    today = timezone.localdate()
    ApiUsage.objects.create(key=a, day=today, scope="establishments.read", calls=7)
    ApiUsage.objects.create(key=a, day=today - timedelta(days=3), scope="meta", calls=5)
    ApiUsage.objects.create(key=a, day=today - timedelta(days=40), scope="meta", calls=100)  # too old
    ApiUsage.objects.create(key=b, day=today, scope="establishments.read", calls=20)
    client = staff(w.system_admin)
    page = client.get(reverse("api:agency-key-list")).context["page"]
    assert [k.name for k in page.object_list] == ["Cục Thuế", "Sở Văn hóa", "Đăng kiểm"]
    assert {k.name: k.calls_30 for k in page.object_list} == {"Cục Thuế": 12, "Sở Văn hóa": 20, "Đăng kiểm": 0}
    by_calls = client.get(reverse("api:agency-key-list"), {"sort": "-calls"}).context["page"]
    assert [k.name for k in by_calls.object_list][:2] == ["Sở Văn hóa", "Cục Thuế"]
    revoked = client.get(reverse("api:agency-key-list"), {"state": "revoked"}).context["page"]
    assert [k.name for k in revoked.object_list] == ["Đăng kiểm"]
    active = client.get(reverse("api:agency-key-list"), {"state": "active", "q": "sở"}).context["page"]
    assert [k.name for k in active.object_list] == ["Sở Văn hóa"]
    assert "Hàm Rồng" in client.get(reverse("api:agency-key-list")).content.decode()


def test_detail_shows_usage_by_day_and_scope_with_a_chart(w):
    key, _ = svc.issue_key(name="Cục Thuế", scopes=["establishments.read"])
    today = timezone.localdate()
    ApiUsage.objects.create(key=key, day=today, scope="establishments.read", calls=7, errors=2, throttled=1)
    ApiUsage.objects.create(key=key, day=today - timedelta(days=1), scope="meta", calls=3)
    response = staff(w.system_admin).get(reverse("api:agency-key-detail", args=[key.pk]))
    assert response.status_code == 200
    assert response.context["totals"] == {"calls": 10, "errors": 2, "throttled": 1}
    assert [(r["day"], r["scope"], r["calls"]) for r in response.context["rows"]] == [
        (today, "establishments.read", 7),
        (today - timedelta(days=1), "meta", 3),
    ]
    text = response.content.decode()
    assert "<svg" in text and "Số lượt gọi API" in text


def test_edit_changes_scopes_units_and_limits(w):
    key, _ = svc.issue_key(name="Cục Thuế", scopes=["establishments.read"])
    client = staff(w.system_admin)
    response = client.post(
        reverse("api:agency-key-edit", args=[key.pk]),
        new_key_post(w, name="Cục Thuế tỉnh", scopes=["lodging.stats"], units=[w.commune_b.pk], expires_on=""),
    )
    assert response.status_code == 302
    key.refresh_from_db()
    assert key.name == "Cục Thuế tỉnh" and key.scopes == ["lodging.stats"] and key.expires_at is None
    assert list(key.units.all()) == [w.commune_b]
    assert AuditEvent.objects.filter(object_id=str(key.pk), action="update", actor=w.system_admin).exists()


def test_rotate_needs_a_post_and_shows_the_new_key_once(w):
    key, old = svc.issue_key(name="Cục Thuế", scopes=["establishments.read"])
    client = staff(w.system_admin)
    url = reverse("api:agency-key-rotate", args=[key.pk])
    confirm = client.get(url)
    assert confirm.status_code == 200 and "Xác nhận cấp lại khóa" in confirm.content.decode()
    assert AgencyKey.objects.get().key_hash == hash_key(old)  # a GET changes nothing
    response = client.post(url)
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    key.refresh_from_db()
    assert key.key_hash != hash_key(old)
    assert f"antt_{key.prefix}_" in response.content.decode()


def test_revoke_needs_a_reason_and_confirmation(w):
    key, plaintext = svc.issue_key(name="Cục Thuế", scopes=["establishments.read"])
    client = staff(w.system_admin)
    url = reverse("api:agency-key-revoke", args=[key.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"reason": "  "})
    assert response.status_code == 400 and "Vui lòng nhập lý do" in response.content.decode()
    key.refresh_from_db()
    assert key.is_active
    response = client.post(url, {"reason": "Cơ quan đổi hệ thống"})
    assert response.status_code == 302
    key.refresh_from_db()
    assert not key.is_active
    assert AuditEvent.objects.filter(object_id=str(key.pk), reason="Cơ quan đổi hệ thống").exists()
    assert Client().get("/api/v1/agency/me", HTTP_AUTHORIZATION=f"Bearer {plaintext}").status_code == 401


@pytest.fixture
def admin_client(client, settings, w):
    settings.ANTT_REQUIRE_2FA = False
    root = w.system_admin
    root.is_staff = root.is_superuser = True
    root.save()
    client.force_login(root)
    return client


def test_admin_shows_keys_with_a_read_only_hash(w, admin_client):
    key, plaintext = svc.issue_key(name="Cục Thuế", scopes=["establishments.read"])
    response = admin_client.get(reverse("admin:api_agencykey_change", args=[key.pk]))
    assert response.status_code == 200
    text = response.content.decode()
    assert 'name="key_hash"' not in text and 'name="prefix"' not in text
    assert plaintext not in text
    assert admin_client.get(reverse("admin:api_agencykey_add")).status_code == 403
    assert admin_client.get(reverse("admin:api_apiusage_changelist")).status_code == 200
