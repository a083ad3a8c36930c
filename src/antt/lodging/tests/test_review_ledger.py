"""Review: the ledger is append-only in practice. Through a whole life (arrival on the watchlist,
correction, departure, another stay cancelled, retention), an existing `Declaration` row only
ever has `is_current`, `state`, `departed_at`, `watch_hit` or the anonymised columns updated, and
no row is deleted; every state change leaves an audit entry."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db.models import QuerySet
from django.utils import timezone

from antt.core.models import AuditEvent
from antt.lodging import retention, services, watch
from antt.lodging.models import Declaration
from antt.lodging.tests.factories import guest_row, lodging_world

pytestmark = pytest.mark.django_db
ALLOWED = {"is_current", "state", "departed_at", "watch_hit"}
ANONYMISED = {
    "full_name",
    "name_folded",
    "birth_date",
    "birth_year",
    "doc_number",
    "address",
    "phone",
    "visa_number",
    "note",
    "anonymised_at",
}


def test_only_the_allowed_columns_of_old_rows_ever_change(settings, monkeypatch):
    w = lodging_world(settings)
    updates: list[set] = []
    deletes: list = []
    real_update, real_delete = QuerySet.update, QuerySet.delete

    def update(qs, **kwargs):
        if qs.model is Declaration:
            updates.append(set(kwargs))
        return real_update(qs, **kwargs)

    def delete(qs):
        if qs.model is Declaration:
            deletes.append(qs)
        return real_delete(qs)

    monkeypatch.setattr(QuerySet, "update", update)
    monkeypatch.setattr(QuerySet, "delete", delete)
    watch.clear_cache()
    watch.watch_add(user=w.head_a, kind="wanted", doc_number="038190007777", basis="QĐ truy nã 1/2026")
    audit_before = AuditEvent.objects.count()
    stay = services.declare_one(establishment=w.hotel, raw=guest_row(doc_number="038190007777"), user=w.manager)
    other = services.declare_one(establishment=w.hotel, raw=guest_row(), user=w.manager)
    services.correct(establishment=w.hotel, stay_id=stay.stay_id, raw={"room": "305"}, note="Đổi phòng", user=w.manager)
    services.depart(establishment=w.hotel, stay_id=stay.stay_id, user=w.manager)
    services.cancel(establishment=w.hotel, stay_id=other.stay_id, note="Khai nhầm khách", user=w.manager)
    # declare ×2 (batch + alert), correct, depart, cancel
    assert AuditEvent.objects.count() - audit_before >= 6
    retention.anonymise_due(timezone.now() + timedelta(days=365 * 10))
    assert updates, "the flow updated nothing: the check would be empty"
    for fields in updates:
        assert fields <= ALLOWED or fields <= ANONYMISED, fields
    assert not deletes
    assert Declaration.objects.filter(stay_id=stay.stay_id).count() == 3
