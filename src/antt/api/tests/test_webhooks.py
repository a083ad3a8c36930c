"""The webhook outbox (antt.api.webhooks): who gets an event, signing, delivery, backoff, order,
dead deliveries, replay, the receivers' address check (SSRF), and the retry sweep."""

# ruff: noqa: F811 (the fixtures imported from test_webhooks_support are parameters here)
from __future__ import annotations

import random
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from antt.api import webhooks
from antt.api.models import DeliveryState, WebhookAttempt, WebhookDelivery, WebhookEvent
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
D = DeliveryState


# --- who receives an event -----------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_emit_outside_a_transaction_is_refused(world):
    with pytest.raises(RuntimeError):
        webhooks.emit("dossier.state_changed", world.commune_a, {}, world.commune_a)
    assert WebhookEvent.objects.count() == 0


def test_emit_rejects_an_unknown_event_type(world):
    with transaction.atomic(), pytest.raises(ValueError):
        webhooks.emit("dossier.deleted", world.commune_a, {}, world.commune_a)


def test_one_delivery_per_matching_subscription_only(world):
    # given subscriptions of every kind
    whole, _ = make_key()
    in_a, _ = make_key(units=[world.commune_a])
    in_b, _ = make_key(units=[world.commune_b])
    province, _ = make_key(units=[world.province])
    no_scope, _ = make_key(scopes=["dossiers.status"])
    revoked, _ = make_key(is_active=False)
    expired, _ = make_key(expires_at=timezone.now() - timedelta(days=1))
    wanted = [subscribe(k) for k in (whole, in_a, province)]
    subscribe(whole, events=["certificate.revoked"])  # another type
    subscribe(whole, is_active=False)  # paused
    for k in (in_b, no_scope, revoked, expired):
        subscribe(k)
    # when a dossier of commune A changes state
    event = emit_dossier_event(world.commune_a)
    # then exactly the subscriptions that asked for it and whose key may see commune A get it
    got = set(WebhookDelivery.objects.filter(event=event).values_list("subscription_id", flat=True))
    assert got == {s.pk for s in wanted}
    assert set(WebhookDelivery.objects.values_list("state", flat=True)) == {D.PENDING}
    # and the event is on the audit trail (it goes out to other systems)
    assert AuditEvent.objects.filter(object_type="api.webhookevent", object_id=str(event.pk)).count() == 1


def test_an_event_is_recorded_even_without_subscriptions_for_the_pull_api(world):
    event = emit_dossier_event(world.commune_b)
    assert WebhookEvent.objects.filter(pk=event.pk).exists()
    assert WebhookDelivery.objects.count() == 0


def test_deliveries_are_enqueued_only_after_the_commit(world, django_capture_on_commit_callbacks, monkeypatch):
    key, _ = make_key()
    subscribe(key)
    enqueued = []
    monkeypatch.setattr(webhooks, "_enqueue", lambda pk, run_after=None: enqueued.append(pk))
    with django_capture_on_commit_callbacks(execute=True):
        event = emit_dossier_event(world.commune_a)
        assert enqueued == []
    assert enqueued == [event.deliveries.get().pk]


def test_a_rollback_leaves_no_event_no_delivery_and_enqueues_nothing(world, django_capture_on_commit_callbacks):
    key, _ = make_key()
    subscribe(key)
    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(ZeroDivisionError), transaction.atomic():
        webhooks.emit("dossier.state_changed", world.commune_a, {"x": 1}, world.commune_a)
        1 / 0  # noqa: B018
    assert WebhookEvent.objects.count() == 0 and WebhookDelivery.objects.count() == 0
    assert callbacks == []


# --- signing --------------------------------------------------------------------------------


