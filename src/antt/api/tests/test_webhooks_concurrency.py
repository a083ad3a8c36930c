"""Several retry sweeps and task workers at the same moment (PostgreSQL: real parallel connections):
every delivery is sent exactly once, in order per subscription.

SQLite runs one write transaction at a time, so there is no race to test there."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from antt.api import webhooks
from antt.api.models import DeliveryState, WebhookAttempt, WebhookDelivery
from antt.api.tests.test_webhooks_support import emit_dossier_event, make_key, subscribe
from antt.org.tests.factories import make_unit

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises every write transaction; the parallel race needs PostgreSQL")


def test_parallel_sweeps_send_each_delivery_once_and_in_order(postgresql_only, monkeypatch):
    # given two subscriptions with ten due deliveries each
    unit = make_unit("Công an phường Thử song song")
    subs = [subscribe(make_key()[0]) for _ in range(2)]
    for _ in range(10):
        emit_dossier_event(unit)
    received: list[tuple[str, str]] = []
    lock = threading.Lock()

    def slow_receiver(target, body, headers, timeout):
        time.sleep(0.02)  # long enough for the other workers to try the same rows
        with lock:
            received.append((headers["X-ANTT-Delivery"], headers["X-ANTT-Event-Id"]))
        return 200, "ok"

    monkeypatch.setattr(webhooks, "http_post", slow_receiver)
    monkeypatch.setattr(webhooks, "check_url", lambda url: webhooks.Target("https", "x.vn", 443, "/", "203.0.113.9"))
    start = threading.Barrier(4)

    def worker(_):
        try:
            start.wait(timeout=30)
            # Sweeps until nothing is left (a delivery held back while another worker was
            # finishing the one before it is released by the next sweep: `_release_orphans`).
            for _ in range(40):
                webhooks.deliver_due(limit=3)
                if not WebhookDelivery.objects.exclude(state=DeliveryState.DELIVERED).exists():
                    break
        finally:
            connection.close()

    # when four sweeps run at once
    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(worker, range(4)))
    # then every delivery was sent exactly once
    ids = [d for d, _ in received]
    assert len(ids) == len(set(ids)) == 20
    assert set(WebhookDelivery.objects.values_list("state", flat=True)) == {DeliveryState.DELIVERED}
    assert WebhookAttempt.objects.count() == 20
    # and, per subscription, in the order the events occurred
    for sub in subs:
        expected = [
            str(e)
            for e in WebhookDelivery.objects.filter(subscription=sub)
            .order_by("event__occurred_at", "id")
            .values_list("event_id", flat=True)
        ]
        mine = {str(pk) for pk in WebhookDelivery.objects.filter(subscription=sub).values_list("pk", flat=True)}
        got = [event for delivery, event in received if delivery in mine]
        assert got == expected
