# ruff: noqa: F811 (the fixtures imported from test_webhooks_support are parameters here)
"""Staff pages /quan-ly/ket-noi/su-kien/: permissions, the delivery log (dead and failing first,
filters, junk filters), one delivery with its attempts, replay (POST, audited), pause and resume."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from antt.api import webhooks
from antt.api.models import DeliveryState, WebhookAttempt, WebhookSubscription
from antt.api.tests.test_webhooks_support import (  # noqa: F401 (fixtures)
    emit_dossier_event,
    make_key,
    public_dns,
    receiver,
    subscribe,
    world,
)
from antt.core.models import AuditEvent
from antt.org.otp import login_verified

pytestmark = pytest.mark.django_db
D = DeliveryState


def staff(user) -> Client:
    client = Client()
    login_verified(client, user)
    return client


@pytest.fixture
def admin(world):
    return staff(world.system_admin)


@pytest.fixture
def dead_and_delivered(world, receiver, settings):
    """Two agencies: one receiver always failing (its delivery dead), one fine (delivered)."""
    settings.ANTT_WEBHOOK_MAX_ATTEMPTS = 1
    bad_key, _ = make_key(name="Sở Hỏng")
    good_key, _ = make_key(name="Sở Tốt")
    bad = subscribe(bad_key, url="https://hong.example.vn/hook")
    good = subscribe(good_key, url="https://tot.example.vn/hook")
    event = emit_dossier_event(world.commune_a)
    receiver.status = 200
    webhooks.deliver(event.deliveries.get(subscription=good).pk)
    receiver.status = 500
    webhooks.deliver(event.deliveries.get(subscription=bad).pk)
    return event.deliveries.get(subscription=bad), event.deliveries.get(subscription=good)


@pytest.mark.parametrize(
    ("name", "args", "method"),
    [
        ("api:webhooks-deliveries", [], "get"),
        ("api:webhooks-subscriptions", [], "get"),
        ("api:webhooks-delivery", [1], "get"),
        ("api:webhooks-replay", [1], "post"),
        ("api:webhooks-pause", [1], "post"),
        ("api:webhooks-resume", [1], "post"),
    ],
)
def test_pages_need_agency_manage(world, name, args, method):
    url = reverse(name, args=args)
    assert getattr(Client(), method)(url).status_code == 302  # to the sign-in page
    assert getattr(staff(world.supervisor), method)(url).status_code == 403
    assert getattr(staff(world.admin_a), method)(url).status_code == 403


def test_the_log_lists_dead_deliveries_first_and_filters(admin, dead_and_delivered):
    dead, delivered = dead_and_delivered
    r = admin.get(reverse("api:webhooks-deliveries"))
    assert r.status_code == 200
    html = r.content.decode()
    assert html.index(f"#{dead.pk}<") < html.index(f"#{delivered.pk}<")
    assert "Ngừng thử lại" in html and "Sở Hỏng" in html and "Hồ sơ thủ tục hành chính chuyển trạng thái" in html
    only_dead = admin.get(reverse("api:webhooks-deliveries"), {"state": "dead"}).content.decode()
    assert f"#{dead.pk}<" in only_dead and f"#{delivered.pk}<" not in only_dead
    by_agency = admin.get(reverse("api:webhooks-deliveries"), {"key": delivered.subscription.key_id})
    assert f"#{delivered.pk}<" in by_agency.content.decode() and f"#{dead.pk}<" not in by_agency.content.decode()
    by_type = admin.get(reverse("api:webhooks-deliveries"), {"event": "licence.suspended"}).content.decode()
    assert "Không có lượt gửi nào phù hợp" in by_type


@pytest.mark.parametrize(
    "params", [{"state": "lost"}, {"key": "abc"}, {"key": "999999"}, {"event": "x"}, {"page": "z"}]
)
def test_junk_filters_are_not_a_500(admin, dead_and_delivered, params):
    r = admin.get(reverse("api:webhooks-deliveries"), params)
    assert r.status_code in (200, 400)
    if r.status_code == 400:
        assert "không" in r.content.decode().lower()


def test_one_delivery_shows_its_attempts_and_payload_but_no_secret(admin, dead_and_delivered):
    dead, _ = dead_and_delivered
    r = admin.get(reverse("api:webhooks-delivery", args=[dead.pk]))
    html = r.content.decode()
    assert r.status_code == 200
    assert "HTTP 500" in html or ">500<" in html
    assert "dossier_code" in html and "Gửi lại ngay" in html
    assert dead.subscription.secret not in html
    assert admin.get(reverse("api:webhooks-delivery", args=[999999])).status_code == 404


def test_replay_button_sends_again_and_audits_the_administrator(admin, world, dead_and_delivered, receiver):
    dead, _ = dead_and_delivered
    receiver.status = 200
    assert admin.get(reverse("api:webhooks-replay", args=[dead.pk])).status_code == 405
    r = admin.post(reverse("api:webhooks-replay", args=[dead.pk]), follow=True)
    assert r.status_code == 200 and "Đã gửi lại sự kiện" in r.content.decode()
    dead.refresh_from_db()
    assert dead.state == D.DELIVERED
    assert WebhookAttempt.objects.filter(delivery=dead, replay=True).count() == 1
    row = AuditEvent.objects.filter(object_type="api.webhookdelivery", object_id=str(dead.pk)).order_by("seq").last()
    assert row.actor_id == world.system_admin.pk and row.changes["replay"] is True


def test_pause_needs_a_reason_then_resume_and_both_are_audited(admin, world, receiver):
    key, _ = make_key(name="Sở Tạm Dừng")
    sub = subscribe(key)
    page = admin.get(reverse("api:webhooks-subscriptions")).content.decode()
    assert "Sở Tạm Dừng" in page and sub.url in page and sub.secret not in page
    r = admin.post(reverse("api:webhooks-pause", args=[sub.pk]), {"reason": ""}, follow=True)
    assert "Vui lòng ghi lý do tạm dừng" in r.content.decode()
    assert WebhookSubscription.objects.get(pk=sub.pk).is_active
    admin.post(reverse("api:webhooks-pause", args=[sub.pk]), {"reason": "Bên nhận bảo trì"})
    sub.refresh_from_db()
    assert not sub.is_active and sub.disabled_reason == "Bên nhận bảo trì"
    # while paused: no new deliveries for it, and nothing is sent
    event = emit_dossier_event(world.commune_a)
    assert not event.deliveries.exists()
    admin.post(reverse("api:webhooks-resume", args=[sub.pk]))
    sub.refresh_from_db()
    assert sub.is_active and sub.disabled_reason == ""
    assert (
        AuditEvent.objects.filter(
            object_type="api.webhooksubscription", object_id=str(sub.pk), action="transition"
        ).count()
        == 2
    )


def test_deliveries_waiting_while_paused_are_sent_after_resume(admin, world, receiver):
    key, _ = make_key()
    sub = subscribe(key)
    delivery = emit_dossier_event(world.commune_a).deliveries.get()
    webhooks.subscription_set_active(subscription=sub, active=False, reason="Bảo trì")
    assert webhooks.deliver(delivery.pk) is None and receiver.calls == []
    admin.post(reverse("api:webhooks-resume", args=[sub.pk]))
    assert webhooks.deliver_due().delivered == 1


def test_a_delivery_held_behind_a_failing_one_says_so(admin, world, receiver):
    key, _ = make_key()
    subscribe(key)
    first = emit_dossier_event(world.commune_a).deliveries.get()
    second = emit_dossier_event(world.commune_a).deliveries.get()
    receiver.down = True
    assert webhooks.deliver(first.pk).state == D.FAILED
    assert webhooks.deliver(second.pk) is None
    html = admin.get(reverse("api:webhooks-deliveries")).content.decode()
    assert "Chờ sự kiện trước được gửi" in html
    # failing first, then the held one
    assert html.index(f"#{first.pk}<") < html.index(f"#{second.pk}<")