def test_the_signature_sent_verifies_with_the_receivers_function(world, receiver):
    key, _ = make_key()
    sub = subscribe(key)
    event = emit_dossier_event(world.commune_a)
    webhooks.deliver(event.deliveries.get().pk)
    call = receiver.calls[0]
    # the headers name the event and the delivery
    assert call.headers["X-ANTT-Event"] == "dossier.state_changed"
    assert call.headers["X-ANTT-Event-Id"] == str(event.pk)
    assert call.headers["X-ANTT-Delivery"] == str(event.deliveries.get().pk)
    assert call.document["id"] == str(event.pk) and call.document["data"]["new_state"] == "processing"
    header = call.headers["X-ANTT-Signature"]
    assert webhooks.verify_signature(sub.secret, header, call.body)
    assert webhooks.verify_signature(sub.secret, header, call.body.decode())
    # and anything else does not
    assert not webhooks.verify_signature("whsec_other", header, call.body)
    assert not webhooks.verify_signature(sub.secret, header, call.body + b" ")
    assert not webhooks.verify_signature(sub.secret, header.replace("v1=", "v1=0"), call.body)
    assert not webhooks.verify_signature(sub.secret, "", call.body)
    assert not webhooks.verify_signature(sub.secret, "t=abc,v1=00", call.body)
    assert not webhooks.verify_signature(sub.secret, "v1=" + header.split("v1=")[1], call.body)


def test_an_old_or_future_timestamp_is_refused():
    body = b'{"id":"1"}'
    header = webhooks.sign("whsec_x", body, timestamp=1_800_000_000)
    assert webhooks.verify_signature("whsec_x", header, body, now=1_800_000_000 + 299)
    assert not webhooks.verify_signature("whsec_x", header, body, now=1_800_000_000 + 301)
    assert not webhooks.verify_signature("whsec_x", header, body, now=1_800_000_000 - 301)
    # a rotated receiver may list two signatures; one matching is enough
    other = webhooks.sign("whsec_y", body, timestamp=1_800_000_000).split(",")[1]
    assert webhooks.verify_signature("whsec_x", f"{header},{other}", body, now=1_800_000_000)


# --- delivering -----------------------------------------------------------------------------


def test_a_2xx_answer_delivers_and_logs_one_attempt(world, receiver):
    key, _ = make_key()
    subscribe(key, url="https://nhan.example.vn/hook?src=antt")
    delivery = emit_dossier_event(world.commune_a).deliveries.get()
    receiver.status = 204
    done = webhooks.deliver(delivery.pk)
    assert done.state == D.DELIVERED and done.delivered_at is not None and done.last_status == 204
    assert receiver.calls[0].url == "https://nhan.example.vn:443/hook?src=antt"
    assert receiver.calls[0].address == "203.113.131.5"
    attempt = WebhookAttempt.objects.get(delivery=delivery)
    assert attempt.status == 204 and not attempt.replay
    # a delivered delivery is not sent again by the task
    assert webhooks.deliver(delivery.pk) is None
    assert len(receiver.calls) == 1


@pytest.mark.parametrize("status", [301, 302, 400, 404, 410, 500, 503])
def test_anything_but_2xx_is_a_failure_with_a_retry(world, receiver, clock, status):
    key, _ = make_key()
    subscribe(key)
    delivery = emit_dossier_event(world.commune_a).deliveries.get()
    receiver.status = status
    done = webhooks.deliver(delivery.pk)
    assert done.state == D.FAILED and done.last_status == status and f"HTTP {status}" in done.last_error
    wait = done.next_attempt_at - clock.now
    assert timedelta(seconds=54) <= wait <= timedelta(seconds=66)


def test_network_errors_and_timeouts_are_failures_too(world, receiver, clock):
    key, _ = make_key()
    subscribe(key)
    d1 = emit_dossier_event(world.commune_a).deliveries.get()
    receiver.down = True
    done = webhooks.deliver(d1.pk)
    assert done.state == D.FAILED and done.last_status is None and "ConnectionRefusedError" in done.last_error
    clock.advance(minutes=2)
    receiver.down, receiver.timeout = False, True
    done = webhooks.deliver(d1.pk)
    assert done.state == D.FAILED and "Quá thời gian chờ" in done.last_error and done.attempts == 2


