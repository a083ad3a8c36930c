"""Builders shared by the webhook tests (no tests here): agency keys, subscriptions, a fake
receiver that replaces the HTTP transport, a movable clock and a public DNS answer."""

from __future__ import annotations

import itertools
import json
import secrets
import socket
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from antt.api import webhooks
from antt.api.agency import hash_key
from antt.api.models import AgencyKey, WebhookSubscription
from antt.dossiers.models import Dossier

_seq = itertools.count(1)
PUBLIC_IP = "203.113.131.5"


def make_key(*, scopes=("webhooks",), units=(), name: str | None = None, **extra) -> tuple[AgencyKey, str]:
    n = next(_seq)
    prefix = f"wh{n:04d}{secrets.token_hex(2)}"
    token = f"antt_{prefix}_{secrets.token_urlsafe(24)}"
    key = AgencyKey.objects.create(
        name=name or f"Sở Thử {n}", prefix=prefix, key_hash=hash_key(token), scopes=list(scopes), **extra
    )
    if units:
        key.units.set(units)
    return key, token


def subscribe(key, *, events=None, url: str = "https://nhan.example.vn/antt", **extra) -> WebhookSubscription:
    return WebhookSubscription.objects.create(
        key=key,
        url=url,
        events=list(events or webhooks.EVENT_TYPES),
        secret=webhooks.new_secret(),
        **extra,
    )


def emit_dossier_event(unit, *, code: str | None = None) -> webhooks.WebhookEvent:
    """An event for a stand-in dossier object (tests of the outbox itself, not of the dossiers)."""
    obj = Dossier(pk=next(_seq) + 10_000, code=code or f"H{next(_seq)}")
    with transaction.atomic():
        return webhooks.emit(
            "dossier.state_changed",
            obj,
            {"dossier_code": obj.code, "old_state": "received", "new_state": "processing"},
            unit,
        )


@dataclass
class Call:
    url: str
    address: str
    headers: dict
    body: bytes

    @property
    def document(self) -> dict:
        return json.loads(self.body)


@dataclass
class FakeReceiver:
    """Stands in for `webhooks.http_post`. `status` is what it answers; `down` makes it refuse
    connections (ConnectionRefusedError); `calls` is what it received, in order."""

    status: int = 200
    down: bool = False
    timeout: bool = False
    calls: list[Call] = field(default_factory=list)

    def __call__(self, target, body, headers, timeout):
        if self.down:
            raise ConnectionRefusedError(111, "Connection refused")
        if self.timeout:
            raise TimeoutError("timed out")
        self.calls.append(
            Call(f"{target.scheme}://{target.host}:{target.port}{target.path}", target.address, dict(headers), body)
        )
        return self.status, "ok" if 200 <= self.status < 300 else "Lỗi máy chủ"

    def event_ids(self) -> list[str]:
        return [c.headers["X-ANTT-Event-Id"] for c in self.calls]


@pytest.fixture
def public_dns(monkeypatch):
    """Every host name resolves to one public address (no real DNS in tests)."""
    answers: dict[str, str] = {}

    def fake(host, port):
        ip = answers.get(host, PUBLIC_IP)
        family = socket.AF_INET6 if ":" in ip else socket.AF_INET
        return [(family, socket.SOCK_STREAM, 6, "", (ip, port))]

    monkeypatch.setattr(webhooks, "_getaddrinfo", fake)
    return answers


@pytest.fixture
def receiver(monkeypatch, public_dns):
    fake = FakeReceiver()
    monkeypatch.setattr(webhooks, "http_post", fake)
    return fake


class Clock:
    def __init__(self, start: datetime):
        self.now = start

    def __call__(self):
        return self.now

    def advance(self, **kwargs) -> datetime:
        self.now = self.now + timedelta(**kwargs)
        return self.now


@pytest.fixture
def clock(monkeypatch):
    c = Clock(timezone.now().replace(microsecond=0))
    monkeypatch.setattr(timezone, "now", c)
    return c


@pytest.fixture
def world(db):
    from antt.org.tests.factories import two_communes_with_officers

    return two_communes_with_officers()
