"""Fixes after the review: one sending at a time per establishment (the duplicate check holds under
concurrency), and watchlist document numbers in ASCII only (a full-width number could never match)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from antt.lodging import services, watch
from antt.lodging.errors import LodgingError
from antt.lodging.models import Declaration, WatchEntry
from antt.lodging.tests.factories import guest_row, lodging_world


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite runs one write transaction at a time")
def test_two_sendings_of_the_same_guest_at_once_declare_the_guest_once():
    # given one guest sent by two sendings (different keys) at the same moment
    w = lodging_world()
    row = guest_row(doc_number="038090077777")
    barrier = threading.Barrier(2)
    results, errors = [], []

    def send(key):
        try:
            barrier.wait()
            results.append(
                services.declare_batch(establishment=w.hotel, rows=[dict(row)], source="api", idempotency_key=key)
            )
        except Exception as exc:  # noqa: BLE001 (reported below)
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send, args=(k,)) for k in ("a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # then one is written, the other refused as a duplicate
    assert errors == []
    assert sorted(r.batch.status for r in results) == ["done", "rejected"]
    refused = next(r for r in results if r.batch.status == "rejected")
    assert refused.batch.report[0]["code"] == "duplicate"
    assert Declaration.objects.filter(establishment_id=w.hotel.pk, doc_number="038090077777").count() == 1


@pytest.mark.django_db
def test_a_full_width_document_number_is_refused_on_the_watchlist():
    w = lodging_world()
    with pytest.raises(LodgingError) as exc:
        watch.watch_add(
            user=w.head_a, kind=WatchEntry.Kind.WANTED, doc_number="０３８０９００１２３４５", basis="QĐ 1/TN"
        )
    assert exc.value.status == 400 and exc.value.field == "doc_number"
    assert not WatchEntry.objects.exists()