def test_backoff_schedule_with_bounded_jitter():
    rng = random.Random(7)
    minutes = [1, 5, 15, 30, 60, 120, 240, 480, 720, 1440, 1440, 1440]
    for n, expected in enumerate(minutes, start=1):
        wait = webhooks.backoff(n, rng=rng).total_seconds() / 60
        assert expected * 0.9 <= wait <= expected * 1.1, (n, wait)


def test_a_receiver_down_for_an_hour_gets_everything_afterwards_in_order(world, receiver, clock):
    # given a subscriber whose receiver is down, and three events a minute apart
    key, _ = make_key()
    sub = subscribe(key)
    receiver.down = True
    events = []
    for _ in range(3):
        events.append(emit_dossier_event(world.commune_a))
        clock.advance(minutes=1)
    first, second, third = (e.deliveries.get() for e in events)
    # when the tasks run: the first fails, the later ones wait behind it (not attempted)
    assert webhooks.deliver(first.pk).state == D.FAILED
    assert webhooks.deliver(second.pk) is None and webhooks.deliver(third.pk) is None
    # and the sweep runs every minute for an hour while the receiver is down
    for _ in range(60):
        clock.advance(minutes=1)
        call_command("webhooks_retry", stdout=open("/dev/null", "w"))  # noqa: SIM115
    # then only the first was tried, with the backoff spacing (1, 5, 15, 30 min ± 10 %)
    first.refresh_from_db()
    times = list(WebhookAttempt.objects.filter(delivery=first).values_list("at", flat=True))
    gaps = [(b - a).total_seconds() / 60 for a, b in zip(times, times[1:], strict=False)]
    assert len(times) == first.attempts == 5
    for gap, base in zip(gaps, [1, 5, 15, 30], strict=True):
        assert base * 0.9 <= gap <= base * 1.1 + 1, gaps  # +1: the sweep runs once a minute
    assert not WebhookAttempt.objects.filter(delivery__in=[second, third]).exists()
    assert WebhookDelivery.objects.get(pk=second.pk).attempts == 0
    # when the receiver is back, the first sweep after the next retry time delivers everything
    receiver.down = False
    first.refresh_from_db()
    clock.now = first.next_attempt_at + timedelta(seconds=1)
    assert webhooks.deliver_due().delivered == 3
    # then nothing is lost, and they arrived in the order they occurred
    assert set(WebhookDelivery.objects.filter(subscription=sub).values_list("state", flat=True)) == {D.DELIVERED}
    assert receiver.event_ids() == [str(e.pk) for e in events]


def test_the_task_of_a_later_event_sends_it_at_once_when_nothing_earlier_is_open(world, receiver):
    key, _ = make_key()
    subscribe(key)
    a = emit_dossier_event(world.commune_a).deliveries.get()
    b = emit_dossier_event(world.commune_a).deliveries.get()
    assert webhooks.deliver(a.pk).state == D.DELIVERED
    assert webhooks.deliver(b.pk).state == D.DELIVERED
    assert receiver.event_ids() == [str(a.event_id), str(b.event_id)]


def test_after_max_attempts_the_delivery_is_dead_and_audited(world, receiver, clock, settings):
    settings.ANTT_WEBHOOK_MAX_ATTEMPTS = 3
    key, _ = make_key()
    subscribe(key)
    delivery = emit_dossier_event(world.commune_a).deliveries.get()
    receiver.status = 500
    for _ in range(3):
        webhooks.deliver(delivery.pk)
        clock.advance(hours=1)
    delivery.refresh_from_db()
    assert delivery.state == D.DEAD and delivery.attempts == 3 and delivery.next_attempt_at is None
    assert WebhookAttempt.objects.filter(delivery=delivery).count() == 3
    assert AuditEvent.objects.filter(object_type="api.webhookdelivery", object_id=str(delivery.pk)).count() == 1
    # a dead delivery is not retried any more, and no longer holds the next ones back
    assert webhooks.deliver_due().total == 0
    receiver.status = 200
    later = emit_dossier_event(world.commune_a).deliveries.get()
    assert webhooks.deliver(later.pk).state == D.DELIVERED


