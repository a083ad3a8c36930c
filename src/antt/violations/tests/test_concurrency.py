"""Races on PostgreSQL (real parallel connections): the same bank transfer confirmed twice at
once, and decisions numbered at once. SQLite runs one write transaction at a time, so there
is no race to test there."""

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime

import pytest
from django.db import connection

from antt.violations import services
from antt.violations.models import FinePayment, PenaltyDecision
from antt.violations.tests.factories import VIOLATED_AT, VN, make_decision, make_record, violations_world

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises every write transaction; the parallel race needs PostgreSQL")


def _in_threads(fn, calls: int):
    start = threading.Barrier(calls)

    def run(i):
        try:
            start.wait(timeout=30)
            return fn(i)
        except Exception as exc:  # returned, so that the test sees every outcome
            return exc
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=calls) as pool:
        return list(pool.map(run, range(calls)))


def test_one_transfer_confirmed_eight_times_at_once_makes_one_payment(postgresql_only):
    # given an unpaid 500.000 đ decision
    w = violations_world()
    decision = make_decision(w, issued_at=VIOLATED_AT.replace(hour=11), delivered_on=date(2026, 3, 10))
    # when the provider sends the same confirmation on 8 connections at the same moment
    results = _in_threads(
        lambda i: services.payment_record(
            decision=decision.pk,
            amount=500_000,
            channel="transfer",
            transaction_id="FT-RACE-1",
            received_at=datetime(2026, 3, 12, 9, 0, tzinfo=VN),
        ),
        8,
    )
    # then one payment, created once, and the others see it
    assert not [r for r in results if isinstance(r, Exception)], results
    assert sorted(created for _, created in results) == [False] * 7 + [True]
    assert len({payment.pk for payment, _ in results}) == 1
    assert FinePayment.objects.count() == 1
    decision.refresh_from_db()
    assert decision.amount_paid == 500_000 and decision.status == "paid"


def test_decisions_issued_at_once_get_distinct_consecutive_numbers(postgresql_only):
    # given 10 open records in one unit
    w = violations_world()
    records = [make_record(w) for _ in range(10)]
    # when 10 connections issue a decision each at the same moment
    results = _in_threads(
        lambda i: make_decision(w, record=records[i], issued_at=VIOLATED_AT.replace(hour=11)).number, 10
    )
    # then 10 decisions numbered 1..10 without a gap
    assert not [r for r in results if isinstance(r, Exception)], results
    assert sorted(int(number.split("/", 1)[0]) for number in results) == list(range(1, 11))
    assert PenaltyDecision.objects.count() == 10