def test_replay_sends_any_delivery_again_logged_and_audited(world, receiver, clock, settings):
    settings.ANTT_WEBHOOK_MAX_ATTEMPTS = 1
    key, _ = make_key()
    subscribe(key)
    delivery = emit_dossier_event(world.commune_a).deliveries.get()
    receiver.status = 500
    assert webhooks.deliver(delivery.pk).state == D.DEAD
    # when it is replayed with the receiver back
    receiver.status = 200
    done = webhooks.replay(delivery=delivery, actor=world.system_admin)
    # then it is delivered, the attempt is marked as a replay and the trail names who asked
    assert done.state == D.DELIVERED
    log = list(WebhookAttempt.objects.filter(delivery=delivery).order_by("at", "id"))
    assert [a.replay for a in log] == [False, True]
    audit_row = (
        AuditEvent.objects.filter(object_type="api.webhookdelivery", object_id=str(delivery.pk)).order_by("seq").last()
    )
    assert audit_row.actor_id == world.system_admin.pk and audit_row.changes["replay"] is True
    # a delivered one can be replayed too; a failed replay leaves it delivered
    receiver.status = 502
    again = webhooks.replay(delivery=delivery, actor=world.system_admin)
    assert again.state == D.DELIVERED and again.last_status == 502
    assert WebhookAttempt.objects.filter(delivery=delivery, replay=True).count() == 2
    assert len(receiver.calls) == 3


def test_a_leased_delivery_is_not_sent_by_a_second_worker(world, receiver, clock):
    key, _ = make_key()
    subscribe(key)
    delivery = emit_dossier_event(world.commune_a).deliveries.get()
    claimed = webhooks._claim(WebhookDelivery.objects.filter(pk=delivery.pk), 1)
    assert len(claimed) == 1
    # the other worker finds nothing due (the lease holds it)
    assert webhooks.deliver(delivery.pk) is None
    assert webhooks.deliver_due().total == 0
    # when the worker died, the delivery is due again after the lease
    clock.advance(seconds=webhooks.claim_lease().total_seconds() + 1)
    assert webhooks.deliver(delivery.pk).state == D.DELIVERED


# --- receivers' addresses (SSRF) ---------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/hook",
        "https://10.1.2.3/hook",
        "https://192.168.1.10:8443/hook",
        "https://172.16.0.1/",
        "https://169.254.169.254/latest/meta-data/",
        "https://[::1]/hook",
        "https://[fd00::1]/hook",
        "https://[::ffff:127.0.0.1]/hook",
        "https://0.0.0.0/hook",
        "https://100.64.0.1/hook",
        "https://224.0.0.1/hook",
    ],
)
def test_private_and_reserved_addresses_are_refused(settings, url):
    settings.ANTT_WEBHOOK_ALLOW_PRIVATE = False
    with pytest.raises(webhooks.UrlRefused, match="mạng nội bộ"):
        webhooks.check_url(url)


def test_a_name_resolving_to_a_private_address_is_refused(settings, public_dns):
    settings.ANTT_WEBHOOK_ALLOW_PRIVATE = False
    public_dns["noibo.example.vn"] = "10.0.0.5"
    with pytest.raises(webhooks.UrlRefused, match="mạng nội bộ"):
        webhooks.check_url("https://noibo.example.vn/hook")
    assert webhooks.check_url("https://congkhai.example.vn/hook").address == "203.113.131.5"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://nhan.example.vn/hook", "https"),
        ("ftp://nhan.example.vn/hook", "https://"),
        ("https://user:pass@nhan.example.vn/hook", "mật khẩu"),
        ("https:///hook", "tên máy chủ"),
        ("https://nhan.example.vn:99999/hook", "không hợp lệ"),
        ("https://nhan.example.vn/a b", "khoảng trắng"),
        ("", "nhập địa chỉ"),
        ("https://" + "a" * 500 + ".vn", "500"),
    ],
)
def test_malformed_or_insecure_urls_are_refused(settings, public_dns, url, message):
    settings.DEBUG = False
    with pytest.raises(webhooks.UrlRefused, match=message):
        webhooks.check_url(url)


def test_private_receivers_are_allowed_only_when_configured(settings):
    settings.ANTT_WEBHOOK_ALLOW_PRIVATE = True
    assert webhooks.check_url("https://127.0.0.1:9000/x").address == "127.0.0.1"
    settings.DEBUG = True
    assert webhooks.check_url("http://127.0.0.1:9000/x").scheme == "http"


def test_an_address_that_turned_private_is_checked_again_before_each_attempt(world, receiver, public_dns, settings):
    settings.ANTT_WEBHOOK_ALLOW_PRIVATE = False
    key, _ = make_key()
    subscribe(key, url="https://nhan.example.vn/hook")
    delivery = emit_dossier_event(world.commune_a).deliveries.get()
    public_dns["nhan.example.vn"] = "127.0.0.1"  # DNS now points inside
    done = webhooks.deliver(delivery.pk)
    assert done.state == D.FAILED and "Địa chỉ bị từ chối" in done.last_error
    assert receiver.calls == []


# --- a real HTTP receiver ----------------------------------------------------------------------


class _Receiver(BaseHTTPRequestHandler):
    secret = ""
    received: list = []

    def do_POST(self):  # noqa: N802
        body = self.rfile.read(int(self.headers["Content-Length"]))
        ok = webhooks.verify_signature(self.secret, self.headers.get("X-ANTT-Signature"), body)
        self.received.append((self.path, ok, body))
        if self.path == "/redirect":
            self.send_response(302)
            self.send_header("Location", "/ok")
        else:
            self.send_response(200 if ok else 401)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def http_receiver():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    _Receiver.received = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_a_real_local_receiver_verifies_the_signature_and_redirects_are_not_followed(world, settings, http_receiver):
    settings.DEBUG = True
    settings.ANTT_WEBHOOK_ALLOW_PRIVATE = True
    port = http_receiver.server_address[1]
    key, _ = make_key()
    sub = subscribe(key, url=f"http://127.0.0.1:{port}/hook")
    _Receiver.secret = sub.secret
    delivery = emit_dossier_event(world.commune_a).deliveries.get()
    assert webhooks.deliver(delivery.pk).state == D.DELIVERED
    assert _Receiver.received[0][:2] == ("/hook", True)
    # a receiver answering with a redirect: a failure, and the redirect is not followed
    sub.url = f"http://127.0.0.1:{port}/redirect"
    sub.save()
    other = emit_dossier_event(world.commune_a).deliveries.get()
    done = webhooks.deliver(other.pk)
    assert done.state == D.FAILED and done.last_status == 302
    assert [r[0] for r in _Receiver.received] == ["/hook", "/redirect"]


def test_a_receiver_that_refuses_connections_is_a_network_failure(world, settings):
    settings.DEBUG = True
    settings.ANTT_WEBHOOK_ALLOW_PRIVATE = True
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    port = server.server_address[1]
    server.server_close()  # nothing listens there now
    key, _ = make_key()
    subscribe(key, url=f"http://127.0.0.1:{port}/hook")
    delivery = emit_dossier_event(world.commune_a).deliveries.get()
    done = webhooks.deliver(delivery.pk)
    assert done.state == D.FAILED and done.last_status is None and "Lỗi kết nối" in done.last_error


def test_the_retry_command_reports_in_vietnamese(world, receiver, capsys):
    key, _ = make_key()
    subscribe(key)
    emit_dossier_event(world.commune_a)
    call_command("webhooks_retry")
    assert "1 thành công" in capsys.readouterr().out
